// The pipeline cookie names one exact pipeline: the first 8 bytes (big-endian)
// of SHA-256 over the canonically encoded P4Info followed by the device config.
// Reconcilers compare cookies instead of shipping megabytes of config to find
// out nothing changed. "Canonical" means one encoder (protobufjs, proto3
// defaults left out) over the decoded message, so the same P4Info read from
// text, binary or JSON gives the same cookie.
import { createHash } from 'node:crypto';
import protobuf from 'protobufjs';
import { protoType } from '../proto/load.ts';

function p4infoType(): protobuf.Type {
  return protoType('p4.config.v1.P4Info');
}

/** P4Info as canonical bytes; accepts a decoded message, a plain object or encoded bytes. */
export function canonicalP4InfoBytes(p4info: protobuf.Message | Record<string, unknown> | Uint8Array): Buffer {
  const t = p4infoType();
  const msg = p4info instanceof Uint8Array ? t.decode(p4info) : p4info instanceof protobuf.Message ? p4info : t.fromObject(p4info);
  return Buffer.from(t.encode(msg).finish());
}

export function pipelineCookie(p4info: protobuf.Message | Record<string, unknown> | Uint8Array, deviceConfig: Uint8Array): bigint {
  const h = createHash('sha256');
  h.update(canonicalP4InfoBytes(p4info));
  h.update(deviceConfig);
  return h.digest().readBigUInt64BE(0);
}

/** `0x` and 16 hex digits: how a cookie is shown to people. */
export function formatCookie(cookie: bigint): string {
  return '0x' + cookie.toString(16).padStart(16, '0');
}
