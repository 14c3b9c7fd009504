// What verify keeps of the last compiled entries it judged per (P4Info,
// target), so the next set — a PR's head after its base, the next commit —
// is judged again only where it differs (issue 13: a full pass over 10^6
// rows on every call was seconds; 10^6 retained row objects were 160 MiB and
// most of a cold pass's GC).
//
// The two sets are walked side by side in canonical order (write rank, then
// the specs' order: common entries keep their relative order), an entry of the
// new set matched to one of the old by bytes AND origin (a flow whose line
// moved is a changed flow: findings name the line). What is left over —
// added and removed entries — is, if it lies only in the flow tables
// (checks.ts roleOf), a set of flow ids: only those flows are judged again,
// their entries read from the new set's bytes by position (the kept state
// holds no row per entry: a flow index of positions, 8 bytes an entry, moved
// to the new positions each step), against the facts of the unchanged
// tables kept from the old set;
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
import { rowAt, RowParts, type Row } from '../model/entries.ts';
import { Columns } from './columns.ts';
import type { Facts } from './facts.ts';
import {
  Judge, judgeTables, judgeFlow, flowAt, roleOf, shadowing, canShadow, capacity, count, findingOrder, NO_FLOW, POLICY,
  type Context, type Counts,
} from './checks.ts';
import type { Finding, VerifyOptions, VerifyResult } from './verify.ts';

interface State {
  /** The facts and options judged under (JSON). */
  under: string;
  entries: DesiredEntries;
  context: Context;
  /** Findings of the tables no flow owns (their checks and their shadowing). */
  fixed: Finding[];
  /** The flow tables' entries by flow id: positions grouped by flow (no object per entry). */
  flows: FlowIndex;
  /** Per flow id with any: what judgeFlow found. */
  flowFindings: Map<number, Finding[]>;
  /** Per flow table that can shadow (flow_classify_range): its rows, in canonical order, and what shadowing found. */
  flowShadow: Map<string, { rows: Row[]; findings: Finding[] }>;
  counts: Counts;
  /** Any duplicate-key finding: then the next set is judged in full. */
  duplicates: boolean;
  result: VerifyResult;
}

/**
 * The entries of the flow tables as canonical positions sorted by (flow id,
 * position): 8 bytes per entry. Classify and steering entries that name no
 * flow are listed apart (`none`); a policy that names none is in neither
 * (nothing refers to it).
 */
interface FlowIndex {
  ids: Uint32Array;
  pos: Uint32Array;
  none: number[];
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
      // The step moves the kept state in place: it is not kept under the old set meanwhile.
      states.delete(target);
      const next = step(prev, entries, index, facts, opts, target);
      if (typeof next !== 'string') {
        states.set(target, next);
        return next.result;
      }
      reason = next;
    }
  } else if (prev) reason = 'facts or options';
  // The old state goes before the new one is built: the two are never held at once.
  states.delete(target);
  const cols = Columns.ofEntries(entries, index, new RowParts());
  const full = verifyFull(target, cols, index, facts, opts, (k) => entries.keyOf(entries.order[k]!), entries.hasDuplicateKeys());
  states.set(target, { ...full, under, entries });
  lastStats.set(target, { path: 'full', added: entries.length, removed: 0, flows: full.flowCount, reason });
  return full.result;
}

/** Facts and options as one string: a kept state is used only under the same. */
function underOf(facts: Facts, opts: VerifyOptions): string {
  const tenants = [...facts.byName.values()].map((t) => [t.name, t.id, t.vlan, t.vni, t.ports, t.prefixes.map((p) => `${p.family}:${p.value}/${p.len}`)]);
  return JSON.stringify([facts.target, facts.underlay, opts.headroom ?? 0.9, tenants]);
}

/**
 * Every check over the entries in `cols` (slots in canonical order);
 * `keyAt` gives the identity key of the entry at a position for the
 * duplicate-key check when `mayDuplicate`.
 */
export function verifyFull(target: string, cols: Columns, index: P4InfoIndex, facts: Facts, opts: VerifyOptions, keyAt: (k: number) => string | undefined, mayDuplicate = true) {
  const j = new Judge(target, facts);
  const n = cols.size;
  const byTable = new Map<string, Row[]>();
  const counts: Counts = { tables: new Map(), members: new Map() };
  const flowShadow = new Map<string, { rows: Row[]; findings: Finding[] }>();
  const ids = new Uint32Array(n);
  const pos = new Uint32Array(n);
  const none: number[] = [];
  let m = 0;
  // Entries come in runs of one table: its role and count are settled once per run.
  let table = '';
  let kind: Row['kind'] = 'table_entry';
  let run = 0;
  let role = 0;
  let shadows: Row[] | undefined;
  let other: Row[] | undefined;
  for (let s = 0; s < n; s++) {
    if (!cols.has(s)) continue;
    const t = cols.table(s);
    const k = cols.kind(s);
    if (t !== table || k !== kind) {
      count(counts, table, kind, run);
      table = t;
      kind = k;
      run = 0;
      role = roleOf(t);
      shadows = undefined;
      other = undefined;
      if (role && canShadow(index, t)) {
        const sh = flowShadow.get(t) ?? flowShadow.set(t, { rows: [], findings: [] }).get(t)!;
        shadows = sh.rows;
      } else if (!role) other = byTable.get(t) ?? byTable.set(t, []).get(t)!;
    }
    run++;
    if (other) {
      other.push(cols.row(s));
      continue;
    }
    shadows?.push(cols.row(s));
    const flow = flowAt(cols, s, role);
    if (flow !== NO_FLOW) {
      ids[m] = flow;
      pos[m++] = s;
    } else if (role !== POLICY) none.push(s);
  }
  count(counts, table, kind, run);
  const fixed: Finding[] = [];
  const context = judgeTables(j, (name) => byTable.get(name) ?? [], fixed);
  for (const [t, list] of byTable) if (list[0]!.kind === 'table_entry') shadowing(j, t, list, fixed);
  for (const [t, sh] of flowShadow) if (sh.rows.length) shadowing(j, t, sh.rows, sh.findings);
  // Slots, in order: the positions of a full pass over compiled entries (what the kept state needs).
  // Subarrays: the few slots of other tables left at the end are not worth a copy.
  const flows = sortByFlow(ids.subarray(0, m), pos.subarray(0, m), none);
  const flowFindings = new Map<number, Finding[]>();
  const judge = (flow: number, slots: ArrayLike<number>, from: number, to: number) => {
    const f = judgeFlow(j, context, flow, cols, slots, from, to);
    if (f.length) flowFindings.set(flow, f);
  };
  // Flows are judged in the order of their first entry, not of their ids (hashes): a flow's entries lie in a
  // few tables' runs, each in the specs' order, so the slots are read front to back rather than at random.
  const firstOf = new Int32Array(n);
  let flowCount = 0;
  for (let a = 0; a < m; ) {
    let b = a + 1;
    while (b < m && flows.ids[b] === flows.ids[a]) b++;
    firstOf[flows.pos[a]!] = a + 1;
    flowCount++;
    a = b;
  }
  for (let s = 0; s < n; s++) {
    const a = firstOf[s]! - 1;
    if (a < 0) continue;
    let b = a + 1;
    while (b < m && flows.ids[b] === flows.ids[a]) b++;
    judge(flows.ids[a]!, flows.pos, a, b);
  }
  if (none.length) {
    judge(NO_FLOW, none, 0, none.length);
    flowCount++;
  }
  const dup: Finding[] = [];
  if (mayDuplicate) duplicates(j, cols, keyAt, dup);
  const cap = capacity(j, counts, index, opts.headroom);
  const findings = [...fixed, ...[...flowFindings.values()].flat(), ...[...flowShadow.values()].flatMap((x) => x.findings), ...dup, ...cap.findings].sort(findingOrder);
  return { context, fixed, flows, flowFindings, flowShadow, counts, flowCount, duplicates: dup.length > 0, result: { target, findings, usage: cap.usage } };
}

/**
 * Flow table entries (flow id, position; positions ascending) sorted by flow
 * id, stable: two passes of 16 bits, the second back into `ids` and `pos`.
 */
function sortByFlow(ids: Uint32Array, pos: Uint32Array, none: number[]): FlowIndex {
  const n = ids.length;
  const ids2 = new Uint32Array(n);
  const pos2 = new Uint32Array(n);
  const counts = new Uint32Array(65537);
  for (let i = 0; i < n; i++) counts[(ids[i]! & 0xffff) + 1]!++;
  for (let b = 1; b <= 65536; b++) counts[b]! += counts[b - 1]!;
  for (let i = 0; i < n; i++) {
    const at = counts[ids[i]! & 0xffff]!++;
    ids2[at] = ids[i]!;
    pos2[at] = pos[i]!;
  }
  counts.fill(0);
  for (let i = 0; i < n; i++) counts[(ids2[i]! >>> 16) + 1]!++;
  for (let b = 1; b <= 65536; b++) counts[b]! += counts[b - 1]!;
  for (let i = 0; i < n; i++) {
    const at = counts[ids2[i]! >>> 16]!++;
    ids[at] = ids2[i]!;
    pos[at] = pos2[i]!;
  }
  return { ids, pos, none };
}

function duplicates(j: Judge, cols: Columns, keyAt: (k: number) => string | undefined, out: Finding[]): void {
  const seen = new Map<string, number>();
  const who = (o: Origin | undefined) => (o ? `${o.kind} ${o.name} (${o.file}:${o.line})` : 'an entry outside Git');
  for (let s = 0; s < cols.size; s++) {
    if (!cols.has(s)) continue;
    const key = keyAt(cols.position(s));
    if (key === undefined) continue;
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, s);
      continue;
    }
    j.add(out, 'duplicate-key', cols.row(s), cols.table(s), `${who(cols.origin(s))} claims the same key as ${who(cols.origin(first))}; the switch keeps only one`);
  }
}

const sameOrigin = (a: Origin | undefined, b: Origin | undefined) =>
  a === b || (!!a && !!b && a.line === b.line && a.name === b.name && a.file === b.file && a.kind === b.kind);

/** Whether entry i of `a` and entry j of `b` have the same bytes (compared in the arenas). */
function sameBytes(a: DesiredEntries, i: number, b: DesiredEntries, j: number): boolean {
  const s = a.offs[i]!;
  const e = a.offs[i + 1]!;
  const t = b.offs[j]!;
  if (e - s !== b.offs[j + 1]! - t) return false;
  const x = a.flatArena;
  const y = b.flatArena;
  if (!x || !y) return a.sameBytes(s, e, b, t); // pieces (a patched set): compared where they lie
  for (let k = 0; k < e - s; k++) if (x[s + k] !== y[t + k]) return false;
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
  return a.sameBytes(s, ao[i + n]!, b, t);
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
          const at = index.find(head.bytesOf(i));
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

/** `prev` moved to `entries`, or why it cannot be (then the caller judges in full). */
function step(prev: State, entries: DesiredEntries, index: P4InfoIndex, facts: Facts, opts: VerifyOptions, target: string): State | string {
  const d = matchEntries(prev.entries, entries, maxDelta(entries.length));
  if (!d) return 'large difference';
  const parts = new RowParts();
  const added = Columns.atPositions(entries, index, d.added, parts);
  const removed = Columns.atPositions(prev.entries, index, d.removed, parts);
  // The flows the difference touches; the flow tables' entries it adds.
  const touched = new Set<number>();
  const changedTables = new Set<string>();
  const counts: Counts = { tables: new Map(prev.counts.tables), members: new Map(prev.counts.members) };
  const addIds: number[] = [];
  const addPos: number[] = [];
  const addNone: number[] = [];
  for (const [cols, by] of [[removed, -1], [added, 1]] as const) {
    for (let s = 0; s < cols.size; s++) {
      if (!cols.has(s)) continue;
      const table = cols.table(s);
      const role = roleOf(table);
      if (!role) return `${table} changed`;
      changedTables.add(table);
      count(counts, table, cols.kind(s), by);
      const flow = flowAt(cols, s, role);
      touched.add(flow);
      if (by < 0) continue;
      if (flow !== NO_FLOW) {
        addIds.push(flow);
        addPos.push(cols.position(s));
      } else if (role !== POLICY) addNone.push(cols.position(s));
    }
  }
  const moved = mover(d.removed, d.added);
  const flows = moveIndex(prev.flows, moved, addIds, addPos, addNone);

  const j = new Judge(target, facts);
  const flowFindings = new Map(prev.flowFindings);
  for (const flow of touched) {
    let at: ArrayLike<number>;
    if (flow === NO_FLOW) at = flows.none;
    else {
      const a = lowerBound(flows.ids, flow);
      let b = a;
      while (b < flows.ids.length && flows.ids[b] === flow) b++;
      at = flows.pos.subarray(a, b);
    }
    const cols = Columns.atPositions(entries, index, at, parts);
    const f = judgeFlow(j, prev.context, flow, cols, identity(cols.size), 0, cols.size);
    if (f.length) flowFindings.set(flow, f);
    else flowFindings.delete(flow);
  }
  const flowShadow = new Map(prev.flowShadow);
  for (const table of changedTables) {
    if (!canShadow(index, table)) continue;
    const rows: Row[] = [];
    for (const r of prev.flowShadow.get(table)?.rows ?? []) if (moved(r.at) >= 0) rows.push(rowAt(r, moved(r.at), r.origin));
    for (let s = 0; s < added.size; s++) if (added.has(s) && added.table(s) === table) rows.push(added.row(s));
    rows.sort((a, b) => a.at - b.at);
    const findings: Finding[] = [];
    if (rows.length) shadowing(j, table, rows, findings);
    flowShadow.set(table, { rows, findings });
  }
  const cap = capacity(j, counts, index, opts.headroom);
  const findings = [...prev.fixed, ...[...flowFindings.values()].flat(), ...[...flowShadow.values()].flatMap((x) => x.findings), ...cap.findings].sort(findingOrder);
  lastStats.set(target, { path: 'step', added: d.added.length, removed: d.removed.length, flows: touched.size });
  return {
    ...prev, entries, flows, flowFindings, flowShadow, counts, duplicates: false,
    result: { target, findings, usage: cap.usage },
  };
}

const identity = (n: number) => {
  const a = new Uint32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
};

/** The first index of `a` (ascending) holding `v` or more. */
function lowerBound(a: Uint32Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Old positions → new (-1: removed), from the removed and added positions
 * alone (both ascending): kept entries keep their relative order, so the
 * q-th kept entry of the old set is the q-th of the new. No table of a
 * million positions per step: two searches in lists as long as the change.
 */
function mover(removed: readonly number[], added: readonly number[]): (p: number) => number {
  // added[j] - j: how many kept entries precede the j-th added one (non-decreasing).
  const before = added.map((k, j) => k - j);
  return (p) => {
    const r = upperBound(removed, p - 1);
    if (r < removed.length && removed[r] === p) return -1;
    const q = p - r;
    return q + upperBound(before, q);
  };
}

/** The number of leading elements of `a` (ascending) that are `v` or less. */
function upperBound(a: ArrayLike<number>, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The flow index of the old set moved to the new one, in place (the old
 * state is not used again): positions mapped by `moved` (removed entries
 * dropped; the order within a flow kept, as matched entries keep theirs), the
 * added entries merged in by (flow id, position) from the back, into the
 * room left at the end of the buffers (a new buffer, with room, only when
 * there is not enough).
 */
function moveIndex(prev: FlowIndex, moved: (p: number) => number, addIds: number[], addPos: number[], addNone: number[]): FlowIndex {
  const order = addIds.map((_, i) => i).sort((a, b) => addIds[a]! - addIds[b]! || addPos[a]! - addPos[b]!);
  let { ids, pos } = prev;
  let m = 0;
  for (let i = 0; i < ids.length; i++) {
    const p = moved(pos[i]!);
    if (p < 0) continue;
    ids[m] = ids[i]!;
    pos[m++] = p;
  }
  const total = m + order.length;
  const room = (ids.buffer.byteLength - ids.byteOffset) >>> 2;
  if (total <= room) {
    ids = new Uint32Array(ids.buffer, ids.byteOffset, total);
    pos = new Uint32Array(pos.buffer, pos.byteOffset, total);
  } else {
    const grownIds = new Uint32Array(total + (total >> 6) + 1024);
    const grownPos = new Uint32Array(grownIds.length);
    grownIds.set(ids.subarray(0, m));
    grownPos.set(pos.subarray(0, m));
    ids = grownIds.subarray(0, total);
    pos = grownPos.subarray(0, total);
  }
  let i = m - 1;
  let w = total - 1;
  for (let x = order.length - 1; x >= 0; x--) {
    const id = addIds[order[x]!]!;
    const p = addPos[order[x]!]!;
    while (i >= 0 && (ids[i]! > id || (ids[i] === id && pos[i]! > p))) {
      ids[w] = ids[i]!;
      pos[w--] = pos[i--]!;
    }
    ids[w] = id;
    pos[w--] = p;
  }
  const none = prev.none.map(moved).filter((p) => p >= 0).concat(addNone).sort((a, b) => a - b);
  return { ids, pos, none };
}
