// What the reconciler needs from one switch connection. The P4Runtime client
// is adapted to it in p4rt-switch.ts; keeping the loop on this small surface
// keeps HA, pipeline and read rules in one place and testable.
import type { SwitchSession } from '../apply/session.ts';
import type { DesiredState } from '../compile/types.ts';
import type { Logger } from '../shared/log.ts';
import type { P4InfoIndex } from '../p4info/index.ts';
import type { PipelineFiles } from './desired.ts';

export interface SwitchAddress {
  /** Target name from the specs. */
  name: string;
  address: string;
  deviceId: number;
  electionId: number;
  role?: string;
  insecure?: boolean;
}

export type PipelineOutcome = 'unchanged' | 'pushed';

export interface SwitchHandle extends SwitchSession {
  readonly primary: boolean;
  /** Called with true when this connection becomes primary, false when it loses it. */
  onRoleChange(fn: (primary: boolean) => void): void;
  /** Called once when the connection is lost (stream ended, switch gone). */
  onDisconnect(fn: (err: Error) => void): void;
  /** Makes the switch run `pipe` (compare cookies; push only when different), or checks it in verify mode. */
  ensurePipeline(pipe: PipelineFiles, mode: 'push' | 'verify'): Promise<PipelineOutcome>;
  /** Wildcard read of exactly the tables and profiles `desired` manages (with meter configs of tables that have a direct meter). */
  readManaged(desired: DesiredState, index: P4InfoIndex): Promise<Buffer[]>;
  close(): Promise<void>;
}

export type SwitchFactory = (addr: SwitchAddress, log: Logger) => Promise<SwitchHandle>;
