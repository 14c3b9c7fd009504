// startTarget: the p4.v1.P4Runtime service on a real gRPC socket, over a
// TargetState. The service definition is hand-made so Read responses go out
// as pre-assembled bytes (no protobufjs objects for bulk data) and Write
// errors carry google.rpc.Status details exactly as the spec lays them out.
import grpc from '@grpc/grpc-js';
import { once } from 'node:events';
import { Code, protoType } from '../proto/load.ts';
import { silentLogger, type Logger } from '../shared/log.ts';
import { asTargetError } from './errors.ts';
import { WireWriter } from '../p4info/wire.ts';
import { readP4InfoFile } from './model.ts';
import { TargetCrash, TargetState, type WriteOutcome } from './state.ts';
import type { ArbitrationStream } from './arbitration.ts';
import { MAX_READ_MESSAGE_BYTES } from './read.ts';
import { apiVersionFor, parseQuirks, type Quirk } from './quirks.ts';
import { targetServerCredentials, type TargetTlsOptions } from './tls.ts';

export interface TargetOptions {
  address?: string;
  deviceId?: bigint;
  /** P4Info installed at start (text or binary), as if a client had committed it. */
  p4infoFile?: string;
  /** State file: loaded at start, rewritten after every successful Write / SetForwardingPipelineConfig. */
  persistFile?: string;
  credentials?: grpc.ServerCredentials;
  /** Serve TLS (mutual TLS with `clientCaFile`); ignored when `credentials` is given. */
  tls?: TargetTlsOptions;
  /** Real targets' gaps to emulate (quirks.ts). */
  quirks?: readonly (Quirk | string)[];
  /** What Capabilities reports; default 1.4.0 (1.3.0 with the api-1.3 quirk). */
  apiVersion?: string;
  logger?: Logger;
  maxReadChunkBytes?: number;
  /**
   * Largest google.rpc.Status (raw bytes) sent in grpc-status-details-bin.
   * The trailer travels base64-encoded, and grpc-js clients accept at most
   * Node's default 64 KiB header list: a bigger trailer is dropped and the
   * client waits until its deadline. Beyond this size the target sends the
   * status without per-update details and says why. Default 46 KiB.
   */
  maxErrorDetailsBytes?: number;
}

export interface RunningTarget {
  address: string;
  apiVersion: string;
  port: number;
  state: TargetState;
  stop(): Promise<void>;
}

const decoder = (name: string) => {
  const t = protoType(name);
  return (b: Buffer) => t.decode(b);
};
const raw = (b: Buffer) => b;

function method(name: string, req: string | null, requestStream: boolean, responseStream: boolean) {
  return {
    path: `/p4.v1.P4Runtime/${name}`,
    requestStream,
    responseStream,
    requestSerialize: raw,
    requestDeserialize: req ? decoder(req) : raw,
    responseSerialize: raw,
    responseDeserialize: raw,
  };
}

// A WriteRequest arrives as bytes and is decoded by the handler, just before
// it is applied: grpc-js decodes a request when its last frame arrives, and
// with several Writes in flight their decoded updates (~20 objects each)
// would wait side by side through young-generation collections, which then
// copy and promote them — a third more CPU for the same updates.
const decodeWriteRequest = decoder('p4.v1.WriteRequest');

const p4runtimeService: grpc.ServiceDefinition = {
  Write: method('Write', null, false, false),
  Read: method('Read', 'p4.v1.ReadRequest', false, true),
  SetForwardingPipelineConfig: method('SetForwardingPipelineConfig', 'p4.v1.SetForwardingPipelineConfigRequest', false, false),
  GetForwardingPipelineConfig: method('GetForwardingPipelineConfig', 'p4.v1.GetForwardingPipelineConfigRequest', false, false),
  StreamChannel: method('StreamChannel', 'p4.v1.StreamMessageRequest', true, true),
  Capabilities: method('Capabilities', 'p4.v1.CapabilitiesRequest', false, false),
};

/** google.rpc.Status with one p4.v1.Error per update, in request order. */
function writeErrorStatus(out: WriteOutcome): { message: string; details: Buffer } {
  const n = out.results.length;
  const message = out.applied
    ? `${out.failed} of ${n} updates failed (${out.atomicity}): the others were applied`
    : `${out.failed} of ${n} updates failed (${out.atomicity}): nothing was applied`;
  const st = new WireWriter(256 + 96 * n).uintField(1, Code.UNKNOWN).stringField(2, message);
  const err = new WireWriter(256);
  for (const r of out.results) {
    err.reset().uintField(1, r.code).stringField(2, r.message);
    if (r.code !== Code.OK) err.stringField(3, 'flowops.target');
    const any = st.begin(3);
    st.stringField(1, 'type.googleapis.com/p4.v1.Error');
    if (err.pos) st.bytesField(2, err.view());
    st.end(any);
  }
  return { message, details: st.view() };
}

function rpcError(err: unknown): grpc.ServiceError {
  const e = asTargetError(err);
  return Object.assign(new Error(e.message), { code: e.grpcCode, details: e.message, metadata: new grpc.Metadata() });
}

export async function startTarget(opts: TargetOptions = {}): Promise<RunningTarget> {
  const log = opts.logger ?? silentLogger;
  const quirks = parseQuirks(opts.quirks ?? []);
  const apiVersion = apiVersionFor(quirks, opts.apiVersion);
  const maxDetails = opts.maxErrorDetailsBytes ?? 46 * 1024;
  const maxChunk = quirks.includes('single-read-message') ? MAX_READ_MESSAGE_BYTES : opts.maxReadChunkBytes ?? 1024 * 1024;
  const creds = opts.credentials ?? (opts.tls ? targetServerCredentials(opts.tls) : grpc.ServerCredentials.createInsecure());
  const state = new TargetState(opts.deviceId ?? 1n, log, opts.persistFile);
  for (const q of quirks) state.quirks.add(q);
  state.arbitration.ignoreRoleNames = quirks.includes('api-1.3');
  state.load();
  if (opts.p4infoFile && !state.pipeline) state.preload(readP4InfoFile(opts.p4infoFile));

  const server = new grpc.Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
  const streams = new Set<grpc.ServerDuplexStream<any, Buffer>>();
  server.addService(p4runtimeService, {
    Write(call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) {
      let req: unknown;
      try {
        req = decodeWriteRequest(call.request);
      } catch {
        // What grpc-js answers for a request its deserializer refuses.
        return cb({ code: Code.INTERNAL, details: 'Error deserializing request' } as grpc.ServiceError);
      }
      try {
        const out = state.write(req);
        if (!out.failed) return cb(null, Buffer.alloc(0));
        const { message, details } = writeErrorStatus(out);
        const md = new grpc.Metadata();
        log.info('write failed', { updates: out.results.length, failed: out.failed, atomicity: out.atomicity });
        if (details.length > maxDetails) {
          log.warn('write error details too large for the trailer', { bytes: details.length, limit: maxDetails, updates: out.results.length });
          const why = `${message}; the per-update errors (${details.length} bytes) exceed the ${maxDetails}-byte status details limit: write smaller batches`;
          return cb({ code: Code.UNKNOWN, details: why, metadata: md } as grpc.ServiceError);
        }
        md.set('grpc-status-details-bin', details);
        cb({ code: Code.UNKNOWN, details: message, metadata: md } as grpc.ServiceError);
      } catch (err) {
        // A crash injected by the test hook: cut every connection, the Write included, and answer nothing.
        if (err instanceof TargetCrash) return void server.forceShutdown();
        cb(rpcError(err));
      }
    },
    async Read(call: grpc.ServerWritableStream<any, Buffer>) {
      try {
        for (const batch of state.read(call.request, maxChunk)) {
          for (const chunk of batch) {
            if (call.cancelled) return;
            if (!call.write(chunk)) await once(call, 'drain');
          }
        }
        call.end();
      } catch (err) {
        call.emit('error', rpcError(err));
      }
    },
    SetForwardingPipelineConfig(call: grpc.ServerUnaryCall<any, Buffer>, cb: grpc.sendUnaryData<Buffer>) {
      try {
        state.setPipeline(call.request);
        cb(null, Buffer.alloc(0));
      } catch (err) {
        cb(rpcError(err));
      }
    },
    GetForwardingPipelineConfig(call: grpc.ServerUnaryCall<any, Buffer>, cb: grpc.sendUnaryData<Buffer>) {
      try {
        cb(null, state.getPipeline(call.request));
      } catch (err) {
        cb(rpcError(err));
      }
    },
    Capabilities(_call: grpc.ServerUnaryCall<any, Buffer>, cb: grpc.sendUnaryData<Buffer>) {
      cb(null, new WireWriter(32).stringField(1, apiVersion).view());
    },
    StreamChannel(call: grpc.ServerDuplexStream<any, Buffer>) {
      streams.add(call);
      let ended = false;
      const handle: ArbitrationStream = {
        peer: call.getPeer(),
        send: (b) => { if (!ended) call.write(b); },
        end: (code, message) => {
          if (ended) return;
          ended = true;
          if (code === Code.OK) call.end();
          else call.emit('error', { code, details: message, message });
        },
      };
      const finish = () => {
        streams.delete(call);
        state.arbitration.remove(handle);
      };
      call.on('data', (msg: any) => {
        try {
          if (msg.update === 'arbitration') state.arbitration.onArbitration(handle, msg.arbitration);
          else log.debug('stream message ignored', { kind: msg.update });
        } catch (err) {
          handle.end(asTargetError(err).grpcCode, asTargetError(err).message);
          finish();
        }
      });
      call.on('end', () => {
        finish();
        handle.end(Code.OK, '');
      });
      call.on('cancelled', finish);
      call.on('error', finish);
      call.on('close', finish);
    },
  });

  const address = opts.address ?? '127.0.0.1:0';
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, creds, (err, p) => (err ? reject(err) : resolve(p))),
  );
  const host = address.replace(/:\d+$/, '');
  const bound = `${host}:${port}`;
  log.info('target listening', { address: bound, deviceId: state.deviceId, pipeline: !!state.pipeline, apiVersion, quirks, tls: !!opts.tls });
  return {
    address: bound,
    apiVersion,
    port,
    state,
    async stop() {
      state.arbitration.closeAll(Code.UNAVAILABLE, 'target shutting down');
      // Streams that never arbitrated are not known to arbitration; end them too.
      for (const call of streams) call.emit('error', { code: Code.UNAVAILABLE, details: 'target shutting down' });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => { server.forceShutdown(); resolve(); }, 2000);
        server.tryShutdown(() => { clearTimeout(timer); resolve(); });
      });
    },
  };
}
