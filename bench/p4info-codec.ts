// How fast the bulk path is: building + encoding 1M flow_classify entries,
// and computing 1M entity keys, on a small P4Info written here (ids as in
// p4/README.md). Run: node --import tsx bench/p4info-codec.ts [count]
import { P4InfoIndex } from '../src/p4info/index.ts';
import { parseTextProto } from '../src/p4info/txtpb.ts';
import { protoType } from '../src/proto/load.ts';
import { buildTableEntry, encodeTableEntry, entityKey, entityTableId, type TableEntryValue } from '../src/p4info/entity.ts';
import { uintBytes } from '../src/p4info/bytes.ts';
import { joinRepeated, splitRepeated } from '../src/p4info/wire.ts';

const P4INFO = `
tables {
  preamble { id: 0x02000301 name: "ingress.flow_classify" alias: "flow_classify" }
  match_fields { id: 1 name: "tenant_id" bitwidth: 16 match_type: EXACT }
  match_fields { id: 2 name: "src_service" bitwidth: 16 match_type: EXACT }
  match_fields { id: 3 name: "dst_service" bitwidth: 16 match_type: EXACT }
  match_fields { id: 4 name: "ip_proto" bitwidth: 8 match_type: EXACT }
  match_fields { id: 5 name: "l4_dst_port" bitwidth: 16 match_type: EXACT }
  action_refs { id: 0x01000301 }
  size: 1048576
}
actions {
  preamble { id: 0x01000301 name: "ingress.set_flow" alias: "set_flow" }
  params { id: 1 name: "flow_id" bitwidth: 32 }
}`;

const N = Number(process.argv[2] ?? 1_000_000);
const T = protoType('p4.config.v1.P4Info');
const index = P4InfoIndex.fromP4Info(T.fromObject(parseTextProto(P4INFO, T)));

function time<T>(label: string, fn: () => T): T {
  const t0 = process.hrtime.bigint();
  const r = fn();
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(`${label.padEnd(44)} ${ms.toFixed(0).padStart(6)} ms  (${((ms * 1e6) / N).toFixed(0)} ns/entry)`);
  return r;
}

const spec = (i: number) => ({
  table: 'ingress.flow_classify',
  match: { tenant_id: i & 0xfff, src_service: (i >>> 12) & 0xff, dst_service: (i >>> 4) & 0x3ff, ip_proto: 6, l4_dst_port: 1 + (i % 60000) },
  action: { name: 'ingress.set_flow', params: { flow_id: i } },
});

// 1. What the compiler does: names → validated value → canonical bytes; only the bytes are kept.
const encoded: Buffer[] = time(`buildTableEntry + encodeTableEntry x${N}`, () => {
  const out: Buffer[] = new Array(N);
  for (let i = 0; i < N; i++) out[i] = encodeTableEntry(buildTableEntry(index, spec(i)));
  return out;
});

// 2. encodeTableEntry alone: values are made in chunks outside the timed part.
{
  const tenants = Array.from({ length: 4096 }, (_, t) => uintBytes(t, 16, 't'));
  const proto = uintBytes(6, 8, 'p');
  const CHUNK = 10_000;
  let ns = 0n;
  let bytes = 0;
  for (let base = 0; base < N; base += CHUNK) {
    const n = Math.min(CHUNK, N - base);
    const chunk: TableEntryValue[] = new Array(n);
    for (let j = 0; j < n; j++) {
      const i = base + j;
      chunk[j] = {
        tableId: 0x02000301,
        match: [
          { fieldId: 1, m: { kind: 'exact', value: tenants[i & 0xfff] } },
          { fieldId: 2, m: { kind: 'exact', value: uintBytes((i >>> 12) & 0xff, 16, 's') } },
          { fieldId: 3, m: { kind: 'exact', value: uintBytes((i >>> 4) & 0x3ff, 16, 'd') } },
          { fieldId: 4, m: { kind: 'exact', value: proto } },
          { fieldId: 5, m: { kind: 'exact', value: uintBytes(1 + (i % 60000), 16, 'p') } },
        ],
        priority: 0,
        action: { kind: 'action', actionId: 0x01000301, params: [{ paramId: 1, value: uintBytes(i, 32, 'f') }] },
      };
    }
    const t0 = process.hrtime.bigint();
    for (let j = 0; j < n; j++) bytes += encodeTableEntry(chunk[j]).length;
    ns += process.hrtime.bigint() - t0;
  }
  const ms = Number(ns) / 1e6;
  console.log(`${`encodeTableEntry alone x${N}`.padEnd(44)} ${ms.toFixed(0).padStart(6)} ms  (${((ms * 1e6) / N).toFixed(0)} ns/entry, ${bytes} bytes)`);
}

const keys = time(`entityKey x${N}`, () => encoded.map(entityKey));
time(`entityTableId x${N}`, () => encoded.reduce((s, b) => s + (entityTableId(b) === 0x02000301 ? 1 : 0), 0));
const response = time(`joinRepeated (ReadResponse of ${N})`, () => joinRepeated(1, encoded));
const split = time(`splitRepeated (ReadResponse of ${N})`, () => splitRepeated(response, 1));
console.log(`response ${(response.length / 1e6).toFixed(1)} MB, ${split.length} entities, ${new Set(keys).size} distinct keys`);
console.log(`rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB, load average ${(await import('node:os')).loadavg()[0].toFixed(1)} on ${(await import('node:os')).cpus().length} cpus`);
