// What verify keeps of the last compiled entries it judged per (P4Info,
// target), so the next set — a PR's head after its base, the next commit —
// is judged again only where it differs (issue 13: a full pass over 10^6
// rows on every call was seconds).
//
// The two sets are walked side by side in canonical order (write rank, then
// the specs' order: common entries keep their relative order), an entry of the
// new set matched to one of the old by bytes AND origin (a flow whose line
// moved is a changed flow: findings name the line). What is left over —
// added and removed entries — is, if it lies only in the flow tables
// (checks.ts FLOW_TABLES), a set of flow ids: only those flows are judged
// again, against the facts of the unchanged tables kept from the old set;
// shadowing is judged again only for a changed table that can shadow, and
// capacity from counts moved by the difference. Anything else — another
// table changed, other facts (tenants, ports), other options, duplicate keys,
// or a difference too large to be worth it — is a full pass.
//
// Judged again, a finding is exactly what a full pass finds (tests:
// test/verify/incremental.test.ts compare the two over a table of changes);
// the order of findings is a sort over their values (checks.ts findingOrder).
import type { P4InfoIndex } from '../p4info/index.ts';
import { BytesIndex } from '../compile/bytes-index.ts';
import type { DesiredEntries } from '../compile/entries.ts';
import type { Origin } from '../compile/types.ts';
import { decodeRow, RowParts, type Row } from '../model/entries.ts';
import { rowsOf } from './rows.ts';
import { lightRow } from './light-row.ts';
import type { Facts } from './facts.ts';
import {
  Judge, judgeTables, judgeFlow, addToFlow, flowOf, shadowing, canShadow, capacity, countRow, countRows, findingOrder, FLOW_TABLES,
  type Context, type Counts, type FlowPart,
} from './checks.ts';
import type { Finding, VerifyOptions, VerifyResult } from './verify.ts';

interface State {
  /** The facts and options judged under (JSON). */
  under: string;
  entries: DesiredEntries;
  /** Row per canonical position (null: an entity verify does not read). */
  byPos: (Row | null)[];
  context: Context;
  /** Findings of the tables no flow owns (their checks and their shadowing). */
  fixed: Finding[];
  flows: Map<number, FlowPart>;
  /** Per flow id with any: what judgeFlow found. */
  flowFindings: Map<number, Finding[]>;
  /** Shadowing of the flow tables that can shadow (flow_classify_range). */
  flowShadow: Map<string, Finding[]>;
  counts: Counts;
  /** Any duplicate-key finding: then the next set is judged in full. */
  duplicates: boolean;
  result: VerifyResult;
}

/** Statistics of the last call per target (tests and benches: which path, how much was judged again). */
export interface StepStats {
  path: 'full' | 'step' | 'same';
  added: number;
  removed: number;
  flows: number;
  /** Why the full path, when it was taken over a kept state. */
  reason?: string;
}
export const lastStats = new Map<string, StepStats>();

const kept = new WeakMap<P4InfoIndex, Map<string, State>>();

/** Beyond this many added + removed entries the difference is judged in full. */
const maxDelta = (n: number) => Math.max(4096, n >> 3);

export function verifyCompiled(target: string, entries: DesiredEntries, index: P4InfoIndex, facts: Facts, opts: VerifyOptions): VerifyResult {
  const under = underOf(facts, opts);
  let states = kept.get(index);
  if (!states) kept.set(index, (states = new Map()));
  const prev = states.get(target);
  let reason: string | undefined;
  if (prev && prev.under === under) {
    if (prev.entries === entries) {
      lastStats.set(target, { path: 'same', added: 0, removed: 0, flows: 0 });
      return prev.result;
    }
    if (prev.duplicates) reason = 'duplicates before';
    else if (entries.hasDuplicateKeys()) reason = 'duplicate keys';
    else {
      const next = step(prev, entries, index, facts, opts, target);
      if (typeof next !== 'string') {
        states.set(target, next);
        return next.result;
      }
      reason = next;
    }
  } else if (prev) reason = 'facts or options';
  const rows = rowsOf(entries, index);
  const full = verifyFull(target, rows, index, facts, opts, (k) => entries.keyOf(entries.order[k]!), entries.hasDuplicateKeys());
  const byPos: (Row | null)[] = new Array(entries.length).fill(null);
  for (const r of rows) byPos[r.at] = r;
  states.set(target, { ...full, under, entries, byPos });
  lastStats.set(target, { path: 'full', added: entries.length, removed: 0, flows: full.flows.size, reason });
  return full.result;
}

/** Facts and options as one string: a kept state is used only under the same. */
function underOf(facts: Facts, opts: VerifyOptions): string {
  const tenants = [...facts.byName.values()].map((t) => [t.name, t.id, t.vlan, t.vni, t.ports, t.prefixes.map((p) => `${p.family}:${p.value}/${p.len}`)]);
  return JSON.stringify([facts.target, facts.underlay, opts.headroom ?? 0.9, tenants]);
}

/**
 * Every check over `rows` (canonical order, `at` = position); `keyAt` gives
 * an entry's identity key for the duplicate-key check when `mayDuplicate`.
 */
export function verifyFull(target: string, rows: Row[], index: P4InfoIndex, facts: Facts, opts: VerifyOptions, keyAt: (k: number) => string | undefined, mayDuplicate = true) {
  const j = new Judge(target, facts);
  const byTable = new Map<string, Row[]>();
  for (const r of rows) (byTable.get(r.table) ?? byTable.set(r.table, []).get(r.table)!).push(r);
  const fixed: Finding[] = [];
  const context = judgeTables(j, (name) => byTable.get(name) ?? [], fixed);
  const flows = new Map<number, FlowPart>();
  for (const t of FLOW_TABLES) for (const r of byTable.get(t) ?? []) addToFlow(flows, r);
  const flowFindings = new Map<number, Finding[]>();
  for (const [flow, p] of flows) {
    const f = judgeFlow(j, context, flow, p);
    if (f.length) flowFindings.set(flow, f);
  }
  const flowShadow = new Map<string, Finding[]>();
  const counts: Counts = { tables: new Map(), members: new Map() };
  for (const [table, list] of byTable) {
    countRows(counts, table, list);
    if (list[0]!.kind !== 'table_entry') continue;
    if (!FLOW_TABLES.has(table)) shadowing(j, table, list, fixed);
    else if (canShadow(index, table)) {
      const out: Finding[] = [];
      shadowing(j, table, list, out);
      flowShadow.set(table, out);
    }
  }
  const dup: Finding[] = [];
  if (mayDuplicate) duplicates(j, rows, keyAt, dup);
  const cap = capacity(j, counts, index, opts.headroom);
  const findings = [...fixed, ...[...flowFindings.values()].flat(), ...[...flowShadow.values()].flat(), ...dup, ...cap.findings].sort(findingOrder);
  return { context, fixed, flows, flowFindings, flowShadow, counts, duplicates: dup.length > 0, result: { target, findings, usage: cap.usage } };
}

function duplicates(j: Judge, rows: Row[], keyAt: (k: number) => string | undefined, out: Finding[]): void {
  const seen = new Map<string, Row>();
  for (const r of rows) {
    const key = keyAt(r.at);
    if (key === undefined) continue;
    const first = seen.get(key);
    if (!first) {
      seen.set(key, r);
      continue;
    }
    const who = (x: Row) => (x.origin ? `${x.origin.kind} ${x.origin.name} (${x.origin.file}:${x.origin.line})` : 'an entry outside Git');
    j.add(out, 'duplicate-key', r, r.table, `${who(r)} claims the same key as ${who(first)}; the switch keeps only one`);
  }
}

const sameOrigin = (a: Origin | undefined, b: Origin | undefined) =>
  a === b || (!!a && !!b && a.line === b.line && a.name === b.name && a.file === b.file && a.kind === b.kind);

/** Whether entry i of `a` and entry j of `b` have the same bytes (compared in the arenas). */
function sameBytes(a: DesiredEntries, i: number, b: DesiredEntries, j: number): boolean {
  const s = a.offs[i]!;
  const n = a.offs[i + 1]! - s;
  const t = b.offs[j]!;
  if (n !== b.offs[j + 1]! - t) return false;
  const x = a.arena;
  const y = b.arena;
  for (let k = 0; k < n; k++) if (x[s + k] !== y[t + k]) return false;
  return true;
}

/** Entries compared at once when they are adjacent in both arenas. */
const CHUNK = 1024;

/** Whether entries i..i+n of `a` and j..j+n of `b` are the same entries (boundaries and bytes). */
function sameRun(a: DesiredEntries, i: number, b: DesiredEntries, j: number, n: number): boolean {
  const ao = a.offs;
  const bo = b.offs;
  const s = ao[i]!;
  const t = bo[j]!;
  for (let x = 1; x <= n; x++) if (ao[i + x]! - s !== bo[j + x]! - t) return false;
  return a.arena.compare(b.arena, t, bo[j + n]!, s, ao[i + n]!) === 0;
}

/** How far ahead each side is searched for the other's next entry before an index of the old set is built. */
const WINDOW = 256;

/**
 * Canonical positions of `head` matched to `base` (-1: added) and the base
 * positions left over (removed), or undefined past `max` of them.
 */
export function matchEntries(base: DesiredEntries, head: DesiredEntries, max: number): { match: Int32Array; added: number[]; removed: number[] } | undefined {
  const nb = base.length;
  const nh = head.length;
  const bo = base.order;
  const ho = head.order;
  const match = new Int32Array(nh).fill(-1);
  const added: number[] = [];
  const removed: number[] = [];
  let index: BytesIndex | undefined;
  let canonOf: Uint32Array | undefined;
  let m = 0;
  let perEntryUntil = 0;
  for (let k = 0; k < nh; k++) {
    const i = ho[k]!;
    // Runs of entries adjacent in both arenas: compared a chunk at a time (native memcmp).
    if (m < nb && k >= perEntryUntil) {
      const j = bo[m]!;
      let n = 0;
      while (n < CHUNK && k + n < nh && m + n < nb && ho[k + n] === i + n && bo[m + n] === j + n) n++;
      if (n > 1 && sameRun(head, i, base, j, n)) {
        for (let x = 0; x < n; x++) {
          if (sameOrigin(head.originOf(i + x), base.originOf(j + x))) match[k + x] = m + x;
          else {
            removed.push(m + x);
            added.push(k + x);
          }
        }
        k += n - 1;
        m += n;
        if (added.length + removed.length > max) return undefined;
        continue;
      }
      // A difference inside: entry by entry across this span.
      perEntryUntil = k + n;
    }
    let f = -1;
    if (m < nb && sameBytes(head, i, base, bo[m]!)) f = m;
    else {
      for (let d = 1; d <= WINDOW && m + d < nb; d++) if (sameBytes(head, i, base, bo[m + d]!)) {
        f = m + d;
        break;
      }
      if (f < 0) {
        // The base's next entry further on in head: this one was added.
        let later = false;
        for (let d = 1; d <= WINDOW && k + d < nh && m < nb; d++) if (sameBytes(head, ho[k + d]!, base, bo[m]!)) {
          later = true;
          break;
        }
        if (!later && m < nb) {
          // A block longer than the window on both sides: find the entry by its bytes.
          if (!index) {
            index = BytesIndex.over(base.arena, base.offs);
            canonOf = new Uint32Array(nb);
            for (let c = 0; c < nb; c++) canonOf[bo[c]!] = c;
          }
          const at = index.find(new Uint8Array(head.arena.buffer, head.arena.byteOffset + head.offs[i]!, head.offs[i + 1]! - head.offs[i]!));
          if (at >= 0 && canonOf![at]! >= m) f = canonOf![at]!;
        }
      }
    }
    if (f < 0) {
      added.push(k);
    } else {
      for (let x = m; x < f; x++) removed.push(x);
      m = f + 1;
      if (sameOrigin(head.originOf(i), base.originOf(bo[f]!))) match[k] = f;
      else {
        removed.push(f);
        added.push(k);
      }
    }
    if (added.length + removed.length > max) return undefined;
  }
  for (let x = m; x < nb; x++) removed.push(x);
  if (added.length + removed.length > max) return undefined;
  return { match, added, removed };
}

// Decoded values shared by the rows this module decodes (one per P4Info; bounded as rows.ts bounds its own).
const partsOf = new WeakMap<P4InfoIndex, RowParts>();

/** `prev` moved to `entries`, or why it cannot be (then the caller judges in full). */
function step(prev: State, entries: DesiredEntries, index: P4InfoIndex, facts: Facts, opts: VerifyOptions, target: string): State | string {
  const d = matchEntries(prev.entries, entries, maxDelta(entries.length));
  if (!d) return 'large difference';
  let parts = partsOf.get(index);
  if (!parts || parts.size > 2 * entries.length) partsOf.set(index, (parts = new RowParts()));
  const byPos: (Row | null)[] = new Array(entries.length);
  const { match } = d;
  for (let k = 0; k < byPos.length; k++) {
    const m = match[k]!;
    if (m >= 0) byPos[k] = prev.byPos[m] ?? null;
  }
  const addedRows: Row[] = [];
  for (const k of d.added) {
    const i = entries.order[k]!;
    const o = entries.offs[i]!;
    const r = lightRow(entries.arena, o, entries.offs[i + 1]!, index, k, entries.originOf(i)) ?? decodeRow(new Uint8Array(entries.arena.buffer, entries.arena.byteOffset + o, entries.offs[i + 1]! - o), index, k, entries.originOf(i), parts) ?? null;
    byPos[k] = r;
    if (r) addedRows.push(r);
  }
  const removedRows = d.removed.map((m) => prev.byPos[m] ?? null).filter((r): r is Row => r !== null);
  for (const r of [...addedRows, ...removedRows]) if (!FLOW_TABLES.has(r.table)) return `${r.table} changed`;

  // The flows the difference touches, rebuilt from the kept entries and the added ones.
  const flows = new Map(prev.flows);
  const touched = new Set<number>();
  const gone = new Set(removedRows);
  for (const r of removedRows) touched.add(flowOf(r));
  for (const flow of touched) {
    const p = flows.get(flow);
    if (!p) continue;
    const q: FlowPart = { policy: p.policy && !gone.has(p.policy) ? p.policy : undefined, classify: p.classify.filter((r) => !gone.has(r)), steer: p.steer.filter((r) => !gone.has(r)) };
    if (q.policy || q.classify.length || q.steer.length) flows.set(flow, q);
    else flows.delete(flow);
  }
  for (const r of addedRows) {
    const flow = flowOf(r);
    // A part shared with prev is copied before it changes.
    if (!touched.has(flow)) {
      const p = flows.get(flow);
      if (p) flows.set(flow, { policy: p.policy, classify: [...p.classify], steer: [...p.steer] });
      touched.add(flow);
    }
    addToFlow(flows, r);
  }
  const j = new Judge(target, facts);
  const flowFindings = new Map(prev.flowFindings);
  for (const flow of touched) {
    const p = flows.get(flow);
    const f = p ? judgeFlow(j, prev.context, flow, p) : [];
    if (f.length) flowFindings.set(flow, f);
    else flowFindings.delete(flow);
  }
  const flowShadow = new Map(prev.flowShadow);
  const changedTables = new Set([...addedRows, ...removedRows].map((r) => r.table));
  for (const table of changedTables) {
    if (!canShadow(index, table)) continue;
    const list: Row[] = [];
    for (const r of byPos) if (r && r.table === table) list.push(r);
    const out: Finding[] = [];
    if (list.length) shadowing(j, table, list, out);
    flowShadow.set(table, out);
  }
  const counts: Counts = { tables: new Map(prev.counts.tables), members: new Map(prev.counts.members) };
  for (const r of addedRows) countRow(counts, r, 1);
  for (const r of removedRows) countRow(counts, r, -1);
  const cap = capacity(j, counts, index, opts.headroom);
  const findings = [...prev.fixed, ...[...flowFindings.values()].flat(), ...[...flowShadow.values()].flat(), ...cap.findings].sort(findingOrder);
  lastStats.set(target, { path: 'step', added: d.added.length, removed: d.removed.length, flows: touched.size });
  return {
    ...prev, entries, byPos, flows, flowFindings, flowShadow, counts, duplicates: false,
    result: { target, findings, usage: cap.usage },
  };
}
