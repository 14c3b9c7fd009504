// The PR check of a large repository (issue 13: ≤ 10 s cold, ≤ 2 s for a
// one-file change). Runs the real PR plan path — both commits' trees read from
// a Git repository (`readPrTrees`, what `fetchPr` does after fetching), then
// `planPullRequest` (desired/ for base and head: load, signatures, compile;
// the plan between them; the verify findings) — twice, as a long-running
// PrChecker would:
//   1. cold: a fresh process, a fresh DesiredCache; PR 1 adds one flow file;
//   2. warm: PR 1 merged, PR 2 adds another flow file; the same DesiredCache,
//      so only the changed files are parsed and only changed flows compiled.
//
//   node --import tsx bench/pr-plan.ts [--flows 100000]
// Prints one JSON line last (for `npm run bench`).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateSpecs, writeSpecs } from './generate.ts';
import { commitFiles } from './git-commit.ts';
import { mib, ownPeakRss } from './proc.ts';
import { commitDirectory } from '../src/source/commit-dir.ts';
import { readPrTrees } from '../src/source/pr-fetch.ts';
import { DesiredCache } from '../src/desired/desired.ts';
import { planPullRequest } from '../src/report/github/pr-plan.ts';
import { arg, secs } from './cli.ts';

export interface PrPlanFigures {
  flows: number;
  /** Trees of base and head read from the repository. */
  coldReadMs: number;
  coldPlanMs: number;
  warmReadMs: number;
  warmPlanMs: number;
  /** Entries the head of each PR holds, and what each plan writes. */
  entries: number;
  coldChanges: number;
  warmChanges: number;
}



async function main() {
  const flows = Number(arg('flows', '100000'));
  const target = { name: 'bench', address: '127.0.0.1:9559' };
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'flowops-pr-bench-'));
  try {
    const src = path.join(work, 'specs');
    const repo = path.join(work, 'repo');
    const files = generateSpecs({ flows, target });
    writeSpecs(files, src);
    const c0 = await commitDirectory(src, repo, 'base');
    const commitChange = async (extraFlow: string): Promise<string> => {
      const next = generateSpecs({ flows, target, extraFlow });
      const changed = [...next.keys()].filter((p) => files.get(p) !== next.get(p));
      for (const p of changed) files.set(p, next.get(p)!);
      writeSpecs(new Map(changed.map((p) => [p, next.get(p)!])), src);
      return commitFiles(repo, changed, src);
    };
    const c1 = await commitChange('pr-one');
    const c2 = await commitChange('pr-two');
    process.stderr.write(`bench: ${flows} flows, ${files.size} files committed\n`);

    const gitCache = {};
    const cache = new DesiredCache({ keepSets: 2 }); // as PrChecker keeps it
    const check = async (label: string, pr: number, base: string, head: string) => {
      let t = performance.now();
      const fetched = await readPrTrees({ dir: repo, base, head, cache: gitCache });
      const readMs = performance.now() - t;
      t = performance.now();
      const cpu = process.cpuUsage();
      const stages: Record<string, number> = {};
      const { report } = await planPullRequest({ repo: { owner: 'bench', repo: 'bench' }, pr, baseRef: 'main', fetched, now: new Date(), cache, stages });
      const planMs = performance.now() - t;
      const used = process.cpuUsage(cpu);
      process.stderr.write(`bench: ${label}: cpu ${secs((used.user + used.system) / 1000)}, load ${os.loadavg()[0]!.toFixed(2)}; ${Object.entries(stages).map(([k, v]) => `${k} ${secs(v)}`).join(', ')}\n`);
      if (report.problems.length) throw new Error(`${label}: ${report.problems[0]!.message}`);
      const p = report.switches[0]!.plan;
      const changes = p.inserts.length + p.modifies.length + p.deletes.length;
      process.stderr.write(`bench: ${label}: read ${secs(readMs)}, plan ${secs(planMs)}, ${changes} changes, ${p.unchanged} unchanged, rss ${mib(process.memoryUsage().rss)}\n`);
      return { readMs, planMs, changes, entries: p.unchanged + p.inserts.length + p.modifies.length };
    };
    const cold = await check('PR 1 (cold)', 1, c0, c1);
    const warm = await check('PR 2 (one file, warm caches)', 2, c1, c2);
    const out: PrPlanFigures & { peakRss: number } = {
      flows,
      coldReadMs: cold.readMs,
      coldPlanMs: cold.planMs,
      warmReadMs: warm.readMs,
      warmPlanMs: warm.planMs,
      entries: warm.entries,
      coldChanges: cold.changes,
      warmChanges: warm.changes,
      peakRss: ownPeakRss(),
    };
    console.log(JSON.stringify(out));
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
