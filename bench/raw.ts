// The raw half of the side-by-side bench: a plain gRPC client sending the
// same entity bytes flowops writes, pre-encoded before timing, then one
// wildcard Read split into entities and looked up in a Set. It is the
// baseline every flowops figure is divided by, on the same kind of switch
// (a `flowops target` process or BMv2).
import grpc from '@grpc/grpc-js';
import type { DesiredState } from '../src/compile/types.ts';
import type { P4InfoIndex } from '../src/p4info/index.ts';
import { P4RuntimeClient, type PipelineConfig } from '../src/p4rt/client.ts';
import { P4RuntimeGrpcClient, type P4RuntimeStub } from '../src/p4rt/service.ts';
import { splitRepeated } from '../src/p4info/wire.ts';
import { encodeReadRequest, encodeWriteRequest, type Update } from '../src/p4rt/messages.ts';
import { wildcardGroups, wildcardMembers, wildcardTable, wildcardTableWithMeter, withoutEmptyMeter } from '../src/p4rt/filters.ts';
import { loadSpecs } from '../src/specs/load.ts';
import { compile, CompileCache } from '../src/compile/compile.ts';
import { encodeProvenance, withMetadata } from '../src/provenance/metadata.ts';
import { peekOwner } from '../src/p4info/entity-key.ts';
import { writeRank } from '../src/compile/order.ts';
import { cpuSeconds } from './proc.ts';

export interface RawFigures {
  /** SetForwardingPipelineConfig, when `pipeline` was given (0 otherwise). */
  pipelineMs: number;
  writeMs: number;
  /** CPU seconds of this process and of the switch during the writes. */
  writeCpu: number;
  writeTargetCpu: number;
  readMs: number;
  oneMs: number;
  /** Entities read, and how many of them were in the desired set. */
  live: number;
  hits: number;
}

export interface RawRun {
  address: string;
  deviceId: number;
  /** The switch's process, for its CPU seconds. */
  targetPid: number;
  index: P4InfoIndex;
  /** Desired state after the one-flow change: its managed tables are what is read. */
  after: DesiredState;
  /** Entity bytes of the first commit, in flowops's write order. */
  old: Buffer[];
  /** Entities the one-flow change adds. */
  delta: Buffer[];
  batch: number;
  /** Writes in flight at a time. */
  inFlight: number;
  /** Pushed first (BMv2 starts without a program), outside the timing. */
  pipeline?: PipelineConfig;
}

function unary(stub: P4RuntimeStub, req: Buffer): Promise<void> {
  return new Promise((resolve, reject) => stub.Write(req, new grpc.Metadata(), { deadline: Date.now() + 600_000 }, (err) => (err ? reject(err) : resolve())));
}

async function readAll(stub: P4RuntimeStub, req: Buffer, each: (e: Buffer) => void): Promise<void> {
  const call = stub.Read(req);
  // Each ReadResponse arrives encoded (p4rt/service.ts): cut into entity views, as the client's read() does.
  for await (const msg of call as AsyncIterable<Buffer>) for (const e of splitRepeated(msg, 1)) each(e);
}

const key = (b: Buffer) => b.toString('latin1');

/** Stand-in commit for the provenance record the raw client writes: the same length as flowops's. */
const RAW_COMMIT = '0123456789abcdef0123456789abcdef01234567';

/**
 * Entries of a compiled state as the entity bytes flowops puts on the wire, in
 * canonical order: table entries carry the provenance record apply stamps on
 * them (src/provenance/), so raw and flowops send the same bytes.
 */
export function entityBytes(state: DesiredState): Buffer[] {
  return state.entries.map((e) => (e.kind === 'table_entry' ? withMetadata(e.bytes, encodeProvenance(e.origin, RAW_COMMIT)) : e.bytes));
}

/**
 * Loads and compiles a generated repo; `stages` gets the milliseconds of each.
 * The compile is cold and fills a fresh CompileCache, as the reconciler's
 * first compile does — the same call bench/compile.ts times as "compile".
 */
export function compileRepo(files: Map<string, string>, index: P4InfoIndex, stages?: Record<string, number>): DesiredState {
  const bufs = new Map([...files].map(([p, t]) => [p, Buffer.from(t)]));
  let t = performance.now();
  const loaded = loadSpecs(bufs, { expired: 'drop' });
  if (loaded.errors.length) throw new Error(`spec errors: ${loaded.errors[0]!.message}`);
  if (stages) stages.load = performance.now() - t;
  t = performance.now();
  const state = compile(loaded.specs, index, 'bench', { now: new Date(), cache: new CompileCache() });
  if (stages) stages.compile = performance.now() - t;
  return state;
}

export async function rawRun(o: RawRun): Promise<RawFigures> {
  const electionId = 1n;
  const arb = new P4RuntimeClient({ address: o.address, deviceId: o.deviceId, electionId });
  await arb.connect();
  const stub = new P4RuntimeGrpcClient(o.address, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': 1024 * 1024 * 1024,
    'grpc.max_send_message_length': 1024 * 1024 * 1024,
  }) as unknown as P4RuntimeStub;
  try {
    let t = performance.now();
    if (o.pipeline) await arb.setPipeline(o.pipeline);
    const pipelineMs = o.pipeline ? performance.now() - t : 0;
    const head = { deviceId: BigInt(o.deviceId), electionId };
    // Requests never straddle a dependency level, and with several in flight
    // each level's requests are all answered before the next level's go out
    // (members before groups before the entries that name them).
    const requests: { req: Buffer; level: number }[] = [];
    const levelOf = (e: Buffer) => {
      const owner = peekOwner(e)!;
      return writeRank(owner.kind, owner.kind === 'table_entry' ? o.index.table(owner.id).name : '');
    };
    for (let i = 0; i < o.old.length; ) {
      const level = levelOf(o.old[i]!);
      let j = i + 1;
      while (j < o.old.length && j - i < o.batch && levelOf(o.old[j]!) === level) j++;
      const ups: Update[] = o.old.slice(i, j).map((entity) => ({ type: 'INSERT', entity }));
      requests.push({ req: encodeWriteRequest(head, ups), level });
      i = j;
    }
    const oneReq = encodeWriteRequest(head, o.delta.map((entity) => ({ type: 'INSERT', entity })));
    const filters: Buffer[] = [];
    for (const id of o.after.managedProfileIds) filters.push(wildcardMembers(id), wildcardGroups(id));
    for (const id of o.after.managedTableIds) filters.push(o.index.hasTable(id) && o.index.table(id).directMeterId !== 0 ? wildcardTableWithMeter(id) : wildcardTable(id));
    const readReq = encodeReadRequest(BigInt(o.deviceId), filters);
    const wanted = new Set<string>();
    for (const e of entityBytes(o.after)) wanted.add(key(e));

    t = performance.now();
    const c0 = process.cpuUsage();
    const tc0 = cpuSeconds(o.targetPid);
    for (let i = 0; i < requests.length; ) {
      let j = i + 1;
      while (j < requests.length && j - i < o.inFlight && requests[j]!.level === requests[i]!.level) j++;
      await Promise.all(requests.slice(i, j).map((r) => unary(stub, r.req)));
      i = j;
    }
    const writeMs = performance.now() - t;
    const c1 = process.cpuUsage(c0);
    const writeTargetCpu = cpuSeconds(o.targetPid) - tc0;
    requests.length = 0;
    t = performance.now();
    await unary(stub, oneReq);
    const oneMs = performance.now() - t;
    let hits = 0;
    let live = 0;
    t = performance.now();
    await readAll(stub, readReq, (e) => {
      live++;
      // The one normalisation flowops applies to a read too (empty meter configs).
      if (wanted.has(key(withoutEmptyMeter(e)))) hits++;
    });
    const readMs = performance.now() - t;
    if (live !== o.after.entries.length || hits !== live) throw new Error(`raw read: ${live} live, ${hits} matched, ${o.after.entries.length} desired`);
    return { pipelineMs, writeMs, writeCpu: (c1.user + c1.system) / 1e6, writeTargetCpu, readMs, oneMs, hits, live };
  } finally {
    stub.close();
    await arb.close();
  }
}
