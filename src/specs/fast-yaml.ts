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
//
// One pass over the text with a cursor (10^5 flows are 1.2M lines: no object
// per line, no string per line), keys and short values interned (one string
// for the 10^5 `tenant`, `Flow`, `tcp`…), and limits.ts's depth estimate
// (tooDeepAt) worked out on the way, so load.ts need not walk the text a
// second time for it.
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

export interface FastParse {
  docs: FastDoc[];
  /**
   * True when limits.ts's `tooDeepAt(text, maxDepth)` is undefined for this
   * text, shown while reading; false when not shown (then ask tooDeepAt).
   */
  shallow: boolean;
}

/** Thrown inside the reader to give up; never escapes `fastParse`. */
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

const DIGITS = /^[0-9]+$/;
/** Keys the core schema would read as null or a boolean (then stringified): not worth getting right here. */
const NON_STRING_KEYS = new Set(['null', 'Null', 'NULL', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE', '__proto__']);

const isLetter = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90);

/** Characters of a key after its first ([A-Za-z0-9_./-]); the first is a letter or `_`. */
const KEY_CHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++) KEY_CHAR[c] = isLetter(c) || (c >= 48 && c <= 57) || c === 95 || c === 46 || c === 47 || c === 45 ? 1 : 0;

/** Characters a plain scalar may not start with (indicators), beyond the ones handled as flow or quotes. */
const BAD_FIRST = new Uint8Array(128);
for (const ch of ',]}#&*!|>%@`?:') BAD_FIRST[ch.charCodeAt(0)] = 1;

// What a character means inside a plain scalar (0: nothing special).
const C_DIGIT = 1;
const C_SPACE = 2;
const C_COMMA = 4;
const C_BRACKET = 8;
const C_HASH = 16;
const C_COLON = 32;
const C_QUOTE = 64;
const C_DASH = 128;
const CLASS = new Uint8Array(128);
for (let c = 48; c <= 57; c++) CLASS[c] = C_DIGIT;
CLASS[32] = C_SPACE;
CLASS[44] = C_COMMA;
for (const ch of '[]{}') CLASS[ch.charCodeAt(0)] = C_BRACKET;
CLASS[35] = C_HASH;
CLASS[58] = C_COLON;
CLASS[34] = CLASS[39] = C_QUOTE;
CLASS[45] = C_DASH;

const FNV_START = 0x811c9dc5 | 0;
const FNV_PRIME = 16777619;

// Keys and plain values read before, by hash: 10^5 flow documents repeat the
// same few dozen keys and words, and one string for each is less to allocate
// and to keep. Each slot keeps its string's characters too, compared there
// (a string's own characters are slower to reach). A string of 13 or more
// characters is a slice of its file's text (it keeps the text alive), so it
// is shared within one file only.
const INTERN_BITS = 13;
const INTERN_MASK = (1 << INTERN_BITS) - 1;
const INTERN_MAX = 32;
const internText: (string | undefined)[] = new Array<string | undefined>(1 << INTERN_BITS).fill(undefined);
const internLen = new Int32Array(1 << INTERN_BITS);
const internChars = new Uint16Array((1 << INTERN_BITS) * INTERN_MAX);
const internFile = new Int32Array(1 << INTERN_BITS);
let fileNo = 0;

/** text[from, to), whose FNV-1a hash is `h`: the string handed out before for the same characters, when still kept. */
function intern(text: string, from: number, to: number, h: number): string {
  const n = to - from;
  if (n > INTERN_MAX) return text.slice(from, to);
  const slot = (h ^ (h >>> INTERN_BITS)) & INTERN_MASK;
  const base = slot * INTERN_MAX;
  if (internLen[slot] === n && (n < 13 || internFile[slot] === fileNo)) {
    let i = 0;
    while (i < n && internChars[base + i] === text.charCodeAt(from + i)) i++;
    if (i === n) return internText[slot]!;
  }
  for (let i = 0; i < n; i++) internChars[base + i] = text.charCodeAt(from + i);
  const s = text.slice(from, to);
  internText[slot] = s;
  internLen[slot] = n;
  internFile[slot] = fileNo;
  return s;
}

/** Whether a string may be one of NON_STRING_KEYS (null, true, false in their spellings; `__proto__`). */
const maybeNonString = (s: string) => {
  const c = s.charCodeAt(0);
  return (c === 110 || c === 78 || c === 116 || c === 84 || c === 102 || c === 70 || c === 95) && NON_STRING_KEYS.has(s);
};

/** The indentation of a `---` line and of the end of the text: below every block, so each one ends there. */
const SEP = -1;
const END = -2;

/**
 * The documents of a file, or undefined when the file uses anything beyond
 * the subset (the caller then parses it with the `yaml` package).
 */
export function fastParseDocs(text: string): FastDoc[] | undefined {
  return fastParse(text)?.docs;
}

/** fastParseDocs, and whether the text is within limits.ts's depth estimate for `maxDepth`. */
export function fastParse(text: string, maxDepth: number = MAX_DEPTH): FastParse | undefined {
  // Tabs, CR, BOM and NUL: whitespace rules differ enough to leave them to `yaml`.
  if (/[\t\r\uFEFF\0]/.test(text)) return undefined;
  try {
    const r = new Reader(text, maxDepth);
    const docs = r.documents();
    return { docs, shallow: !r.unsure };
  } catch (err) {
    if (err instanceof GiveUp) return undefined;
    throw err;
  }
}

class Reader {
  // The current line: its indentation (SEP, END), content [s, e) without
  // surrounding spaces, 1-based number. `pos` is where the next line starts.
  private ind = 0;
  private s = 0;
  private e = 0;
  private no = 0;
  private pos = 0;
  private lines = 0;
  /** Nesting of block collections (MAX_DEPTH). */
  private depth = 0;
  /** Inside a one-line flow value: the cursor, the end of the line's content, the nesting. */
  private p = 0;
  private end = 0;
  private flowDepth = 0;
  /** Where the last key's colon is. */
  private colon = 0;

  // limits.ts's tooDeepAt, worked out while reading: its stack of block
  // indentations and the depth of the current line so far (indentation
  // levels, `- ` markers, `[` and `{`). Exact for what the reader accepts,
  // except where tooDeepAt reads a line differently (a quote or bracket in a
  // plain scalar, an escaped quote): then `unsure`, and load.ts asks tooDeepAt.
  private readonly indents: number[] = [];
  private lineDepth = 0;
  unsure = false;

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
  ) {
    fileNo = (fileNo + 1) | 0;
  }

  documents(): FastDoc[] {
    const docs: FastDoc[] = [];
    let started = false; // a document has begun (a `---` opened one) and is not yet in `docs`
    this.advance();
    while (this.ind !== END) {
      if (this.ind === SEP) {
        if (started) docs.push({ index: docs.length, value: null, line: 0, col: 0 });
        started = true;
        this.advance();
        continue;
      }
      docs.push(this.document(docs.length));
      started = false;
      if (this.ind === SEP) {
        started = true;
        this.advance();
      }
    }
    if (started) docs.push({ index: docs.length, value: null, line: 0, col: 0 });
    return docs;
  }

  /** Moves to the next line with content (or to END). */
  private advance(): void {
    const text = this.text;
    const len = text.length;
    let pos = this.pos;
    for (;;) {
      if (pos >= len) {
        this.pos = pos;
        this.ind = END;
        return;
      }
      let nl = text.indexOf('\n', pos);
      if (nl < 0) nl = len;
      this.lines++;
      let s = pos;
      while (s < nl && text.charCodeAt(s) === 32) s++;
      const indent = s - pos;
      pos = nl + 1;
      if (s === nl) continue;
      const c = text.charCodeAt(s);
      if (c === 35 /* # */) continue;
      let e = nl;
      while (e > s && text.charCodeAt(e - 1) === 32) e--;
      const indents = this.indents;
      while (indents.length && indents[indents.length - 1]! >= indent) indents.pop();
      indents.push(indent);
      this.lineDepth = indents.length;
      if (this.lineDepth > this.maxDepth) this.unsure = true;
      this.pos = pos;
      this.no = this.lines;
      this.s = s;
      this.e = e;
      this.ind = indent;
      if (indent === 0) {
        if (c === 45 /* - */ && text.startsWith('---', s)) {
          if (e - s !== 3) giveUp(); // `--- content`, `----`
          this.ind = SEP;
        } else if (c === 46 /* . */ && text.startsWith('...', s)) giveUp();
        else if (c === 37 /* % */) giveUp();
      }
      return;
    }
  }

  /** One more level on the current line for the depth estimate (a `- ` marker, a `[` or `{`). */
  private bump(): void {
    if (++this.lineDepth > this.maxDepth) this.unsure = true;
  }

  private document(index: number): FastDoc {
    // Only a mapping at column 1 is a spec document; anything else is left to `yaml` (which reports it).
    if (this.ind !== 0 || this.isSeqItem()) giveUp();
    const line = this.no;
    const value = this.mapping(0);
    if (this.ind >= 0) giveUp();
    return { index, value, line, col: 1 };
  }

  private isSeqItem(): boolean {
    const text = this.text;
    return text.charCodeAt(this.s) === 45 && (this.e - this.s === 1 || text.charCodeAt(this.s + 1) === 32);
  }

  /** A block node whose first line is the current one, at `indent`. */
  private block(indent: number): unknown {
    return this.isSeqItem() ? this.sequence(indent) : this.mapping(indent);
  }

  /**
   * The key of `key: …` at `from` (a letter or `_`, then [A-Za-z0-9_./-]), up
   * to its colon (left in `colon`); gives up on anything else.
   */
  private key(from: number, end: number): string {
    const text = this.text;
    let c = text.charCodeAt(from);
    if (!(isLetter(c) || c === 95)) giveUp();
    let h = Math.imul(FNV_START ^ c, FNV_PRIME);
    let i = from + 1;
    for (; i < end; i++) {
      c = text.charCodeAt(i);
      if (c === 58) break;
      if (c >= 128 || KEY_CHAR[c] === 0) giveUp();
      h = Math.imul(h ^ c, FNV_PRIME);
    }
    if (i === end || i - from > 1024) giveUp();
    this.colon = i;
    const key = intern(text, from, i, h);
    if (maybeNonString(key)) giveUp();
    return key;
  }

  private mapping(indent: number): Record<string, unknown> {
    if (++this.depth > MAX_DEPTH) giveUp();
    const text = this.text;
    const out: Record<string, unknown> = {};
    while (this.ind >= indent) {
      if (this.ind > indent || this.isSeqItem()) giveUp();
      const e = this.e;
      const key = this.key(this.s, e);
      // Values are never undefined: a key seen before, or one of Object.prototype's, gives up.
      if (out[key] !== undefined) giveUp();
      let v = this.colon + 1;
      if (v < e && text.charCodeAt(v) !== 32) giveUp(); // `a:b` is a scalar, not a pair
      while (v < e && text.charCodeAt(v) === 32) v++;
      if (v === e || text.charCodeAt(v) === 35) {
        this.advance();
        if (this.ind > indent) out[key] = this.block(this.ind);
        else if (this.ind === indent && this.isSeqItem()) out[key] = this.sequence(indent);
        else out[key] = null;
      } else {
        out[key] = this.inline(v, e);
        this.advance();
        if (this.ind > indent) giveUp(); // the value would go on
      }
    }
    this.depth--;
    return out;
  }

  private sequence(indent: number): unknown[] {
    if (++this.depth > MAX_DEPTH) giveUp();
    const text = this.text;
    const out: unknown[] = [];
    while (this.ind >= indent) {
      if (this.ind > indent) giveUp();
      if (!this.isSeqItem()) break; // the next key of a mapping holding this sequence at the same indent
      this.bump();
      const e = this.e;
      let v = this.s + 1;
      while (v < e && text.charCodeAt(v) === 32) v++;
      if (v === e || text.charCodeAt(v) === 35) {
        this.advance();
        out.push(this.ind > indent ? this.block(this.ind) : null);
        continue;
      }
      const c = text.charCodeAt(v);
      if (c === 45 && (v + 1 === e || text.charCodeAt(v + 1) === 32)) giveUp(); // `- - x`
      if (this.startsPair(v, e)) {
        // `- key: value`: a mapping whose keys sit at the column of `key`.
        const col = v - (this.s - this.ind);
        this.ind = col;
        this.s = v;
        out.push(this.mapping(col));
        continue;
      }
      out.push(this.inline(v, e));
      this.advance();
      if (this.ind > indent) giveUp();
    }
    this.depth--;
    return out;
  }

  /** Whether text[from, end) begins with `key:` followed by a space or the end (quotes and flow never do). */
  private startsPair(from: number, end: number): boolean {
    const text = this.text;
    const c = text.charCodeAt(from);
    if (c === 34 || c === 39 || c === 91 || c === 123) return false;
    let colon = from;
    while (colon < end && text.charCodeAt(colon) !== 58) colon++;
    if (colon === end) return false;
    const after = colon + 1;
    return after === end || text.charCodeAt(after) === 32;
  }

  /** A value filling text[from, end) of the current line (a trailing comment allowed). */
  private inline(from: number, end: number): unknown {
    const c = this.text.charCodeAt(from);
    if (c === 91 || c === 123 || c === 34 || c === 39) {
      this.p = from;
      this.end = end;
      this.flowDepth = 0;
      const v = this.flowValue();
      this.finish();
      return v;
    }
    return this.plain(from, end, false);
  }

  /**
   * A plain scalar at `from`: in block context up to a comment (` #`) or
   * `end`, in a flow collection up to `,[]{}` (left in `p`). Checked as the
   * subset allows and resolved as `yaml` would (see resolvePlain).
   */
  private plain(from: number, end: number, flow: boolean): unknown {
    const text = this.text;
    let h = FNV_START;
    let hEnd = h; // the hash of text[from, t)
    let t = from; // the end without trailing spaces
    let digits = true;
    let spaced = false;
    let i = from;
    for (; i < end; i++) {
      const c = text.charCodeAt(i);
      const k = c < 128 ? CLASS[c]! : 0;
      if (k === C_SPACE) {
        spaced = true;
        h = Math.imul(h ^ c, FNV_PRIME);
        continue;
      }
      if (k === C_DIGIT) {
        if (spaced) digits = false;
      } else {
        if (k !== 0) {
          if (flow) {
            if (k & (C_COMMA | C_BRACKET)) break;
            if (k & (C_COLON | C_HASH)) giveUp();
          } else if (k & C_HASH) {
            if (text.charCodeAt(i - 1) === 32) break; // a comment
          } else if (k & C_COLON) {
            if (i + 1 === end || text.charCodeAt(i + 1) === 32) giveUp(); // `a: b`, `a:`
          } else if (k & C_BRACKET) this.unsure = true; // tooDeepAt counts it
          if (k & C_QUOTE) this.unsure = true; // tooDeepAt skips to the next quote
          else if (k & C_DASH && text.charCodeAt(i - 1) === 32 && (i + 1 >= end || text.charCodeAt(i + 1) === 32)) this.bump();
        }
        digits = false;
      }
      h = Math.imul(h ^ c, FNV_PRIME);
      hEnd = h;
      t = i + 1;
    }
    if (flow) this.p = i;
    const len = t - from;
    if (len === 0) giveUp();
    const c0 = text.charCodeAt(from);
    if ((c0 < 128 && BAD_FIRST[c0] === 1) || (c0 === 45 && (len === 1 || text.charCodeAt(from + 1) === 32))) giveUp();
    if (isLetter(c0)) {
      const s = intern(text, from, t, hEnd);
      return maybeNonString(s) ? resolvePlain(s) : s;
    }
    if (digits && len <= 15) {
      let n = 0;
      for (let j = from; j < t; j++) n = n * 10 + (text.charCodeAt(j) - 48);
      return n;
    }
    return resolvePlain(text.slice(from, t));
  }

  // ------------------------------------------------ one-line flow collections and quoted scalars

  private spaces(): void {
    const text = this.text;
    while (this.p < this.end && text.charCodeAt(this.p) === 32) this.p++;
  }

  /** Only spaces and an optional comment may follow the value. */
  private finish(): void {
    const before = this.p;
    this.spaces();
    if (this.p === this.end) return;
    if (this.text.charCodeAt(this.p) === 35 && this.p > before) return;
    giveUp();
  }

  private flowValue(): unknown {
    if (this.p >= this.end) giveUp();
    const c = this.text.charCodeAt(this.p);
    if (c === 91 || c === 123) {
      if (++this.flowDepth > MAX_DEPTH) giveUp();
      this.bump();
      const v = c === 91 ? this.flowSeq() : this.flowMap();
      this.flowDepth--;
      return v;
    }
    if (c === 34) return this.double();
    if (c === 39) return this.single();
    return this.plain(this.p, this.end, true);
  }

  private flowSeq(): unknown[] {
    const text = this.text;
    const out: unknown[] = [];
    this.p++;
    this.spaces();
    if (text.charCodeAt(this.p) === 93) {
      this.p++;
      return out;
    }
    for (;;) {
      this.spaces();
      out.push(this.flowValue());
      this.spaces();
      const c = text.charCodeAt(this.p++);
      if (c === 93) return out;
      if (c !== 44 || this.p >= this.end) giveUp();
    }
  }

  private flowMap(): Record<string, unknown> {
    const text = this.text;
    const out: Record<string, unknown> = {};
    this.p++;
    this.spaces();
    if (text.charCodeAt(this.p) === 125) {
      this.p++;
      return out;
    }
    for (;;) {
      this.spaces();
      const key = this.key(this.p, this.end);
      if (out[key] !== undefined) giveUp();
      this.p = this.colon + 1;
      if (text.charCodeAt(this.p) !== 32) giveUp();
      this.spaces();
      out[key] = this.flowValue();
      this.spaces();
      const c = text.charCodeAt(this.p++);
      if (c === 125) return out;
      if (c !== 44 || this.p >= this.end) giveUp();
    }
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
        if (n === '"' || n === '\\' || n === '/') {
          out += n;
          if (n === '"') this.unsure = true; // tooDeepAt ends the quote there
        } else if (n === 'n') out += '\n';
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
    const text = this.text;
    const c = text.charCodeAt(this.p);
    if (this.p < this.end && c !== 32 && c !== 44 && c !== 93 && c !== 125) giveUp();
    let q = this.p;
    while (q < this.end && text.charCodeAt(q) === 32) q++;
    if (q < this.end && text.charCodeAt(q) === 58) giveUp();
  }
}
