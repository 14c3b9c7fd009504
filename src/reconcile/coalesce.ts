// Many requests for the same work while it runs collapse into one more run:
// 3,000 POST /sync during a sync cost one extra sync, not 3,000.
export class Coalescer {
  private running?: Promise<void>;
  private again = false;
  /** How many runs actually started (tests and metrics read it). */
  runs = 0;

  constructor(private readonly run: () => Promise<unknown>) {}

  /** started: a run begins now; queued: one more run follows the current one; merged: that run was already queued. */
  trigger(): 'started' | 'queued' | 'merged' {
    if (!this.running) {
      this.running = this.loop();
      return 'started';
    }
    if (this.again) return 'merged';
    this.again = true;
    return 'queued';
  }

  /** Resolves when no run is in progress or queued. */
  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  private async loop(): Promise<void> {
    try {
      do {
        this.again = false;
        this.runs++;
        await this.run().catch(() => {});
      } while (this.again);
    } finally {
      this.running = undefined;
    }
  }
}
