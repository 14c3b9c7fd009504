// A fast reader for the plain YAML that spec files are made of: block
// mappings and sequences, one-line flow collections, plain and one-line quoted
// scalars, comments, `---` between documents. It builds plain JS values and
// keeps no syntax tree or per-node positions — the `yaml` package does both,
// which is what made loading 10^5 flows take tens of seconds and gigabytes.
//
// It is a fast path, never a second opinion: anything outside that subset
// (anchors, tags, block scalars, multi-line values, tabs, duplicate keys,
// odd keys, anything it is not sure about) makes it give up on the whole file,
// and load.ts then reads the file with the `yaml` package as before. Plain
// scalars are resolved by the `yaml` package's own core-schema tags, so a
// value read here is the value `yaml` would produce.
import { isScalar, Schema } from 'yaml';
import { DEFAULT_LIMITS } from './limits.ts';

/** Deeper than this, give up (load.ts refuses such files before; this keeps the reader safe on its own). */
const MAX_DEPTH = DEFAULT_LIMITS.maxDepth;

export interface FastDoc {
  /** Index of the document in its file, counted as the `yaml` package counts (empty documents included). */
  index: number;
  /** null for an empty document (only comments, a trailing `---`). */
  value: unknown;
  /** Where the document's content starts (1-based), as PositionIndex.start() reports it. */
  line: number;
  col: number;
}

/** Thrown inside the reader to give up; never escapes `fastParseDocs`. */
class GiveUp extends Error {}
const giveUp = (): never => {
  throw new GiveUp();
};

type ScalarTag = { test?: RegExp; default?: unknown; resolve: (s: string, onError: (m: string) => void, opts: object) => unknown };
const CORE_TAGS = (new Schema({}).tags as unknown as ScalarTag[]).filter((t) => t.default === true && t.test instanceof RegExp);
const RESOLVE_OPTS = { intAsBigInt: false };

/** A plain scalar's value under the core schema, exactly as `yaml` resolves it. */
function resolvePlain(s: string): unknown {
  const c = s.charCodeAt(0);
  // Starting with a letter, only null and the booleans are not strings (the
  // other core tags start with a digit, a sign, `.` or `~`): most spec values.
  if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90)) {
    if (!NON_STRING_KEYS.has(s) || s === '__proto__') return s;
  } else if (c >= 48 && c <= 57 && s.length <= 15 && DIGITS.test(s)) return Number(s); // the int tag's value
  for (const tag of CORE_TAGS) {
    if (tag.test!.test(s)) {
      let bad = false;
      const v = tag.resolve(s, () => (bad = true), RESOLVE_OPTS);
      if (bad) giveUp();
      // Some tags (float) resolve to a Scalar node, to keep formatting details; the value is inside.
      return isScalar(v) ? v.value : v;
    }
  }
  return s;
}

const KEY = /^[A-Za-z_][A-Za-z0-9_./-]*$/;
const DIGITS = /^[0-9]+$/;
/** Keys the core schema would read as null or a boolean (then stringified): not worth getting right here. */
const NON_STRING_KEYS = new Set(['null', 'Null', 'NULL', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE', '__proto__']);
/** Characters a plain scalar may not start with (indicators), beyond the ones handled as flow or quotes. */
const BAD_FIRST = new Set([',', ']', '}', '#', '&', '*', '!', '|', '>', '%', '@', '`', '?', ':']);

interface Line {
  /** Column of the first content character (0-based). */
  indent: number;
  /** Absolute offsets of the content: [start, end) without the newline. */
  start: number;
  end: number;
  /** 1-based line number. */
  no: number;
}

/**
 * The documents of a file, or undefined when the file uses anything beyond
 * the subset (the caller then parses it with the `yaml` package).
 */
export function fastParseDocs(text: string): FastDoc[] | undefined {
  // Tabs, CR, BOM and NUL: whitespace rules differ enough to leave them to `yaml`.
  if (/[\t\r\uFEFF\0]/.test(text)) return undefined;
  try {
    return new Reader(text).documents();
  } catch (err) {
    if (err instanceof GiveUp) return undefined;
    throw err;
  }
}

class Reader {
  private lines: Line[] = [];
  private i = 0;
  private depth = 0;

  constructor(private readonly text: string) {}

  documents(): FastDoc[] {
    const text = this.text;
    const docs: FastDoc[] = [];
    let current: Line[] = [];
    let started = false; // a document has begun (content seen, or a `---` that opened one)
    let no = 0;
    let pos = 0;
    const flush = () => {
      docs.push(this.document(current, docs.length));
      current = [];
    };
    while (pos < text.length) {
      let nl = text.indexOf('\n', pos);
      if (nl < 0) nl = text.length;
      no++;
      let s = pos;
      while (s < nl && text.charCodeAt(s) === 32) s++;
      let e = nl;
      while (e > s && text.charCodeAt(e - 1) === 32) e--;
      const indent = s - pos;
      pos = nl + 1;
      if (s === e || text.charCodeAt(s) === 35 /* # */) continue;
      if (indent === 0) {
        const c = text.charCodeAt(s);
        if (c === 45 /* - */ && text.startsWith('---', s)) {
          if (e - s !== 3) giveUp(); // `--- content`, `----`
          if (started) flush();
          started = true;
          continue;
        }
        if (c === 46 /* . */ && text.startsWith('...', s)) giveUp();
        if (c === 37 /* % */) giveUp();
      }
      started = true;
      current.push({ indent, start: s, end: e, no });
    }
    if (started) flush();
    return docs;
  }

  private document(lines: Line[], index: number): FastDoc {
    if (!lines.length) return { index, value: null, line: 0, col: 0 };
    const first = lines[0]!;
    // Only a mapping at column 1 is a spec document; anything else is left to `yaml` (which reports it).
    if (first.indent !== 0 || this.isSeqItem(first)) giveUp();
    this.lines = lines;
    this.i = 0;
    const value = this.mapping(0);
    if (this.i !== lines.length) giveUp();
    return { index, value, line: first.no, col: 1 };
  }

  private isSeqItem(l: Line): boolean {
    return this.text.charCodeAt(l.start) === 45 && (l.end - l.start === 1 || this.text.charCodeAt(l.start + 1) === 32);
  }

  /** A block node whose first line is lines[i] at `indent`. */
  private block(indent: number): unknown {
    const l = this.lines[this.i]!;
    return this.isSeqItem(l) ? this.sequence(indent) : this.mapping(indent);
  }

  /** After a value that ended its line: the next line must not continue it. */
  private noContinuation(indent: number): void {
    const next = this.lines[this.i];
    if (next && next.indent > indent) giveUp();
  }

  private mapping(indent: number): Record<string, unknown> {
    if (++this.depth > MAX_DEPTH) giveUp();
    try {
      return this.mappingBody(indent);
    } finally {
      this.depth--;
    }
  }

  private mappingBody(indent: number): Record<string, unknown> {
    const text = this.text;
    const out: Record<string, unknown> = {};
    while (this.i < this.lines.length) {
      const l = this.lines[this.i]!;
      if (l.indent < indent) break;
      if (l.indent > indent || this.isSeqItem(l)) giveUp();
      const colon = indexIn(text, 58, l.start, l.end);
      if (colon < 0 || colon - l.start > 1024) giveUp();
      const key = text.slice(l.start, colon);
      if (!KEY.test(key) || NON_STRING_KEYS.has(key) || Object.prototype.hasOwnProperty.call(out, key)) giveUp();
      let v = colon + 1;
      if (v < l.end && text.charCodeAt(v) !== 32) giveUp(); // `a:b` is a scalar, not a pair
      while (v < l.end && text.charCodeAt(v) === 32) v++;
      this.i++;
      if (v === l.end || text.charCodeAt(v) === 35) {
        const next = this.lines[this.i];
        if (next && next.indent > indent) out[key] = this.block(next.indent);
        else if (next && next.indent === indent && this.isSeqItem(next)) out[key] = this.sequence(indent);
        else out[key] = null;
      } else {
        out[key] = this.inline(v, l.end);
        this.noContinuation(indent);
      }
    }
    return out;
  }

  private sequence(indent: number): unknown[] {
    if (++this.depth > MAX_DEPTH) giveUp();
    try {
      return this.sequenceBody(indent);
    } finally {
      this.depth--;
    }
  }

  private sequenceBody(indent: number): unknown[] {
    const text = this.text;
    const out: unknown[] = [];
    while (this.i < this.lines.length) {
      const l = this.lines[this.i]!;
      if (l.indent < indent) break;
      if (l.indent > indent) giveUp();
      if (!this.isSeqItem(l)) break; // the next key of a mapping holding this sequence at the same indent
      let v = l.start + 1;
      while (v < l.end && text.charCodeAt(v) === 32) v++;
      if (v === l.end || text.charCodeAt(v) === 35) {
        this.i++;
        const next = this.lines[this.i];
        out.push(next && next.indent > indent ? this.block(next.indent) : null);
        continue;
      }
      const c = text.charCodeAt(v);
      if (c === 45 && (v + 1 === l.end || text.charCodeAt(v + 1) === 32)) giveUp(); // `- - x`
      if (this.startsPair(v, l.end)) {
        // `- key: value`: a mapping whose keys sit at the column of `key`.
        const col = v - (l.start - l.indent);
        this.lines[this.i] = { indent: col, start: v, end: l.end, no: l.no };
        out.push(this.mapping(col));
        continue;
      }
      out.push(this.inline(v, l.end));
      this.i++;
      this.noContinuation(indent);
    }
    return out;
  }

  /** Whether text[from, end) begins with `key:` followed by a space or the end (quotes and flow never do). */
  private startsPair(from: number, end: number): boolean {
    const c = this.text.charCodeAt(from);
    if (c === 34 || c === 39 || c === 91 || c === 123) return false;
    const colon = indexIn(this.text, 58, from, end);
    if (colon < 0) return false;
    const after = colon + 1;
    return after === end || this.text.charCodeAt(after) === 32;
  }

  /** A value filling text[from, end) (a trailing comment allowed). */
  private inline(from: number, end: number): unknown {
    const text = this.text;
    const c = text.charCodeAt(from);
    if (c === 91 || c === 123 || c === 34 || c === 39) {
      const r = new FlowReader(text, from, end);
      const v = r.value();
      r.finish();
      return v;
    }
    // Plain scalar: up to a comment (` #`). Searched within the line only: a
    // file-wide indexOf per value would make the reader quadratic.
    let e = from;
    while (e < end && !(text.charCodeAt(e) === 35 && text.charCodeAt(e - 1) === 32)) e++;
    while (e > from && text.charCodeAt(e - 1) === 32) e--;
    const s = text.slice(from, e);
    checkPlain(s, false);
    return resolvePlain(s);
  }
}

/** Position of char code `c` in text[from, end), or -1. */
function indexIn(text: string, c: number, from: number, end: number): number {
  for (let i = from; i < end; i++) if (text.charCodeAt(i) === c) return i;
  return -1;
}

function checkPlain(s: string, flow: boolean): void {
  if (!s.length || BAD_FIRST.has(s[0]!) || (s[0] === '-' && (s.length === 1 || s[1] === ' '))) giveUp();
  if (s.includes(': ') || s.endsWith(':')) giveUp();
  if (flow && (s.includes(':') || s.includes('#'))) giveUp();
}

/** One-line flow collections and quoted scalars. */
class FlowReader {
  constructor(
    private readonly text: string,
    private p: number,
    private readonly end: number,
  ) {}

  private spaces(): void {
    while (this.p < this.end && this.text.charCodeAt(this.p) === 32) this.p++;
  }

  /** Only spaces and an optional comment may follow the value. */
  finish(): void {
    const before = this.p;
    this.spaces();
    if (this.p === this.end) return;
    if (this.text.charCodeAt(this.p) === 35 && this.p > before) return;
    giveUp();
  }

  private depth = 0;

  value(): unknown {
    const c = this.text.charCodeAt(this.p);
    if (c === 91 || c === 123) {
      if (++this.depth > MAX_DEPTH) giveUp();
      try {
        return c === 91 ? this.seq() : this.map();
      } finally {
        this.depth--;
      }
    }
    if (c === 34) return this.double();
    if (c === 39) return this.single();
    return this.plain();
  }

  private seq(): unknown[] {
    const out: unknown[] = [];
    this.p++;
    this.spaces();
    if (this.text.charCodeAt(this.p) === 93) {
      this.p++;
      return out;
    }
    for (;;) {
      this.spaces();
      out.push(this.value());
      this.spaces();
      const c = this.text.charCodeAt(this.p++);
      if (c === 93) return out;
      if (c !== 44 || this.p >= this.end) giveUp();
    }
  }

  private map(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.p++;
    this.spaces();
    if (this.text.charCodeAt(this.p) === 125) {
      this.p++;
      return out;
    }
    for (;;) {
      this.spaces();
      const colon = indexIn(this.text, 58, this.p, this.end);
      if (colon < 0) giveUp();
      const key = this.text.slice(this.p, colon);
      if (!KEY.test(key) || NON_STRING_KEYS.has(key) || Object.prototype.hasOwnProperty.call(out, key)) giveUp();
      this.p = colon + 1;
      if (this.text.charCodeAt(this.p) !== 32) giveUp();
      this.spaces();
      out[key] = this.value();
      this.spaces();
      const c = this.text.charCodeAt(this.p++);
      if (c === 125) return out;
      if (c !== 44 || this.p >= this.end) giveUp();
    }
  }

  private plain(): unknown {
    const text = this.text;
    let e = this.p;
    while (e < this.end) {
      const c = text.charCodeAt(e);
      if (c === 44 || c === 91 || c === 93 || c === 123 || c === 125) break;
      e++;
    }
    let t = e;
    while (t > this.p && text.charCodeAt(t - 1) === 32) t--;
    const s = text.slice(this.p, t);
    checkPlain(s, true);
    this.p = e;
    return resolvePlain(s);
  }

  private double(): string {
    const text = this.text;
    let out = '';
    let p = this.p + 1;
    let run = p;
    for (;;) {
      if (p >= this.end) giveUp();
      const c = text.charCodeAt(p);
      if (c === 34) break;
      if (c === 92) {
        out += text.slice(run, p);
        const n = text[p + 1];
        if (n === '"' || n === '\\' || n === '/') out += n;
        else if (n === 'n') out += '\n';
        else if (n === 't') out += '\t';
        else if (n === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(p + 2, p + 6))) {
          const code = parseInt(text.slice(p + 2, p + 6), 16);
          if (code >= 0xd800 && code <= 0xdfff) giveUp();
          out += String.fromCharCode(code);
          p += 4;
        } else giveUp();
        p += 2;
        run = p;
        continue;
      }
      p++;
    }
    out += text.slice(run, p);
    this.p = p + 1;
    this.afterQuoted();
    return out;
  }

  private single(): string {
    const text = this.text;
    let out = '';
    let p = this.p + 1;
    let run = p;
    for (;;) {
      if (p >= this.end) giveUp();
      if (text.charCodeAt(p) === 39) {
        if (text.charCodeAt(p + 1) === 39 && p + 1 < this.end) {
          out += text.slice(run, p + 1);
          p += 2;
          run = p;
          continue;
        }
        break;
      }
      p++;
    }
    out += text.slice(run, p);
    this.p = p + 1;
    this.afterQuoted();
    return out;
  }

  /** `"a"b` or `"a":` (a quoted key) are beyond the subset. */
  private afterQuoted(): void {
    const c = this.text.charCodeAt(this.p);
    if (this.p < this.end && c !== 32 && c !== 44 && c !== 93 && c !== 125) giveUp();
    let q = this.p;
    while (q < this.end && this.text.charCodeAt(q) === 32) q++;
    if (q < this.end && this.text.charCodeAt(q) === 58) giveUp();
  }
}
