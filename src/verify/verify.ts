// Proof before merge, over the COMPILED entries of one switch (not the YAML):
// what the switch would hold is what is judged. Pure: entries, the P4Info
// index and the spec facts in, findings out, each naming the spec line its
// entry came from (the entry's Origin).
//
// Checks (see docs/verify.md):
//   cross-tenant  every classify/service/flow/policy/steer/route entry's tenant
//                 (by its origin) is the tenant of the ids, ports, VLAN/VNI,
//                 service classes, flows and NF groups it names
//   duplicate-key two entries with one switch key (the switch keeps one)
//   shadowed      an entry no packet can hit (a higher-priority entry covers
//                 it, or longer prefixes of the same key cover all of it)
//   capacity      entries per table/profile against the P4Info size, with
//                 headroom (per-tenant quotas are not checked here: desired/
//                 refuses a commit over a quota before verify runs,
//                 compile/count.ts owns them)
//   unreachable   a flow that no packet can take end to end, an NF group
//                 naming a member that does not exist
//
// Findings are listed in one order (checks.ts findingOrder): by spec file and
// line, then check. Compiled entries verified one after another on the same
// P4Info and target are judged again only where they changed (state.ts).
import type { P4InfoIndex } from '../p4info/index.ts';
import type { Origin } from '../compile/types.ts';
import { decodeRows, type EntryInput } from '../model/entries.ts';
import { DesiredEntries } from '../compile/entries.ts';
import type { Facts } from './facts.ts';
import { verifyFull, verifyCompiled } from './state.ts';
import { Columns } from './columns.ts';

export type Check = 'cross-tenant' | 'duplicate-key' | 'shadowed' | 'capacity' | 'unreachable';

export interface Finding {
  check: Check;
  severity: 'error' | 'warning';
  target: string;
  /** Table or action profile. */
  table: string;
  message: string;
  /** The spec line the entry came from (absent for a table-wide finding). */
  origin?: Origin;
  /** The entry, decoded for people. */
  entry?: string;
}

export interface VerifyOptions {
  /** Warn when a table is fuller than this fraction of its size (default 0.9). */
  headroom?: number;
}

export interface TableUse {
  table: string;
  entries: number;
  size: number;
  /** size − entries. */
  headroom: number;
}

export interface VerifyResult {
  target: string;
  findings: Finding[];
  usage: TableUse[];
}

/**
 * `entries`: a compiled DesiredEntries (read as columns, columns.ts; judged
 * again only where they differ from the last entries verified for this
 * target, state.ts) or a list of entries (decoded and judged in full each
 * time).
 */
export function verifyEntries(target: string, entries: DesiredEntries | readonly (EntryInput & { origin?: Origin; key?: string })[], index: P4InfoIndex, facts: Facts, opts: VerifyOptions = {}): VerifyResult {
  if (entries instanceof DesiredEntries) return verifyCompiled(target, entries, index, facts, opts);
  return verifyFull(target, Columns.ofRows(decodeRows(entries, index), index), index, facts, opts, (k) => entries[k]!.key).result;
}
