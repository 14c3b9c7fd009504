// The reconciler's clocks: named cron jobs (seconds field on) whose ticks
// never overlap. A tick that fires while the previous run of the same job is
// still going is skipped (and counted), not queued: a slow sync must not pile
// up syncs behind it.
import { CronJob } from 'cron';
import type { Logger } from '../shared/log.ts';

export interface Scheduled {
  name: string;
  cron: string;
  run: () => Promise<unknown>;
}

export class Scheduler {
  private jobs: CronJob[] = [];
  private running = new Set<string>();
  readonly skipped = new Map<string, number>();

  constructor(private readonly log: Logger) {}

  start(tasks: Scheduled[]): void {
    for (const t of tasks) {
      const job = CronJob.from({
        cronTime: t.cron,
        start: true,
        onTick: () => {
          void this.fire(t);
        },
      });
      this.jobs.push(job);
      this.log.debug('scheduled', { job: t.name, cron: t.cron, next: job.nextDate().toISO() });
    }
  }

  /** Runs a task now unless it is already running; resolves when done. */
  async fire(t: Scheduled): Promise<void> {
    if (this.running.has(t.name)) {
      this.skipped.set(t.name, (this.skipped.get(t.name) ?? 0) + 1);
      return;
    }
    this.running.add(t.name);
    try {
      await t.run();
    } catch (err) {
      this.log.error('scheduled task failed', { job: t.name, err: (err as Error).message });
    } finally {
      this.running.delete(t.name);
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.jobs.map((j) => j.stop()));
    this.jobs = [];
  }
}
