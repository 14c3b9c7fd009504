// The connections to the switches: one per Target, made on demand, taking
// part in P4Runtime arbitration with the configured election id. The pool
// reconnects when a connection drops or its settings (address, role, TLS, ids)
// change, and tells the loop when this replica is promoted to primary
// (failover: the new primary syncs; a backup never writes).
import type { Logger } from '../shared/log.ts';
import { isConnectionLost } from '../p4rt/errors.ts';
import type { DesiredState } from '../compile/types.ts';
import type { Metrics } from './metrics.ts';
import type { Outcomes } from './outcomes.ts';
import type { StatusFileEntry } from './state-file.ts';
import type { SwitchEndpoint, ConnectSwitch, SwitchConnection } from './switch.ts';
import { distrust, type FullReason, type SwitchTrust } from './known-state.ts';

/** One managed switch: its connection and what this replica last did to it. */
export interface PooledSwitch {
  name: string;
  address: string;
  conn?: SwitchConnection;
  connecting?: Promise<SwitchConnection>;
  /** Desired state last converged on this switch (the drift scan compares against it). */
  applied?: DesiredState;
  appliedCommit?: string;
  /**
   * `mode cookie` of the pipeline checked or pushed on this connection (unset
   * after a reconnect): a commit that changes the Target's pipeline checks again.
   */
  pipelineChecked?: string;
  /** A sync is wanted even if the commit did not change (promotion, reconnect, failure). */
  dirty: boolean;
  drifted: boolean;
  /** How the connection was made (role, role config, TLS, ids): a Target change to any of them needs a new connection. */
  connKey?: string;
  /** Set when the pre-connect of a sync failed; the sync reports it instead of dialling again. */
  connectError?: unknown;
  status: StatusFileEntry;
  /** Moves on every new connection, loss and role change: what was seen on an older epoch is not trusted. */
  epoch: number;
  /** What this process knows the switch holds (known-state.ts): the delta path's one condition. */
  trust: SwitchTrust;
}

export interface PoolOptions {
  connect: ConnectSwitch;
  logger: Logger;
  metrics: Metrics;
  outcomes: Outcomes;
  /** This replica became primary for a switch: it must sync it. */
  onPromoted: (name: string) => void;
  /** Why a switch first seen by this process is not trusted (default `restart`; the journal may say `journal`). */
  doubtAtStart?: (name: string) => FullReason;
}

export class ConnectionPool {
  private readonly switches = new Map<string, PooledSwitch>();

  constructor(private readonly o: PoolOptions) {}

  get size(): number {
    return this.switches.size;
  }
  get(name: string): PooledSwitch | undefined {
    return this.switches.get(name);
  }
  all(): PooledSwitch[] {
    return [...this.switches.values()];
  }

  /** The pooled switch for a Target (a new one when its address changed). */
  slot(name: string, address: string): PooledSwitch {
    let s = this.switches.get(name);
    if (s && s.address !== address) {
      void s.conn?.close().catch(() => {});
      this.switches.delete(name);
      s = undefined;
    }
    if (!s) {
      const doubt = this.o.doubtAtStart?.(name) ?? 'restart';
      s = { name, address, dirty: true, drifted: false, status: this.o.outcomes.switchStatus(name, address), epoch: 0, trust: { doubt } };
      this.switches.set(name, s);
    }
    return s;
  }

  /** Stops managing switches whose Target left the specs (their entries stay: removing a Target is not a request to wipe a switch). */
  async retain(names: readonly string[]): Promise<void> {
    for (const [name, s] of this.switches) {
      if (names.includes(name)) continue;
      await s.conn?.close().catch(() => {});
      this.switches.delete(name);
      this.o.outcomes.forget(name);
    }
  }

  /** The switch's connection, made (or remade, when `addr` differs in how it connects) as needed. */
  async connected(s: PooledSwitch, addr: SwitchEndpoint): Promise<SwitchConnection> {
    const { metrics, outcomes } = this.o;
    const { name: _n, address: _a, ...how } = addr;
    const connKey = JSON.stringify(how);
    if (s.conn && s.connKey !== connKey) {
      // E.g. the managed tables changed: a role's config is given at arbitration, so arbitrate again.
      this.o.logger.info('connection settings changed; reconnecting', { target: s.name, role: addr.role });
      this.drop(s, new Error('connection settings changed'));
    }
    if (s.conn) return s.conn;
    const log = this.o.logger.child({ target: s.name });
    s.connecting ??= this.o.connect(addr, log);
    try {
      const h = await s.connecting;
      s.conn = h;
      s.connKey = connKey;
      s.connectError = undefined;
      if (h.apiVersion !== undefined) s.status.apiVersion = h.apiVersion;
      s.pipelineChecked = undefined;
      s.dirty = true;
      s.epoch++;
      if (s.trust.known) distrust(s.trust, 'reconnect');
      metrics.up.set({ target: s.name }, 1);
      metrics.primary.set({ target: s.name }, h.primary ? 1 : 0);
      s.status.role = h.primary ? 'primary' : 'backup';
      log.info('connected', { address: addr.address, electionId: addr.electionId, primary: h.primary, apiVersion: h.apiVersion, role: addr.role, tls: !addr.insecure });
      outcomes.human(`${s.name}: connected to ${addr.address} as ${h.primary ? 'primary' : 'backup'} (election id ${addr.electionId}${addr.role ? `, role ${addr.role}` : ''}${h.apiVersion ? `, P4Runtime ${h.apiVersion}` : ''}${addr.insecure ? '' : ', TLS'})`);
      h.onRoleChange((primary) => {
        if (s.conn !== h) return;
        s.epoch++;
        distrust(s.trust, 'failover');
        metrics.primary.set({ target: s.name }, primary ? 1 : 0);
        s.status.role = primary ? 'primary' : 'backup';
        log.info(primary ? 'promoted to primary' : 'now backup');
        outcomes.human(`${s.name}: ${primary ? 'promoted to primary' : 'demoted to backup'}`);
        if (primary) {
          s.dirty = true;
          this.o.onPromoted(s.name);
        }
      });
      h.onDisconnect((err) => {
        if (s.conn !== h) return;
        this.drop(s, err);
      });
      return h;
    } finally {
      s.connecting = undefined;
    }
  }

  /** Forgets the connection (reconnect on the next sync). */
  drop(s: PooledSwitch, err: Error): void {
    this.o.logger.warn('switch connection lost', { target: s.name, err: err.message });
    const h = s.conn;
    s.conn = undefined;
    s.pipelineChecked = undefined;
    s.dirty = true;
    s.epoch++;
    distrust(s.trust, 'reconnect');
    s.status.role = 'disconnected';
    this.o.metrics.up.set({ target: s.name }, 0);
    this.o.metrics.primary.set({ target: s.name }, 0);
    void h?.close().catch(() => {});
  }

  /** Drops the connection when `err` says the switch went away (a P4Runtime call failed UNAVAILABLE or CANCELLED). */
  dropIfGone(s: PooledSwitch, err: unknown): void {
    if (isConnectionLost(err)) this.drop(s, err as Error);
  }

  async closeAll(): Promise<void> {
    for (const s of this.switches.values()) await s.conn?.close().catch(() => {});
    this.switches.clear();
  }
}
