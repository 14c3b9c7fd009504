// Per-switch status kept in a small JSON file, so `flowops status` (another
// process, maybe after a restart) can say what each switch runs. Written
// atomically (temp file + rename): a reader never sees half a file.
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { SyncOutcome } from '../report/events.ts';

export interface StatusFileEntry {
  target: string;
  address?: string;
  /** Commit whose desired state the switch was last converged to. */
  appliedCommit?: string;
  /** Commit the last sync attempted (differs from appliedCommit after a failure). */
  lastCommit?: string;
  lastSync?: string;
  lastOutcome?: SyncOutcome;
  lastError?: string;
  /** Why the last sync failed (report/events.ts FailureReason). */
  lastReason?: string;
  /** How the last sync planned: `delta: known` (switch not read) or `full: <reason>` (known-state.ts). */
  lastPath?: string;
  role?: 'primary' | 'backup' | 'disconnected';
  /** P4Runtime API version from the switch's Capabilities. */
  apiVersion?: string;
  drift?: { at: string; entries: number; healed: boolean; sample: string[] };
  /** Traffic of the busiest flows at the last counter read (counters.ts `statusTraffic`). */
  traffic?: { at: string; windowMs: number; flows: { flow: string; packets: number; bytes: number; spanMs: number }[] };
}

export interface StatusFile {
  updated: string;
  repo?: string;
  branch?: string;
  headCommit?: string;
  gitError?: string;
  /** Set while the branch head is rejected (cannot be loaded, spec errors): what is wrong with it. */
  headError?: string;
  switches: Record<string, StatusFileEntry>;
}

export function readStatus(file: string): StatusFile | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as StatusFile;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export function writeStatus(file: string, status: StatusFile): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // Unique per write: replicas sharing the folder may both run as pid 1 in containers.
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(status, null, 2) + '\n');
  fs.renameSync(tmp, file);
}
