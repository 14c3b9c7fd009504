// The fast reader works out src/specs/limits.ts's depth estimate while it reads, so the
// loader walks a file once: when it says a text is shallow, tooDeepAt finds
// nothing in it, for every limit; on the plain texts specs are written in it
// is exact (it never sends them to tooDeepAt for nothing). Through loadSpecs,
// a file too deep for the limit still gets tooDeepAt's error at its place.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fastParse } from '../../src/specs/fast-yaml.ts';
import { tooDeepAt } from '../../src/specs/limits.ts';
import { loadSpecs } from '../../src/specs/load.ts';
import { generateSpecs } from '../../bench/generate.ts';

/** `n` nested mappings, each with a few kinds of values on its lines. */
const nested = (n: number, value: string) => {
  let s = 'top: 1\n';
  for (let i = 0; i < n; i++) s += `${'  '.repeat(i)}k${i}:\n${'  '.repeat(i + 1)}v${i}: ${value}\n`;
  return s;
};

const PLAIN = [
  'a: 1\n',
  'a: 1\n---\nb: [1, [2, [3]]]\n---\n',
  'k:\n  list:\n    - a\n    - { b: [c, d] }\n    - name: x\n      more: [1, 2]\n  compact:\n  - c\n  -\n    deep: {a: {b: {c: 1}}}\n',
  'top:\n- name: a\n  ports:\n  - 1\n  - 2\n- name: b\ntail: 1\n',
  'k: x - y\nl: [a - b, c -, -d]\nm: a -\n',
  'k: "a - [b] {c} # d"\nl: \'it\'\'s [x]\'\nm: ["[", \'{\', "- "]\n',
  'k: value # comment [ { - x\nl: [1, 2] # [[[[\n',
  nested(3, 'x - y'),
  nested(6, '[a, {b: [c]}]'),
  nested(9, 'plain'),
];
/** Texts tooDeepAt reads differently from YAML: the reader must say it is not sure. */
const ODD = [
  'k: a[b\nl: 1\n',
  'k: it\'s [ [ [ [\n',
  'k: a"b\n',
  'k: ["a\\"b", [c]]\n',
  'k: x]y\n',
  nested(5, 'a{b'),
];

test('the estimate read on the way agrees with tooDeepAt', () => {
  const generated = [...generateSpecs({ flows: 300 })].filter(([p]) => p.endsWith('.yaml')).map(([, t]) => t);
  for (const text of [...PLAIN, ...ODD, ...generated]) {
    for (let max = 0; max <= 24; max++) {
      const r = fastParse(text, max);
      if (!r) continue;
      const deep = tooDeepAt(text, max);
      if (r.shallow) assert.equal(deep, undefined, `shallow at max ${max} but tooDeepAt finds ${JSON.stringify(deep)}:\n${text}`);
      else if (!ODD.includes(text)) assert.notEqual(deep, undefined, `not sure at max ${max} but tooDeepAt finds nothing:\n${text}`);
    }
  }
  for (const text of PLAIN) assert.ok(fastParse(text, 64)?.shallow, text);
  for (const text of ODD) assert.equal(fastParse(text, 64)?.shallow, false, text);
});

test('a file the fast reader reads but the depth limit refuses gets tooDeepAt’s error', () => {
  const files = new Map([
    ['a.yaml', nested(6, '[a, {b: [c]}]')],
    ['b.yaml', 'k: a[b[c\nl: [[1]]\n'],
  ]);
  const limits = { maxFileBytes: 1 << 20, maxDepth: 3, maxAliasCount: 100 };
  const got = loadSpecs(files, { limits }).errors.map((e) => `${e.code} ${e.pos!.file}:${e.pos!.line}:${e.pos!.col}`);
  const want = [...files].flatMap(([f, t]) => {
    const at = tooDeepAt(t, 3);
    return at ? [`SPEC_TOO_DEEP ${f}:${at.line}:${at.col}`] : [];
  });
  assert.equal(want.length, 2);
  assert.deepEqual(got.filter((e) => e.startsWith('SPEC_TOO_DEEP')), want);
});
