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
//   }]
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

export function planToJson(plans: readonly TargetPlan[]): PlanJson {
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
  return { version: 1, summary, targets };
}

export function renderPlanJson(plans: readonly TargetPlan[]): string {
  return JSON.stringify(planToJson(plans), null, 2) + '\n';
}
