// Comments and READMEs name only files that exist: every file name ending in
// .ts (or .proto, .p4, .md) in a code comment under src/, test/, bench/ or
// scripts/, or in a Markdown file of the repository, resolves to a file. A rename or a deletion that leaves its old name in the prose fails
// here instead of misleading the next reader. Comments are found by the
// TypeScript parser, so file names in strings (fixtures, error messages) are
// not checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Files the prose names that live outside this repository (upstream projects, the team's shared notes). */
const ELSEWHERE = new Set([
  'STYLE.md', 'shared/STYLE.md', // the team's layout notes, beside the repository
  'core.p4', 'v1model.p4', 'tna.p4', // p4c's and the Tofino compiler's includes
  'stratum/public/proto/p4_role_config.proto', // Stratum's source tree
]);

const MENTION = /(?<![\w./-])((?:[\w.-]+\/)*[\w-][\w.-]*\.(?:ts|proto|p4|md))(?![\w/])/g;

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name === 'node_modules' || e.name.startsWith('.')) return [];
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : [path.relative(ROOT, p).split(path.sep).join('/')];
  });
}

/** The text of every comment in a TypeScript file. */
function comments(file: string, text: string): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
  const seen = new Set<number>();
  const out: string[] = [];
  const take = (ranges: ts.CommentRange[] | undefined) => {
    for (const r of ranges ?? []) {
      if (seen.has(r.pos)) continue;
      seen.add(r.pos);
      out.push(text.slice(r.pos, r.end));
    }
  };
  const visit = (n: ts.Node) => {
    take(ts.getLeadingCommentRanges(text, n.pos));
    take(ts.getTrailingCommentRanges(text, n.end));
    ts.forEachChild(n, visit);
  };
  visit(sf);
  take(ts.getLeadingCommentRanges(text, sf.endOfFileToken.pos));
  return out;
}

test('every file a comment or README names exists', () => {
  const files = walk(ROOT);
  const all = new Set(files);
  const byBasename = new Map<string, number>();
  for (const f of files) byBasename.set(path.posix.basename(f), (byBasename.get(path.posix.basename(f)) ?? 0) + 1);
  // A mention is read as the mentioning file's readers would: from the repository root, from the
  // mentioning file's folder, from src/ or test/, as the tail of exactly one path, or (a bare name)
  // as the one file of that name in the repository — a name two files share must say which.
  const resolves = (mention: string, from: string): boolean => {
    if (ELSEWHERE.has(mention)) return true;
    const candidates = [mention, path.posix.join(path.posix.dirname(from), mention), `src/${mention}`, `test/${mention}`];
    if (candidates.some((c) => all.has(path.posix.normalize(c)))) return true;
    return mention.includes('/') ? files.filter((f) => f.endsWith(`/${mention}`)).length === 1 : byBasename.get(mention) === 1;
  };

  const missing: string[] = [];
  let checked = 0;
  for (const f of files) {
    const prose = /^(src|test|bench|scripts)\//.test(f) && f.endsWith('.ts')
      ? comments(f, fs.readFileSync(path.join(ROOT, f), 'utf8'))
      : f.endsWith('.md') && !f.startsWith('flows-example-repo/') ? [fs.readFileSync(path.join(ROOT, f), 'utf8')] : [];
    for (const text of prose) {
      for (const m of text.matchAll(MENTION)) {
        checked++;
        if (!resolves(m[1]!, f)) missing.push(`${f}: ${m[1]}`);
      }
    }
  }
  assert.ok(checked > 200, `the scan found file names to check (${checked})`);
  assert.deepEqual(missing, [], 'comments and READMEs naming files that do not exist (rename the mention, or list an outside file in ELSEWHERE)');
});
