// The TNA program, compiled by the real Tofino compiler (bf-p4c -g from
// FLOWOPS_PEERS_BIN): it fits Tofino 1 (tofino.bin written, at most 12
// ingress stages), its resource figures are the ones p4/README.md records (so
// the README cannot drift from the program), its P4Info is the checked-in one,
// and `flowops pipeline pack --arch tofino` round-trips the output directory.
// One compile, ≈ 1.5–2 min on two cores (measured: 97 s with -g); every check
// reads that one output.
import { before, after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileTna, peerSkip, type Compiled } from '../helpers/peers.ts';
import { readTofinoResources, type TofinoResources } from './tofino-resources.ts';
import { loadP4InfoFile } from '../../src/p4info/txtpb.ts';
import { compareP4Info } from '../../src/pipeline/compare.ts';
import { flowops } from '../pipeline/cli.ts';

const P4_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../p4');
const TOFINO1_STAGES = 12;

describe('flowops_tna.p4 on bf-p4c', peerSkip('bf-p4c'), () => {
  let tmp: string;
  let out: Compiled & { ok: boolean };
  let res: TofinoResources;

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flowops-fit-'));
    out = await compileTna(path.join(P4_DIR, 'flowops_tna.p4'), tmp, ['-g', '--p4runtime-force-std-externs']);
    if (out.ok) res = readTofinoResources(out.dir);
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('compiles and fits Tofino 1: tofino.bin written, ingress within 12 stages', () => {
    assert.ok(out.ok, `bf-p4c failed:\n${out.log.slice(-4000)}`);
    assert.ok(fs.statSync(path.join(out.dir, 'pipe/tofino.bin')).size > 0, 'no tofino.bin');
    assert.ok(res.ingressStages <= TOFINO1_STAGES, `ingress uses ${res.ingressStages} stages`);
    assert.ok(res.egressStages <= TOFINO1_STAGES, `egress uses ${res.egressStages} stages`);
  });

  it('uses exactly the stages, SRAM and TCAM blocks p4/README.md records', () => {
    const readme = fs.readFileSync(path.join(P4_DIR, 'README.md'), 'utf8');
    const m = /\*\*(\d+) of 12 ingress stages, (\d+) egress stages\*\*[\s\S]*?(\d+) of 960 SRAM blocks[\s\S]*?(\d+) of 288 TCAM blocks/.exec(readme);
    assert.ok(m, 'README records the bf-p4c figures');
    assert.deepEqual(
      { ingress: res.ingressStages, egress: res.egressStages, sram: res.totals.sram, tcam: res.totals.tcam },
      { ingress: Number(m[1]), egress: Number(m[2]), sram: Number(m[3]), tcam: Number(m[4]) },
      'bf-p4c figures differ from p4/README.md: update the README (and the table sizes chosen from them)',
    );
    // The tables flowops writes all got memory (a table the compiler optimised away would get none).
    for (const t of ['ingress.flow_classify', 'ingress.flow_policy', 'ingress.nf_steer', 'ingress.tenant_classify_vni', 'egress.tenant_rate']) assert.ok(res.sram.get(t), `${t} has no SRAM`);
    for (const t of ['ingress.flow_classify_range', 'ingress.src_service_v4', 'ingress.tenant_route_v4']) assert.ok(res.tcam.get(t), `${t} has no TCAM`);
  });

  it('writes the checked-in P4Info', () => {
    assert.deepEqual(compareP4Info(loadP4InfoFile(out.p4info), loadP4InfoFile(path.join(P4_DIR, 'flowops_tna.p4info.txtpb'))), []);
  });

  it('`flowops pipeline pack --arch tofino` packs the output directory, and inspect + pack gives the same bytes', async () => {
    const pack1 = await flowops(['pipeline', 'pack', '--arch', 'tofino', '--p4info', out.p4info, '--bf-dir', out.dir, '--out', 'a.pipeline'], tmp);
    assert.equal(pack1.code, 0, pack1.stderr);
    const ins = await flowops(['pipeline', 'inspect', 'a.pipeline', '--out', 'unpacked'], tmp);
    assert.equal(ins.code, 0, ins.stderr);
    assert.match(ins.stdout, /program flowops_tna/);
    assert.match(ins.stdout, /cookie: 0x[0-9a-f]{16}/);
    assert.deepEqual(fs.readFileSync(path.join(tmp, 'unpacked/pipe/tofino.bin')), fs.readFileSync(path.join(out.dir, 'pipe/tofino.bin')));
    const pack2 = await flowops(['pipeline', 'pack', '--arch', 'tofino', '--p4info', 'unpacked/p4info.txtpb', '--bf-dir', 'unpacked', '--out', 'b.pipeline'], tmp);
    assert.equal(pack2.code, 0, pack2.stderr);
    assert.ok(fs.readFileSync(path.join(tmp, 'a.pipeline')).equals(fs.readFileSync(path.join(tmp, 'b.pipeline'))), 'repacked pipeline differs');
  });
});
