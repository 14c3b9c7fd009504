// Terraform-style plan text for people. Per switch, changes are grouped by the
// spec that asked for them (a flow, a service, a tenant), each group headed by
// one line saying in words what changes, then one line per entry:
//   + insert   ~ modify (old action ⇒ new action)   - delete   ? kept (prune off)
// Entries are decoded only here, for display (describeEntity).
import type { P4InfoIndex } from '../p4info/index.ts';
import { describeEntity } from '../p4info/entity.ts';
import type { Origin } from '../compile/types.ts';
import { compareWrites } from '../compile/order.ts';
import type { Change, Plan } from '../diff/types.ts';
import { flowChangeInWords, type FlowWords } from './plan-words.ts';

export interface TargetPlan {
  target: string;
  plan: Plan;
  /** To decode entries for display. */
  index: P4InfoIndex;
}

export interface PlanTextOptions {
  /** Flow specs in words, for the per-flow headline (see plan-words.ts). */
  flows?: FlowWords;
}

const MARK = { insert: '+', modify: '~', delete: '-' } as const;
const KIND_ORDER: Record<Origin['kind'], number> = { tenant: 0, service: 1, flow: 2, target: 3 };

/** `tenants/shop/flows/web.yaml:12 flow shop/web-to-db` */
export function formatOrigin(o: Origin | undefined): string {
  return o ? `${o.file}:${o.line} ${o.kind} ${o.name}` : 'not in Git';
}

/** The part of a description that identifies the entry, and the part that says what it does. */
export function splitDescription(desc: string): [string, string] {
  const arrow = desc.indexOf(' → ');
  if (arrow >= 0) return [desc.slice(0, arrow), desc.slice(arrow + 3)];
  const members = desc.indexOf(' members ');
  if (members >= 0) return [desc.slice(0, members), desc.slice(members + 1)];
  return [desc, ''];
}

export interface ChangeGroup {
  origin?: Origin;
  changes: Change[];
}

/** Changes grouped by origin (tenant, service, flow, target by name; unknown origin last), each in write order. */
export function groupByOrigin(changes: readonly Change[]): ChangeGroup[] {
  const groups = new Map<string, ChangeGroup>();
  for (const c of changes) {
    const k = c.origin ? `${c.origin.kind}\0${c.origin.name}` : '';
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { origin: c.origin, changes: [] }));
    g.changes.push(c);
  }
  const out = [...groups.values()];
  out.sort((a, b) => {
    if (!a.origin || !b.origin) return a.origin ? -1 : b.origin ? 1 : 0;
    return KIND_ORDER[a.origin.kind] - KIND_ORDER[b.origin.kind] || (a.origin.name < b.origin.name ? -1 : a.origin.name > b.origin.name ? 1 : 0);
  });
  for (const g of out) g.changes.sort(compareWrites);
  return out;
}

function headline(g: ChangeGroup, opts: PlanTextOptions): string {
  const o = g.origin;
  if (!o) return 'not in Git (no spec asks for these)';
  const count = (k: Change['kind']) => g.changes.filter((c) => c.kind === k).length;
  if (o.kind === 'flow') return `flow ${o.name}: ${flowChangeInWords(opts.flows?.get(o.name))}`;
  const n = [`${count('insert')} new`, `${count('modify')} changed`, `${count('delete')} removed`].filter((s) => !s.startsWith('0 '));
  return `${o.kind} ${o.name}: ${n.join(', ')} ${g.changes.length === 1 ? 'entry' : 'entries'}`;
}

/** One entry line (plus nothing else): `+ <entry>  # <origin>`; a modify shows the old and new action. */
export function changeLine(c: Change, index: P4InfoIndex): string {
  const desc = describeEntity(c.bytes, index);
  const where = `  # ${formatOrigin(c.origin)}`;
  if (c.kind === 'modify' && c.previous) {
    const [head, now] = splitDescription(desc);
    const [, was] = splitDescription(describeEntity(c.previous, index));
    return `~ ${head}: ${was} ⇒ ${now}${where}`;
  }
  return `${MARK[c.kind]} ${desc}${where}`;
}

export function renderPlanText(plans: readonly TargetPlan[], opts: PlanTextOptions = {}): string {
  const lines: string[] = [];
  let ins = 0;
  let mod = 0;
  let del = 0;
  let switches = 0;
  for (const tp of plans) {
    const p = tp.plan;
    const changes = [...p.inserts, ...p.modifies, ...p.deletes];
    ins += p.inserts.length;
    mod += p.modifies.length;
    del += p.deletes.length;
    const kept = p.extraneous ?? [];
    if (changes.length) switches++;
    lines.push(`switch ${tp.target}: ${changes.length ? `${p.inserts.length} to insert, ${p.modifies.length} to modify, ${p.deletes.length} to delete` : 'no changes'}, ${p.unchanged} unchanged`);
    for (const g of groupByOrigin(changes)) {
      lines.push(`  ${headline(g, opts)}`);
      for (const c of g.changes) lines.push(`    ${changeLine(c, tp.index)}`);
    }
    if (kept.length) {
      lines.push(`  not in Git, kept (prune is off): ${kept.length}`);
      for (const c of kept) lines.push(`    ? ${describeEntity(c.bytes, tp.index)}`);
    }
    lines.push('');
  }
  lines.push(
    ins + mod + del === 0
      ? `No changes. ${plans.length} ${plans.length === 1 ? 'switch matches' : 'switches match'} the specs.`
      : `Plan: ${ins} to insert, ${mod} to modify, ${del} to delete on ${switches} ${switches === 1 ? 'switch' : 'switches'}.`,
  );
  return lines.join('\n') + '\n';
}
