// Builds what SetForwardingPipelineConfig carries: P4Info, the device config
// for the target's architecture, and the cookie. Device configs per arch:
//   bmv2   — the BMv2 JSON from p4c, bytes as is (checked to be a JSON object);
//   tofino — a bf-p4c output directory packed into Stratum's BfPipelineConfig;
//   raw    — any file's bytes, for targets flowops does not know.
// The packed file is an encoded p4.v1.ForwardingPipelineConfig.
import fs from 'node:fs';
import type protobuf from 'protobufjs';
import { protoType } from '../proto/load.ts';
import { loadP4InfoFile } from '../p4info/txtpb.ts';
import { encodeBfPipelineConfig } from './bf-config.ts';
import { readBfOutputDir } from './bf-dir.ts';
import { canonicalP4InfoBytes, pipelineCookie } from './cookie.ts';
import { PipelineError } from './errors.ts';

export const ARCHES = ['bmv2', 'tofino', 'raw'] as const;
export type PipelineArch = (typeof ARCHES)[number];

export type DeviceConfigSource =
  | { arch: 'bmv2'; bmv2Json: string }
  | { arch: 'tofino'; bfDir: string }
  | { arch: 'raw'; file: string };

export interface PackedPipeline {
  p4info: protobuf.Message;
  deviceConfig: Buffer;
  cookie: bigint;
  /** Encoded p4.v1.ForwardingPipelineConfig. */
  bytes: Buffer;
}

function readFile(file: string, what: string): Buffer {
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
    throw new PipelineError('PIPELINE_FILE_MISSING', `${what} ${file} does not exist`, { file });
  }
  return fs.readFileSync(file);
}

/** True when `bytes` is UTF-8 JSON whose top level is an object (what p4c's BMv2 backend writes). */
export function isJsonObject(bytes: Uint8Array): boolean {
  try {
    const v = JSON.parse(Buffer.from(bytes).toString('utf8'));
    return v !== null && typeof v === 'object' && !Array.isArray(v);
  } catch {
    return false;
  }
}

export function buildDeviceConfig(src: DeviceConfigSource): Buffer {
  switch (src.arch) {
    case 'bmv2': {
      const bytes = readFile(src.bmv2Json, 'BMv2 JSON');
      if (!isJsonObject(bytes)) {
        throw new PipelineError('PIPELINE_BMV2_JSON_INVALID', `${src.bmv2Json} is not a BMv2 JSON object`, { file: src.bmv2Json });
      }
      return bytes;
    }
    case 'tofino':
      return encodeBfPipelineConfig(readBfOutputDir(src.bfDir));
    case 'raw':
      return readFile(src.file, 'device config');
  }
}

export function encodeForwardingPipelineConfig(p4info: protobuf.Message, deviceConfig: Uint8Array, cookie: bigint): Buffer {
  const t = protoType('p4.v1.ForwardingPipelineConfig');
  const msg = t.fromObject({
    p4info: protoType('p4.config.v1.P4Info').toObject(p4info),
    p4_device_config: Buffer.from(deviceConfig),
    cookie: { cookie: cookie.toString() },
  });
  return Buffer.from(t.encode(msg).finish());
}

/** P4 architectures (P4Info pkg_info.arch) each target can run; an empty arch is accepted anywhere. */
const RUNS: Record<Exclude<PipelineArch, 'raw'>, readonly string[]> = {
  bmv2: ['v1model', 'psa', 'pna'],
  tofino: ['tna', 't2na', 'psa'],
};

/** Refuses a P4Info compiled for another architecture: the switch would reject it, later and less clearly. */
export function checkArch(target: PipelineArch, p4info: protobuf.Message, p4infoFile: string): void {
  if (target === 'raw') return;
  const arch = String((p4info as any).pkg_info?.arch ?? '');
  if (arch && !RUNS[target].includes(arch)) {
    throw new PipelineError('PIPELINE_ARCH_MISMATCH', `${p4infoFile} is for arch "${arch}", which a ${target} target does not run (expected ${RUNS[target].join(', ')})`, { file: p4infoFile, arch, target });
  }
}

/** Reads the P4Info file and the device config source and packs them with their cookie. */
export function packPipeline(p4infoFile: string, src: DeviceConfigSource): PackedPipeline {
  readFile(p4infoFile, 'P4Info');
  const p4info = loadP4InfoFile(p4infoFile);
  checkArch(src.arch, p4info, p4infoFile);
  // Round-trip through canonical bytes so the packed P4Info is exactly what the cookie covers.
  const canonical = protoType('p4.config.v1.P4Info').decode(canonicalP4InfoBytes(p4info));
  const deviceConfig = buildDeviceConfig(src);
  const cookie = pipelineCookie(canonical, deviceConfig);
  return { p4info: canonical, deviceConfig, cookie, bytes: encodeForwardingPipelineConfig(canonical, deviceConfig, cookie) };
}
