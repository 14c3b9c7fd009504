// The reconciler's SwitchHandle over the P4Runtime client: arbitration with
// the configured election id, pipeline by cookie (a hash of the P4Info and the
// device config, so the same pipeline is never pushed twice — pushing wipes
// the tables), and one wildcard Read of exactly the managed tables/profiles.
import { createHash } from 'node:crypto';
import type grpc from '@grpc/grpc-js';
import { P4RuntimeClient } from '../p4rt/client.ts';
import { wildcardGroups, wildcardMembers, wildcardTable } from '../p4rt/filters.ts';
import { protoType } from '../proto/load.ts';
import { WireReader, WireWriter, WIRE_LEN } from '../p4info/wire.ts';
import type { P4InfoIndex } from '../p4info/index.ts';
import { FlowopsError } from '../shared/errors.ts';
import type { Logger } from '../shared/log.ts';
import type { Update } from '../apply/session.ts';
import type { DesiredState } from '../compile/types.ts';
import type { PipelineFiles } from './desired.ts';
import type { PipelineOutcome, SwitchAddress, SwitchFactory, SwitchHandle } from './switch.ts';

/** Entity{table_entry{table_id, meter_config{}}}: every entry of a table with its direct meter config. */
export function wildcardTableWithMeter(tableId: number): Buffer {
  const w = new WireWriter(16);
  const e = w.begin(2);
  w.uintField(1, tableId);
  const m = w.begin(6);
  w.end(m);
  w.end(e);
  return w.finish();
}

/**
 * A switch asked for meter configs answers `meter_config {}` for entries that
 * have none; that means the same as no field, and desired entries have no
 * field. Drops the empty field (a copy only for the entities that carry it).
 */
export function withoutEmptyMeter(entity: Buffer): Buffer {
  const r = new WireReader(entity);
  let outerTag = r.pos;
  while (r.next()) {
    if (r.fieldNo !== 2 || r.wireType !== WIRE_LEN) {
      r.skip();
      outerTag = r.pos;
      continue;
    }
    const [s, e] = r.lenRange();
    const inner = new WireReader(entity, s, e);
    let tag = inner.pos;
    while (inner.next()) {
      if (inner.fieldNo === 6 && inner.wireType === WIRE_LEN) {
        const [vs, ve] = inner.lenRange();
        if (vs === ve) {
          const body = Buffer.concat([entity.subarray(s, tag), entity.subarray(ve, e)]);
          const w = new WireWriter(body.length + 16);
          w.bytesField(2, body);
          return Buffer.concat([entity.subarray(0, outerTag), w.finish(), entity.subarray(e)]);
        }
      } else inner.skip();
      tag = inner.pos;
    }
    return entity;
  }
  return entity;
}

const cookies = new WeakMap<PipelineFiles, bigint>();

/** 64-bit cookie of a pipeline: sha256 over the encoded P4Info and the device config. */
export function pipelineCookie(pipe: PipelineFiles): bigint {
  let c = cookies.get(pipe);
  if (c === undefined) {
    const P4Info = protoType('p4.config.v1.P4Info');
    const p4info = P4Info.encode(P4Info.fromObject(pipe.index.p4info)).finish();
    const h = createHash('sha256').update(p4info).update('\0').update(pipe.deviceConfig).digest();
    c = h.readBigUInt64BE(0);
    cookies.set(pipe, c);
  }
  return c;
}

export class PipelineMismatchError extends FlowopsError {}

class P4rtSwitch implements SwitchHandle {
  constructor(
    private readonly client: P4RuntimeClient,
    private readonly log: Logger,
  ) {}

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
    const cookie = pipelineCookie(pipe);
    if (mode === 'verify') {
      const cur = await this.client.getPipeline('COOKIE_ONLY').catch(() => ({ cookie: undefined }));
      if (cur.cookie !== cookie) {
        throw new PipelineMismatchError('PIPELINE_MISMATCH', `switch runs pipeline cookie ${cur.cookie ?? 'none'}, specs want ${cookie} (pipeline.mode: verify, so flowops does not push it)`, {
          have: String(cur.cookie ?? ''), want: String(cookie),
        });
      }
      return 'unchanged';
    }
    const r = await this.client.ensurePipeline({ p4info: pipe.index.p4info, deviceConfig: pipe.deviceConfig, cookie });
    if (r === 'pushed') this.log.info('pipeline pushed', { cookie: cookie.toString() });
    return r;
  }

  async readManaged(desired: DesiredState, index: P4InfoIndex): Promise<Buffer[]> {
    const filters: Buffer[] = [];
    for (const id of desired.managedProfileIds) filters.push(wildcardMembers(id), wildcardGroups(id));
    for (const id of desired.managedTableIds) {
      // Meter configs come back only when the filter asks for them (P4Runtime
      // §9.1); without them a rate-limited flow would always look modified.
      const meter = index.hasTable(id) && index.table(id).directMeterId !== 0;
      filters.push(meter ? wildcardTableWithMeter(id) : wildcardTable(id));
    }
    if (!filters.length) return [];
    const live = await this.client.read(filters);
    for (let i = 0; i < live.length; i++) live[i] = withoutEmptyMeter(live[i]);
    return live;
  }

  write(updates: Update[], opts?: { atomicity?: 'CONTINUE_ON_ERROR' | 'ROLLBACK_ON_ERROR' | 'DATAPLANE_ATOMIC' }): Promise<void> {
    return this.client.write(updates, opts);
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

/** Connects with arbitration; resolves once the switch has said whether we are primary. */
export function p4rtSwitchFactory(opts: { credentials?: grpc.ChannelCredentials; batchUpdates?: number } = {}): SwitchFactory {
  return async (addr: SwitchAddress, log: Logger): Promise<SwitchHandle> => {
    const client = new P4RuntimeClient({
      address: addr.address,
      deviceId: addr.deviceId,
      electionId: BigInt(addr.electionId),
      role: addr.role,
      credentials: opts.credentials,
      maxBatchUpdates: opts.batchUpdates,
      logger: log,
    });
    // Errors on the stream after connect are reported through 'disconnected'; an
    // EventEmitter 'error' would crash the process, so it is never emitted raw.
    client.on('streamError', (err: Error) => log.warn('stream error', { err: err.message }));
    try {
      await client.connect();
    } catch (err) {
      await client.close().catch(() => {});
      throw err;
    }
    return new P4rtSwitch(client, log);
  };
}
