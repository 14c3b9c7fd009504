// State file of a target: pipeline, cookie and every entity, so a restarted
// target comes back with its tables. Binary records ([kind u8][len u32][bytes])
// written to a temp file and renamed, so a crash leaves the old file whole.
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../shared/errors.ts';

const MAGIC = Buffer.from('FLOWOPS-TARGET-STATE\n\x01', 'latin1');

export const Rec = {
  P4INFO: 1,
  DEVICE_CONFIG: 2,
  COOKIE: 3,
  SAVED_P4INFO: 4,
  SAVED_DEVICE_CONFIG: 5,
  SAVED_COOKIE: 6,
  MEMBER: 10,
  GROUP: 11,
  /** Entity with counter_data and meter_config included. */
  TABLE_ENTRY: 12,
  DEFAULT_ENTRY: 13,
} as const;

export type PersistedRecord = [kind: number, bytes: Buffer | string];

export function saveState(file: string, records: Iterable<PersistedRecord>): void {
  const list = [...records];
  let size = MAGIC.length;
  for (const [, b] of list) size += 5 + b.length;
  const out = Buffer.allocUnsafe(size);
  let off = MAGIC.copy(out, 0);
  for (const [kind, b] of list) {
    out[off] = kind;
    out.writeUInt32BE(b.length, off + 1);
    off += 5;
    off += typeof b === 'string' ? out.write(b, off, 'latin1') : b.copy(out, off);
  }
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, out);
  fs.renameSync(tmp, file);
}

/** Records of a state file, or undefined when the file does not exist yet. */
export function loadState(file: string): PersistedRecord[] | undefined {
  if (!fs.existsSync(file)) return undefined;
  const buf = fs.readFileSync(file);
  if (buf.length < MAGIC.length || !buf.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new ConfigError('TARGET_STATE_INVALID', `${file} is not a flowops target state file`, { file });
  }
  const out: PersistedRecord[] = [];
  let off = MAGIC.length;
  while (off < buf.length) {
    if (off + 5 > buf.length) throw new ConfigError('TARGET_STATE_INVALID', `${file} is truncated`, { file });
    const kind = buf[off]!;
    const len = buf.readUInt32BE(off + 1);
    off += 5;
    if (off + len > buf.length) throw new ConfigError('TARGET_STATE_INVALID', `${file} is truncated`, { file });
    out.push([kind, buf.subarray(off, off + len)]);
    off += len;
  }
  return out;
}
