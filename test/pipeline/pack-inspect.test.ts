// pack → inspect round trips through the real CLI and real files: BMv2 JSON
// bytes come back unchanged; a bf-p4c output directory (two pipeline profiles,
// its .conf naming absolute paths of a build directory that has since moved)
// becomes a Stratum BfPipelineConfig and unpacks into a directory that packs
// again to the same bytes and cookie.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { flowops, tempDir, P4_DIR } from './cli.ts';
import { protoType } from '../../src/proto/load.ts';
import { loadP4InfoFile } from '../../src/p4info/txtpb.ts';
import { decodeBfPipelineConfig } from '../../src/pipeline/bf-config.ts';
import { readBfOutputDir } from '../../src/pipeline/bf-dir.ts';
import { pipelineCookie, formatCookie } from '../../src/pipeline/cookie.ts';

/** Two P4Info files encode to the same bytes (text written by different writers, one message). */
function sameP4Info(a: string, b: string): boolean {
  const t = protoType('p4.config.v1.P4Info');
  return Buffer.from(t.encode(loadP4InfoFile(a)).finish()).equals(Buffer.from(t.encode(loadP4InfoFile(b)).finish()));
}
import { FlowopsError } from '../../src/shared/errors.ts';

const V1_P4INFO = path.join(P4_DIR, 'flowops_v1model.p4info.txtpb');
const TNA_P4INFO = path.join(P4_DIR, 'flowops_tna.p4info.txtpb');

function decodePacked(file: string): { p4info: any; deviceConfig: Buffer; cookie: bigint } {
  const t = protoType('p4.v1.ForwardingPipelineConfig');
  const o = t.toObject(t.decode(fs.readFileSync(file)), { longs: String }) as any;
  return { p4info: protoType('p4.config.v1.P4Info').fromObject(o.p4info), deviceConfig: Buffer.from(o.p4_device_config), cookie: BigInt(o.cookie.cookie) };
}

/** A small but well-formed BMv2 JSON, shaped like p4c's output. */
function bmv2Json(): string {
  return JSON.stringify(
    {
      header_types: [{ name: 'ethernet_h', id: 0, fields: [['dst_addr', 48, false], ['src_addr', 48, false], ['ether_type', 16, false]] }],
      headers: [{ name: 'ethernet', id: 0, header_type: 'ethernet_h', metadata: false }],
      parsers: [{ name: 'parser', id: 0, init_state: 'start', parse_states: [] }],
      pipelines: [{ name: 'ingress', id: 0, init_table: 'ingress.tenant_classify', tables: [{ name: 'ingress.tenant_classify', id: 0, max_size: 65536 }] }],
      program: 'flowops_v1model.p4',
      __meta__: { version: [2, 23], compiler: 'p4c' },
    },
    null,
    2,
  );
}

/** Lays out what `bf-p4c -o <build>` writes for a two-profile program, with absolute paths in the .conf. */
function writeBfBuild(build: string, files: Record<string, Buffer>) {
  for (const [rel, bytes] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(build, rel)), { recursive: true });
    fs.writeFileSync(path.join(build, rel), bytes);
  }
  const conf = {
    chip_list: [{ chip_family: 'tofino', instance: 0 }],
    instance: 0,
    p4_devices: [
      {
        'device-id': 0,
        p4_programs: [
          {
            'program-name': 'flowops_tna',
            'bfrt-config': path.join(build, 'bf-rt.json'),
            p4_pipelines: [
              { p4_pipeline_name: 'pipe0', context: path.join(build, 'pipe0/context.json'), config: path.join(build, 'pipe0/tofino.bin'), pipe_scope: [0, 1], path: build },
              { p4_pipeline_name: 'pipe1', context: path.join(build, 'pipe1/context.json'), config: path.join(build, 'pipe1/tofino.bin'), pipe_scope: [2, 3], path: build },
            ],
          },
        ],
        agent0: 'lib/libpltfm_mgr.so',
      },
    ],
  };
  fs.writeFileSync(path.join(build, 'flowops_tna.conf'), JSON.stringify(conf, null, 4));
}

describe('pipeline pack/inspect', () => {
  let dir: string;
  before(() => {
    dir = tempDir('pipeline');
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('bmv2: the device config is the JSON as is, and inspect gives back the same files', async () => {
    const json = path.join(dir, 'flowops_v1model.json');
    fs.writeFileSync(json, bmv2Json());
    const r = await flowops(['pipeline', 'pack', '--arch', 'bmv2', '--p4info', V1_P4INFO, '--bmv2-json', 'flowops_v1model.json', '--out', 'out/bmv2.pipeline'], dir);
    assert.equal(r.code, 0, r.stderr);
    const packed = decodePacked(path.join(dir, 'out/bmv2.pipeline'));
    assert.deepEqual(packed.deviceConfig, fs.readFileSync(json));
    const cookie = pipelineCookie(loadP4InfoFile(V1_P4INFO), fs.readFileSync(json));
    assert.equal(packed.cookie, cookie);
    assert.match(r.stdout, new RegExp(`cookie: ${formatCookie(cookie)}`));

    const ins = await flowops(['pipeline', 'inspect', 'out/bmv2.pipeline', '--out', 'unpacked-bmv2'], dir);
    assert.equal(ins.code, 0, ins.stderr);
    assert.match(ins.stdout, /device config: bmv2 JSON/);
    assert.match(ins.stdout, new RegExp(`cookie: ${formatCookie(cookie)}\n`), 'recorded cookie matches the contents');
    assert.deepEqual(fs.readFileSync(path.join(dir, 'unpacked-bmv2/bmv2.json')), fs.readFileSync(json));
    // The checked-in file is the compiler's text (its comments, its field order); the unpacked one flowops' writing of the same message.
    assert.ok(sameP4Info(path.join(dir, 'unpacked-bmv2/p4info.txtpb'), V1_P4INFO));
  });

  it('tofino: a moved bf-p4c directory packs into BfPipelineConfig and round-trips', async () => {
    const files = {
      'bf-rt.json': Buffer.from(JSON.stringify({ schema_version: '1.0.0', tables: [{ name: 'pipe0.ingress.flow_policy', id: 33555457 }] })),
      'pipe0/context.json': Buffer.from(JSON.stringify({ program_name: 'flowops_tna', tables: [], build_date: 'x' })),
      'pipe0/tofino.bin': randomBytes(4096),
      'pipe1/context.json': Buffer.from(JSON.stringify({ program_name: 'flowops_tna', tables: [{ name: 'ingress.nf_steer' }] })),
      'pipe1/tofino.bin': randomBytes(3000),
      'pipe0/logs/mau.resources.log': Buffer.from('resources\n'),
    };
    const build = path.join(dir, 'build-host/out');
    writeBfBuild(build, files);
    // The artifact is copied elsewhere; the absolute paths in the .conf no longer exist.
    const moved = path.join(dir, 'artifact');
    fs.renameSync(build, moved);

    const r = await flowops(['pipeline', 'pack', '--arch', 'tofino', '--p4info', TNA_P4INFO, '--bf-dir', 'artifact', '--out', 'out/tofino.pipeline'], dir);
    assert.equal(r.code, 0, r.stderr);
    const packed = decodePacked(path.join(dir, 'out/tofino.pipeline'));
    const bf = decodeBfPipelineConfig(packed.deviceConfig);
    assert.equal(bf.p4Name, 'flowops_tna');
    assert.deepEqual(bf.bfrt, files['bf-rt.json']);
    assert.deepEqual(
      bf.profiles.map((p) => ({ name: p.name, scope: p.pipeScope, context: p.context, binary: p.binary })),
      [
        { name: 'pipe0', scope: [0, 1], context: files['pipe0/context.json'], binary: files['pipe0/tofino.bin'] },
        { name: 'pipe1', scope: [2, 3], context: files['pipe1/context.json'], binary: files['pipe1/tofino.bin'] },
      ],
    );
    assert.equal(packed.cookie, pipelineCookie(loadP4InfoFile(TNA_P4INFO), packed.deviceConfig));

    const ins = await flowops(['pipeline', 'inspect', 'out/tofino.pipeline', '--out', 'unpacked-tofino'], dir);
    assert.equal(ins.code, 0, ins.stderr);
    assert.match(ins.stdout, /profile pipe0: pipes 0,1/);
    assert.match(ins.stdout, /profile pipe1: pipes 2,3/);
    const un = path.join(dir, 'unpacked-tofino');
    for (const rel of ['bf-rt.json', 'pipe0/context.json', 'pipe0/tofino.bin', 'pipe1/context.json', 'pipe1/tofino.bin']) {
      assert.deepEqual(fs.readFileSync(path.join(un, rel)), files[rel as keyof typeof files], rel);
    }
    assert.ok(fs.existsSync(path.join(un, 'flowops_tna.conf')));
    assert.ok(sameP4Info(path.join(un, 'p4info.txtpb'), TNA_P4INFO));

    // The unpacked directory is itself a bf-p4c style directory: packing it again is byte-identical.
    const again = await flowops(['pipeline', 'pack', '--arch', 'tofino', '--p4info', 'unpacked-tofino/p4info.txtpb', '--bf-dir', 'unpacked-tofino', '--out', 'out/again.pipeline'], dir);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(fs.readFileSync(path.join(dir, 'out/again.pipeline')), fs.readFileSync(path.join(dir, 'out/tofino.pipeline')));
  });

  it('raw: any bytes, unpacked as device_config.bin', async () => {
    const blob = randomBytes(777);
    fs.writeFileSync(path.join(dir, 'blob.bin'), blob);
    const r = await flowops(['pipeline', 'pack', '--arch', 'raw', '--p4info', V1_P4INFO, '--file', 'blob.bin', '--out', 'out/raw.pipeline'], dir);
    assert.equal(r.code, 0, r.stderr);
    const ins = await flowops(['pipeline', 'inspect', 'out/raw.pipeline', '--out', 'unpacked-raw'], dir);
    assert.equal(ins.code, 0, ins.stderr);
    assert.deepEqual(fs.readFileSync(path.join(dir, 'unpacked-raw/device_config.bin')), blob);
  });

  it('refuses what is not a compiler output, naming the problem', async () => {
    fs.mkdirSync(path.join(dir, 'empty'), { recursive: true });
    const noConf = await flowops(['pipeline', 'pack', '--arch', 'tofino', '--p4info', TNA_P4INFO, '--bf-dir', 'empty', '--out', 'out/x'], dir);
    assert.equal(noConf.code, 1);
    assert.match(noConf.stderr, /has no \.conf file/);

    const broken = path.join(dir, 'broken');
    writeBfBuild(broken, { 'bf-rt.json': Buffer.from('{}'), 'pipe0/context.json': Buffer.from('{}'), 'pipe0/tofino.bin': Buffer.from([1]) });
    assert.throws(() => readBfOutputDir(broken), (e: unknown) => e instanceof FlowopsError && e.code === 'PIPELINE_BF_FILE_MISSING' && /pipe1 context/.test(e.message));

    fs.writeFileSync(path.join(dir, 'not.json'), 'this is not json');
    const badJson = await flowops(['pipeline', 'pack', '--arch', 'bmv2', '--p4info', V1_P4INFO, '--bmv2-json', 'not.json', '--out', 'out/x'], dir);
    assert.equal(badJson.code, 1);
    assert.match(badJson.stderr, /not a BMv2 JSON object/);

    const wrongFlag = await flowops(['pipeline', 'pack', '--arch', 'tofino', '--p4info', TNA_P4INFO, '--bmv2-json', 'x.json', '--out', 'out/x'], dir);
    assert.equal(wrongFlag.code, 2);
    assert.match(wrongFlag.stderr, /--bmv2-json does not go with --arch tofino/);
    const mismatch = await flowops(['pipeline', 'pack', '--arch', 'tofino', '--p4info', V1_P4INFO, '--bf-dir', 'unpacked-tofino', '--out', 'out/x'], dir);
    assert.equal(mismatch.code, 1);
    assert.match(mismatch.stderr, /is for arch "v1model", which a tofino target does not run/);
    assert.ok(!fs.existsSync(path.join(dir, 'out/x')), 'nothing written on failure');
  });

  it('each subcommand has --help', async () => {
    const { command } = await import('../../src/cli/commands/pipeline.ts');
    for (const [sub, re] of [['pack', /--bf-dir DIR/], ['inspect', /--out DIR/], ['diff', /Exit status: 0 same, 1 different/]] as const) {
      const r = await flowopsSub(command, [sub, '--help']);
      assert.equal(r.code, 0);
      assert.match(r.stdout, re);
    }
    const top = await flowops(['pipeline', '--help'], dir);
    assert.equal(top.code, 0);
    assert.match(top.stdout, /pipeline pack .*\n[\s\S]*pipeline inspect[\s\S]*pipeline diff/);
  });
});

async function flowopsSub(command: { run: (ctx: any) => Promise<number> }, argv: string[]) {
  let stdout = '';
  const stream = { write: (s: string) => ((stdout += s), true) };
  const code = await command.run({ argv, env: {}, cwd: process.cwd(), stdout: stream, stderr: stream, signal: new AbortController().signal });
  return { code, stdout };
}
