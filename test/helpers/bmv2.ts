// BMv2 (simple_switch_grpc) for tests: one switch per test on free loopback
// ports, its P4Runtime server for the code under test and its gRPC dataplane
// (p4.bm.DataplaneInterface) to inject frames and collect what it emits.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import grpc from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { PROTO_DIR } from '../../src/proto/load.ts';
import { peerPath } from './peers.ts';

export interface Bmv2 {
  deviceId: number;
  /** Process id of simple_switch_grpc (CPU and RSS figures in the bench). */
  pid: number;
  /** host:port of its P4Runtime server. */
  p4rtAddr: string;
  /** host:port of its packet I/O service. */
  dpAddr: string;
  /** A new dataplane client (each holds one PacketStream). */
  dataplane(): Promise<Dataplane>;
  /** What the switch printed, for failure messages. */
  log(): string;
  /** SIGTERM, then waits for the process to exit (SIGKILL after 5 s). */
  stop(): Promise<void>;
}

export interface Emitted {
  /** Egress port. */
  port: number;
  frame: Buffer;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1');
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

let nextDevice = 1;

/** Starts simple_switch_grpc with no program; push one over P4Runtime. Retries on a port taken meanwhile. */
export async function startBmv2(opts: { deviceId?: number } = {}): Promise<Bmv2> {
  let lastErr: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(opts.deviceId ?? ((process.pid % 1000) * 100 + nextDevice++));
    } catch (e) {
      lastErr = e;
    }
  }
  throw lastErr;
}

async function startOnce(deviceId: number): Promise<Bmv2> {
  const [p4rt, dp, thrift] = [await freePort(), await freePort(), await freePort()];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flowops-bmv2-'));
  const args = [
    '--no-p4',
    '--device-id', String(deviceId),
    '--thrift-port', String(thrift),
    '--notifications-addr', `ipc://${path.join(dir, 'notifications.ipc')}`,
    '--',
    '--grpc-server-addr', `127.0.0.1:${p4rt}`,
    '--dp-grpc-server-addr', `127.0.0.1:${dp}`,
  ];
  const child: ChildProcess = spawn(peerPath('simple_switch_grpc'), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (b: Buffer) => {
    out = (out + b.toString()).slice(-20000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let dead = false;
  void exited.then(() => (dead = true));
  const cleanup = () => fs.rmSync(dir, { recursive: true, force: true });

  const deadline = Date.now() + 15000;
  while (!(await canConnect(p4rt)) || !(await canConnect(dp))) {
    if (dead || Date.now() > deadline) {
      child.kill('SIGKILL');
      cleanup();
      throw new Error(`simple_switch_grpc did not start (${dead ? 'exited' : 'timed out'}):\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const clients: Dataplane[] = [];
  return {
    deviceId,
    pid: child.pid!,
    p4rtAddr: `127.0.0.1:${p4rt}`,
    dpAddr: `127.0.0.1:${dp}`,
    log: () => out,
    dataplane: async () => {
      const d = await Dataplane.connect(`127.0.0.1:${dp}`, deviceId);
      clients.push(d);
      return d;
    },
    stop: async () => {
      for (const c of clients) c.close();
      if (!dead) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
      cleanup();
    },
  };
}

let root: protobuf.Root | undefined;
function dpType(name: string): protobuf.Type {
  if (!root) {
    root = new protobuf.Root();
    root.resolvePath = (_o, t) => path.join(PROTO_DIR, t);
    root.loadSync('p4/bm/dataplane_interface.proto', { keepCase: true });
  }
  return root.lookupType(name);
}

function codec(name: string) {
  const t = dpType(name);
  return {
    serialize: (v: object) => Buffer.from(t.encode(t.fromObject(v as Record<string, unknown>)).finish()),
    deserialize: (b: Buffer) => t.toObject(t.decode(b), { longs: Number, bytes: Buffer }) as any,
  };
}

function method(name: string, req: string, res: string, stream: boolean) {
  const rq = codec(`p4.bm.${req}`);
  const rs = codec(`p4.bm.${res}`);
  return {
    path: `/p4.bm.DataplaneInterface/${name}`,
    originalName: name,
    requestStream: stream,
    responseStream: stream,
    requestSerialize: rq.serialize,
    requestDeserialize: rq.deserialize,
    responseSerialize: rs.serialize,
    responseDeserialize: rs.deserialize,
  };
}

const service = {
  PacketStream: method('PacketStream', 'PacketStreamRequest', 'PacketStreamResponse', true),
  SetPortOperStatus: method('SetPortOperStatus', 'SetPortOperStatusRequest', 'SetPortOperStatusResponse', false),
} satisfies grpc.ServiceDefinition;
const DataplaneClient = grpc.makeGenericClientConstructor(service, 'DataplaneInterface');

/** How long a dropped frame is waited for: "nothing came" is only ever a bounded wait. */
export const DROP_WAIT_MS = 300;
/** Upper bound for a frame that should come out (BMv2 answers in about a millisecond). */
export const EMIT_WAIT_MS = 3000;

/** A client of BMv2's PacketStream: inject frames, collect what the switch emits for each. */
export class Dataplane {
  private nextId = 1;
  private readonly byId = new Map<number, Emitted[]>();
  private readonly waiters = new Set<() => void>();
  private closed = false;
  /** The stream's error, if it failed: a failed stream must not read as "everything dropped". */
  private failure: Error | undefined;

  private constructor(
    private readonly client: grpc.Client & Record<string, any>,
    private readonly stream: grpc.ClientDuplexStream<object, any>,
    private readonly deviceId: number,
  ) {
    stream.on('data', (r: { id: number; port: number; packet: Buffer }) => {
      const list = this.byId.get(r.id) ?? [];
      list.push({ port: r.port, frame: r.packet });
      this.byId.set(r.id, list);
      for (const w of this.waiters) w();
    });
    stream.on('error', (e: grpc.ServiceError) => {
      if (this.closed) return;
      this.failure = new Error(`BMv2 PacketStream failed: ${e.message}`);
      for (const w of this.waiters) w();
    });
  }

  static async connect(addr: string, deviceId: number): Promise<Dataplane> {
    const client = new DataplaneClient(addr, grpc.credentials.createInsecure()) as grpc.Client & Record<string, any>;
    await new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + 10000, (e) => (e ? reject(e) : resolve())));
    return new Dataplane(client, client.PacketStream(), deviceId);
  }

  /** Injects `frame` into `port`; returns the id the emitted frames will carry. */
  send(port: number, frame: Buffer): number {
    if (this.failure) throw this.failure;
    const id = this.nextId++;
    this.stream.write({ id, device_id: this.deviceId, port, packet: frame });
    return id;
  }

  /** Frames emitted so far for request `id`. */
  emitted(id: number): Emitted[] {
    return this.byId.get(id) ?? [];
  }

  /**
   * Waits until every id in `ids` has at least `each` emitted frames, or
   * `timeoutMs` passes; returns the frames per id. With `each = 0` it simply
   * waits `timeoutMs` (the bounded wait that says "dropped").
   */
  async collect(ids: number[], opts: { each?: number; timeoutMs?: number } = {}): Promise<Map<number, Emitted[]>> {
    const each = opts.each ?? 1;
    const timeoutMs = opts.timeoutMs ?? (each === 0 ? DROP_WAIT_MS : EMIT_WAIT_MS);
    const done = () => !!this.failure || (each > 0 && ids.every((id) => this.emitted(id).length >= each));
    if (!done()) {
      await new Promise<void>((resolve) => {
        const finish = () => {
          clearTimeout(t);
          this.waiters.delete(check);
          resolve();
        };
        const check = () => done() && finish();
        const t = setTimeout(finish, timeoutMs);
        this.waiters.add(check);
      });
    }
    if (this.failure) throw this.failure;
    return new Map(ids.map((id) => [id, this.emitted(id)]));
  }

  /**
   * Sends one frame and returns what came out: as soon as one frame is
   * emitted (plus a short settle for copies), or nothing after DROP_WAIT_MS
   * when `expect` is 'drop'.
   */
  async sendAndCollect(port: number, frame: Buffer, expect: 'emit' | 'drop' = 'emit'): Promise<Emitted[]> {
    const id = this.send(port, frame);
    if (expect === 'drop') return (await this.collect([id], { each: 0 })).get(id)!;
    const got = (await this.collect([id])).get(id)!;
    return got;
  }

  async setPortStatus(port: number, up: boolean): Promise<void> {
    await new Promise<void>((resolve, reject) =>
      this.client.SetPortOperStatus({ device_id: this.deviceId, port, oper_status: up ? 2 : 1 }, (e: Error | null) => (e ? reject(e) : resolve())),
    );
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stream.end();
    this.client.close();
  }
}
