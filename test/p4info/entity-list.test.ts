// EntityList (p4info/entity-list.ts), the read side's arena, against the
// per-entity functions it stands in for: every entity of a ReadResponse comes
// back as withoutEmptyMeter would give it, `strippedInto` gives what
// withoutMetadata gives (length prefixes that shrink across 128 included),
// the Buffer[] view reads like an array, and malformed bytes throw WireError.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { protoType } from '../../src/proto/load.ts';
import { P4InfoIndex } from '../../src/p4info/index.ts';
import { parseTextProto } from '../../src/p4info/txtpb.ts';
import { buildMember, buildTableEntry, encodeMember, encodeTableEntry, withoutMetadata, type TableEntryValue } from '../../src/p4info/entity.ts';
import { withoutEmptyMeter } from '../../src/p4info/entity-meter.ts';
import { EntityListBuilder, entityListOf } from '../../src/p4info/entity-list.ts';
import { joinRepeated, WireError } from '../../src/p4info/wire.ts';
import { P4INFO_TEXT } from './fixture.ts';

const P4Info = protoType('p4.config.v1.P4Info');
const Entity = protoType('p4.v1.Entity');
const index = P4InfoIndex.fromP4Info(P4Info.fromObject(parseTextProto(P4INFO_TEXT, P4Info)));

const policy = (id: number) => buildTableEntry(index, { table: 'flow_policy', match: { flow_id: id }, action: { name: 'allow', params: { qid: 3 } } });
const withEmptyMeter = (v: TableEntryValue, metadata?: Buffer) => {
  const o = Entity.toObject(Entity.decode(encodeTableEntry({ ...v, metadata })), { defaults: false }) as any;
  o.table_entry.meter_config = {};
  return Buffer.from(Entity.encode(Entity.fromObject(o)).finish());
};

function entities(): Buffer[] {
  const md = Buffer.from('fo1|0123456789ab|f|shop/web-to-db');
  const long = Buffer.alloc(120, 0x61); // with it the TableEntry is over 127 bytes; without it, under
  return [
    encodeTableEntry(policy(1)),
    encodeTableEntry({ ...policy(2), metadata: md }),
    encodeTableEntry({ ...policy(3), metadata: long }),
    encodeTableEntry({ ...policy(4), meterConfig: { cir: 1000, cburst: 100, pir: 2000, pburst: 200 }, metadata: md }),
    withEmptyMeter(policy(5)),
    withEmptyMeter(policy(6), md),
    encodeMember(buildMember(index, { profile: 'nf_selector', memberId: 7, action: { name: 'to_nf', params: { dmac: '02:00:00:00:00:09', port: 4 } } })),
    encodeTableEntry({ ...policy(8), metadata: Buffer.alloc(0) }),
  ];
}

test('a ReadResponse\'s entities, normalised as withoutEmptyMeter, stripped as withoutMetadata', () => {
  const all = entities();
  const b = new EntityListBuilder();
  // Two responses, and one entity on its own: indexes run across them.
  b.addResponse(joinRepeated(1, all.slice(0, 5)));
  b.addResponse(joinRepeated(1, all.slice(5, 7)));
  b.add(all[7]);
  const list = b.seal();
  assert.equal(list.length, all.length);
  const scratch = Buffer.alloc(512);
  for (let k = 0; k < all.length; k++) {
    const want = withoutEmptyMeter(all[k]);
    assert.deepEqual(list.bytesOf(k), want, `entity ${k}`);
    assert.equal(list.lengthOf(k), want.length);
    const n = list.strippedInto(k, scratch);
    assert.deepEqual(scratch.subarray(0, n), withoutMetadata(want), `entity ${k} without metadata`);
  }
  assert.ok(all[4].length > list.lengthOf(4), 'the empty meter_config was dropped');

  const view = list.asArray();
  assert.ok(Array.isArray(view));
  assert.equal(view.length, all.length);
  assert.deepEqual([...view], all.map(withoutEmptyMeter));
  assert.deepEqual(view.map((x) => x.length), all.map((x) => withoutEmptyMeter(x).length));
  assert.equal(entityListOf(view), list);
  assert.equal(entityListOf(all), undefined);
  assert.throws(() => (view as Buffer[]).push(all[0]), TypeError);
});

test('malformed entities throw WireError while the read is collected', () => {
  const good = encodeTableEntry(policy(1));
  for (const bad of [good.subarray(0, good.length - 2), Buffer.concat([good, Buffer.from([0x12, 0x7f])]), Buffer.from([0x12, 0x03, 0x00, 0x01, 0x02])]) {
    const b = new EntityListBuilder();
    assert.throws(() => b.addResponse(joinRepeated(1, [good, bad])), WireError, bad.toString('hex'));
  }
});
