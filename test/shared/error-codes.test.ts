// The code → class table (src/shared/error-codes.ts) against the source: every
// error constructed with a literal code is in the table under the class that
// constructs it, every listed code is raised somewhere, and every spec code
// belongs to its family.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERROR_CLASSES, errorClassesOf } from '../../src/shared/error-codes.ts';
import { Codes } from '../../src/specs/codes.ts';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');
const files = (dir: string): string[] =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));

/** `[code, class, file]` for `new XError('CODE'` and `class XError … super('CODE'`. */
function raised(): [string, string, string][] {
  const out: [string, string, string][] = [];
  for (const f of files(SRC)) {
    const text = fs.readFileSync(f, 'utf8');
    const rel = path.relative(SRC, f);
    for (const m of text.matchAll(/new ([A-Z][A-Za-z]*Error)\(\s*'([A-Z0-9_]+)'/g)) out.push([m[2], m[1], rel]);
    for (const m of text.matchAll(/class ([A-Z][A-Za-z]*Errors?) extends[^{]*\{((?:(?!\nclass |\nexport class )[^])*)/g)) {
      const sup = /super\('([A-Z0-9_]+)'/.exec(m[2]);
      if (sup) out.push([sup[1], m[1], rel]);
    }
  }
  return out;
}

test('every literal code is in the table under the class that raises it', () => {
  const wrong = raised()
    .filter(([code, cls]) => !errorClassesOf(code).includes(cls))
    .map(([code, cls, file]) => `${file}: ${cls} raises ${code}, the table says ${errorClassesOf(code).join(' | ') || 'nothing'}`);
  assert.deepEqual(wrong, []);
});

test('every code in the table is raised somewhere', () => {
  const seen = new Set(raised().map(([code]) => code));
  assert.deepEqual(Object.keys(ERROR_CLASSES).filter((c) => !seen.has(c)), []);
});

test('spec codes are SpecError by family', () => {
  for (const code of Object.values(Codes)) assert.deepEqual(errorClassesOf(code), ['SpecError'], code);
});

test('the reader finds both forms (so the checks above can fail)', () => {
  assert.ok(raised().some(([code, cls]) => code === 'WRITE_FAILED' && cls === 'WriteError'));
  assert.ok(raised().some(([code, cls]) => code === 'TLS_BAD_PEM' && cls === 'TlsConfigError'));
});
