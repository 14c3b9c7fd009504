// verify over a whole desired set (desired/): the entries every switch would
// hold, as `desiredState` compiled them, so `flowops verify`, the PR check and
// the reconciler judge the same entries. Pure: the set carries its P4Infos;
// it must be loaded with `keepSpecs` (tenant facts come from the documents).
import type { DesiredSet } from '../desired/types.ts';
import { factsFor } from './facts.ts';
import { verifyEntries, type Finding, type VerifyOptions, type VerifyResult } from './verify.ts';

export interface VerifyDesiredOptions extends VerifyOptions {
  /** Only this target. */
  target?: string;
}

// Results with default options, per desired set: a set kept across PR checks
// (desired/ DesiredCache keepSets) is verified once. Weak: gone with the set.
const verified = new WeakMap<DesiredSet, VerifyResult[]>();

/** One result per switch of `d` (none when `d` has problems: nothing compiled). */
export function verifyDesired(d: DesiredSet, opts: VerifyDesiredOptions = {}): VerifyResult[] {
  const plain = Object.keys(opts).length === 0;
  const had = plain ? verified.get(d) : undefined;
  if (had) return had;
  const out = verifyEach(d, opts);
  if (plain) verified.set(d, out);
  return out;
}

function verifyEach(d: DesiredSet, opts: VerifyDesiredOptions): VerifyResult[] {
  if (d.states.size && !d.specs) throw new Error('verifyDesired needs a desired set loaded with keepSpecs');
  const out: VerifyResult[] = [];
  for (const [target, state] of d.states) {
    if (opts.target !== undefined && target !== opts.target) continue;
    out.push(verifyEntries(target, state.entries, d.pipelines.get(target)!.index, factsFor(d.specs!, target), opts));
  }
  return out;
}

/** What identifies a finding across versions (its spec line may move). */
export const findingKey = (f: Finding) => `${f.target}|${f.check}|${f.table}|${f.message}|${f.entry ?? ''}`;

/** Findings of `after` that `before` does not have. */
export function newFindings(before: readonly VerifyResult[], after: readonly VerifyResult[]): VerifyResult[] {
  const old = new Set(before.flatMap((r) => r.findings.map(findingKey)));
  return after.map((r) => ({ ...r, findings: r.findings.filter((f) => !old.has(findingKey(f))) }));
}

export const failing = (results: readonly VerifyResult[]) => results.some((r) => r.findings.some((f) => f.severity === 'error'));

/** `tenants/acme/flows/web.yaml:12: cross-tenant: … \n    <entry>` per finding, then table usage. */
export function renderVerifyText(results: readonly VerifyResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    const errors = r.findings.filter((f) => f.severity === 'error').length;
    lines.push(`switch ${r.target}: ${errors} error${errors === 1 ? '' : 's'}, ${r.findings.length - errors} warning${r.findings.length - errors === 1 ? '' : 's'}`);
    for (const f of r.findings) {
      const where = f.origin ? `${f.origin.file}:${f.origin.line} (${f.origin.kind} ${f.origin.name})` : f.table;
      lines.push(`  ${f.severity === 'error' ? 'error' : 'warning'} ${f.check}: ${where}: ${f.message}`);
      if (f.entry) lines.push(`      ${f.entry}`);
    }
    const used = r.usage.filter((u) => u.entries > 0).map((u) => `${u.table.replace(/^ingress\./, '')} ${u.entries}/${u.size}`);
    lines.push(`  capacity: ${used.join(', ')}`);
  }
  return lines.join('\n') + '\n';
}

/** A finding as a spec problem (PR check annotations at the origin's file:line; `VERIFY_<CHECK>` codes). */
export function findingProblem(f: Finding): { pos: { file: string; line: number; col: number }; field: string; message: string; code: string } | undefined {
  if (!f.origin) return undefined;
  return {
    pos: { file: f.origin.file, line: f.origin.line, col: 1 },
    field: '',
    message: `${f.target}: ${f.message}${f.entry ? ` (${f.entry})` : ''}`,
    code: `VERIFY_${f.check.toUpperCase().replace(/-/g, '_')}`,
  };
}
