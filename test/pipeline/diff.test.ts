// `flowops pipeline diff` compares by meaning: a changed key width and a
// renamed action are each named in one line (exit 1); reordering objects,
// adding docs or reordering annotations is no difference (exit 0).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { flowops, tempDir, P4_DIR } from './cli.ts';
import { protoType } from '../../src/proto/load.ts';
import { loadP4InfoFile, formatTextProto } from '../../src/p4info/txtpb.ts';

const V1 = path.join(P4_DIR, 'flowops_v1model.p4info.txtpb');
const TNA = path.join(P4_DIR, 'flowops_tna.p4info.txtpb');

/** Writes a variant of the v1model P4Info changed by `edit` (on the plain object). */
function variant(dir: string, name: string, edit: (o: any) => void): string {
  const t = protoType('p4.config.v1.P4Info');
  const o = t.toObject(loadP4InfoFile(V1), { longs: String, enums: String, arrays: true }) as any;
  edit(o);
  const file = path.join(dir, name);
  fs.writeFileSync(file, formatTextProto(o, t));
  return file;
}

const byName = (list: any[], name: string) => list.find((x) => x.preamble.name === name);

describe('pipeline diff', () => {
  let dir: string;
  before(() => {
    dir = tempDir('diff');
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('names a changed key width and a renamed action, and exits 1', async () => {
    const changed = variant(dir, 'changed.txtpb', (o) => {
      byName(o.tables, 'ingress.tenant_classify').match_fields[1].bitwidth = 16;
      const fwd = byName(o.actions, 'ingress.forward');
      fwd.preamble.name = 'ingress.route';
      fwd.preamble.alias = 'route';
    });
    const r = await flowops(['pipeline', 'diff', V1, changed], dir);
    assert.equal(r.code, 1, r.stderr);
    const lines = r.stdout.trim().split('\n').slice(1).map((l) => l.trim());
    assert.deepEqual(lines.sort(), [
      'action 0x01000601 renamed ingress.forward → ingress.route',
      'table ingress.tenant_classify: key vlan_id width 12 → 16',
    ]);
  });

  it('names a renumbered table, a new param and a removed action ref', async () => {
    const changed = variant(dir, 'changed2.txtpb', (o) => {
      // Renumber consistently: the direct resources follow their table.
      byName(o.tables, 'ingress.flow_policy').preamble.id = 0x02000499;
      for (const d of [...o.direct_counters, ...o.direct_meters]) if (d.direct_table_id === 0x02000401) d.direct_table_id = 0x02000499;
      byName(o.actions, 'ingress.allow').params.push({ id: 2, name: 'color', bitwidth: 2 });
      const route = byName(o.tables, 'ingress.tenant_route_v6');
      route.action_refs = route.action_refs.filter((r: any) => r.id !== 0x01000002);
    });
    const r = await flowops(['pipeline', 'diff', V1, changed], dir);
    assert.equal(r.code, 1);
    const lines = r.stdout.trim().split('\n').slice(1).map((l) => l.trim());
    assert.deepEqual(lines.sort(), [
      'action ingress.allow: param color (id 2) added',
      'table ingress.flow_policy: id 0x02000401 → 0x02000499',
      'table ingress.tenant_route_v6: action ingress.no_match removed',
    ]);
  });

  it('ignores order, docs and annotation order, and exits 0', async () => {
    const same = variant(dir, 'same.txtpb', (o) => {
      o.tables.reverse();
      o.actions.reverse();
      byName(o.tables, 'ingress.flow_classify').preamble.doc = { brief: 'one entry per (flow, protocol, port)' };
      const nf = byName(o.action_profiles, 'ingress.nf_selector');
      nf.preamble.annotations = ['@hidden_note("x")', ...nf.preamble.annotations];
    });
    const sameReordered = variant(dir, 'same-reordered.txtpb', (o) => {
      const nf = byName(o.action_profiles, 'ingress.nf_selector');
      nf.preamble.annotations = [...nf.preamble.annotations, '@hidden_note("x")'];
    });
    const r = await flowops(['pipeline', 'diff', same, sameReordered], dir);
    assert.equal(r.code, 0, r.stdout);
    assert.match(r.stdout, /mean the same pipeline/);
  });

  it('between the two architectures finds only arch, sizes and the selector annotation', async () => {
    const r = await flowops(['pipeline', 'diff', V1, TNA], dir);
    assert.equal(r.code, 1);
    const lines = r.stdout.trim().split('\n').slice(1).map((l) => l.trim());
    assert.ok(lines.length > 3);
    for (const l of lines) {
      assert.match(l, /^(arch "v1model" → "tna"|table (ingress|egress)\.\w+: size \d+ → \d+|action profile ingress\.nf_selector: (size \d+ → \d+|annotation @max_group_size\(64\) removed))$/, l);
    }
  });

  it('usage mistakes exit 2 and a missing file exits 1', async () => {
    assert.equal((await flowops(['pipeline', 'diff', V1], dir)).code, 2);
    const missing = await flowops(['pipeline', 'diff', V1, 'nope.txtpb'], dir);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /nope\.txtpb does not exist/);
  });
});
