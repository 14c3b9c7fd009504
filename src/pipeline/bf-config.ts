// Stratum's BfPipelineConfig (proto/stratum/bf.proto): the Tofino device
// config a P4Runtime controller sends stratum-bfrt. Loaded into its own
// protobufjs root so the shared p4.v1 schema loader stays as it is.
import path from 'node:path';
import protobuf from 'protobufjs';
import { PROTO_DIR } from '../proto/load.ts';
import { PipelineError } from './errors.ts';

export interface BfProfile {
  name: string;
  /** context.json */
  context: Buffer;
  /** tofino.bin */
  binary: Buffer;
  /** Pipes the profile runs on; empty means all. */
  pipeScope: number[];
}

export interface BfPipeline {
  p4Name: string;
  /** bf-rt.json */
  bfrt: Buffer;
  profiles: BfProfile[];
}

let type: protobuf.Type | undefined;

export function bfPipelineConfigType(): protobuf.Type {
  if (type) return type;
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => path.join(PROTO_DIR, target);
  root.loadSync('stratum/bf.proto', { keepCase: true });
  root.resolveAll();
  type = root.lookupType('stratum.hal.barefoot.BfPipelineConfig');
  return type;
}

export function encodeBfPipelineConfig(p: BfPipeline): Buffer {
  const t = bfPipelineConfigType();
  const msg = t.fromObject({
    p4_name: p.p4Name,
    bfruntime_info: p.bfrt,
    profiles: p.profiles.map((pr) => ({ profile_name: pr.name, context: pr.context, binary: pr.binary, pipe_scope: pr.pipeScope })),
  });
  return Buffer.from(t.encode(msg).finish());
}

/** Decodes and checks the shape (a name, a BfRt schema, profiles with context and binary); throws otherwise. */
export function decodeBfPipelineConfig(bytes: Uint8Array): BfPipeline {
  let o: any;
  try {
    const t = bfPipelineConfigType();
    o = t.toObject(t.decode(bytes), { defaults: true, arrays: true });
  } catch (err) {
    throw new PipelineError('PIPELINE_CONFIG_INVALID', `not a BfPipelineConfig: ${(err as Error).message}`);
  }
  const bad = (why: string) => new PipelineError('PIPELINE_CONFIG_INVALID', `not a BfPipelineConfig: ${why}`);
  if (!o.p4_name) throw bad('no p4_name');
  if (!o.bfruntime_info?.length) throw bad('no bfruntime_info');
  if (!o.profiles.length) throw bad('no profiles');
  const profiles = o.profiles.map((pr: any, i: number): BfProfile => {
    if (!pr.profile_name) throw bad(`profile ${i} has no name`);
    if (!pr.context?.length || !pr.binary?.length) throw bad(`profile ${pr.profile_name} lacks context or binary`);
    return { name: pr.profile_name, context: Buffer.from(pr.context), binary: Buffer.from(pr.binary), pipeScope: pr.pipe_scope.map(Number) };
  });
  return { p4Name: o.p4_name, bfrt: Buffer.from(o.bfruntime_info), profiles };
}
