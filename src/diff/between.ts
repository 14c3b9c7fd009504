// The plan between two versions of the specs, without a switch: the older
// version's compiled entries play the part of the live state. This is what
// `flowops plan --against` and PR plan checks show. Deletes keep the origin
// the older version gave them, so a removed flow's entries are shown under it.
import type { SpecSet } from '../specs/spec-set.ts';
import type { Target } from '../specs/schema.ts';
import type { P4InfoIndex } from '../p4info/index.ts';
import { compile, emptyState } from '../compile/compile.ts';
import { FlowopsError } from '../shared/errors.ts';
import { BytesIndex } from '../compile/bytes-index.ts';
import { plan } from './plan.ts';
import type { Plan } from './types.ts';

export interface VersionPlan {
  target: string;
  plan: Plan;
  index: P4InfoIndex;
}

export interface PlanBetweenOptions {
  now: Date;
  /** Only this target. */
  target?: string;
  /** The P4Info a target is compiled against (the newer version's Target when it has one). */
  indexFor: (target: Target) => P4InfoIndex;
}

/**
 * Per target of either version (sorted by name): the changes turning
 * `before` into `after`. A target only in `after` gets all inserts, one only
 * in `before` all deletes.
 */
export function planBetween(before: SpecSet, after: SpecSet, opts: PlanBetweenOptions): VersionPlan[] {
  const names = [...new Set([...before.targets, ...after.targets].map((t) => t.metadata.name))].sort();
  if (opts.target !== undefined && !names.includes(opts.target)) {
    throw new FlowopsError('TARGET_NOT_FOUND', `no Target named '${opts.target}' in either version (known: ${names.join(', ') || 'none'})`, {
      target: opts.target,
    });
  }
  const out: VersionPlan[] = [];
  for (const name of names) {
    if (opts.target !== undefined && name !== opts.target) continue;
    const spec = after.targets.find((t) => t.metadata.name === name) ?? before.targets.find((t) => t.metadata.name === name)!;
    const index = opts.indexFor(spec);
    const side = (specs: SpecSet) =>
      specs.targets.some((t) => t.metadata.name === name) ? compile(specs, index, name, { now: opts.now }) : emptyState(name, index);
    const desired = side(after);
    const baseline = side(before);
    const old = baseline.entries;
    const live: Buffer[] = new Array(old.length);
    for (let i = 0; i < old.length; i++) live[i] = old.bytesOf(i);
    const p = plan(desired, live, { index, prune: true });
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
