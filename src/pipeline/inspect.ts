// The reverse of pack: a packed ForwardingPipelineConfig (or a bare device
// config) back into the files it was made from, so a person can see what a
// switch was given. The device config's kind is found from its content (BMv2
// JSON, Stratum BfPipelineConfig, otherwise raw bytes), not from a flag, so a
// config read back from a switch unpacks the same way.
import fs from 'node:fs';
import path from 'node:path';
import type protobuf from 'protobufjs';
import { protoType } from '../proto/load.ts';
import { formatTextProto } from '../p4info/txtpb.ts';
import { decodeBfPipelineConfig, type BfPipeline } from './bf-config.ts';
import { writeBfOutputDir } from './bf-dir.ts';
import { pipelineCookie, formatCookie } from './cookie.ts';
import { isJsonObject, type PipelineArch } from './pack.ts';
import { PipelineError } from './errors.ts';

export interface UnpackedPipeline {
  /** Absent when the file was a bare device config. */
  p4info?: protobuf.Message;
  deviceConfig: Buffer;
  /** The cookie recorded in the file, if any. */
  cookie?: bigint;
}

export type DetectedConfig =
  | { arch: 'bmv2'; json: Buffer }
  | { arch: 'tofino'; bf: BfPipeline }
  | { arch: 'raw'; bytes: Buffer };

/** Reads a file written by `flowops pipeline pack`; anything that is not one is taken as a bare device config. */
export function readPipelineFile(bytes: Uint8Array): UnpackedPipeline {
  const buf = Buffer.from(bytes);
  if (isJsonObject(buf)) return { deviceConfig: buf };
  try {
    const t = protoType('p4.v1.ForwardingPipelineConfig');
    const o = t.toObject(t.decode(buf), { longs: String }) as any;
    const p = o.p4info;
    // A stray decode of foreign bytes rarely yields tables or actions; require some.
    if (p && (p.tables?.length || p.actions?.length || p.pkg_info)) {
      return {
        p4info: protoType('p4.config.v1.P4Info').fromObject(o.p4info),
        deviceConfig: Buffer.from(o.p4_device_config ?? []),
        cookie: o.cookie ? BigInt(o.cookie.cookie ?? 0) : undefined,
      };
    }
  } catch {
    // not a ForwardingPipelineConfig: fall through
  }
  return { deviceConfig: buf };
}

export function detectDeviceConfig(bytes: Buffer): DetectedConfig {
  if (isJsonObject(bytes)) return { arch: 'bmv2', json: bytes };
  try {
    return { arch: 'tofino', bf: decodeBfPipelineConfig(bytes) };
  } catch {
    return { arch: 'raw', bytes };
  }
}

export interface InspectResult {
  arch: PipelineArch;
  files: string[];
  cookie?: bigint;
  /** Cookie recomputed from the contents (only when the file holds a P4Info). */
  computedCookie?: bigint;
  summary: string[];
}

/** Unpacks `bytes` into `outDir` and says what it found. */
export function inspectPipeline(bytes: Uint8Array, outDir: string): InspectResult {
  if (fs.existsSync(outDir) && !fs.statSync(outDir).isDirectory()) {
    throw new PipelineError('PIPELINE_OUT_INVALID', `${outDir} exists and is not a directory`, { file: outDir });
  }
  fs.mkdirSync(outDir, { recursive: true });
  const un = readPipelineFile(bytes);
  const files: string[] = [];
  const summary: string[] = [];
  let computedCookie: bigint | undefined;
  let arch = '';
  if (un.p4info) {
    const p4infoType = protoType('p4.config.v1.P4Info');
    fs.writeFileSync(path.join(outDir, 'p4info.txtpb'), formatTextProto(un.p4info, p4infoType));
    files.push('p4info.txtpb');
    const o = p4infoType.toObject(un.p4info, { arrays: true, defaults: true }) as any;
    arch = o.pkg_info?.arch ?? '';
    summary.push(`p4info: arch ${arch || '(none)'}, ${o.tables.length} tables, ${o.actions.length} actions, ${o.action_profiles.length} action profile${o.action_profiles.length === 1 ? '' : 's'}`);
    computedCookie = pipelineCookie(un.p4info, un.deviceConfig);
    if (un.cookie !== undefined) {
      summary.push(`cookie: ${formatCookie(un.cookie)}${un.cookie === computedCookie ? '' : ` (contents hash to ${formatCookie(computedCookie)}: stale cookie)`}`);
    } else {
      summary.push(`cookie: none (contents hash to ${formatCookie(computedCookie)})`);
    }
  }
  const dev = detectDeviceConfig(un.deviceConfig);
  switch (dev.arch) {
    case 'bmv2':
      fs.writeFileSync(path.join(outDir, 'bmv2.json'), dev.json);
      files.push('bmv2.json');
      summary.push(`device config: bmv2 JSON, ${dev.json.length} bytes`);
      break;
    case 'tofino': {
      const binary = arch === 't2na' ? 'tofino2.bin' : 'tofino.bin';
      files.push(...writeBfOutputDir(outDir, dev.bf, binary));
      summary.push(`device config: tofino BfPipelineConfig, program ${dev.bf.p4Name}, bf-rt.json ${dev.bf.bfrt.length} bytes`);
      for (const p of dev.bf.profiles) {
        summary.push(`  profile ${p.name}: pipes ${p.pipeScope.length ? p.pipeScope.join(',') : 'all'}, context ${p.context.length} bytes, binary ${p.binary.length} bytes`);
      }
      break;
    }
    case 'raw':
      fs.writeFileSync(path.join(outDir, 'device_config.bin'), dev.bytes);
      files.push('device_config.bin');
      summary.push(`device config: raw, ${dev.bytes.length} bytes`);
      break;
  }
  return { arch: dev.arch, files, cookie: un.cookie, computedCookie, summary };
}
