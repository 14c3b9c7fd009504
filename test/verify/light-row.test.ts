// verify/light-row.ts reads the volume tables' rows straight from their
// bytes; wherever it answers it must give exactly model/entries.ts
// decodeRow's row, and it must leave every other entity to decodeRow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compile } from '../../src/compile/compile.ts';
import { createEmitter } from '../../src/compile/emit.ts';
import { TABLES } from '../../src/compile/tables.ts';
import { decodeRow, RowParts } from '../../src/model/entries.ts';
import { lightRow } from '../../src/verify/light-row.ts';
import { withMetadataBytes } from '../../src/p4info/entity.ts';
import { NOW, loadValid, shopRepo, v1model } from '../compile/fixture.ts';

const index = v1model();
const all = (buf: Uint8Array) => lightRow(buf, 0, buf.length, index, 3, new RowParts());

test('every entry of the compiled fixture: the light row equals decodeRow, and it answers for flow_classify and flow_policy', () => {
  const entries = [...compile(loadValid(shopRepo()), index, 'leaf1', { now: NOW }).entries];
  const answered = new Set<string>();
  for (const e of entries) {
    const light = all(e.bytes);
    if (!light) continue;
    answered.add(e.table);
    assert.deepEqual(light, decodeRow(e.bytes, index, 3, undefined, new RowParts()), e.table);
  }
  assert.ok(answered.has(TABLES.flowClassify.name) && answered.has(TABLES.flowPolicy.name), [...answered].join());
  for (const t of [TABLES.srcServiceV4.name, TABLES.nfSteer.name, TABLES.flowClassifyRange.name]) assert.ok(!answered.has(t), t);
});

test('metadata, a wide value and bytes that are not an entity: equal, or left to decodeRow', () => {
  const emit = createEmitter(index);
  const policy = emit.table(TABLES.flowPolicy, { flow_id: 0x01020304 }, { action: TABLES.flowPolicy.actions.allow, params: { qid: 3 } }).bytes;
  const withMeta = withMetadataBytes(Buffer.from(policy), Buffer.from('provenance'));
  assert.deepEqual(all(withMeta), decodeRow(withMeta, index, 3, undefined, new RowParts()));
  assert.equal(all(withMeta)!.metadata!.toString(), 'provenance');
  const classify = emit.table(TABLES.flowClassify, { tenant_id: 7, src_service: 1, dst_service: 2, ip_proto: 6, l4_dst_port: 443 }, { action: TABLES.flowClassify.actions.setFlow, params: { flow_id: 0xffffffff } }).bytes;
  assert.deepEqual(all(classify), decodeRow(classify, index, 3, undefined, new RowParts()));
  assert.equal(all(Buffer.from([0x12, 0x05, 0x08, 0x01])), undefined); // truncated
  assert.equal(all(Buffer.from([])), undefined);
  // Shifted into the middle of a larger buffer: offsets are honoured.
  const padded = Buffer.concat([Buffer.from([1, 2, 3]), classify, Buffer.from([9])]);
  assert.deepEqual(lightRow(padded, 3, 3 + classify.length, index, 3, new RowParts()), all(classify));
});
