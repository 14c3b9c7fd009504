// The plan between two versions of the specs, without a switch: the older
// version's desired state plays the part of the live state. `flowops plan` and
// the PR check show this. Both versions come from desired/ (signatures checked,
// pipelines resolved), so the plan is what a converged switch would receive.
// Deletes keep the origin the older version gave them, so a removed flow's
// entries are shown under it.
import type { P4InfoIndex } from '../p4info/index.ts';
import { emptyState } from '../compile/compile.ts';
import { BytesIndex } from '../compile/bytes-index.ts';
import type { DesiredSet } from '../desired/types.ts';
import { FlowopsError } from '../shared/errors.ts';
import { plan } from './plan.ts';
import type { Plan } from './types.ts';

export interface VersionPlan {
  target: string;
  plan: Plan;
  index: P4InfoIndex;
}

/**
 * Per target of either version (sorted by name): the changes turning `base`
 * into `head`. A target only in `head` gets all inserts, one only in `base`
 * all deletes (everything flowops wrote there goes).
 */
export function planVersions(base: DesiredSet, head: DesiredSet, opts: { target?: string } = {}): VersionPlan[] {
  const names = [...new Set([...base.states.keys(), ...head.states.keys()])].sort();
  if (opts.target !== undefined && !names.includes(opts.target)) {
    throw new FlowopsError('TARGET_NOT_FOUND', `no Target named '${opts.target}' in either version (known: ${names.join(', ') || 'none'})`, {
      target: opts.target,
    });
  }
  const out: VersionPlan[] = [];
  for (const name of names) {
    if (opts.target !== undefined && name !== opts.target) continue;
    const index = (head.pipelines.get(name) ?? base.pipelines.get(name))!.index;
    const old = (base.states.get(name) ?? emptyState(name, index)).entries;
    const live: Buffer[] = new Array(old.length);
    for (let i = 0; i < old.length; i++) live[i] = old.bytesOf(i);
    const p = plan(head.states.get(name) ?? emptyState(name, index), live, { index, prune: true });
    // A delete's origin: the older entry with its key, found in the keys' own arena.
    const byKey = p.deletes.length ? BytesIndex.over(old.keyArena, old.koffs) : undefined;
    for (const d of p.deletes) {
      const i = byKey!.find(Buffer.from(d.key, 'latin1'));
      if (i >= 0) d.origin ??= old.originOf(i);
    }
    out.push({ target: name, plan: p, index });
  }
  return out;
}
