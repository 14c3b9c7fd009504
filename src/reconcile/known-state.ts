// What this process knows a switch holds, and the one decision that follows
// from it: may a new commit be converged by writing the desired(old) →
// desired(new) delta without reading the switch (diff/delta.ts), or must the
// switch be read in full and diffed?
//
// The switch is trusted to hold desired(old) only when this process saw it
// so: the last sync or drift scan on it ended with the switch equal to
// desired(old) (nothing extraneous kept), on the same connection and
// primaryship (epoch), with the same pipeline and prune setting. Everything
// that could have changed the switch behind that picture drops the trust and
// names why (`distrust`): a reconnect, a failover, a failed or interrupted
// write, a pipeline push, drift found, a process start (the journal says
// whether the last apply ended). Tampering by another client between two
// commits cannot be seen here; the drift scan (a full read against the
// applied commit) finds it and drops the trust.
import type { DesiredState } from '../compile/types.ts';

/** Why a sync reads the whole switch. */
export type FullReason =
  | 'restart' // this process has not read the switch yet
  | 'journal' // the journal says an apply did not end (killed mid-apply)
  | 'reconnect' // a new connection since the switch was last seen
  | 'failover' // primaryship changed (promotion, demotion)
  | 'write-failed' // an apply failed, rolled back or was interrupted
  | 'sync-failed' // a step before writing failed (connect, pipeline, read)
  | 'pipeline-pushed' // this sync pushed a pipeline (tables emptied)
  | 'pipeline-changed' // the Target's pipeline (P4Info, device config, mode) changed
  | 'prune-changed'
  | 'managed-changed' // the set of managed tables or profiles changed
  | 'extraneous' // the switch kept entries Git does not ask for (prune=false, duplicates)
  | 'touched-differ' // the entries a delta would touch are not what was known (read by identity first)
  | 'drift' // the drift scan found the switch differing (or this is its heal)
  | 'forced' // a forced sync with no new commit (POST /sync): look at the switch
  | 'plan-only';

export type SyncPath = { path: 'delta'; reason: 'known'; from: KnownState } | { path: 'full'; reason: FullReason };

/** The switch holds exactly `desired` (of `commit`), as seen on connection epoch `epoch`. */
export interface KnownState {
  commit: string;
  desired: DesiredState;
  /** PooledSwitch.epoch when it was seen: a reconnect or role change moves the epoch. */
  epoch: number;
  /** `mode cookie` of the pipeline it was seen with (PooledSwitch.pipelineChecked). */
  pipeline: string | undefined;
  prune: boolean;
}

/** Per switch: what is known, or why nothing is. */
export interface SwitchTrust {
  known?: KnownState;
  doubt: FullReason;
}

/** Drops what is known; the latest cause is the reason, except that an unfinished journal entry stays the reason until a full read settles it. */
export function distrust(t: SwitchTrust, reason: FullReason): void {
  if (t.known || t.doubt !== 'journal') t.doubt = reason;
  t.known = undefined;
}

export function trust(t: SwitchTrust, known: KnownState): void {
  t.known = known;
}

/** What a sync knows about itself when it chooses its path. */
export interface SyncNow {
  epoch: number;
  desired: DesiredState;
  pipeline: string | undefined;
  prune: boolean;
  mode: 'auto' | 'plan-only';
  /** A forced sync that brought no new desired state. */
  forced: boolean;
  /** This sync pushed the pipeline. */
  pushed: boolean;
  /** The drift scan's own read is handed in (a heal). */
  seen: boolean;
}

/** The one decision between the delta path and the full read, with its reason. */
export function chooseSyncPath(t: SwitchTrust, now: SyncNow): SyncPath {
  const full = (reason: FullReason): SyncPath => ({ path: 'full', reason });
  if (now.seen) return full('drift');
  if (now.mode === 'plan-only') return full('plan-only');
  // Nothing known: the first cause is the reason (a reboot that also needed a push is a reconnect).
  const k = t.known;
  if (!k) return full(t.doubt);
  if (now.pushed) return full('pipeline-pushed');
  if (now.forced) return full('forced');
  if (k.epoch !== now.epoch) return full('reconnect');
  if (k.pipeline !== now.pipeline) return full('pipeline-changed');
  if (k.prune !== now.prune) return full('prune-changed');
  if (!sameIds(k.desired.managedTableIds, now.desired.managedTableIds) || !sameIds(k.desired.managedProfileIds, now.desired.managedProfileIds)) {
    return full('managed-changed');
  }
  return { path: 'delta', reason: 'known', from: k };
}

/** The same ids as sets (order and repeats aside). */
function sameIds(a: readonly number[], b: readonly number[]): boolean {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sb].every((x) => sa.has(x));
}
