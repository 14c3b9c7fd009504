// Loads the p4.v1 / p4.config.v1 / google.rpc schema written in ../../proto.
// protobufjs reflection is used for the small, human-sized messages
// (arbitration, pipeline config, errors); bulk entity traffic is encoded and
// scanned by hand in src/p4info so a million entries never become objects.
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import protobuf from 'protobufjs';

/** The P4Runtime release `proto/p4` describes, field for field. */
export const P4RUNTIME_VERSION = '1.5.0';

export const PROTO_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../proto');

const FILES = [
  'p4/v1/p4runtime.proto',
  'p4/config/v1/p4info.proto',
  'p4/config/v1/p4types.proto',
  'google/rpc/status.proto',
  'google/rpc/code.proto',
];

let root: protobuf.Root | undefined;

export function protoRoot(): protobuf.Root {
  if (root) return root;
  const r = new protobuf.Root();
  r.resolvePath = (_origin, target) => path.join(PROTO_DIR, target);
  r.loadSync(FILES, { keepCase: true });
  r.resolveAll();
  root = r;
  return r;
}

/** A message type by full name, e.g. `p4.v1.WriteRequest`. Throws on a typo rather than returning undefined. */
export function protoType(fullName: string): protobuf.Type {
  return protoRoot().lookupType(fullName);
}

export function protoEnum(fullName: string): protobuf.Enum {
  return protoRoot().lookupEnum(fullName);
}

/** gRPC / google.rpc canonical codes. */
export const Code = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;
export type CodeName = keyof typeof Code;
export function codeName(code: number): string {
  return (Object.keys(Code) as CodeName[]).find((k) => Code[k] === code) ?? `CODE_${code}`;
}
