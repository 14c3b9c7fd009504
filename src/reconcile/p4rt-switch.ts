// The reconciler's SwitchConnection over the P4Runtime client. Everything a real
// switch needs is decided here, per Target, so the loop stays switch-agnostic:
//   - channel credentials from the Target (TLS unless `insecure: true`), with
//     handshake failures explained in words;
//   - Capabilities first (the API version goes into the status), then a role
//     only if the switch understands role names, arbitrating with a
//     role config of exactly the tables/profiles flowops manages, in the
//     Target's format (flowops.v1.RoleConfig or Stratum's P4RoleConfig);
//   - the pipeline by cookie (push) or by meaning (verify, never written);
//   - MODIFY kept working on switches without it (DELETE + INSERT);
//   - one wildcard Read of exactly the managed tables/profiles.
import path from 'node:path';
import type grpc from '@grpc/grpc-js';
import { P4RuntimeClient } from '../p4rt/client.ts';
import { P4RuntimeError } from '../p4rt/errors.ts';
import { Code } from '../proto/load.ts';
import { credentialsForTarget, explainTlsFailure } from '../p4rt/credentials.ts';
import { wildcardGroups, wildcardMembers, wildcardTable, wildcardTableWithMeter } from '../p4rt/filters.ts';
import { modifyFallbackSession, type WritableSession } from '../p4rt/modify-fallback.ts';
import { selfDisagreementSession } from '../p4rt/self-disagreement.ts';
import { assertRoleSupported, probeCapabilities } from '../p4rt/capabilities.ts';
import { encodeRoleOwnership } from './role-ownership.ts';
import { compareP4Info } from '../pipeline/compare.ts';
import { formatCookie } from '../pipeline/cookie.ts';
import type { P4InfoIndex } from '../p4info/index.ts';
import { FlowopsError } from '../shared/errors.ts';
import type { Logger } from '../shared/log.ts';
import type { Atomicity, Update, WriteOutcome } from '../apply/session.ts';
import type { DesiredState } from '../compile/types.ts';
import { P4_DIR } from '../desired/pipeline.ts';
import type { PipelineFiles } from '../desired/types.ts';
import type { PipelineOutcome, SwitchEndpoint, ConnectSwitch, SwitchConnection } from './switch.ts';

/** A P4Info path for people: repo paths as they are, the bundled ones as `p4/<file>`. */
function shownFile(file: string): string {
  return path.isAbsolute(file) && path.dirname(file) === P4_DIR ? `bundled p4/${path.basename(file)}` : file;
}

/** verify mode: the switch runs no pipeline, or one whose P4Info means something else. `data.differences` lists them. */
export class PipelineMismatchError extends FlowopsError {}

class P4rtSwitch implements SwitchConnection {
  private readonly session: WritableSession;

  constructor(
    private readonly client: P4RuntimeClient,
    private readonly log: Logger,
    readonly apiVersion: string,
    modifyFallback: boolean,
  ) {
    const direct: WritableSession = { write: (updates, opts) => client.writeOutcome(updates, opts) };
    // Outermost: a retry as MODIFY still goes through the MODIFY fallback.
    const session = modifyFallback ? modifyFallbackSession(direct) : direct;
    this.session = selfDisagreementSession(session, log);
  }

  get primary(): boolean {
    return this.client.isPrimary;
  }

  onRoleChange(fn: (primary: boolean) => void): void {
    this.client.on('primary', () => fn(true));
    this.client.on('backup', () => fn(false));
  }

  onDisconnect(fn: (err: Error) => void): void {
    this.client.on('disconnected', (err: Error) => fn(err));
  }

  async ensurePipeline(pipe: PipelineFiles, mode: 'push' | 'verify'): Promise<PipelineOutcome> {
    if (mode === 'verify') {
      await this.verifyPipeline(pipe);
      return 'verified';
    }
    let r: 'unchanged' | 'pushed';
    try {
      r = await this.client.ensurePipeline({ p4info: pipe.index.p4info, deviceConfig: pipe.deviceConfig, cookie: pipe.cookie }, 'VERIFY_AND_COMMIT');
    } catch (err) {
      if (this.client.role && err instanceof P4RuntimeError && err.grpcCode === Code.PERMISSION_DENIED) {
        // P4Runtime: the pipeline is the whole device's; only the default role may set it (Stratum: or a role with can_push_pipeline).
        throw new PipelineMismatchError('PIPELINE_PUSH_DENIED', `the switch runs another pipeline and refused ours: role '${this.client.role}' may not set the pipeline (only the default role can); use pipeline.mode: verify with a role, or on Stratum roleConfig: { format: stratum, canPushPipeline: true } (${err.message})`, { role: this.client.role });
      }
      throw err;
    }
    if (r === 'pushed') this.log.info('pipeline pushed', { cookie: formatCookie(pipe.cookie), p4info: pipe.p4infoFile, deviceConfigBytes: pipe.deviceConfig.length });
    return r;
  }

  /**
   * The pipeline belongs to someone else: compare what the switch runs with
   * what the specs were compiled against, by meaning (the cookie is whatever
   * its owner chose, so it proves nothing), and refuse on any difference.
   */
  private async verifyPipeline(pipe: PipelineFiles): Promise<void> {
    const cur = await this.client.getPipeline('P4INFO_AND_COOKIE');
    const expected = shownFile(pipe.p4infoFile);
    if (!cur.p4info) {
      throw new PipelineMismatchError('PIPELINE_MISSING', `the switch runs no pipeline; pipeline.mode is verify, so flowops does not push ${expected} and writes nothing`, {
        expected, differences: ['the switch has no pipeline'],
      });
    }
    const differences = compareP4Info(pipe.index.p4info, cur.p4info);
    if (differences.length) {
      throw new PipelineMismatchError(
        'PIPELINE_MISMATCH',
        `the switch's P4Info differs from ${expected} in ${differences.length} way${differences.length === 1 ? '' : 's'} (expected → switch): ${differences.join('; ')}. pipeline.mode is verify: flowops writes nothing until they match`,
        { expected, differences, switchCookie: cur.cookie === undefined ? undefined : formatCookie(cur.cookie) },
      );
    }
  }

  async readManaged(desired: DesiredState, index: P4InfoIndex): Promise<readonly Buffer[]> {
    const filters: Buffer[] = [];
    for (const id of desired.managedProfileIds) filters.push(wildcardMembers(id), wildcardGroups(id));
    for (const id of desired.managedTableIds) {
      const meter = index.hasTable(id) && index.table(id).directMeterId !== 0;
      filters.push(meter ? wildcardTableWithMeter(id) : wildcardTable(id));
    }
    if (!filters.length) return [];
    // One arena over the responses, handed on as a Buffer[] view: plan() takes the arena back (p4info/entity-list.ts).
    return (await this.client.readEntities(filters)).asArray();
  }

  write(updates: Update[], opts?: { atomicity?: Atomicity }): Promise<WriteOutcome> {
    return this.session.write(updates, opts);
  }

  read(filters: Buffer[]): Promise<Buffer[]> {
    return this.client.read(filters);
  }

  close(): Promise<void> {
    this.client.removeAllListeners('primary');
    this.client.removeAllListeners('backup');
    this.client.removeAllListeners('disconnected');
    return this.client.close();
  }
}

export interface P4rtConnectorOptions {
  /** Overrides the per-Target credentials (tests of other things). */
  credentials?: grpc.ChannelCredentials;
  batchUpdates?: number;
  /** Wrap writes with modifyFallbackSession (default true): switches without MODIFY still converge. */
  modifyFallback?: boolean;
  maxReceiveMessageBytes?: number;
  rpcTimeoutMs?: number;
}

/** A TLS handshake failure in words; anything else as it was. */
function explained(err: unknown, address: string): unknown {
  return explainTlsFailure(err, address) ?? err;
}

/** Connects with arbitration; resolves once the switch has said whether we are primary. */
export function p4rtConnector(opts: P4rtConnectorOptions = {}): ConnectSwitch {
  return async (addr: SwitchEndpoint, log: Logger): Promise<SwitchConnection> => {
    // TLS unless the Target says insecure: true (credentials.ts); a bad file is a TlsConfigError naming it.
    const credentials = opts.credentials ?? credentialsForTarget({ insecure: addr.insecure, tls: addr.tls }, addr.configDir ?? process.cwd());
    const client = new P4RuntimeClient({
      address: addr.address,
      deviceId: addr.deviceId,
      electionId: BigInt(addr.electionId),
      role: addr.role,
      roleConfig: addr.role && addr.roleConfig ? encodeRoleOwnership(addr.roleConfig) : undefined,
      credentials,
      maxBatchUpdates: opts.batchUpdates,
      maxReceiveMessageBytes: opts.maxReceiveMessageBytes,
      rpcTimeoutMs: opts.rpcTimeoutMs,
      logger: log,
    });
    // Errors on the stream after connect are reported through 'disconnected'; an
    // EventEmitter 'error' would crash the process, so it is never emitted raw.
    client.on('streamError', (err: Error) => log.warn('stream error', { err: err.message }));
    let apiVersion: string;
    try {
      // Before arbitration: a 1.3 switch would ignore the role name and make us
      // primary of the default role, the whole pipeline — never get that far.
      const caps = await probeCapabilities(client).catch((err) => {
        throw explained(err, addr.address);
      });
      apiVersion = caps.apiVersion;
      assertRoleSupported(caps, addr.role, addr.address);
      await client.connect().catch((err) => {
        throw explained(err, addr.address);
      });
    } catch (err) {
      await client.close().catch(() => {});
      throw err;
    }
    log.info('capabilities', { apiVersion, role: addr.role ?? '(default)' });
    return new P4rtSwitch(client, log, apiVersion, opts.modifyFallback ?? true);
  };
}
