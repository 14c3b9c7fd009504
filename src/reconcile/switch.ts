// What the reconciler needs from one switch connection. The P4Runtime client
// is adapted to it in p4rt-switch.ts; keeping the loop on this small surface
// keeps HA, pipeline and read rules in one place and testable.
import type { EntityRpc } from '../apply/session.ts';
import type { DesiredState } from '../compile/types.ts';
import type { Logger } from '../shared/log.ts';
import type { P4InfoIndex } from '../p4info/index.ts';
import type { PipelineFiles } from '../desired/types.ts';

export interface SwitchEndpoint {
  /** Target name from the specs. */
  name: string;
  address: string;
  deviceId: number;
  electionId: number;
  /** P4Runtime role name (API 1.4+); absent = the default role. */
  role?: string;
  /** What the role owns and the format to say it in (role-ownership.ts encodes it); only with `role`. */
  roleConfig?: RoleOwnership;
  /** Plaintext only when true; otherwise TLS with `tls` (TargetSpec fields). */
  insecure?: boolean;
  tls?: { ca?: string; cert?: string; key?: string; serverName?: string };
  /** Folder `tls` paths are relative to (the reconciler's config directory). */
  configDir?: string;
}

/** The tables and action profiles flowops' role owns, by name and by id, and how the role config is written. */
export interface RoleOwnership {
  /** flowops.v1.RoleConfig (names) or stratum.P4RoleConfig (ids, all exclusive). */
  format: 'flowops' | 'stratum';
  tables: string[];
  actionProfiles: string[];
  tableIds: number[];
  profileIds: number[];
  receivesPacketIns?: boolean;
  /** stratum format only: P4RoleConfig.can_push_pipeline. */
  canPushPipeline?: boolean;
}

/** unchanged: cookie matched (push mode); pushed: SetForwardingPipelineConfig sent; verified: verify mode found the same P4Info. */
export type PipelineOutcome = 'unchanged' | 'pushed' | 'verified';

export interface SwitchConnection extends EntityRpc {
  readonly primary: boolean;
  /** P4Runtime API version the switch reported in Capabilities ('' when it does not implement it). */
  readonly apiVersion?: string;
  /** Called with true when this connection becomes primary, false when it loses it. */
  onRoleChange(fn: (primary: boolean) => void): void;
  /** Called once when the connection is lost (stream ended, switch gone). */
  onDisconnect(fn: (err: Error) => void): void;
  /**
   * push: makes the switch run `pipe` (compare cookies; push only when different).
   * verify: reads the switch's P4Info and throws PipelineMismatchError listing every difference.
   */
  ensurePipeline(pipe: PipelineFiles, mode: 'push' | 'verify'): Promise<PipelineOutcome>;
  /**
   * Wildcard read of exactly the tables and profiles `desired` manages (with
   * meter configs of tables that have a direct meter; empty ones dropped). A
   * P4Runtime connection returns an arena-backed view (p4info/entity-list.ts).
   */
  readManaged(desired: DesiredState, index: P4InfoIndex): Promise<readonly Buffer[]>;
  close(): Promise<void>;
}

export type ConnectSwitch = (addr: SwitchEndpoint, log: Logger) => Promise<SwitchConnection>;
