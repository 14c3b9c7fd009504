// A real headless browser for UI tests: Debian's chromium driven by
// playwright-core. Found through FLOWOPS_CHROMIUM or PATH; without one the
// tests skip with a notice — except in CI (CI=true), where .ci/run installs it
// and a missing browser is a failure.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

export const ARTIFACTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../artifacts');

export function chromiumPath(): string | undefined {
  const explicit = process.env.FLOWOPS_CHROMIUM;
  if (explicit) return explicit;
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
    } catch {
      // not on PATH
    }
  }
  return undefined;
}

/** Why browser tests cannot run here, or undefined when they can (throws in CI: they must run there). */
export function browserSkipReason(): string | undefined {
  if (chromiumPath()) return undefined;
  const why = 'no chromium on PATH (apt-get install -y chromium, or set FLOWOPS_CHROMIUM)';
  if (process.env.CI) throw new Error(`browser tests must run in CI: ${why}`);
  process.stderr.write(`NOTICE: skipping browser tests: ${why}\n`);
  return why;
}

export async function launchBrowser(): Promise<Browser> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  // --no-sandbox: CI runs as root, where chromium's sandbox refuses to start.
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}
