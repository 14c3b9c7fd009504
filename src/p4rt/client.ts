// One controller connection to one P4Runtime device: the StreamChannel that
// holds our place in arbitration, pipeline get/set by cookie, batched Writes
// of pre-encoded entities with per-update errors, and wildcard Reads that
// come back as entity byte strings. Nothing here decodes an entity.
import { EventEmitter } from 'node:events';
import grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { Code, protoType } from '../proto/load.ts';
import { longToBigInt as toBigInt } from '../proto/long.ts';
import { silentLogger, type Logger } from '../shared/log.ts';
import { fromGrpcError, P4RuntimeError, writeFailureError, writeOutcomeOf } from './errors.ts';
import type { WriteOutcome } from '../shared/write-outcome.ts';
import { encodeReadRequest, encodeWriteRequest, type Atomicity, type Update } from './messages.ts';
import { DEFAULT_MAX_BATCH_BYTES, DEFAULT_MAX_BATCH_UPDATES, splitBatches } from './batches.ts';
import { P4RuntimeGrpcClient, type P4RuntimeStub } from './service.ts';
import { splitRepeated } from '../p4info/wire.ts';
import { EntityListBuilder, type EntityList } from '../p4info/entity-list.ts';

export interface P4RuntimeClientOptions {
  /** `host:port` of the switch's P4Runtime server. */
  address: string;
  deviceId: bigint | number;
  /** 128-bit election id; the highest among a role's clients is primary. */
  electionId: bigint;
  /**
   * When the switch says there is no primary and has seen a higher id than
   * ours (spec 5.3: after the primary leaves, no one is primary until a client
   * arbitrates with an id >= the highest seen), arbitrate again with that id
   * plus one. Default true: a backup replica takes over as HA expects.
   */
  takeOverWhenNoPrimary?: boolean;
  role?: string;
  /** Encoded google.protobuf.Any for Role.config (target-specific role description). */
  roleConfig?: Buffer;
  /** Default: insecure (plaintext). */
  credentials?: grpc.ChannelCredentials;
  /** Largest message accepted. BMv2 answers a 1M-entry wildcard Read with one ~80 MB message. Default 256 MiB. */
  maxReceiveMessageBytes?: number;
  /** Default update count per Write in writeBatches; also sizes the metadata limit for error details. Default 500 (batches.ts says why). */
  maxBatchUpdates?: number;
  /** Deadline for unary RPCs (Write, pipeline, capabilities). Default 120 s. */
  rpcTimeoutMs?: number;
  logger?: Logger;
}

export interface ArbitrationResult {
  primary: boolean;
  /** Election id of the current primary as the switch reports it (absent when there is none). */
  primaryElectionId?: bigint;
}

export type PipelineResponseType = 'ALL' | 'COOKIE_ONLY' | 'P4INFO_AND_COOKIE' | 'DEVICE_CONFIG_AND_COOKIE';
export type PipelineAction = 'VERIFY' | 'VERIFY_AND_SAVE' | 'VERIFY_AND_COMMIT' | 'COMMIT' | 'RECONCILE_AND_COMMIT';

export interface PipelineConfig {
  /** Decoded p4.config.v1.P4Info (protobufjs message or plain object). */
  p4info?: object;
  /** Target-specific device config (BMv2 JSON, Tofino binary). */
  deviceConfig?: Buffer;
  cookie?: bigint;
}

export interface WriteBatchesOptions {
  maxUpdates?: number;
  maxBytes?: number;
  atomicity?: Atomicity;
  onProgress?: (p: { written: number; total: number; batch: number; batches: number }) => void;
}

const MASK64 = (1n << 64n) - 1n;

function uint128Object(v: bigint): { high: string; low: string } {
  return { high: ((v >> 64n) & MASK64).toString(), low: (v & MASK64).toString() };
}

export class P4RuntimeClient extends EventEmitter {
  readonly address: string;
  readonly deviceId: bigint;
  /** Ours; raised above the switch's highest when we take over a role with no primary. */
  electionId: bigint;
  private readonly takeOver: boolean;
  readonly role: string | undefined;
  private readonly roleConfig: Buffer | undefined;
  private readonly stub: P4RuntimeStub;
  private readonly log: Logger;
  private readonly maxBatchUpdates: number;
  private readonly rpcTimeoutMs: number;
  private stream: grpc.ClientDuplexStream<object, any> | undefined;
  private primary = false;
  private primaryId: bigint | undefined;
  private closing = false;
  private connected = false;

  constructor(opts: P4RuntimeClientOptions) {
    super();
    this.address = opts.address;
    this.deviceId = BigInt(opts.deviceId);
    this.electionId = opts.electionId;
    this.takeOver = opts.takeOverWhenNoPrimary ?? true;
    this.role = opts.role || undefined;
    this.roleConfig = opts.roleConfig;
    this.maxBatchUpdates = opts.maxBatchUpdates ?? DEFAULT_MAX_BATCH_UPDATES;
    this.rpcTimeoutMs = opts.rpcTimeoutMs ?? 120_000;
    this.log = (opts.logger ?? silentLogger).child({ switch: opts.address, deviceId: this.deviceId });
    const maxReceive = opts.maxReceiveMessageBytes ?? 256 * 1024 * 1024;
    this.stub = new P4RuntimeGrpcClient(opts.address, opts.credentials ?? grpc.credentials.createInsecure(), {
      // The spec's guideline: room for one p4.v1.Error per update in the status
      // details trailer. (grpc-js 1.14 does not read this option; it is set for
      // when it does, and batches stay small enough meanwhile — batches.ts.)
      'grpc.max_metadata_size': Math.max(16 * 1024, 8192 + 100 * this.maxBatchUpdates),
      'grpc.max_receive_message_length': maxReceive,
      'grpc.max_send_message_length': 1024 * 1024 * 1024,
    }) as unknown as P4RuntimeStub;
  }

  get isPrimary(): boolean {
    return this.primary;
  }

  get primaryElectionId(): bigint | undefined {
    return this.primaryId;
  }

  /**
   * Opens StreamChannel and sends our MasterArbitrationUpdate; resolves on the
   * switch's first answer (status OK = we are primary). Later changes are
   * events: 'primary', 'backup' (with an ArbitrationResult), 'streamError',
   * 'disconnected' (with the error, once, unless close() was called).
   */
  connect(): Promise<ArbitrationResult> {
    if (this.stream) return Promise.reject(new P4RuntimeError('StreamChannel', Code.FAILED_PRECONDITION, 'already connected'));
    this.closing = false;
    const stream = this.stub.StreamChannel();
    this.stream = stream;
    return new Promise<ArbitrationResult>((resolve, reject) => {
      let settled = false;
      let gone = false;
      const lost = (err: Error) => {
        if (gone) return;
        gone = true;
        const wasConnected = this.connected;
        this.connected = false;
        this.primary = false;
        if (this.stream === stream) this.stream = undefined;
        if (!settled) {
          settled = true;
          reject(err);
        } else if (!this.closing && wasConnected) {
          this.log.warn('stream lost', { error: err.message });
          this.emit('disconnected', err);
        }
      };
      stream.on('data', (msg: any) => {
        if (msg.arbitration) {
          const a = msg.arbitration;
          const code = Number(a.status?.code ?? Code.OK);
          const shown = a.election_id ? (toBigInt(a.election_id.high) << 64n) | toBigInt(a.election_id.low) : undefined;
          if (code === Code.NOT_FOUND && this.takeOver && shown !== undefined && shown >= this.electionId) {
            this.log.info('no primary: arbitrating above the highest election id the switch has seen', { highest: shown, was: this.electionId });
            this.electionId = shown + 1n;
            sendArbitration();
            return;
          }
          const primary = code === Code.OK;
          const result: ArbitrationResult = { primary };
          if (a.election_id) result.primaryElectionId = (toBigInt(a.election_id.high) << 64n) | toBigInt(a.election_id.low);
          const was = this.primary;
          this.primary = primary;
          this.primaryId = result.primaryElectionId;
          if (!settled) {
            settled = true;
            this.connected = true;
            this.log.info('arbitration', { primary, electionId: this.electionId, primaryElectionId: result.primaryElectionId });
            resolve(result);
          } else if (was !== primary) {
            this.log.info(primary ? 'became primary' : 'became backup', { primaryElectionId: result.primaryElectionId });
            this.emit(primary ? 'primary' : 'backup', result);
          }
        } else if (msg.error) {
          const e = msg.error;
          const err = new P4RuntimeError('StreamChannel', Number(e.canonical_code ?? Code.UNKNOWN), String(e.message ?? 'stream error'), {
            space: e.space,
            targetCode: e.code,
          });
          this.emit('streamError', err);
        } else if (msg.packet) {
          this.emit('packetIn', msg.packet);
        }
      });
      stream.on('error', (err: unknown) => {
        const e = fromGrpcError('StreamChannel', err);
        if (this.closing && (err as grpc.ServiceError).code === Code.CANCELLED) return lost(e);
        if (settled && !gone) this.emit('streamError', e);
        lost(e);
      });
      stream.on('end', () => lost(new P4RuntimeError('StreamChannel', Code.UNAVAILABLE, 'stream closed by the switch')));
      stream.on('close', () => lost(new P4RuntimeError('StreamChannel', Code.UNAVAILABLE, 'stream closed')));
      const role: Record<string, unknown> | undefined = this.role || this.roleConfig ? { name: this.role ?? '' } : undefined;
      if (role && this.roleConfig) role.config = protoType('google.protobuf.Any').decode(this.roleConfig);
      const sendArbitration = () =>
        stream.write({
          arbitration: {
            device_id: this.deviceId.toString(),
            election_id: uint128Object(this.electionId),
            ...(role ? { role } : {}),
          },
        });
      sendArbitration();
    });
  }

  private deadline(): grpc.CallOptions {
    return { deadline: Date.now() + this.rpcTimeoutMs };
  }

  private unary<T>(rpc: string, call: (cb: (err: grpc.ServiceError | null, res?: T) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      call((err, res) => (err ? reject(fromGrpcError(rpc, err)) : resolve(res as T)));
    });
  }

  /** The switch's P4Runtime API version, e.g. "1.4.0". */
  async capabilities(): Promise<string> {
    const res = await this.unary<any>('Capabilities', (cb) => this.stub.Capabilities({}, new grpc.Metadata(), this.deadline(), cb));
    return String(res.p4runtime_api_version ?? '');
  }

  /** The pipeline the switch runs (what is included depends on `responseType`). */
  async getPipeline(responseType: PipelineResponseType = 'ALL'): Promise<{ p4info?: protobuf.Message & Record<string, any>; deviceConfig?: Buffer; cookie?: bigint }> {
    const res = await this.unary<any>('GetForwardingPipelineConfig', (cb) =>
      this.stub.GetForwardingPipelineConfig({ device_id: this.deviceId.toString(), response_type: responseType }, new grpc.Metadata(), this.deadline(), cb),
    );
    const cfg = res.config;
    const out: { p4info?: protobuf.Message & Record<string, any>; deviceConfig?: Buffer; cookie?: bigint } = {};
    if (!cfg) return out;
    if (cfg.p4info) out.p4info = cfg.p4info;
    if (cfg.p4_device_config?.length) out.deviceConfig = Buffer.from(cfg.p4_device_config);
    if (cfg.cookie) out.cookie = toBigInt(cfg.cookie.cookie);
    return out;
  }

  /** SetForwardingPipelineConfig as this client (device, role, election id). */
  async setPipeline(cfg: PipelineConfig, action: PipelineAction = 'VERIFY_AND_COMMIT'): Promise<void> {
    const config: Record<string, unknown> = {};
    if (cfg.p4info) config.p4info = cfg.p4info;
    if (cfg.deviceConfig) config.p4_device_config = cfg.deviceConfig;
    if (cfg.cookie !== undefined) config.cookie = { cookie: cfg.cookie.toString() };
    const req: Record<string, unknown> = {
      device_id: this.deviceId.toString(),
      election_id: uint128Object(this.electionId),
      action,
      config,
    };
    if (this.role) req.role = this.role;
    await this.unary('SetForwardingPipelineConfig', (cb) => this.stub.SetForwardingPipelineConfig(req, new grpc.Metadata(), this.deadline(), cb));
    this.log.info('pipeline set', { action, cookie: cfg.cookie });
  }

  /**
   * Pushes `cfg` only when the switch's cookie differs (or it has no
   * pipeline yet). A config without a cookie is always pushed.
   */
  async ensurePipeline(cfg: PipelineConfig, action: PipelineAction = 'VERIFY_AND_COMMIT'): Promise<'unchanged' | 'pushed'> {
    if (cfg.cookie !== undefined) {
      try {
        const cur = await this.getPipeline('COOKIE_ONLY');
        if (cur.cookie === cfg.cookie) return 'unchanged';
      } catch (err) {
        // No pipeline yet is FAILED_PRECONDITION on most targets (BMv2, ours): push.
        if (!(err instanceof P4RuntimeError) || (err.grpcCode !== Code.FAILED_PRECONDITION && err.grpcCode !== Code.NOT_FOUND)) throw err;
      }
    }
    await this.setPipeline(cfg, action);
    return 'pushed';
  }

  /**
   * One Write RPC of pre-encoded entities; resolves to what it did
   * (shared/write-outcome.ts), whatever the switch answered: this is the one
   * place a Write's failure is classified. Rejects only when the request
   * cannot be encoded.
   */
  writeOutcome(updates: readonly Update[], opts: { atomicity?: Atomicity } = {}, range?: [number, number]): Promise<WriteOutcome> {
    const [from, to] = range ?? [0, updates.length];
    if (to <= from) return Promise.resolve({ ok: true });
    const req = encodeWriteRequest({ deviceId: this.deviceId, electionId: this.electionId, role: this.role }, updates, opts.atomicity, from, to);
    return new Promise<WriteOutcome>((resolve) => {
      try {
        this.stub.Write(req, new grpc.Metadata(), this.deadline(), (err) => resolve(err ? writeOutcomeOf(err, to - from) : { ok: true }));
      } catch (err) {
        // grpc-js throws synchronously on a channel already closed: the connection is gone.
        resolve({ ok: false, kind: 'lost', code: Code.UNAVAILABLE, message: (err as Error).message });
      }
    });
  }

  /**
   * The same, throwing on failure: WriteError for per-update outcomes (one
   * per update, OK ones included), P4RuntimeError otherwise (e.g.
   * RPC_PERMISSION_DENIED for a backup).
   */
  async write(updates: readonly Update[], opts: { atomicity?: Atomicity } = {}, range?: [number, number]): Promise<void> {
    const o = await this.writeOutcome(updates, opts, range);
    if (!o.ok) throw writeFailureError(o);
  }

  /**
   * Writes `updates` in order as several Write RPCs, cut by count and encoded
   * size. Stops at the first failing batch; its WriteError has indexes into
   * `updates` (not into the batch) and says how many were written before.
   */
  async writeBatches(updates: readonly Update[], opts: WriteBatchesOptions = {}): Promise<{ written: number; batches: number }> {
    const ranges = splitBatches(updates, opts.maxUpdates ?? this.maxBatchUpdates, opts.maxBytes ?? DEFAULT_MAX_BATCH_BYTES);
    let written = 0;
    for (let b = 0; b < ranges.length; b++) {
      const [from, to] = ranges[b];
      const o = await this.writeOutcome(updates, { atomicity: opts.atomicity }, [from, to]);
      if (!o.ok) throw writeFailureError(o, from, { batch: b, batches: ranges.length, batchStart: from, batchEnd: to, writtenBefore: written });
      written = to;
      opts.onProgress?.({ written, total: updates.length, batch: b + 1, batches: ranges.length });
    }
    return { written, batches: ranges.length };
  }

  /** Entities matching `filters` (e.g. wildcardTable(id)), as byte-string views into the responses. */
  async read(filters: readonly Uint8Array[]): Promise<Buffer[]> {
    const out: Buffer[] = [];
    for await (const chunk of this.readStream(filters)) {
      for (let i = 0; i < chunk.length; i++) out.push(chunk[i]);
    }
    return out;
  }

  /** The same, one ReadResponse at a time (the switch decides the chunking). */
  async *readStream(filters: readonly Uint8Array[]): AsyncGenerator<Buffer[]> {
    for await (const msg of this.readResponses(filters)) yield splitRepeated(msg, 1);
  }

  /**
   * Entities matching `filters` as one arena over the responses
   * (p4info/entity-list.ts): no object per entity, empty meter configs
   * dropped, every entity scanned (malformed bytes throw WireError). What a
   * wildcard Read of 10^6 entities is read into.
   */
  async readEntities(filters: readonly Uint8Array[]): Promise<EntityList> {
    const b = new EntityListBuilder();
    for await (const msg of this.readResponses(filters)) b.addResponse(msg);
    return b.seal();
  }

  /** The encoded ReadResponse messages. */
  private async *readResponses(filters: readonly Uint8Array[]): AsyncGenerator<Buffer> {
    const call = this.stub.Read(encodeReadRequest(this.deviceId, filters, this.role));
    try {
      for await (const msg of call as AsyncIterable<Buffer>) yield msg;
    } catch (err) {
      throw fromGrpcError('Read', err);
    } finally {
      call.cancel();
    }
  }

  /** Ends the stream (giving up primary) and the channel. */
  async close(): Promise<void> {
    this.closing = true;
    this.primary = false;
    const s = this.stream;
    this.stream = undefined;
    if (s) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 500);
        s.once('close', () => {
          clearTimeout(t);
          resolve();
        });
        s.end();
        s.cancel();
      });
    }
    this.stub.close();
  }
}

export type { Update, Atomicity } from './messages.ts';
