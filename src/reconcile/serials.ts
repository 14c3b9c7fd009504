// The highest manifest serial applied per signer (docs/trust.md, "No
// rollback"), kept in serials.json beside the status file so a restart — or a
// replica taking over the same state directory — still refuses an old
// manifest. Written atomically (temp file + rename).
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { SerialRecord } from '../specs/trust.ts';

export function serialsFileBeside(statusFile: string): string {
  return path.join(path.dirname(statusFile), 'serials.json');
}

export function readSerials(file: string): SerialRecord {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as SerialRecord;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
}

/** `seen` raised by what a trusted commit carried; written only when something rose. */
export function rememberSerials(file: string, seen: SerialRecord, applied: SerialRecord): SerialRecord {
  const next = { ...seen };
  let rose = false;
  for (const [signer, m] of Object.entries(applied)) {
    if (next[signer] && next[signer].serial >= m.serial) continue;
    next[signer] = m;
    rose = true;
  }
  if (rose) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    // Unique per write: replicas sharing the folder may both run as pid 1 in containers.
    const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(next, null, 2) + '\n');
    fs.renameSync(tmp, file);
  }
  return next;
}
