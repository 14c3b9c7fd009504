// The layers of shared/STYLE.md, read from the imports themselves: every
// relative import in src/ goes from a folder to one the table lets it use
// (directly or through the folders below it), the folder graph has no
// cycle, and only source/ talks to Git.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');

/** Each folder and the folders it may import directly; what those may import, it may too. */
const MAY_IMPORT: Record<string, string[]> = {
  shared: [],
  proto: ['shared'],
  p4info: ['proto', 'shared'],
  source: ['shared'],
  specs: ['shared'],
  pipeline: ['p4info', 'proto'],
  compile: ['specs', 'p4info'],
  desired: ['source', 'specs', 'compile', 'pipeline'],
  diff: ['desired', 'compile', 'p4info'],
  provenance: ['compile', 'p4info'],
  model: ['compile', 'p4info'],
  verify: ['desired', 'model'],
  apply: ['diff', 'provenance', 'shared'],
  p4rt: ['proto', 'p4info', 'pipeline'],
  target: ['proto', 'p4info', 'pipeline'],
  report: ['apply', 'verify'],
  reconcile: ['report', 'apply', 'p4rt', 'target', 'pipeline'],
  cli: ['reconcile'],
};

function closure(folder: string, seen = new Set<string>()): Set<string> {
  for (const d of MAY_IMPORT[folder] ?? []) {
    if (seen.has(d)) continue;
    seen.add(d);
    closure(d, seen);
  }
  return seen;
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** Every module specifier of a file: static imports, re-exports, dynamic imports. */
export function specifiers(text: string): string[] {
  const out: string[] = [];
  const re = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|[\s;])import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const m of text.matchAll(re)) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

const folderOf = (file: string) => path.relative(SRC, file).split(path.sep)[0];

interface Edge {
  from: string;
  to: string;
  file: string;
  spec: string;
}

function edges(): Edge[] {
  const out: Edge[] = [];
  for (const file of sourceFiles(SRC)) {
    for (const spec of specifiers(fs.readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const to = folderOf(path.resolve(path.dirname(file), spec));
      const from = folderOf(file);
      if (to !== from) out.push({ from, to, file: path.relative(SRC, file), spec });
    }
  }
  return out;
}

test('the table itself has no cycle and names every folder of src/', () => {
  const folders = fs.readdirSync(SRC, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  assert.deepEqual(folders, Object.keys(MAY_IMPORT).sort(), 'a new folder needs its place in the layering table');
  for (const f of folders) assert.ok(!closure(f).has(f), `${f} may (indirectly) import itself`);
});

test('no import runs up a layer', () => {
  const up = edges().filter((e) => !closure(e.from).has(e.to));
  assert.deepEqual(up.map((e) => `${e.file} imports ${e.spec} (${e.from} → ${e.to})`), []);
});

test('no folder-level cycle', () => {
  const graph = new Map<string, Set<string>>();
  for (const e of edges()) (graph.get(e.from) ?? graph.set(e.from, new Set()).get(e.from)!).add(e.to);
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const visit = (n: string, trail: string[]) => {
    if (state.get(n) === 'done') return;
    if (state.get(n) === 'open') {
      cycles.push([...trail.slice(trail.indexOf(n)), n].join(' → '));
      return;
    }
    state.set(n, 'open');
    for (const m of graph.get(n) ?? []) visit(m, [...trail, n]);
    state.set(n, 'done');
  };
  for (const n of graph.keys()) visit(n, []);
  assert.deepEqual(cycles, []);
});

test('only source/ talks to Git', () => {
  const outside = sourceFiles(SRC)
    .filter((f) => folderOf(f) !== 'source')
    .filter((f) => specifiers(fs.readFileSync(f, 'utf8')).some((s) => s === 'isomorphic-git' || s.startsWith('isomorphic-git/')))
    .map((f) => path.relative(SRC, f));
  assert.deepEqual(outside, []);
});

test('the import reader sees every form it must judge (so the checks above can fail)', () => {
  const text = `import a from '../x/a.ts';\nimport type { B } from "../y/b.ts";\nexport { c } from '../z/c.ts';\nimport '../side/effect.ts';\nconst d = await import('../dyn/d.ts');\nimport {\n  e,\n  f,\n} from '../multi/line.ts';`;
  assert.deepEqual(specifiers(text), ['../x/a.ts', '../y/b.ts', '../z/c.ts', '../side/effect.ts', '../multi/line.ts', '../dyn/d.ts'].sort((a, b) => text.indexOf(a) - text.indexOf(b)));
});
