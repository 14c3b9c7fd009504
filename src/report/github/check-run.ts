// A Check Run with one annotation per spec error at its file:line (GitHub App
// auth only). GitHub takes at most 50 annotations per request, so the run is
// created with the first 50 and updated with the rest, 50 at a time.
import type { GitHubClient } from './client.ts';
import type { SpecProblem } from '../events.ts';
import type { RepoRef } from './types.ts';
import { plainText } from '../markdown.ts';

export const ANNOTATIONS_PER_REQUEST = 50;

export interface CheckRunInput {
  name: string;
  headSha: string;
  conclusion: 'success' | 'failure' | 'neutral';
  title: string;
  summary: string;
  problems: readonly SpecProblem[];
  /** The spec root inside the repository: annotation paths are repository paths. */
  root?: string;
}

export function toAnnotation(p: SpecProblem, root = '') {
  return {
    path: root && p.pos.file ? `${root}/${p.pos.file}` : p.pos.file,
    start_line: p.pos.line,
    end_line: p.pos.line,
    annotation_level: 'failure' as const,
    title: plainText(`${p.code}${p.field ? ' ' + p.field : ''}`).slice(0, 255),
    message: plainText(p.message).slice(0, 64 * 1024 - 1),
  };
}

/** Returns the check run id. */
export async function postCheckRun(gh: GitHubClient, repo: RepoRef, c: CheckRunInput): Promise<number> {
  const annotations = c.problems.map((p) => toAnnotation(p, c.root));
  const chunks: (typeof annotations)[] = [];
  for (let i = 0; i < annotations.length; i += ANNOTATIONS_PER_REQUEST) chunks.push(annotations.slice(i, i + ANNOTATIONS_PER_REQUEST));
  const output = (a: typeof annotations) => ({ title: plainText(c.title), summary: c.summary.slice(0, 65535), ...(a.length ? { annotations: a } : {}) });
  const last = chunks.length <= 1;
  // The conclusion is set with the last chunk, so the run never shows "completed" with annotations still missing.
  const created = await gh.rest.checks.create({
    ...repo, name: c.name, head_sha: c.headSha, external_id: `flowops:${c.headSha}`,
    ...(last ? { status: 'completed' as const, conclusion: c.conclusion } : { status: 'in_progress' as const }),
    output: output(chunks[0] ?? []),
  });
  for (let i = 1; i < chunks.length; i++) {
    const final = i === chunks.length - 1;
    await gh.rest.checks.update({
      ...repo, check_run_id: created.data.id,
      ...(final ? { status: 'completed' as const, conclusion: c.conclusion } : {}),
      output: output(chunks[i]),
    });
  }
  return created.data.id;
}
