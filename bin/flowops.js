#!/usr/bin/env node
// Runs the compiled CLI when present (Docker image, npm pack), else the
// TypeScript sources through tsx (a checkout).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const built = path.join(here, '..', 'dist', 'cli', 'main.js');
process.env.FLOWOPS_CLI_ENTRY = '1';
if (existsSync(built)) {
  await import(built);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(path.join(here, '..', 'src', 'cli', 'main.ts'));
}
