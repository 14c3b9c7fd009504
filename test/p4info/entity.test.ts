// Canonical entity bytes, identity keys and validated building from names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EncodeError, P4InfoError } from '../../src/shared/errors.ts';
import { protoType } from '../../src/proto/load.ts';
import { P4InfoIndex } from '../../src/p4info/index.ts';
import { parseTextProto } from '../../src/p4info/txtpb.ts';
import {
  buildGroup,
  buildMember,
  buildTableEntry,
  canonicalizeEntity,
  decodeEntity,
  describeEntity,
  encodeGroup,
  encodeMember,
  encodeTableEntry,
  entityKey,
  entityKind,
  entityTableId,
  parseEntity,
  peekOwner,
  type TableEntryValue,
} from '../../src/p4info/entity.ts';
import { hasMeterConfig, withMeterRequest } from '../../src/p4info/entity-meter.ts';
import { P4INFO_TEXT } from './fixture.ts';

const P4Info = protoType('p4.config.v1.P4Info');
const Entity = protoType('p4.v1.Entity');
const index = P4InfoIndex.fromP4Info(P4Info.fromObject(parseTextProto(P4INFO_TEXT, P4Info)));
const b = (...xs: number[]) => Buffer.from(xs);

const flow = (tenant: number, port: number, flowId: number) =>
  buildTableEntry(index, {
    table: 'ingress.flow_classify',
    match: { tenant_id: tenant, src_service: 3, dst_service: 4, ip_proto: 6, l4_dst_port: port },
    action: { name: 'ingress.set_flow', params: { flow_id: flowId } },
  });

test('encoded table entries decode through protobufjs to what was built', () => {
  const bytes = encodeTableEntry(flow(7, 443, 0x1a2b3c4d));
  const o = Entity.toObject(Entity.decode(bytes), { longs: String, oneofs: true }) as any;
  assert.equal(o.entity, 'table_entry');
  assert.equal(o.table_entry.table_id, 0x02000301);
  assert.deepEqual(
    o.table_entry.match.map((m: any) => [m.field_id, Buffer.from(m.exact.value).toString('hex')]),
    [
      [1, '07'],
      [2, '03'],
      [3, '04'],
      [4, '06'],
      [5, '01bb'],
    ],
  );
  assert.equal(o.table_entry.action.action.action_id, 0x01000301);
  assert.deepEqual(Buffer.from(o.table_entry.action.action.params[0].value), b(0x1a, 0x2b, 0x3c, 0x4d));
  assert.equal(o.table_entry.priority ?? 0, 0);
  // protobufjs writes the same message in the same field order: identical bytes, identical key.
  const again = Buffer.from(Entity.encode(Entity.decode(bytes)).finish());
  assert.deepEqual(again, bytes);
  assert.equal(entityKey(again), entityKey(bytes));
  assert.equal(entityTableId(bytes), 0x02000301);
  assert.equal(entityKind(bytes), 'table_entry');
  assert.equal(decodeEntity(bytes).table_entry.table_id, 0x02000301);
});

test('every match kind, priority, meter config and counter data round-trip', () => {
  const v = buildTableEntry(index, {
    table: 'acl',
    match: { dst_addr: { ternary: ['10.0.0.0', '255.0.0.0'] }, l4_dst_port: { range: [80, 8080] }, ingress_port: { optional: 3 } },
    priority: 100,
    action: { name: 'forward', params: { port: 511, dmac: '02:00:00:00:00:01' } },
  });
  const bytes = encodeTableEntry(v);
  const te = (Entity.decode(bytes) as any).table_entry;
  assert.equal(te.priority, 100);
  assert.deepEqual(Buffer.from(te.match[0].ternary.value), b(10, 0, 0, 0));
  assert.deepEqual(Buffer.from(te.match[0].ternary.mask), b(255, 0, 0, 0));
  assert.deepEqual(Buffer.from(te.match[1].range.low), b(80));
  assert.deepEqual(Buffer.from(te.match[1].range.high), b(0x1f, 0x90));
  assert.deepEqual(Buffer.from(te.match[2].optional.value), b(3));
  assert.deepEqual(Buffer.from(te.action.action.params[0].value), b(1, 0xff));
  assert.deepEqual(parseEntity(bytes), { kind: 'table_entry', entry: v });

  const lpm = buildTableEntry(index, { table: 'src_service_v4', match: { tenant_id: 1, src_addr: '10.1.0.0/16' }, action: { name: 'set_src_service', params: { service_id: 0 } } });
  const lte = (Entity.decode(encodeTableEntry(lpm)) as any).table_entry;
  assert.equal(lte.match[1].lpm.prefix_len, 16);
  assert.deepEqual(Buffer.from(lte.match[1].lpm.value), b(10, 1, 0, 0));
  assert.deepEqual(Buffer.from(lte.action.action.params[0].value), b(0)); // 0 is \x00, never empty

  const metered: TableEntryValue = {
    ...buildTableEntry(index, { table: 'flow_policy', match: { flow_id: 9 }, action: { name: 'allow', params: { qid: 3 } }, meterConfig: { cir: 1000, cburst: 100, pir: 2000, pburst: 200 } }),
    counterData: { byteCount: 2n ** 40n, packetCount: 5 },
  };
  const mb = encodeTableEntry(metered);
  const mte = Entity.toObject(Entity.decode(mb), { longs: String }).table_entry;
  assert.deepEqual(mte.meter_config, { cir: '1000', cburst: '100', pir: '2000', pburst: '200' });
  assert.deepEqual(mte.counter_data, { byte_count: String(2 ** 40), packet_count: '5' });
  assert.deepEqual(Buffer.from(Entity.encode(Entity.decode(mb)).finish()), mb);
  assert.match(describeEntity(mb, index), /meter\(cir=1000, cburst=100, pir=2000, pburst=200\) \[packets=5 bytes=1099511627776\]$/);
  // canonicalize drops read-only counter data unless asked to keep it
  const { counterData: _, ...withoutCounters } = metered;
  assert.deepEqual(canonicalizeEntity(mb, index), encodeTableEntry(withoutCounters));
  assert.deepEqual(canonicalizeEntity(mb, index, { keepCounters: true }), mb);

  const dflt = buildTableEntry(index, { table: 'flow_classify', isDefaultAction: true, action: { name: 'drop' } });
  const db = encodeTableEntry(dflt);
  assert.equal((Entity.decode(db) as any).table_entry.is_default_action, true);
  assert.equal(describeEntity(db, index), 'ingress.flow_classify (default) → ingress.drop()');
  assert.notEqual(entityKey(db), entityKey(encodeTableEntry({ ...dflt, isDefaultAction: false })));
});

test('entityKey is the same for permuted and padded encodings of one entry', () => {
  const canon = encodeTableEntry(flow(7, 443, 1));
  // Hand-build a non-canonical form with protobufjs: matches reversed, values padded, action before match.
  const te = {
    table_entry: {
      action: { action: { action_id: 0x01000301, params: [{ param_id: 1, value: b(0, 0, 0, 1) }] } },
      match: [
        { field_id: 5, exact: { value: b(0, 0, 1, 0xbb) } },
        { field_id: 4, exact: { value: b(0, 6) } },
        { field_id: 3, exact: { value: b(0, 4) } },
        { field_id: 2, exact: { value: b(0, 3) } },
        { field_id: 1, exact: { value: b(0, 0, 0, 7) } },
      ],
      table_id: 0x02000301,
      priority: 0,
    },
  };
  const odd = Buffer.from(Entity.encode(Entity.fromObject(te)).finish());
  assert.notDeepEqual(odd, canon);
  assert.equal(entityKey(odd), entityKey(canon));
  assert.deepEqual(canonicalizeEntity(odd, index), canon);
  // Fields written out of field-number order at every level, by hand on the wire:
  // TableEntry{priority=5, match{exact{value=00 00 09}, field_id=1}, table_id=acl}.
  const w = (field: number, wt: number, payload: Buffer) => Buffer.concat([b((field << 3) | wt), wt === 2 ? b(payload.length) : b(), payload]);
  const aclId = b(0x81, 0x92, 0x80, 0x10); // varint of 0x02000901
  const shuffled = w(2, 2, Buffer.concat([w(4, 0, b(5)), w(2, 2, Buffer.concat([w(2, 2, w(1, 2, b(0, 0, 9))), w(1, 0, b(1))])), w(1, 0, aclId)]));
  const tidy = w(2, 2, Buffer.concat([w(1, 0, aclId), w(2, 2, Buffer.concat([w(1, 0, b(1)), w(2, 2, w(1, 2, b(9)))])), w(4, 0, b(5))]));
  assert.equal(entityKey(shuffled), entityKey(tidy));
  assert.equal(Entity.decode(Buffer.from(entityKey(shuffled), 'latin1')).toJSON().table_entry.table_id, 0x02000901);
  // Different action, same identity: same key (a MODIFY, not an insert + delete).
  assert.equal(entityKey(encodeTableEntry(flow(7, 443, 2))), entityKey(canon));
  // Different match or priority: different key.
  assert.notEqual(entityKey(encodeTableEntry(flow(7, 444, 1))), entityKey(canon));
  const acl = (prio: number) =>
    encodeTableEntry(buildTableEntry(index, { table: 'acl', match: { ingress_port: { optional: 1 } }, priority: prio, action: { name: 'drop' } }));
  assert.notEqual(entityKey(acl(1)), entityKey(acl(2)));
  // The key is itself a decodable Entity holding only the identity.
  const k = Entity.decode(Buffer.from(entityKey(canon), 'latin1')) as any;
  assert.equal(k.table_entry.table_id, 0x02000301);
  assert.equal(k.table_entry.match.length, 5);
  assert.equal(k.table_entry.action, null);
});

test('members and groups: canonical, round-trip, keyed by profile and id', () => {
  const mv = buildMember(index, { profile: 'nf_selector', memberId: 7, action: { name: 'to_nf', params: { dmac: '02:00:00:00:00:09', port: 4 } } });
  const mb = encodeMember(mv);
  const mo = (Entity.decode(mb) as any).action_profile_member;
  assert.equal(mo.action_profile_id, 0x11000501);
  assert.equal(mo.member_id, 7);
  assert.deepEqual(mo.action.params.map((p: any) => p.param_id), [1, 2]);
  assert.deepEqual(Buffer.from(Entity.encode(Entity.decode(mb)).finish()), mb);
  assert.equal(describeEntity(mb, index), 'ingress.nf_selector member 7 → ingress.to_nf(port=4, dmac=02:00:00:00:00:09)');
  const other = encodeMember({ ...mv, params: [{ paramId: 1, value: b(5) }, { paramId: 2, value: b(1) }] });
  assert.equal(entityKey(other), entityKey(mb));

  const gv = buildGroup(index, { profile: 'ingress.nf_selector', groupId: 2, members: [{ memberId: 9, weight: 2 }, { memberId: 7 }] });
  const gb = encodeGroup(gv);
  const go = (Entity.decode(gb) as any).action_profile_group;
  assert.deepEqual(go.members.map((m: any) => [m.member_id, m.weight]), [[7, 1], [9, 2]]);
  assert.deepEqual(Buffer.from(Entity.encode(Entity.decode(gb)).finish()), gb);
  assert.equal(entityKey(encodeGroup({ ...gv, members: [{ memberId: 7, weight: 5 }] })), entityKey(gb));
  assert.notEqual(entityKey(gb), entityKey(mb));
  assert.equal(entityTableId(gb), 0x11000501);
  assert.equal(describeEntity(gb, index), 'ingress.nf_selector group 2 members [7×1, 9×2]');

  const steer = buildTableEntry(index, { table: 'nf_steer', match: { flow_id: 5 }, action: { groupId: 2 } });
  assert.equal((Entity.decode(encodeTableEntry(steer)) as any).table_entry.action.action_profile_group_id, 2);
});

test('buildTableEntry validates against the P4Info and names table and field', () => {
  const bad = (spec: Parameters<typeof buildTableEntry>[1], code: string, cls: typeof EncodeError | typeof P4InfoError, ...words: string[]) =>
    assert.throws(
      () => buildTableEntry(index, spec),
      (e: unknown) => {
        assert.ok(e instanceof cls, `${String(e)} should be ${cls.name}`);
        assert.equal((e as EncodeError).code, code, (e as Error).message);
        for (const w of words) assert.ok((e as Error).message.includes(w), `${(e as Error).message} should mention ${w}`);
        return true;
      },
    );
  const m = { tenant_id: 1, src_service: 2, dst_service: 3, ip_proto: 6, l4_dst_port: 80 };
  const act = { name: 'set_flow', params: { flow_id: 1 } };
  bad({ table: 'flow_classifier', match: m, action: act }, 'UNKNOWN_TABLE', P4InfoError, 'flow_classifier');
  bad({ table: 'flow_classify', match: { ...m, tenant: 1 }, action: act }, 'UNKNOWN_FIELD', P4InfoError, 'ingress.flow_classify', 'tenant');
  bad({ table: 'flow_classify', match: { ...m, tenant_id: 70000 }, action: act }, 'OUT_OF_RANGE', EncodeError, 'ingress.flow_classify', 'tenant_id', 'bit<16>');
  bad({ table: 'flow_classify', match: { ...m, ip_proto: undefined }, action: act }, 'MISSING_MATCH', EncodeError, 'ip_proto');
  bad({ table: 'flow_classify', match: { ...m, ip_proto: { lpm: [6, 8] } }, action: act }, 'MATCH_KIND', EncodeError, 'ip_proto', 'exact');
  bad({ table: 'flow_classify', match: m, action: { name: 'set_flow', params: {} } }, 'MISSING_PARAM', EncodeError, 'flow_id');
  bad({ table: 'flow_classify', match: m, action: { name: 'set_flow', params: { flow_id: 1, qid: 2 } } }, 'UNKNOWN_PARAM', P4InfoError, 'qid');
  bad({ table: 'flow_classify', match: m, action: { name: 'set_flow', params: { flow_id: 2 ** 32 } } }, 'OUT_OF_RANGE', EncodeError, 'ingress.set_flow', 'flow_id');
  bad({ table: 'flow_classify', match: m, action: { name: 'allow', params: { qid: 1 } } }, 'ACTION_NOT_IN_TABLE', P4InfoError, 'ingress.allow');
  bad({ table: 'flow_classify', match: m, action: { name: 'drop' } }, 'ACTION_DEFAULT_ONLY', EncodeError, 'ingress.drop');
  bad({ table: 'flow_classify', match: m, priority: 5, action: act }, 'PRIORITY_NOT_ALLOWED', EncodeError);
  bad({ table: 'flow_classify', match: m }, 'MISSING_ACTION', EncodeError);
  bad({ table: 'acl', match: {}, action: { name: 'drop' } }, 'PRIORITY_REQUIRED', EncodeError, 'ingress.acl');
  bad({ table: 'acl', match: { dst_addr: { ternary: ['10.0.0.1', '255.0.0.0'] } }, priority: 1, action: { name: 'drop' } }, 'TERNARY_VALUE_NOT_MASKED', EncodeError, 'dst_addr');
  bad({ table: 'acl', match: { l4_dst_port: { range: [90, 80] } }, priority: 1, action: { name: 'drop' } }, 'OUT_OF_RANGE', EncodeError, 'l4_dst_port');
  bad({ table: 'src_service_v4', match: { tenant_id: 1, src_addr: '10.1.0.1/16' }, action: { name: 'no_match' } }, 'LPM_HOST_BITS', EncodeError, 'src_addr');
  bad({ table: 'src_service_v4', match: { tenant_id: 1, src_addr: '10.1.0.0/33' }, action: { name: 'no_match' } }, 'OUT_OF_RANGE', EncodeError, 'src_addr');
  bad({ table: 'src_service_v4', match: { tenant_id: 1, src_addr: 'ten.one' }, action: { name: 'no_match' } }, 'BAD_VALUE', EncodeError, 'src_addr');
  bad({ table: 'nf_steer', match: { flow_id: 1 }, action: { name: 'to_nf', params: { port: 1, dmac: 1 } } }, 'ACTION_NEEDS_PROFILE', EncodeError);
  bad({ table: 'flow_policy', match: { flow_id: 1 }, action: { memberId: 1 } }, 'NO_ACTION_PROFILE', EncodeError);
  bad({ table: 'flow_classify', match: m, action: act, meterConfig: { cir: 1, cburst: 1, pir: 1, pburst: 1 } }, 'NO_DIRECT_METER', EncodeError);
  bad({ table: 'flow_classify', isDefaultAction: true, match: m, action: { name: 'drop' } }, 'DEFAULT_WITH_MATCH', EncodeError);
  // Don't-care matches are omitted, as the spec requires.
  const wild = buildTableEntry(index, {
    table: 'acl',
    match: { dst_addr: { ternary: [0, 0] }, l4_dst_port: { range: [0, 65535] } },
    priority: 1,
    action: { name: 'drop' },
  });
  assert.deepEqual(wild.match, []);
  const v4any = buildTableEntry(index, { table: 'src_service_v4', match: { tenant_id: 1, src_addr: '0.0.0.0/0' }, action: { name: 'no_match' } });
  assert.deepEqual(v4any.match.map((x) => x.fieldId), [1]);
});

test('member and group validation', () => {
  assert.throws(() => buildMember(index, { profile: 'nf_selector', memberId: 1, action: { name: 'set_flow', params: { flow_id: 1 } } }), { code: 'ACTION_NOT_IN_PROFILE' });
  assert.throws(() => buildMember(index, { profile: 'nope', memberId: 1, action: { name: 'to_nf' } }), { code: 'UNKNOWN_ACTION_PROFILE' });
  assert.throws(() => buildGroup(index, { profile: 'nf_selector', groupId: 1, members: [{ memberId: 1, weight: 0 }] }), { code: 'OUT_OF_RANGE' });
  assert.throws(() => buildGroup(index, { profile: 'nf_selector', groupId: 1, members: [{ memberId: 1 }, { memberId: 1 }] }), { code: 'DUPLICATE_MEMBER' });
  assert.throws(() => buildGroup(index, { profile: 'nf_selector', groupId: 1, members: [{ memberId: 1, weight: 17 }] }), { code: 'GROUP_TOO_LARGE' });
});

test('describeEntity reads like the switch state a person expects', () => {
  assert.equal(
    describeEntity(encodeTableEntry(flow(7, 443, 0x1a2b3c4d)), index),
    'ingress.flow_classify tenant_id=7 src_service=3 dst_service=4 ip_proto=6 l4_dst_port=443 → ingress.set_flow(flow_id=0x1a2b3c4d)',
  );
  const acl = buildTableEntry(index, {
    table: 'acl',
    match: { dst_addr: { ternary: ['10.0.0.0', '255.0.0.0'] }, l4_dst_port: { range: [80, 90] } },
    priority: 10,
    action: { name: 'forward', params: { port: 1, dmac: '02:00:00:00:00:01' } },
  });
  assert.equal(
    describeEntity(encodeTableEntry(acl), index),
    'ingress.acl dst_addr=10.0.0.0&&&255.0.0.0 l4_dst_port=80..90 priority=10 → ingress.forward(port=1, dmac=02:00:00:00:00:01)',
  );
  assert.equal(describeEntity(encodeTableEntry({ tableId: 0x0200ffff, match: [], priority: 0 }), index), 'table#33619967');
});

test('peekOwner names the table or profile of an entity without decoding it; other entities have none', () => {
  const entry = encodeTableEntry(flow(7, 443, 1));
  assert.deepEqual(peekOwner(entry), { kind: 'table_entry', id: index.table('ingress.flow_classify').id });
  const member = encodeMember(buildMember(index, { profile: 'nf_selector', memberId: 7, action: { name: 'to_nf', params: { dmac: '02:00:00:00:00:09', port: 4 } } }));
  assert.deepEqual(peekOwner(member), { kind: 'action_profile_member', id: index.actionProfile('nf_selector').id });
  // Entity.direct_counter_entry (field 8): not an entity flowops owns.
  assert.equal(peekOwner(Buffer.from([0x42, 0x02, 0x0a, 0x00])), undefined);
});

test('withMeterRequest adds an empty meter_config to a table entry read filter; hasMeterConfig sees it', () => {
  const key = Buffer.from(entityKey(encodeTableEntry(flow(7, 443, 1))), 'latin1');
  assert.equal(hasMeterConfig(key), false);
  const asked = withMeterRequest(key);
  assert.equal(hasMeterConfig(asked), true);
  const o = Entity.toObject(Entity.decode(asked), { defaults: false }) as any;
  assert.deepEqual(o.table_entry.meter_config, {});
  assert.equal(entityKey(asked), entityKey(key), 'the same entry');
  const member = encodeMember(buildMember(index, { profile: 'nf_selector', memberId: 7, action: { name: 'to_nf', params: { dmac: '02:00:00:00:00:09', port: 4 } } }));
  assert.equal(withMeterRequest(member), member, 'members have no meter: unchanged');
});

test('withMetadataBytes splices TableEntry.metadata in at wire level: the same bytes as encoding the entry with it', async () => {
  const { withMetadataBytes, withoutMetadata, metadataBytes } = await import('../../src/p4info/entity.ts');
  const md = Buffer.from('fo1|0123456789ab|f|shop/web-to-db');
  const entries: TableEntryValue[] = [
    buildTableEntry(index, { table: 'flow_policy', match: { flow_id: 9 }, action: { name: 'allow', params: { qid: 3 } } }),
    buildTableEntry(index, { table: 'flow_policy', match: { flow_id: 9 }, action: { name: 'allow', params: { qid: 3 } }, meterConfig: { cir: 1000, cburst: 100, pir: 2000, pburst: 200 } }),
    { ...buildTableEntry(index, { table: 'acl', match: { dst_addr: { ternary: ['10.0.0.0', '255.0.0.0'] } }, priority: 7, action: { name: 'forward', params: { port: 5, dmac: '02:00:00:00:00:01' } } }), idleTimeoutNs: 5000n, counterData: { byteCount: 1, packetCount: 2 } },
    buildTableEntry(index, { table: 'flow_classify', isDefaultAction: true, action: { name: 'drop' } }),
  ];
  for (const v of entries) {
    const plain = encodeTableEntry(v);
    // a 300-byte value: the TableEntry's length prefix grows from one byte to two
    for (const m of [md, Buffer.alloc(300, 0x61)]) {
      const want = encodeTableEntry({ ...v, metadata: m });
      assert.deepEqual(withMetadataBytes(plain, m), want);
      // replacing an existing record gives the same bytes as encoding the new one
      assert.deepEqual(withMetadataBytes(encodeTableEntry({ ...v, metadata: Buffer.from('old') }), m), want);
      assert.deepEqual(metadataBytes(want), m);
      assert.deepEqual(withoutMetadata(want), plain);
    }
    assert.deepEqual(withMetadataBytes(encodeTableEntry({ ...v, metadata: md }), Buffer.alloc(0)), plain);
  }
  // a field numbered after metadata (is_const, 13) stays after it
  const withConst = Buffer.from(Entity.encode(Entity.fromObject({ table_entry: { table_id: 7, priority: 1, is_const: true } })).finish());
  const spliced = withMetadataBytes(withConst, md);
  const te = (Entity.decode(spliced) as any).table_entry;
  assert.equal(te.is_const, true);
  assert.deepEqual(Buffer.from(te.metadata), md);
  assert.deepEqual(Buffer.from(Entity.encode(Entity.decode(spliced)).finish()), spliced);
  // members and groups have no metadata
  const member = encodeMember(buildMember(index, { profile: 'nf_selector', memberId: 7, action: { name: 'to_nf', params: { dmac: '02:00:00:00:00:09', port: 4 } } }));
  assert.equal(withMetadataBytes(member, md), member);
});
