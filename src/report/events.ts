// Events the reconciler emits. reconcile/outcomes.ts is the one sink: it writes
// them to logs, metrics and the status file itself and hands them to the one
// Reporter (GitHub). Each sync ends in exactly one outcome per switch, from a
// closed set.
import type { Plan } from '../diff/types.ts';
import type { SpecProblem } from '../desired/types.ts';

export type { SpecProblem };

/** Closed set of per-switch sync outcomes. */
export type SyncOutcome = 'Converged' | 'Unchanged' | 'Failed' | 'RolledBack' | 'Skipped' | 'Planned';

/**
 * Why a switch's sync did not converge: one reason per failure, set where it
 * happens (reconcile/sync-switch.ts), so nothing downstream parses messages.
 */
export type FailureReason =
  /** The switch could not be reached or arbitration failed; nothing written. */
  | 'ConnectFailed'
  /** The pipeline could not be pushed, or differs from the one the Target names; nothing written. */
  | 'PipelineFailed'
  /** Reading the switch's managed tables failed; nothing written. */
  | 'ReadFailed'
  /** A write failed (the switch was rolled back to the old state, or left where `leftAt` says). */
  | 'WriteFailed'
  /** The commit has spec problems; no switch was touched. */
  | 'CommitRejected';

export interface SyncResult {
  target: string;
  outcome: SyncOutcome;
  plan: Plan;
  /** Counts written (may be less than the plan when rolled back). */
  written: { inserted: number; modified: number; deleted: number };
  /** Set when outcome is Failed/RolledBack: which update failed and why, and where the switch was left. */
  error?: { reason: FailureReason; message: string; updateIndex?: number; code?: string; leftAt: 'old' | 'new' | 'unknown' };
  durationMs: number;
  /**
   * How the plan was made: `delta` — from the previous commit's desired state,
   * the switch not read (it was known to hold it); `full` — the switch read
   * and diffed, with the reason it had to be (reconcile/known-state.ts).
   */
  path?: { path: 'delta' | 'full'; reason: string };
}

export interface SyncEvent {
  commit: string;
  branch: string;
  mode: 'auto' | 'plan-only';
  problems: SpecProblem[];
  switches: SyncResult[];
}

export interface DriftEntry {
  kind: 'extraneous' | 'missing' | 'modified';
  table: string;
  /** Human-readable rendering of the entry (decoded only for display). */
  description: string;
}

export interface DriftEvent {
  target: string;
  commit: string;
  entries: DriftEntry[];
  healed: boolean;
}

export interface DriftClearedEvent {
  target: string;
  commit: string;
  reason: 'healed' | 'git-changed' | 'switch-changed';
}

/** A new commit is about to be written to these switches (the ones this replica is primary for). */
export interface SyncStartedEvent {
  commit: string;
  branch: string;
  targets: string[];
}

/** What the reconciler reports to (GitHub implements it; logs, metrics and the status file are written by reconcile/outcomes.ts). */
export interface Reporter {
  /** Optional: called before a new commit is written, so e.g. GitHub can show `pending` per switch. */
  syncStarted?(ev: SyncStartedEvent): Promise<void>;
  syncFinished(ev: SyncEvent): Promise<void>;
  drift(ev: DriftEvent): Promise<void>;
  driftCleared(ev: DriftClearedEvent): Promise<void>;
}
