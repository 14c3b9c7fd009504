// A plan for machines (CI checks, the GitHub reporter). The schema is stable:
// fields are only ever added. Byte strings are lowercase hex; `key` is the
// entry's identity on the switch, `entity` the whole p4.v1.Entity.
//
// {
//   "version": 1,
//   "summary": { "insert": n, "modify": n, "delete": n, "unchanged": n, "switches": n /* with changes */ },
//   "targets": [{
//     "target": "leaf1",
//     "summary": { "insert": n, "modify": n, "delete": n, "unchanged": n },
//     "changes": [{ "op": "insert"|"modify"|"delete", "entityKind": "table_entry"|…, "table": "ingress.flow_policy",
//                   "key": hex, "entity": hex, "description": "…",
//                   "origin": { "kind", "name", "file", "line" } | null,
//                   "previous"?: hex, "previousDescription"?: "…" /* modify only */ }],
//     "extraneous": [ same shape, op "delete" ]   /* live entries kept because prune is off */
//   }],
//   "trust": ["…"],      /* trust-relevant changes in words (specs/trust-diff.ts); may be empty */
//   "contracts": ["…"]   /* contract binding changes in words (specs/contracts.ts); may be empty */
// }
import { describeEntity } from '../p4info/entity.ts';
import type { Change } from '../diff/types.ts';
import type { Origin } from '../compile/types.ts';
import { compareWrites } from '../compile/order.ts';
import type { P4InfoIndex } from '../p4info/index.ts';
import type { TargetPlan } from './plan-text.ts';

export interface PlanJsonChange {
  op: Change['kind'];
  entityKind: Change['entity'];
  table: string;
  key: string;
  entity: string;
  description: string;
  origin: Origin | null;
  previous?: string;
  previousDescription?: string;
}

export interface PlanJsonTarget {
  target: string;
  summary: { insert: number; modify: number; delete: number; unchanged: number };
  changes: PlanJsonChange[];
  extraneous: PlanJsonChange[];
}

export interface PlanJson {
  version: 1;
  summary: { insert: number; modify: number; delete: number; unchanged: number; switches: number };
  targets: PlanJsonTarget[];
  /** Trust-relevant changes, in the words the text plan and the PR comment use. */
  trust: string[];
  /** Contract binding changes, in words. */
  contracts: string[];
}

/** What a plan says besides entries: the lines above them in the text plan. */
export interface PlanWords {
  trust?: readonly string[];
  contracts?: readonly string[];
}

function toJson(c: Change, index: P4InfoIndex): PlanJsonChange {
  const out: PlanJsonChange = {
    op: c.kind,
    entityKind: c.entity,
    table: c.table,
    key: Buffer.from(c.key, 'latin1').toString('hex'),
    entity: c.bytes.toString('hex'),
    description: describeEntity(c.bytes, index),
    origin: c.origin ? { kind: c.origin.kind, name: c.origin.name, file: c.origin.file, line: c.origin.line } : null,
  };
  if (c.previous) {
    out.previous = c.previous.toString('hex');
    out.previousDescription = describeEntity(c.previous, index);
  }
  return out;
}

export function planToJson(plans: readonly TargetPlan[], words: PlanWords = {}): PlanJson {
  const summary = { insert: 0, modify: 0, delete: 0, unchanged: 0, switches: 0 };
  const targets = plans.map((tp): PlanJsonTarget => {
    const p = tp.plan;
    const changes = [...p.inserts, ...p.modifies, ...p.deletes].sort(compareWrites);
    summary.insert += p.inserts.length;
    summary.modify += p.modifies.length;
    summary.delete += p.deletes.length;
    summary.unchanged += p.unchanged;
    if (changes.length) summary.switches++;
    return {
      target: tp.target,
      summary: { insert: p.inserts.length, modify: p.modifies.length, delete: p.deletes.length, unchanged: p.unchanged },
      changes: changes.map((c) => toJson(c, tp.index)),
      extraneous: (p.extraneous ?? []).map((c) => toJson(c, tp.index)),
    };
  });
  return { version: 1, summary, targets, trust: [...(words.trust ?? [])], contracts: [...(words.contracts ?? [])] };
}

export function renderPlanJson(plans: readonly TargetPlan[], words: PlanWords = {}): string {
  return JSON.stringify(planToJson(plans, words), null, 2) + '\n';
}
