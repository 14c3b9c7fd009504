// Text-format P4Info: parse, errors with line:col, write and read back.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { protoType } from '../../src/proto/load.ts';
import { formatTextProto, loadP4InfoFile, parseTextProto, TextProtoError } from '../../src/p4info/txtpb.ts';
import { P4INFO_TEXT } from './fixture.ts';

const P4Info = protoType('p4.config.v1.P4Info');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flowops-txtpb-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Decoded form without protobufjs' explicit-default noise, for comparing two messages. */
const plain = (m: object) => dropDefaults(P4Info.toObject(m as any, { longs: String, enums: String, bytes: String }));
function dropDefaults(v: any): any {
  if (Array.isArray(v)) return v.map(dropDefaults);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (!(x === 0 || x === '0' || x === '' || x === false)) out[k] = dropDefaults(x);
    return out;
  }
  return v;
}

test('parses a P4Info: nested messages, hex ids, enums, lists, comments, escapes', () => {
  const m = P4Info.fromObject(parseTextProto(P4INFO_TEXT, P4Info)) as any;
  assert.equal(m.tables.length, 5);
  const fc = m.tables[1];
  assert.equal(fc.preamble.name, 'ingress.flow_classify');
  assert.equal(fc.preamble.id, 0x02000301);
  assert.deepEqual(
    fc.match_fields.map((f: any) => [f.id, f.name, f.bitwidth, f.match_type]),
    [
      [1, 'tenant_id', 16, 2],
      [2, 'src_service', 16, 2],
      [3, 'dst_service', 16, 2],
      [4, 'ip_proto', 8, 2],
      [5, 'l4_dst_port', 16, 2],
    ],
  );
  assert.equal(fc.action_refs[1].scope, 2); // DEFAULT_ONLY by name
  assert.equal(String(fc.size), '1048576');
  assert.deepEqual(m.tables[2].direct_resource_ids, [0x13000401, 0x15000401]); // list syntax
  const noAction = m.actions.find((a: any) => a.preamble.name === 'NoAction');
  assert.deepEqual(noAction.preamble.annotations, ['@noWarn("unused")']);
  assert.equal(m.action_profiles[0].with_selector, true);
  assert.equal(m.pkg_info.arch, 'v1model');
});

test('scalars: colon before a message, enum by number, negative, octal and hex escapes, 64-bit', () => {
  const text = `
    tables: { preamble: < id: 7 name: 'a\\x41\\101\\n' > size: 0x10 ;
      match_fields { id: 1 match_type: 4 bitwidth: -3 } }`;
  const m = P4Info.fromObject(parseTextProto(text, P4Info)) as any;
  assert.equal(m.tables[0].preamble.name, 'aAA\n');
  assert.equal(m.tables[0].match_fields[0].match_type, 4);
  assert.equal(m.tables[0].match_fields[0].bitwidth, -3);
  // int64 max is 2^63-1, so the uint64 max does not fit `size` (int64)
  assert.throws(() => parseTextProto('tables { size: 18446744073709551615 }', P4Info), TextProtoError);
  const ok = P4Info.fromObject(parseTextProto('tables { size: 9223372036854775807 }', P4Info)) as any;
  assert.equal(ok.tables[0].size.toString(), '9223372036854775807');
});

test('errors name file:line:col and what is wrong', () => {
  const cases: [string, number, number, RegExp][] = [
    ['tables {\n  preamble {\n    idd: 1\n  }\n}\n', 3, 5, /no field "idd"/],
    ['tables {\n  preamble { id: "x" }\n}', 2, 18, /expected an integer/],
    ['tables {\n  match_fields { match_type: FUZZY }\n}', 2, 30, /no value FUZZY/],
    ['tables {\n  preamble { id: 1 }\n', 3, 1, /missing "}"/],
    ['pkg_info { name: "unterminated }', 1, 18, /unterminated string/],
    ['tables { preamble { id: 4294967296 } }', 1, 25, /out of range/],
    ['pkg_info { name: "a" name: "b" }', 1, 22, /given twice/],
  ];
  for (const [text, line, col, re] of cases) {
    assert.throws(
      () => parseTextProto(text, P4Info, { file: 'p4/x.p4info.txtpb' }),
      (e: unknown) => {
        assert.ok(e instanceof TextProtoError, String(e));
        assert.equal(e.code, 'TXTPB_INVALID');
        assert.deepEqual(e.pos, { file: 'p4/x.p4info.txtpb', line, col }, `${text}: ${e.message}`);
        assert.match(e.message, re);
        assert.match(e.toString(), new RegExp(`^p4/x.p4info.txtpb:${line}:${col} `));
        return true;
      },
    );
  }
});

test('formatTextProto writes text that parses back to the same message', () => {
  const m = P4Info.fromObject(parseTextProto(P4INFO_TEXT, P4Info));
  const text = formatTextProto(m, P4Info);
  assert.match(text, /^pkg_info \{\n  arch: "v1model"\n\}\ntables \{\n  preamble \{\n    id: 33554945\n/);
  assert.match(text, /match_type: LPM/);
  assert.match(text, /annotations: "@noWarn\(\\"unused\\"\)"/);
  const back = P4Info.fromObject(parseTextProto(text, P4Info));
  assert.deepEqual(plain(back), plain(m));
  // bytes with non-printable content survive the trip
  const Status = protoType('google.rpc.Status');
  const Any = protoType('google.protobuf.Any');
  const any = Any.fromObject({ type_url: 'x/y', value: Buffer.from([0, 1, 0x22, 0xff, 0x5c]) });
  const s = Status.fromObject({ code: 3, message: 'héllo', details: [Any.toObject(any)] });
  const st = formatTextProto(s, Status);
  const s2 = Status.fromObject(parseTextProto(st, Status)) as any;
  assert.equal(s2.message, 'héllo');
  assert.deepEqual(Buffer.from(s2.details[0].value), Buffer.from([0, 1, 0x22, 0xff, 0x5c]));
});

test('loadP4InfoFile reads text, binary and JSON forms', () => {
  const m = P4Info.fromObject(parseTextProto(P4INFO_TEXT, P4Info));
  const txt = path.join(tmp, 'p.p4info.txtpb');
  const bin = path.join(tmp, 'p.p4info.pb');
  const json = path.join(tmp, 'p.p4info.json');
  fs.writeFileSync(txt, P4INFO_TEXT);
  fs.writeFileSync(bin, P4Info.encode(m).finish());
  fs.writeFileSync(json, JSON.stringify(P4Info.toObject(m, { longs: String, enums: String })));
  for (const f of [txt, bin, json]) assert.deepEqual(plain(loadP4InfoFile(f)), plain(m), f);
  fs.writeFileSync(txt, 'tables {\n  bogus: 1\n}\n');
  assert.throws(() => loadP4InfoFile(txt), (e: unknown) => e instanceof TextProtoError && e.pos?.file === txt && e.pos.line === 2);
});
