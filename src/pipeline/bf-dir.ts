// A bf-p4c output directory ↔ BfPipeline. bf-p4c writes `<program>.conf`
// (JSON) naming bf-rt.json and, per pipeline profile, context.json, the binary
// and the pipes it covers. The paths in it are where the compiler (or
// `make install`) put the files, often absolute paths of the build machine; a
// directory copied elsewhere (a CI artifact) still resolves, because a path
// that does not exist is retried relative to the .conf, dropping leading
// directories one at a time.
//
// Some bf-p4c builds (the open-source backend among them) write no .conf; the
// directory then has `manifest.json` (program name, each pipe's name and
// context.json), `bfrt.json` and `<pipe>/tofino.bin`, which is read instead.
import fs from 'node:fs';
import path from 'node:path';
import type { BfPipeline } from './bf-config.ts';
import { PipelineError } from './errors.ts';

interface ConfPipeline {
  p4_pipeline_name?: unknown;
  context?: unknown;
  config?: unknown;
  pipe_scope?: unknown;
}

function findConf(dir: string): string {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new PipelineError('PIPELINE_BF_CONF_MISSING', `${dir} is not a directory`, { file: dir });
  }
  const confs = fs.readdirSync(dir).filter((f) => f.endsWith('.conf'));
  if (confs.length !== 1) {
    throw new PipelineError(
      'PIPELINE_BF_CONF_MISSING',
      confs.length ? `${dir} holds several .conf files (${confs.join(', ')}); expected one bf-p4c output` : `${dir} has no .conf file (is it a bf-p4c output directory?)`,
      { file: dir, confs },
    );
  }
  return path.join(dir, confs[0]);
}

/** Resolves a path named in the .conf; see the module comment. */
export function resolveConfPath(confDir: string, named: string, what: string): string {
  const tried: string[] = [];
  const tryPath = (p: string) => {
    tried.push(p);
    return fs.existsSync(p) && fs.statSync(p).isFile();
  };
  if (path.isAbsolute(named) && tryPath(named)) return named;
  const parts = named.split(/[\\/]+/).filter((s) => s !== '' && s !== '.');
  for (let i = 0; i < parts.length; i++) {
    const p = path.join(confDir, ...parts.slice(i));
    if (tryPath(p)) return p;
  }
  throw new PipelineError('PIPELINE_BF_FILE_MISSING', `${what} "${named}" named in the .conf was not found`, { file: named, tried });
}

/** Tofino 1 pipes a single-profile program runs on, as bf-p4c's .conf lists them. */
const ALL_PIPES = [0, 1, 2, 3];

/** A bf-p4c output directory without a .conf: its manifest.json names the program and pipes. */
function readManifestDir(dir: string): BfPipeline {
  const file = path.join(dir, 'manifest.json');
  const invalid = (why: string) => new PipelineError('PIPELINE_BF_CONF_INVALID', `${file}: ${why}`, { file });
  let m: any;
  try {
    m = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw invalid(`not JSON (${(err as Error).message})`);
  }
  if (m?.compilation_succeeded !== true) throw invalid('compilation_succeeded is not true: the program did not fit, so there is no binary');
  const programs = m.programs;
  if (!Array.isArray(programs) || programs.length !== 1) throw invalid('expected exactly one entry in programs');
  const name = programs[0]?.program_name;
  if (typeof name !== 'string' || !name) throw invalid('program_name missing');
  const pipes = programs[0].pipes;
  if (!Array.isArray(pipes) || pipes.length === 0) throw invalid('programs[0].pipes missing or empty');
  const read = (rel: string, what: string) => fs.readFileSync(resolveConfPath(dir, rel, what));
  return {
    p4Name: name.replace(/\.p4$/, ''),
    bfrt: read('bfrt.json', 'bfrt.json'),
    profiles: pipes.map((pl: any, i: number) => {
      const pname = pl?.pipe_name;
      if (typeof pname !== 'string' || !/^[\w.-]+$/.test(pname)) throw invalid(`programs[0].pipes[${i}].pipe_name missing`);
      const context = pl.files?.context?.path;
      if (typeof context !== 'string') throw invalid(`${pname}: files.context.path missing`);
      return { name: pname, context: read(context, `${pname} context`), binary: read(`${pname}/tofino.bin`, `${pname} binary`), pipeScope: pipes.length === 1 ? ALL_PIPES : [pl.pipe_id] };
    }),
  };
}

/** Reads a bf-p4c output directory (one device, one program) into a BfPipeline. */
export function readBfOutputDir(dir: string): BfPipeline {
  if (fs.existsSync(dir) && fs.statSync(dir).isDirectory() && !fs.readdirSync(dir).some((f) => f.endsWith('.conf')) && fs.existsSync(path.join(dir, 'manifest.json'))) {
    return readManifestDir(dir);
  }
  const confFile = findConf(dir);
  const invalid = (why: string) => new PipelineError('PIPELINE_BF_CONF_INVALID', `${confFile}: ${why}`, { file: confFile });
  let conf: any;
  try {
    conf = JSON.parse(fs.readFileSync(confFile, 'utf8'));
  } catch (err) {
    throw invalid(`not JSON (${(err as Error).message})`);
  }
  const devices = conf?.p4_devices;
  if (!Array.isArray(devices) || devices.length !== 1) throw invalid('expected exactly one entry in p4_devices');
  const programs = devices[0]?.p4_programs;
  if (!Array.isArray(programs) || programs.length !== 1) throw invalid('expected exactly one entry in p4_devices[0].p4_programs');
  const prog = programs[0];
  const name = prog['program-name'];
  if (typeof name !== 'string' || !name) throw invalid('program-name missing');
  if (typeof prog['bfrt-config'] !== 'string') throw invalid('bfrt-config missing');
  const pipelines: ConfPipeline[] = prog.p4_pipelines;
  if (!Array.isArray(pipelines) || pipelines.length === 0) throw invalid('p4_pipelines missing or empty');
  const confDir = path.dirname(confFile);
  const read = (named: unknown, what: string) => {
    if (typeof named !== 'string' || !named) throw invalid(`${what} missing`);
    return fs.readFileSync(resolveConfPath(confDir, named, what));
  };
  const seen = new Set<string>();
  return {
    p4Name: name,
    bfrt: read(prog['bfrt-config'], 'bfrt-config'),
    profiles: pipelines.map((pl, i) => {
      const pname = pl.p4_pipeline_name;
      if (typeof pname !== 'string' || !pname) throw invalid(`p4_pipelines[${i}].p4_pipeline_name missing`);
      if (seen.has(pname)) throw invalid(`pipeline profile ${pname} listed twice`);
      seen.add(pname);
      const scope = pl.pipe_scope ?? [];
      if (!Array.isArray(scope) || !scope.every((n) => Number.isInteger(n) && n >= 0)) throw invalid(`${pname}: pipe_scope must be a list of pipe numbers`);
      return { name: pname, context: read(pl.context, `${pname} context`), binary: read(pl.config, `${pname} config`), pipeScope: scope as number[] };
    }),
  };
}

/**
 * Writes a BfPipeline back as a bf-p4c style directory (relative paths in the
 * .conf), so an inspected device config can be packed again with --bf-dir.
 * Returns the files written, relative to `dir`.
 */
export function writeBfOutputDir(dir: string, p: BfPipeline, binaryName = 'tofino.bin'): string[] {
  const written: string[] = [];
  const put = (rel: string, bytes: Uint8Array) => {
    const abs = path.join(dir, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, bytes);
    written.push(rel);
  };
  for (const pr of p.profiles) {
    if (!/^[\w.-]+$/.test(pr.name) || pr.name === '.' || pr.name === '..') {
      throw new PipelineError('PIPELINE_CONFIG_INVALID', `profile name "${pr.name}" cannot be a directory name`, { profile: pr.name });
    }
  }
  put('bf-rt.json', p.bfrt);
  const pipelines = p.profiles.map((pr) => {
    put(`${pr.name}/context.json`, pr.context);
    put(`${pr.name}/${binaryName}`, pr.binary);
    return { p4_pipeline_name: pr.name, context: `${pr.name}/context.json`, config: `${pr.name}/${binaryName}`, pipe_scope: pr.pipeScope, path: '.' };
  });
  const conf = { p4_devices: [{ 'device-id': 0, p4_programs: [{ 'program-name': p.p4Name, 'bfrt-config': 'bf-rt.json', p4_pipelines: pipelines }] }] };
  put(`${p.p4Name.replace(/[^\w.-]/g, '_')}.conf`, Buffer.from(JSON.stringify(conf, null, 2) + '\n'));
  return written;
}
