// Progress of a long apply on a terminal: one line rewritten in place with
// count, rate and ETA. Only when the stream is a TTY (logs and pipes get the
// structured log lines instead) and only for applies big enough to wait for.
import type { Writable } from 'node:stream';

export interface Progress {
  update(done: number, total: number): void;
  finish(): void;
}

export const noProgress: Progress = { update() {}, finish() {} };

export function ttyProgress(stream: Writable & { isTTY?: boolean }, label: string, minTotal = 2000): Progress {
  if (!stream.isTTY) return noProgress;
  let start = Date.now();
  let last = 0;
  let shown = false;
  return {
    update(done, total) {
      if (done === 0) start = Date.now(); // the first Write is about to go out
      if (total < minTotal) return;
      const now = Date.now();
      if (now - last < 100 && done < total) return;
      last = now;
      shown = true;
      const secs = (now - start) / 1000;
      const rate = secs > 0 ? done / secs : 0;
      const eta = rate > 0 ? (total - done) / rate : 0;
      const pct = ((done / total) * 100).toFixed(1);
      stream.write(`\r${label}: ${done}/${total} updates (${pct}%) ${Math.round(rate)}/s, eta ${eta.toFixed(0)}s   `);
    },
    finish() {
      if (shown) stream.write('\n');
    },
  };
}
