// The P4 sources, their two P4Infos, the README contract and the compiler's
// mapping (src/compile/tables.ts) must all say the same thing. No P4 compiler
// runs here, so this is what stops a hand-edited P4Info, a renamed key or a
// changed width from reaching a switch: (a) each P4Info matches what its
// source declares, (b) the two P4Infos differ only in sizes and arch, (c) every
// name and width the compiler uses exists in both, (d) README ids match.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadP4InfoFile } from '../../src/p4info/txtpb.ts';
import { protoType } from '../../src/proto/load.ts';
import { TABLES, PROFILES, type TableSpec } from '../../src/compile/tables.ts';
import { extractP4, p4cNameId, p4Int, NO_ACTION, type SrcProgram, type SrcExtern } from './p4-extract.ts';

const P4_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../p4');
const PROGRAMS = [
  { arch: 'v1model', source: 'flowops_v1model.p4', p4info: 'flowops_v1model.p4info.txtpb' },
  { arch: 'tna', source: 'flowops_tna.p4', p4info: 'flowops_tna.p4info.txtpb' },
] as const;

/** A P4Info as a plain object with every default present, so absent and zero compare equal. */
function loadInfo(file: string): any {
  const type = protoType('p4.config.v1.P4Info');
  return type.toObject(loadP4InfoFile(path.join(P4_DIR, file)), { longs: Number, enums: String, defaults: true, arrays: true });
}

const alias = (name: string) => name.split('.').pop()!;
const noActionId = p4cNameId(NO_ACTION, 0x01);

const COUNTER_UNIT: Record<string, string> = {
  'CounterType.packets_and_bytes': 'BOTH',
  'CounterType.packets': 'PACKETS',
  'CounterType.bytes': 'BYTES',
  'CounterType_t.PACKETS_AND_BYTES': 'BOTH',
  'CounterType_t.PACKETS': 'PACKETS',
  'CounterType_t.BYTES': 'BYTES',
};
const METER_UNIT: Record<string, string> = {
  'MeterType.bytes': 'BYTES',
  'MeterType.packets': 'PACKETS',
  'MeterType_t.BYTES': 'BYTES',
  'MeterType_t.PACKETS': 'PACKETS',
};

function byName<T extends { preamble: { name: string } }>(items: T[], what: string): Map<string, T> {
  const m = new Map<string, T>();
  for (const it of items) {
    assert.ok(!m.has(it.preamble.name), `duplicate ${what} ${it.preamble.name}`);
    m.set(it.preamble.name, it);
  }
  return m;
}

/** What the P4Info's action_profiles must hold for a program's externs. */
function expectedProfiles(prog: SrcProgram) {
  const ext = (local: string): SrcExtern => {
    const e = prog.externs.find((x) => x.local === local);
    assert.ok(e, `no extern instance ${local}`);
    return e;
  };
  const tablesOf = (impl: string) => prog.tables.filter((t) => t.implementation === impl).map((t) => t.id);
  const out: Record<string, unknown>[] = [];
  for (const e of prog.externs) {
    if (e.type === 'action_selector') {
      // v1model: action_selector(algo, size, output width); the group bound is an annotation.
      out.push({ id: e.id, name: e.name, table_ids: tablesOf(e.local), with_selector: true, size: p4Int(e.args[1]), max_group_size: Number(e.annotations.max_group_size ?? 0) });
    } else if (e.type === 'action_profile') {
      out.push({ id: e.id, name: e.name, table_ids: tablesOf(e.local), with_selector: false, size: p4Int(e.args[0]), max_group_size: 0 });
    } else if (e.type === 'ActionSelector') {
      // TNA: ActionSelector(profile, hash, mode, max_group_size, num_groups) shows as its ActionProfile.
      const profile = ext(e.args[0]);
      out.push({ id: profile.id, name: profile.name, table_ids: tablesOf(e.local), with_selector: true, size: p4Int(profile.args[0]), max_group_size: p4Int(e.args[3]) });
    } else if (e.type === 'ActionProfile') {
      const used = prog.externs.some((s) => s.type === 'ActionSelector' && s.args[0] === e.local);
      if (!used) out.push({ id: e.id, name: e.name, table_ids: tablesOf(e.local), with_selector: false, size: p4Int(e.args[0]), max_group_size: 0 });
    }
  }
  return out;
}

/** The id a table's `implementation` resolves to in standard P4Info. */
function implementationId(prog: SrcProgram, local: string | undefined): number {
  if (!local) return 0;
  const e = prog.externs.find((x) => x.local === local);
  assert.ok(e, `implementation ${local} is not declared`);
  if (e.type === 'ActionSelector') return prog.externs.find((x) => x.local === e.args[0])!.id;
  return e.id;
}

/** bf-p4c derives TNA extern ids from their names (it ignores @id there); v1model pins the same ids. */
const v1Externs = extractP4(path.join(P4_DIR, PROGRAMS[0].source)).externs;
for (const p of PROGRAMS) {
  describe(`(a) ${p.p4info} matches ${p.source}`, () => {
    const prog = extractP4(path.join(P4_DIR, p.source));
    for (const e of prog.externs) if (!e.id) e.id = v1Externs.find((x) => x.name === e.name)?.id ?? 0;
    const info = loadInfo(p.p4info);
    const infoTables = byName<any>(info.tables, 'table');
    const infoActions = byName<any>(info.actions, 'action');
    const actionByLocal = new Map(prog.actions.map((a) => [a.local, a]));
    const actionId = (local: string) => (local === NO_ACTION ? noActionId : actionByLocal.get(local)?.id);
    const externId = (local: string | undefined) => (local ? prog.externs.find((e) => e.local === local)?.id : undefined);

    it('is for the right architecture', () => {
      assert.equal(prog.arch, p.arch);
      assert.equal(info.pkg_info.arch, p.arch);
    });

    it('has exactly the tables the source declares', () => {
      assert.deepEqual([...infoTables.keys()].sort(), prog.tables.map((t) => t.name).sort());
    });

    it('every table: id, alias, keys (order → id, width, match kind), actions, default, size, resources', () => {
      for (const t of prog.tables) {
        const it = infoTables.get(t.name);
        assert.ok(it, `P4Info lacks table ${t.name}`);
        assert.equal(it.preamble.id, t.id, `${t.name} id`);
        assert.equal(it.preamble.alias, alias(t.name), `${t.name} alias`);
        assert.deepEqual(
          it.match_fields.map((f: any) => ({ id: f.id, name: f.name, bitwidth: f.bitwidth, match_type: f.match_type })),
          t.matchKeys.map((k) => ({ id: k.id, name: k.name, bitwidth: k.bits, match_type: k.match.toUpperCase() })),
          `${t.name} match fields`,
        );
        assert.deepEqual(
          it.action_refs.map((r: any) => ({ id: r.id, scope: r.scope, annotations: r.annotations })),
          t.actions.map((a) => {
            const id = actionId(a.local);
            assert.ok(id, `${t.name} lists undeclared action ${a.local}`);
            return a.defaultOnly ? { id, scope: 'DEFAULT_ONLY', annotations: ['@defaultonly'] } : { id, scope: 'TABLE_AND_DEFAULT', annotations: [] };
          }),
          `${t.name} action refs`,
        );
        assert.ok(t.defaultAction, `${t.name} declares no default_action`);
        assert.ok(t.actions.some((a) => a.local === t.defaultAction!.local), `${t.name}: default ${t.defaultAction!.local} is not one of its actions`);
        assert.equal(it.const_default_action_id, t.defaultAction!.isConst ? actionId(t.defaultAction!.local) : 0, `${t.name} const default`);
        assert.equal(it.implementation_id, implementationId(prog, t.implementation), `${t.name} implementation`);
        assert.deepEqual(it.direct_resource_ids, [externId(t.counters), externId(t.meters)].filter((x) => x !== undefined), `${t.name} direct resources`);
        assert.equal(it.size, t.size, `${t.name} size`);
      }
    });

    it('defaults follow the README: drop or no_match, NoAction only on nf_steer and tenant_rate (default-only)', () => {
      for (const t of prog.tables) {
        const def = t.defaultAction!.local;
        if (t.name === 'ingress.nf_steer' || t.name === 'egress.tenant_rate') {
          assert.equal(def, NO_ACTION);
          assert.ok(t.actions.find((a) => a.local === NO_ACTION)?.defaultOnly, `NoAction is @defaultonly on ${t.name}`);
        } else {
          assert.ok(def === 'drop' || def === 'no_match', `${t.name} defaults to ${def}`);
        }
      }
      assert.equal(infoActions.get(NO_ACTION)?.preamble.id, 21257015, "NoAction keeps p4c's hashed id");
    });

    it('has exactly the actions the tables use, with ids and params (order → id, width)', () => {
      const used = new Set(prog.tables.flatMap((t) => t.actions.map((a) => a.local)));
      const expected = [...used].map((local) => {
        if (local === NO_ACTION) return { id: noActionId, name: NO_ACTION, alias: NO_ACTION, params: [] as unknown[] };
        const a = actionByLocal.get(local)!;
        return { id: a.id, name: a.name, alias: alias(a.name), params: a.params.map((x, i) => ({ id: i + 1, name: x.name, bitwidth: x.bits })) };
      });
      const actual = info.actions.map((a: any) => ({
        id: a.preamble.id,
        name: a.preamble.name,
        alias: a.preamble.alias,
        params: a.params.map((x: any) => ({ id: x.id, name: x.name, bitwidth: x.bitwidth })),
      }));
      const key = (x: { id: number }) => x.id;
      assert.deepEqual([...actual].sort((x, y) => key(x) - key(y)), expected.sort((x, y) => key(x) - key(y)));
    });

    it('action profiles: id, name, tables, selector, size, max group size', () => {
      const actual = info.action_profiles.map((ap: any) => ({
        id: ap.preamble.id,
        name: ap.preamble.name,
        table_ids: ap.table_ids,
        with_selector: ap.with_selector,
        size: ap.size,
        max_group_size: ap.max_group_size,
      }));
      assert.deepEqual(actual, expectedProfiles(prog));
      for (const ap of info.action_profiles) assert.equal(ap.preamble.alias, alias(ap.preamble.name));
    });

    it('direct counters and meters: id, name, unit, table', () => {
      const tableOf = (prop: 'counters' | 'meters', local: string) => prog.tables.find((t) => t[prop] === local)?.id ?? 0;
      const counters = prog.externs.filter((e) => e.type === 'direct_counter' || e.type === 'DirectCounter');
      const meters = prog.externs.filter((e) => e.type === 'direct_meter' || e.type === 'DirectMeter');
      assert.deepEqual(
        info.direct_counters.map((c: any) => ({ id: c.preamble.id, name: c.preamble.name, alias: c.preamble.alias, unit: c.spec.unit, table: c.direct_table_id })),
        counters.map((c) => ({ id: c.id, name: c.name, alias: alias(c.name), unit: COUNTER_UNIT[c.args[0]], table: tableOf('counters', c.local) })),
      );
      assert.deepEqual(
        info.direct_meters.map((m: any) => ({ id: m.preamble.id, name: m.preamble.name, alias: m.preamble.alias, unit: m.spec.unit, table: m.direct_table_id })),
        meters.map((m) => ({ id: m.id, name: m.name, alias: alias(m.name), unit: METER_UNIT[m.args[0]], table: tableOf('meters', m.local) })),
      );
      assert.equal(info.counters.length + info.meters.length + info.registers.length + info.digests.length, 0, 'no indirect externs');
    });
  });
}

describe('(b) the two P4Infos agree on everything but sizes and arch', () => {
  /** Drops what may legitimately differ: arch, table and profile sizes, the v1model
   * selector's @max_group_size annotation (TNA passes it as a constructor argument), and
   * what only a compiler writes (initial default actions, type_info): the v1model file is
   * p4c's output as is, the TNA one is not. */
  const strip = (info: any) => {
    const c = structuredClone(info);
    c.pkg_info.arch = '';
    // bf-p4c lists TNA's PortMetadata extern (its ingress port metadata), an architecture object.
    c.externs = c.externs.filter((e: any) => e.extern_type_name !== 'PortMetadata');
    c.type_info = null;
    for (const t of c.tables) {
      t.size = 0;
      t.initial_default_action = null;
    }
    for (const ap of c.action_profiles) {
      ap.size = 0;
      ap.preamble.annotations = ap.preamble.annotations.filter((a: string) => !a.startsWith('@max_group_size('));
    }
    return c;
  };
  it('is equal after removing those', () => {
    const v1 = loadInfo(PROGRAMS[0].p4info);
    const tna = loadInfo(PROGRAMS[1].p4info);
    assert.notEqual(v1.pkg_info.arch, tna.pkg_info.arch);
    assert.deepEqual(strip(tna), strip(v1));
  });
  it('sizes TNA within Tofino and v1model large', () => {
    const v1 = byName<any>(loadInfo(PROGRAMS[0].p4info).tables, 'table');
    const tna = byName<any>(loadInfo(PROGRAMS[1].p4info).tables, 'table');
    assert.equal(v1.get('ingress.flow_classify').size, 2 ** 21);
    assert.equal(v1.get('ingress.flow_policy').size, 2 ** 18);
    for (const [name, t] of v1) assert.ok(t.size >= 65536, `${name} v1model size ${t.size}`);
    for (const [name, t] of tna) assert.ok(t.size <= v1.get(name).size, `${name} TNA size above v1model`);
    assert.ok(tna.get('ingress.flow_classify').size >= 100_000, 'Tofino holds 10^5 flow entries');
  });
});

describe('(c) every table, key, action and param the compiler uses exists in both P4Infos', () => {
  for (const p of PROGRAMS) {
    it(`${p.p4info}`, () => {
      const info = loadInfo(p.p4info);
      const tables = byName<any>(info.tables, 'table');
      const actions = byName<any>(info.actions, 'action');
      const profiles = byName<any>(info.action_profiles, 'action profile');
      const counters = byName<any>(info.direct_counters, 'direct counter');
      const meters = byName<any>(info.direct_meters, 'direct meter');
      for (const [ref, spec] of Object.entries(TABLES as Record<string, TableSpec>)) {
        const t = tables.get(spec.name);
        assert.ok(t, `TABLES.${ref}: no table ${spec.name}`);
        assert.deepEqual(
          t.match_fields.map((f: any) => ({ name: f.name, bits: f.bitwidth, match: f.match_type.toLowerCase() })),
          spec.keys.map((k) => ({ name: k.name, bits: k.bits, match: k.match })),
          `TABLES.${ref} keys`,
        );
        const refs = new Set(t.action_refs.filter((r: any) => r.scope !== 'DEFAULT_ONLY').map((r: any) => r.id));
        for (const [aref, a] of Object.entries(spec.actions)) {
          const act = actions.get(a.name);
          assert.ok(act, `TABLES.${ref}.actions.${aref}: no action ${a.name}`);
          assert.ok(refs.has(act.preamble.id), `${a.name} is not an entry action of ${spec.name}`);
          assert.deepEqual(
            act.params.map((x: any) => ({ name: x.name, bits: x.bitwidth })),
            a.params.map((x) => ({ name: x.name, bits: x.bits })),
            `${a.name} params`,
          );
        }
        const s = spec;
        assert.equal(t.implementation_id, s.profile ? profiles.get(s.profile)?.preamble.id : 0, `TABLES.${ref} profile`);
        const direct = [s.directCounter && counters.get(s.directCounter), s.directMeter && meters.get(s.directMeter)];
        for (const [i, d] of direct.entries()) {
          const name = i === 0 ? s.directCounter : s.directMeter;
          if (!name) continue;
          assert.ok(d, `TABLES.${ref}: no direct resource ${name}`);
          assert.equal(d.direct_table_id, t.preamble.id, `${name} is not on ${spec.name}`);
        }
        assert.equal(t.direct_resource_ids.length, direct.filter(Boolean).length, `TABLES.${ref}: direct resources the compiler does not know`);
      }
      for (const [ref, spec] of Object.entries(PROFILES)) {
        const ap = profiles.get(spec.name);
        assert.ok(ap, `PROFILES.${ref}: no action profile ${spec.name}`);
        assert.equal(ap.with_selector, spec.withSelector);
        assert.deepEqual(ap.table_ids, spec.tables.map((n) => tables.get(n)?.preamble.id));
        assert.ok(actions.has(spec.memberAction.name));
      }
      const mapped = new Set<string>(Object.values(TABLES).map((t) => t.name));
      for (const name of tables.keys()) assert.ok(mapped.has(name), `table ${name} has no entry in src/compile/tables.ts`);
    });
  }
});

describe('(d) the README id table matches the P4Infos', () => {
  it('lists every object with the P4Info id', () => {
    const readme = fs.readFileSync(path.join(P4_DIR, 'README.md'), 'utf8');
    const rows = [...readme.matchAll(/^\|\s*(0x[0-9a-fA-F]+|\d+)\s*\|\s*([a-z ]+?)\s*\|\s*`([\w.]+)`/gm)].map((m) => ({ id: Number(m[1]), kind: m[2], name: m[3] }));
    assert.ok(rows.length > 20, 'README id table found');
    const section: Record<string, string> = { table: 'tables', action: 'actions', 'action profile': 'action_profiles', 'direct counter': 'direct_counters', 'direct meter': 'direct_meters' };
    for (const p of PROGRAMS) {
      const info = loadInfo(p.p4info);
      let total = 0;
      for (const key of Object.values(section)) total += info[key].length;
      assert.equal(rows.length, total, `${p.p4info}: README lists ${rows.length} objects, P4Info has ${total}`);
      for (const r of rows) {
        const list = info[section[r.kind]];
        assert.ok(list, `README kind ${r.kind}`);
        const found = list.find((x: any) => x.preamble.name === r.name);
        assert.ok(found, `${p.p4info} lacks ${r.kind} ${r.name}`);
        assert.equal(found.preamble.id, r.id, `${r.name} id`);
      }
    }
  });
});
