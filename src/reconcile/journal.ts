// The intent journal: per switch, the apply in progress — from which commit
// to which, and how far it got — in journal.json beside the status file. It
// is written (temp file, fsync, rename, fsync of the folder) before the first
// Write of an apply and again when the apply ends, so a process killed
// mid-apply (SIGKILL, power loss: nothing runs to roll back) leaves a record
// saying so. At the next start such a switch is in doubt: it is read in full
// and converged to the head before anything trusts it (reason `journal`,
// known-state.ts); make-before-break order means no flow lost its entries in
// between. Only this module reads or writes the file.
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

export type JournalPhase = 'writing' | 'verifying' | 'done';

export interface JournalEntry {
  /** Commit the switch held before (undefined: not known, e.g. the first sync). */
  from?: string;
  to: string;
  phase: JournalPhase;
  path: 'delta' | 'full';
  /** When the phase was entered. */
  at: string;
  /** Where the apply left the switch, once done. */
  leftAt?: 'old' | 'new' | 'unknown';
}

export function journalFileBeside(statusFile: string): string {
  return path.join(path.dirname(statusFile), 'journal.json');
}

export class IntentJournal {
  private readonly entries: Record<string, JournalEntry>;
  /** Switches whose last apply had not ended well when this process started. */
  readonly unfinishedAtStart: ReadonlyMap<string, JournalEntry>;

  constructor(
    readonly file: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.entries = readJournal(file);
    this.unfinishedAtStart = new Map(Object.entries(this.entries).filter(([, e]) => !ended(e)));
  }

  get(target: string): JournalEntry | undefined {
    return this.entries[target];
  }

  /** Before the first Write of an apply. */
  begin(target: string, e: { from?: string; to: string; path: 'delta' | 'full' }): void {
    this.entries[target] = { ...e, phase: 'writing', at: this.now().toISOString() };
    this.save(target);
  }

  /** The writes are out; reading back. */
  verifying(target: string): void {
    const e = this.entries[target];
    if (!e || e.phase !== 'writing') return;
    e.phase = 'verifying';
    e.at = this.now().toISOString();
    this.save(target);
  }

  /** The apply ended (success or rollback), leaving the switch at `leftAt`. */
  end(target: string, leftAt: 'old' | 'new' | 'unknown'): void {
    const e = this.entries[target];
    if (!e) return;
    e.phase = 'done';
    e.leftAt = leftAt;
    e.at = this.now().toISOString();
    this.save(target);
  }

  /** A full read found the switch converged: an unfinished record is settled. */
  confirmed(target: string): void {
    const e = this.entries[target];
    if (!e || ended(e)) return;
    delete this.entries[target];
    this.save(target);
  }

  /** Rewrites `target`'s record only: replicas sharing a state folder each keep their own switches' records. */
  private save(target: string): void {
    const all = readJournal(this.file);
    if (this.entries[target]) all[target] = this.entries[target];
    else delete all[target];
    writeDurably(this.file, JSON.stringify(all, null, 2) + '\n');
  }
}

/** Ended, and the switch is known to be at the old or the new state. */
export function ended(e: JournalEntry): boolean {
  return e.phase === 'done' && e.leftAt !== 'unknown';
}

export function readJournal(file: string): Record<string, JournalEntry> {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, JournalEntry>;
  } catch (err) {
    // Unreadable (only a hand edit can do that: it is replaced atomically): every switch is read in full at start anyway.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || err instanceof SyntaxError) return {};
    throw err;
  }
}

/** Temp file, fsync, rename over, fsync the folder: after a crash the file is the old or the new one, on disk. */
function writeDurably(file: string, text: string): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  // Unique per write: replicas sharing the folder may both run as pid 1 in containers.
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  const dfd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(dfd);
  } finally {
    fs.closeSync(dfd);
  }
}
