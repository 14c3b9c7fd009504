// Client arbitration on StreamChannel (P4Runtime spec §5): per (device, role)
// the stream with the highest election id is primary. The target remembers
// the highest election id it has seen per role (§5.3, §5.4): when the primary
// leaves, a backup with a lower id does not take over; there is no primary
// until a client arbitrates with an id at least that high. Every stream learns
// its standing from MasterArbitrationUpdate messages; only the primary's
// election id may Write or set the pipeline. A role's config (roles.ts) is
// given by its clients in the same message; every client of a role must give
// the same one, and the target remembers it for Reads after they leave.
// Exclusive claims (Stratum's format) are checked against the roles whose
// clients are connected now, so a controller that left blocks nobody.
import { Code } from '../proto/load.ts';
import { WireWriter } from '../p4info/wire.ts';
import { longToBigInt as toBig } from '../proto/long.ts';
import type { Logger } from '../shared/log.ts';
import { exclusiveClash, parseRoleConfig, type RoleDescription } from './roles.ts';
import { asTargetError } from './errors.ts';

export interface ArbitrationStream {
  /** Sends an encoded p4.v1.StreamMessageResponse. */
  send(bytes: Buffer): void;
  /** Ends the stream with a status. */
  end(code: number, message: string): void;
  peer: string;
}

interface Member {
  stream: ArbitrationStream;
  role: string;
  /** null: the client gave no election id and can only ever be a backup. */
  electionId: bigint | null;
  /** The role's description as this client gave it; null = the whole pipeline. */
  desc: RoleDescription | null;
}

export function uint128(msg: { high?: unknown; low?: unknown } | null | undefined): bigint | null {
  if (!msg) return null;
  return (toBig(msg.high) << 64n) | toBig(msg.low);
}

export class Arbitration {
  private members = new Map<ArbitrationStream, Member>();
  /** Last description seen per role, so Reads naming a role are scoped even when no client of it is connected. */
  private known = new Map<string, RoleDescription | null>([['', null]]);
  /** Highest election id ever accepted per role (spec 5.3); the primary, if any, is the stream holding it. */
  private highest = new Map<string, bigint>();
  /**
   * Emulates a P4Runtime 1.3 server (quirk api-1.3): Role.name (field 3) did
   * not exist then, so its bytes are unknown fields a 1.3 server skips; every
   * client lands in the default role. Role configs are ignored the same way.
   */
  ignoreRoleNames = false;

  constructor(private deviceId: () => bigint, private log: Logger) {}

  /** Handles one MasterArbitrationUpdate (decoded) from `stream`. */
  onArbitration(stream: ArbitrationStream, upd: any): void {
    const device = toBig(upd.device_id);
    if (device !== this.deviceId()) {
      this.drop(stream, Code.NOT_FOUND, `device id ${device} is not known (this target is device ${this.deviceId()})`);
      return;
    }
    const role = this.ignoreRoleNames ? '' : upd.role?.name ?? '';
    let desc: RoleDescription | null = null;
    if (!this.ignoreRoleNames) {
      try {
        desc = parseRoleConfig(upd.role?.config);
      } catch (err) {
        this.drop(stream, Code.INVALID_ARGUMENT, asTargetError(err).message);
        return;
      }
      if (desc && !role) {
        this.drop(stream, Code.INVALID_ARGUMENT, 'the default role (no role name) has the whole pipeline and takes no role config');
        return;
      }
      for (const m of this.members.values()) {
        if (m.stream !== stream && m.role === role && (m.desc?.key ?? null) !== (desc?.key ?? null)) {
          this.drop(stream, Code.INVALID_ARGUMENT, `role '${role}' is already in use with a different role config; every client of a role must send the same one`);
          return;
        }
      }
      // Stratum's P4RoleConfig claims ids exclusively: refuse a role whose claim clashes with a connected role's.
      const others = [...this.members.values()].filter((m) => m.role !== role && m.desc).map((m) => ({ role: m.role, desc: m.desc! }));
      const clash = desc && exclusiveClash(desc, others);
      if (clash) {
        this.drop(stream, Code.INVALID_ARGUMENT, `role '${role}': its stratum.P4RoleConfig ${clash}`);
        return;
      }
    }
    const electionId = upd.election_id ? uint128(upd.election_id) : null;
    const existing = this.members.get(stream);
    if (existing && existing.role !== role) {
      this.drop(stream, Code.FAILED_PRECONDITION, `a stream cannot change its role ('${existing.role}' → '${role}')`);
      return;
    }
    if (electionId !== null) {
      for (const m of this.members.values()) {
        if (m.stream !== stream && m.role === role && m.electionId === electionId) {
          this.drop(stream, Code.INVALID_ARGUMENT, `election id ${electionId} is already used by another stream for role '${role}'`);
          return;
        }
      }
    }
    const before = this.primary(role);
    if (existing) Object.assign(existing, { electionId, desc });
    else this.members.set(stream, { stream, role, electionId, desc });
    this.known.set(role, desc);
    if (electionId !== null && electionId > (this.highest.get(role) ?? -1n)) this.highest.set(role, electionId);
    const after = this.primary(role);
    this.log.info('arbitration', { peer: stream.peer, role, electionId, primary: after?.stream === stream });
    if (before !== after || before?.electionId !== after?.electionId) this.notifyRole(role);
    else this.notify(this.members.get(stream)!);
  }

  /**
   * The stream ended: forget it. If it was primary, the role has no primary
   * until a client arbitrates with an id >= the highest seen; everyone is told.
   */
  remove(stream: ArbitrationStream): void {
    const m = this.members.get(stream);
    if (!m) return;
    const wasPrimary = this.primary(m.role) === m;
    this.members.delete(stream);
    if (wasPrimary) this.notifyRole(m.role);
  }

  /** The role's stream holding the highest election id ever seen for it, if still connected. */
  primary(role: string): Member | undefined {
    const highest = this.highest.get(role);
    if (highest === undefined) return undefined;
    for (const m of this.members.values()) if (m.role === role && m.electionId === highest) return m;
    return undefined;
  }

  /** The highest election id seen for `role` (what a client must at least send to become primary). */
  highestElectionId(role: string): bigint | undefined {
    return this.highest.get(role);
  }

  /** Write and SetForwardingPipelineConfig are accepted only with the primary's election id. */
  isPrimary(role: string, electionId: bigint | null): boolean {
    const p = this.primary(role);
    return !!p && electionId !== null && p.electionId === electionId;
  }

  /**
   * The description in force for `role`: its clients' (all equal), else the
   * last one seen. Undefined for a role no client has ever arbitrated for.
   */
  roleDescription(role: string): RoleDescription | null | undefined {
    if (this.ignoreRoleNames) return null;
    for (const m of this.members.values()) if (m.role === role) return m.desc;
    return this.known.get(role);
  }

  /** Ends every stream (target shutdown or pipeline-independent reset). */
  closeAll(code: number, message: string): void {
    for (const m of [...this.members.values()]) m.stream.end(code, message);
    this.members.clear();
  }

  private drop(stream: ArbitrationStream, code: number, message: string): void {
    this.log.warn('arbitration refused', { peer: stream.peer, code, message });
    const m = this.members.get(stream);
    this.members.delete(stream);
    stream.end(code, message);
    if (m) this.notifyRole(m.role);
  }

  private notifyRole(role: string): void {
    for (const m of this.members.values()) if (m.role === role) this.notify(m);
  }

  private notify(m: Member): void {
    const primary = this.primary(m.role);
    const status = primary === m
      ? new WireWriter(16).uintField(1, Code.OK).view()
      : primary
        ? new WireWriter(32).uintField(1, Code.ALREADY_EXISTS).stringField(2, 'not primary').view()
        : new WireWriter(32).uintField(1, Code.NOT_FOUND).stringField(2, 'no primary').view();
    const upd = new WireWriter(128).int64Field(1, this.deviceId());
    if (m.role) upd.bytesField(2, new WireWriter(64).stringField(3, m.role).view());
    // election_id: the primary's, or with no primary the highest seen (spec 5.4).
    const shown = primary ? primary.electionId! : this.highest.get(m.role);
    if (shown !== undefined) {
      const id = shown;
      upd.bytesField(3, new WireWriter(32).int64Field(1, id >> 64n).int64Field(2, id & ((1n << 64n) - 1n)).view());
    }
    upd.bytesField(4, status);
    m.stream.send(new WireWriter(upd.pos + 8).bytesField(1, upd.view()).view());
  }
}
