// Runs `flowops …` in-process with captured stdout/stderr, and makes the
// temporary directories the pipeline tests work in.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { main } from '../../src/cli/main.ts';

export const P4_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../p4');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

function sink(): { stream: Writable; text: () => string } {
  const chunks: Buffer[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(Buffer.from(chunk));
      cb();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

export async function flowops(argv: string[], cwd: string): Promise<RunResult> {
  const out = sink();
  const err = sink();
  const code = await main(argv, { env: {}, cwd, stdout: out.stream, stderr: err.stream, signal: new AbortController().signal });
  return { code, stdout: out.text(), stderr: err.text() };
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `flowops-${prefix}-`));
}
