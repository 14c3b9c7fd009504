// What a switch can do, and how to write to one that lacks an optional
// feature instead of failing: Capabilities tells the API version (role names
// exist from 1.4); UNIMPLEMENTED tells a missing atomicity mode or MODIFY;
// MODIFY can be replaced by DELETE + INSERT pairs. Everything here except
// probeCapabilities is pure, for the apply stage to call.
import { Code } from '../proto/load.ts';
import { fields } from '../p4info/wire.ts';
import { FlowopsError } from '../shared/errors.ts';
import { P4RuntimeError, WriteError } from './errors.ts';
import type { Update } from './messages.ts';
import type { WriteFailure } from '../shared/write-outcome.ts';

export interface TargetCapabilities {
  /** As the switch reports it ("1.4.0"); '' when it does not implement Capabilities. */
  apiVersion: string;
  /** Whether arbitration, Write and Read understand a role by name (P4Runtime ≥ 1.4). */
  roleNames: boolean;
}

/** [major, minor, patch] of "1.4.0", "1.3.0-rc1", "v1.4"; undefined when it is not a version. */
export function parseApiVersion(v: string): [number, number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(v.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

export function supportsRoleNames(apiVersion: string): boolean {
  const v = parseApiVersion(apiVersion);
  return !!v && (v[0] > 1 || (v[0] === 1 && v[1] >= 4));
}

/**
 * Asks the switch what it speaks. A switch without Capabilities (UNIMPLEMENTED:
 * older than P4Runtime 1.0 GA) is treated as knowing no optional feature.
 */
export async function probeCapabilities(client: { capabilities(): Promise<string> }): Promise<TargetCapabilities> {
  let apiVersion: string;
  try {
    apiVersion = await client.capabilities();
  } catch (err) {
    if (isUnimplemented(err)) return { apiVersion: '', roleNames: false };
    throw err;
  }
  return { apiVersion, roleNames: supportsRoleNames(apiVersion) };
}

/** A role name was asked for but the switch's API predates role names: refuse rather than silently become the default role. */
export class RoleUnsupportedError extends FlowopsError {}

/**
 * Throws RoleUnsupportedError when `role` is set and the switch cannot honour
 * it. A 1.3 server skips the unknown Role.name field, so a role-limited
 * controller would end up primary of the *default* role with the whole
 * pipeline — and could displace the controller that really owns it.
 */
export function assertRoleSupported(caps: TargetCapabilities, role: string | undefined, address = ''): void {
  if (!role || caps.roleNames) return;
  throw new RoleUnsupportedError(
    'ROLE_UNSUPPORTED',
    `switch ${address} speaks P4Runtime ${caps.apiVersion || '(unknown)'}; role names need 1.4 or later, so role '${role}' cannot be used with it`,
    { address, apiVersion: caps.apiVersion, role },
  );
}

/**
 * True when the switch does not implement what was asked: the RPC failed
 * with UNIMPLEMENTED (e.g. ROLLBACK_ON_ERROR on a target without it), or a
 * Write's every failing update is UNIMPLEMENTED (ABORTED ones were only
 * rolled back with them).
 */
export function isUnimplementedWrite(o: WriteFailure): boolean {
  if (o.kind !== 'per-update') return o.code === Code.UNIMPLEMENTED;
  const failed = o.updates.filter((e) => e.code !== Code.OK);
  return failed.some((e) => e.code === Code.UNIMPLEMENTED) && failed.every((e) => e.code === Code.UNIMPLEMENTED || e.code === Code.ABORTED);
}

/** The same for a thrown error (the throwing client calls, Capabilities). */
export function isUnimplemented(err: unknown): boolean {
  if (err instanceof WriteError) return isUnimplementedWrite({ ok: false, kind: 'per-update', updates: err.errors });
  if (err instanceof P4RuntimeError) return err.grpcCode === Code.UNIMPLEMENTED;
  return (err as { code?: unknown })?.code === Code.UNIMPLEMENTED;
}

/** Indexes of the updates a WriteError reports as UNIMPLEMENTED (e.g. the MODIFYs on a no-MODIFY target). */
export function unimplementedUpdates(err: WriteError): number[] {
  return err.errors.filter((e) => e.code === Code.UNIMPLEMENTED).map((e) => e.index);
}

export interface ModifyFallback {
  /** The updates to write instead, in order. */
  updates: Update[];
  /** For each output update, the index of the input update it comes from. */
  origin: number[];
  /** Output indexes of each DELETE that is followed by its INSERT (keep the two in one batch: keepPairsTogether). */
  pairs: number[];
  /** Input MODIFYs left as MODIFY, because no DELETE + INSERT can express them. */
  kept: Array<{ index: number; reason: string }>;
}

const ENTITY_TABLE_ENTRY = 2;
const ENTITY_MEMBER = 3;
const ENTITY_GROUP = 4;
const TABLE_ENTRY_IS_DEFAULT = 8;

/** Why a MODIFY of `entity` cannot become DELETE + INSERT, or undefined when it can. */
function notReplaceable(entity: Buffer): string | undefined {
  for (const f of fields(entity)) {
    if (f.fieldNo === ENTITY_TABLE_ENTRY) {
      for (const t of fields(f.bytes!)) {
        if (t.fieldNo === TABLE_ENTRY_IS_DEFAULT && t.value) return 'a default entry can only be modified';
      }
      return undefined;
    }
    if (f.fieldNo === ENTITY_MEMBER || f.fieldNo === ENTITY_GROUP) {
      // Deleting a member or group that a group or table entry still uses is refused by the switch.
      return 'an action profile member or group cannot be deleted while it is referenced';
    }
    return 'only table entries can be deleted and inserted again';
  }
  return 'empty entity';
}

/**
 * For a switch without MODIFY: every MODIFY of a (non-default) table entry
 * becomes DELETE then INSERT of the same entity, in the MODIFY's place.
 *
 * Make-before-break, as far as it can hold: the apply stage's order is kept
 * (so whatever the new entry refers to — a member, a group — was inserted
 * before, and whatever only the old entry used is deleted after), and the two
 * halves are adjacent, so the entry is missing only between them. What
 * cannot be guaranteed: in that gap packets for that key take the next
 * match (a shorter prefix, a lower priority, or the table's default action,
 * often drop) — unless the pair goes in one Write with DATAPLANE_ATOMIC, which
 * targets without MODIFY rarely support. Counters and meter configs of the
 * entry restart from zero/default, and an idle timeout restarts. If the
 * DELETE succeeds and the INSERT fails, the entry is gone until the next
 * apply. Members, groups, default entries and counter/meter entries have no
 * DELETE + INSERT form; they are left as MODIFY and listed in `kept`.
 */
export function fallbackWithoutModify(updates: readonly Update[]): ModifyFallback {
  const out: ModifyFallback = { updates: [], origin: [], pairs: [], kept: [] };
  for (let i = 0; i < updates.length; i++) {
    const u = updates[i]!;
    const reason = u.type === 'MODIFY' ? notReplaceable(u.entity) : 'not a MODIFY';
    if (u.type !== 'MODIFY' || reason) {
      if (u.type === 'MODIFY') out.kept.push({ index: i, reason: reason! });
      out.updates.push(u);
      out.origin.push(i);
      continue;
    }
    out.pairs.push(out.updates.length);
    out.updates.push({ type: 'DELETE', entity: u.entity }, { type: 'INSERT', entity: u.entity });
    out.origin.push(i, i);
  }
  return out;
}

/**
 * Batch ranges ([start, end) as splitBatches makes them) moved so that no
 * range ends between a pair's DELETE and INSERT: the INSERT joins its DELETE's
 * batch. Keeps the gap to one RPC, and lets DATAPLANE_ATOMIC close it.
 */
export function keepPairsTogether(ranges: ReadonlyArray<[number, number]>, pairs: readonly number[]): [number, number][] {
  const pairSet = new Set(pairs);
  const out: [number, number][] = [];
  let start = ranges.length ? ranges[0]![0] : 0;
  for (let r = 0; r < ranges.length; r++) {
    let end = ranges[r]![1];
    if (end <= start) continue;
    if (pairSet.has(end - 1) && r < ranges.length - 1) end++;
    if (end > start) out.push([start, end]);
    start = end;
  }
  return out;
}
