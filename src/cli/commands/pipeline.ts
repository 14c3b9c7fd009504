// `flowops pipeline`: the P4 artifacts a switch is given. `pack` builds the
// SetForwardingPipelineConfig payload (P4Info + device config + cookie) for
// bmv2, tofino (Stratum BfPipelineConfig from a bf-p4c directory) or raw bytes;
// `inspect` unpacks one back into files; `diff` compares two P4Infos by meaning
// and exits 1 when they differ, so CI can gate a P4 change on it.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError, wantsHelp, write, type Command, type CommandContext } from '../command.ts';
import { ARCHES, packPipeline, type DeviceConfigSource, type PipelineArch } from '../../pipeline/pack.ts';
import { inspectPipeline } from '../../pipeline/inspect.ts';
import { compareP4Info } from '../../pipeline/compare.ts';
import { formatCookie } from '../../pipeline/cookie.ts';
import { PipelineError } from '../../pipeline/errors.ts';
import { loadP4InfoFile } from '../../p4info/txtpb.ts';

const PACK_HELP = `flowops pipeline pack --arch bmv2|tofino|raw --p4info FILE (--bmv2-json FILE | --bf-dir DIR | --file FILE) --out FILE

  Writes an encoded p4.v1.ForwardingPipelineConfig: the P4Info, the device
  config and the cookie (first 8 bytes of SHA-256 over the canonical P4Info
  and the device config).
    --arch bmv2     --bmv2-json FILE  the JSON p4c wrote for BMv2, as is
    --arch tofino   --bf-dir DIR      a bf-p4c output directory (its .conf names
                                      bf-rt.json and each profile's context.json
                                      and binary), packed as Stratum's BfPipelineConfig
    --arch raw      --file FILE       any file's bytes
    --p4info FILE   P4Info (text .txt/.txtpb, binary .pb/.bin, or .json)
    --out FILE      where to write`;

const INSPECT_HELP = `flowops pipeline inspect FILE --out DIR

  Unpacks a file written by 'pipeline pack' (or a bare device config) into DIR:
  p4info.txtpb, and bmv2.json, a bf-p4c style directory (<program>.conf,
  bf-rt.json, <profile>/context.json, <profile>/tofino.bin) or device_config.bin.
  Prints what it found and whether the recorded cookie matches the contents.`;

const DIFF_HELP = `flowops pipeline diff A B

  Compares two P4Info files by meaning (tables, keys, match kinds, widths,
  actions, params, ids, action profiles, counters, meters; not docs or the
  order of annotations) and prints one line per difference.
  Exit status: 0 same, 1 different, 2 usage error.`;

const HELP = `flowops pipeline: pack, inspect and diff P4 pipeline artifacts

Usage:
  ${PACK_HELP}

  ${INSPECT_HELP}

  ${DIFF_HELP}`;

const SUB_HELP: Record<string, string> = { pack: PACK_HELP, inspect: INSPECT_HELP, diff: DIFF_HELP };

function parse(argv: string[], options: Record<string, { type: 'string' }>, positionals: number, sub: string) {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${sub}: ${(err as Error).message}`);
  }
  if (parsed.positionals.length !== positionals) {
    throw new UsageError(`${sub}: expected ${positionals} file argument${positionals === 1 ? '' : 's'}, got ${parsed.positionals.length}`);
  }
  return { values: parsed.values as Record<string, string | undefined>, positionals: parsed.positionals };
}

function required(values: Record<string, string | undefined>, name: string, sub: string): string {
  const v = values[name];
  if (!v) throw new UsageError(`${sub}: --${name} is required`);
  return v;
}

/** A path as the user would type it: relative to the cwd when inside it. */
function show(cwd: string, p: string): string {
  const rel = path.relative(cwd, p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : p;
}

function existing(file: string, what: string): string {
  if (!fs.existsSync(file)) throw new PipelineError('PIPELINE_FILE_MISSING', `${what} ${file} does not exist`, { file });
  return file;
}

async function pack(argv: string[], ctx: CommandContext): Promise<number> {
  const { values } = parse(argv, { arch: { type: 'string' }, p4info: { type: 'string' }, 'bmv2-json': { type: 'string' }, 'bf-dir': { type: 'string' }, file: { type: 'string' }, out: { type: 'string' } }, 0, 'pack');
  const arch = required(values, 'arch', 'pack');
  if (!(ARCHES as readonly string[]).includes(arch)) throw new UsageError(`pack: --arch must be one of ${ARCHES.join(', ')}, not ${arch}`);
  const sourceFlag = { bmv2: 'bmv2-json', tofino: 'bf-dir', raw: 'file' }[arch as PipelineArch];
  for (const other of ['bmv2-json', 'bf-dir', 'file']) {
    if (other !== sourceFlag && values[other]) throw new UsageError(`pack: --${other} does not go with --arch ${arch} (use --${sourceFlag})`);
  }
  const abs = (p: string) => path.resolve(ctx.cwd, p);
  const source = abs(required(values, sourceFlag, 'pack'));
  const src: DeviceConfigSource =
    arch === 'bmv2' ? { arch: 'bmv2', bmv2Json: source } : arch === 'tofino' ? { arch: 'tofino', bfDir: source } : { arch: 'raw', file: source };
  const p4infoFile = abs(required(values, 'p4info', 'pack'));
  const out = abs(required(values, 'out', 'pack'));
  const packed = packPipeline(existing(p4infoFile, 'P4Info'), src);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, packed.bytes);
  write(
    ctx.stdout,
    [
      `packed ${arch} pipeline into ${show(ctx.cwd, out)} (${packed.bytes.length} bytes)`,
      `  device config: ${packed.deviceConfig.length} bytes`,
      `  cookie: ${formatCookie(packed.cookie)}`,
    ].join('\n'),
  );
  return 0;
}

async function inspect(argv: string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parse(argv, { out: { type: 'string' } }, 1, 'inspect');
  const file = existing(path.resolve(ctx.cwd, positionals[0]), 'pipeline file');
  const outDir = path.resolve(ctx.cwd, required(values, 'out', 'inspect'));
  const res = inspectPipeline(fs.readFileSync(file), outDir);
  write(ctx.stdout, [...res.summary, `wrote ${res.files.length} files to ${show(ctx.cwd, outDir) || '.'}: ${res.files.join(', ')}`].join('\n'));
  return 0;
}

async function diff(argv: string[], ctx: CommandContext): Promise<number> {
  const { positionals } = parse(argv, {}, 2, 'diff');
  const [a, b] = positionals.map((p) => existing(path.resolve(ctx.cwd, p), 'P4Info'));
  const lines = compareP4Info(loadP4InfoFile(a), loadP4InfoFile(b));
  if (lines.length === 0) {
    write(ctx.stdout, `${positionals[0]} and ${positionals[1]} mean the same pipeline`);
    return 0;
  }
  write(ctx.stdout, [`${lines.length} difference${lines.length === 1 ? '' : 's'} from ${positionals[0]} to ${positionals[1]}:`, ...lines.map((l) => `  ${l}`)].join('\n'));
  return 1;
}

export const command: Command = {
  name: 'pipeline',
  summary: 'pack, inspect and diff P4 pipeline artifacts (bmv2, tofino)',
  help: HELP,
  async run(ctx) {
    const [sub, ...rest] = ctx.argv;
    if (!sub) throw new UsageError('a subcommand is required: pack, inspect or diff');
    if (!(sub in SUB_HELP)) throw new UsageError(`unknown subcommand '${sub}' (pack, inspect, diff)`);
    if (wantsHelp(rest)) {
      write(ctx.stdout, SUB_HELP[sub]);
      return 0;
    }
    if (sub === 'pack') return pack(rest, ctx);
    if (sub === 'inspect') return inspect(rest, ctx);
    return diff(rest, ctx);
  },
};
