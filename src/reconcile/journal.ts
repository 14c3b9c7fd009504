// The intent journal: per switch, the apply in progress — from which commit
// to which, and how far it got — one file per switch in the folder `journal/`
// beside the status file. One file per switch: replicas sharing a state
// folder each write only the switches they are primary for, and no write
// reads another switch's record (no read-modify-write to interleave). A
// record is written (temp file, fsync, rename, fsync of the folder) before the first
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

/** The journal's folder beside the status file. */
export function journalDirBeside(statusFile: string): string {
  return path.join(path.dirname(statusFile), 'journal');
}

/** A switch's record file: the name percent-encoded, so no name leaves the folder or clashes with another. */
function recordFile(dir: string, target: string): string {
  return path.join(dir, `${encodeURIComponent(target).replace(/\./g, '%2E')}.json`);
}

export class IntentJournal {
  private readonly entries: Record<string, JournalEntry>;
  /** Switches whose last apply had not ended well when this process started. */
  readonly unfinishedAtStart: ReadonlyMap<string, JournalEntry>;

  constructor(
    readonly dir: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.entries = readJournal(dir);
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

  /** Writes `target`'s own file, and nothing else: replicas sharing a state folder never touch each other's records. */
  private save(target: string): void {
    const file = recordFile(this.dir, target);
    const e = this.entries[target];
    if (e) writeDurably(file, JSON.stringify({ target, ...e }, null, 2) + '\n');
    else removeDurably(file);
  }
}

/** Ended, and the switch is known to be at the old or the new state. */
export function ended(e: JournalEntry): boolean {
  return e.phase === 'done' && e.leftAt !== 'unknown';
}

/** Every switch's record in the folder, by switch name. */
export function readJournal(dir: string): Record<string, JournalEntry> {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
  const out: Record<string, JournalEntry> = Object.create(null) as Record<string, JournalEntry>;
  for (const name of names.sort()) {
    if (!name.endsWith('.json')) continue; // temp files of a write cut short
    let rec: JournalEntry & { target?: unknown };
    try {
      rec = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as JournalEntry & { target?: unknown };
    } catch (err) {
      // Unreadable (only a hand edit can do that: records are replaced atomically): every switch is read in full at start anyway.
      if (err instanceof SyntaxError) continue;
      throw err;
    }
    // The name inside is what counts; a file whose name does not match it was not written here.
    if (typeof rec?.target !== 'string' || recordFile(dir, rec.target) !== path.join(dir, name)) continue;
    const { target, ...e } = rec;
    out[target as string] = e;
  }
  return out;
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
  syncDir(dir);
}

function removeDurably(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  syncDir(path.dirname(file));
}

function syncDir(dir: string): void {
  const dfd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(dfd);
  } finally {
    fs.closeSync(dfd);
  }
}
