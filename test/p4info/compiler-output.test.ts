// The P4Info reader against what real compilers write: checked-in snippets in
// the compilers' shapes (every P4Info field of P4Runtime 1.5.0, bf-p4c's
// expanded Any extern info), and, when the tools are present, the P4Info that
// p4c-bm2-ss and bf-p4c write for p4/ at test time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { formatTextProto, loadP4InfoFile, parseP4Info, parseTextProto, TextProtoError } from '../../src/p4info/txtpb.ts';
import { P4RUNTIME_VERSION, protoType } from '../../src/proto/load.ts';
import { P4InfoIndex } from '../../src/p4info/index.ts';
import { compileTna, compileV1model, peerSkip } from '../helpers/peers.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const P4_DIR = path.resolve(HERE, '../../p4');
const EVERY = path.join(HERE, 'fixtures/every-field.p4info.txtpb');
const P4Info = protoType('p4.config.v1.P4Info');

/** Explicit zeros and absent fields alike: protobufjs encodes a zero it was given, the text writer leaves it out. */
const plain = (m: protobuf.Message) => P4Info.toObject(m, { defaults: true, longs: String, bytes: String, enums: String, arrays: true, objects: true });

/** Every `Type.field` path set somewhere in `msg`, walking nested messages and map values. */
function fieldsSet(msg: protobuf.Message, type: protobuf.Type, out = new Set<string>()): Set<string> {
  for (const f of type.fieldsArray) {
    f.resolve();
    const v = (msg as any)[f.name];
    const isSet = f.map ? v && Object.keys(v).length > 0 : f.repeated ? v?.length > 0 : v !== undefined && v !== null && (f.partOf ? (msg as any)[f.partOf.name] === f.name : true);
    if (!isSet || (!f.map && !f.repeated && !(f.resolvedType instanceof protobuf.Type) && !f.partOf && isZero(v))) continue;
    out.add(`${type.name}.${f.name}`);
    if (!(f.resolvedType instanceof protobuf.Type) || f.resolvedType.fullName === '.google.protobuf.Any') continue;
    const items = f.map ? Object.values(v) : f.repeated ? v : [v];
    for (const it of items as protobuf.Message[]) fieldsSet(it, f.resolvedType, out);
  }
  return out;
}
const isZero = (v: unknown) => v === 0 || v === false || v === '' || (typeof v === 'object' && v !== null && 'low' in v && (v as any).low === 0 && (v as any).high === 0) || (v instanceof Uint8Array && v.length === 0);

/** Every field of every message reachable from P4Info (Any's insides excluded). */
function allFields(type: protobuf.Type, seen = new Set<string>(), out = new Set<string>()): Set<string> {
  if (seen.has(type.fullName)) return out;
  seen.add(type.fullName);
  for (const f of type.fieldsArray) {
    f.resolve();
    out.add(`${type.name}.${f.name}`);
    if (f.resolvedType instanceof protobuf.Type && f.resolvedType.fullName !== '.google.protobuf.Any') allFields(f.resolvedType, seen, out);
  }
  return out;
}

test('a P4Info using every P4Info field of P4Runtime 1.5.0 parses, and the snippet covers every field', () => {
  const m = loadP4InfoFile(EVERY);
  const used = fieldsSet(m, P4Info);
  const missing = [...allFields(P4Info)].filter((f) => !used.has(f));
  // Fields whose value in the snippet is the proto3 default cannot be seen as set.
  const defaults = new Set(['Table.const_default_action_id', 'Table.is_const_table', 'ActionProfile.weights_disallowed', 'ActionRef.scope']);
  assert.deepEqual(missing.filter((f) => !defaults.has(f)), []);
  assert.equal(m.tables[0].initial_default_action.action_id, 16777218);
  assert.equal(m.type_info.new_types.PortId_t.translated_type.sdn_bitwidth, 32);
  assert.equal(m.type_info.serializable_enums.SE.members[0].value[0], 1);
  assert.equal(m.pkg_info.platform_properties.multicast_group_table_size, 16);
});

test("bf-p4c's expanded Any extern info keeps its type URL; an Any of a known type is encoded", () => {
  const m = loadP4InfoFile(EVERY);
  assert.equal(m.externs[0].instances[0].info.type_url, 'type.googleapis.com/barefoot.ActionProfile');
  assert.equal(m.externs[1].instances[0].info.value.toString(), 'ig_intr_md.ingress_port');
  const known = parseTextProto(
    'tables { other_properties { [type.googleapis.com/p4.config.v1.Documentation] { brief: "b" } } }',
    P4Info,
  ) as any;
  const doc = protoType('p4.config.v1.Documentation').decode(known.tables[0].other_properties.value) as any;
  assert.equal(doc.brief, 'b');
});

test('formatTextProto writes the full schema back, maps included, to the same bytes', () => {
  const m = loadP4InfoFile(EVERY);
  const text = formatTextProto(m, P4Info);
  assert.match(text, /new_types \{\n    key: "Name_t"\n    value \{/);
  const back = P4Info.fromObject(parseTextProto(text, P4Info));
  assert.deepEqual(plain(back), plain(m));
});

test('a field from a newer P4Runtime is an error naming the field, the place and the version flowops reads', () => {
  const text = 'tables {\n  preamble { id: 1 }\n  future_feature: 3\n}\n';
  assert.throws(
    () => parseP4Info(Buffer.from(text), 'p4/new.p4info.txtpb'),
    (e: unknown) => {
      assert.ok(e instanceof TextProtoError);
      assert.deepEqual(e.pos, { file: 'p4/new.p4info.txtpb', line: 3, col: 3 });
      assert.match(e.message, /p4\.config\.v1\.Table has no field "future_feature"/);
      assert.match(e.message, new RegExp(`P4Runtime ${P4RUNTIME_VERSION.replace(/\./g, '\\.')}`));
      assert.match(e.message, /upgrade flowops/);
      assert.equal(e.data.field, 'future_feature');
      return true;
    },
  );
  assert.throws(() => parseTextProto('tables { match_fields { match_type: FUZZY } }', P4Info), /no value FUZZY .*P4Runtime 1\.5\.0/);
});

test('official names and numbers of the fields added in P4Runtime 1.4 and 1.5', () => {
  const num = (type: string, field: string) => protoType(type).fields[field]?.id;
  const expect: [string, string, number][] = [
    ['p4.v1.TableEntry', 'is_const', 13],
    ['p4.v1.TableEntry', 'meter_counter_data', 12],
    ['p4.v1.TableEntry', 'metadata', 11],
    ['p4.v1.Replica', 'backup_replicas', 4],
    ['p4.v1.Replica', 'port', 3],
    ['p4.v1.MeterConfig', 'eburst', 5],
    ['p4.v1.MeterEntry', 'counter_data', 4],
    ['p4.config.v1.P4Info', 'type_info', 200],
    ['p4.config.v1.Table', 'initial_default_action', 5],
    ['p4.config.v1.Table', 'has_initial_entries', 11],
    ['p4.config.v1.PkgInfo', 'platform_properties', 11],
    ['p4.config.v1.ActionProfile', 'weights_disallowed', 8],
    ['p4.config.v1.MeterSpec', 'type', 2],
    ['p4.config.v1.Register', 'type_spec', 2],
  ];
  for (const [t, f, n] of expect) assert.equal(num(t, f), n, `${t}.${f}`);
  assert.equal(protoType('p4.v1.TableEntry').fields.const, undefined);
  // is_const on the wire: field 13, varint → tag 0x68.
  const bytes = protoType('p4.v1.TableEntry').encode({ is_const: true }).finish();
  assert.deepEqual([...bytes], [0x68, 0x01]);
});

test('the P4Info p4c-bm2-ss writes for p4/flowops_v1model.p4 parses and indexes', peerSkip('p4c-bm2-ss'), async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flowops-p4c-'));
  try {
    const c = await compileV1model(path.join(P4_DIR, 'flowops_v1model.p4'), tmp);
    const text = fs.readFileSync(c.p4info, 'utf8');
    assert.match(text, /initial_default_action/);
    assert.match(text, /type_info/);
    const m = loadP4InfoFile(c.p4info);
    const index = P4InfoIndex.fromP4Info(m);
    assert.ok(m.tables.length > 5);
    for (const t of m.tables) assert.equal(index.table(t.preamble.name).id, t.preamble.id);
    const back = P4Info.fromObject(parseTextProto(formatTextProto(m, P4Info), P4Info));
    assert.deepEqual(plain(back), plain(m));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('the P4Info bf-p4c writes for p4/flowops_tna.p4 parses, with and without standard externs', peerSkip('bf-p4c'), async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flowops-bfp4c-'));
  try {
    for (const extra of [['--p4runtime-force-std-externs'], []]) {
      // Only the frontend writes the P4Info: skip the backend (its fit is test/p4/tofino-fit.test.ts).
      const c = await compileTna(path.join(P4_DIR, 'flowops_tna.p4'), tmp, ['--skip-compilation', 'pipe', ...extra]);
      // The P4Info is written by the frontend, before the backend decides whether the program fits.
      assert.ok(fs.existsSync(c.p4info), `bf-p4c ${extra.join(' ')} wrote no P4Info:\n${c.log}`);
      const m = loadP4InfoFile(c.p4info);
      assert.ok(m.tables.length > 5);
      assert.ok(m.externs.length > 0, 'bf-p4c writes its PortMetadata extern');
      if (!extra.length) assert.ok(m.externs.some((e: any) => /barefoot\./.test(e.instances[0].info.type_url)));
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
