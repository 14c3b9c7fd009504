// How big and how deep a spec file may be before anything parses it. Specs
// come from pull requests, so a file is hostile input: a 4,000-deep nesting
// overflows a recursive reader's stack, an alias bomb expands a few lines
// into millions of nodes, and a huge file costs memory before the first
// error. Each limit ends as a SpecError with a stable code at file:line,
// never as an exception out of the loader. The limits sit far above what a
// spec needs (a Target is ~6 levels deep; the example repository's largest
// file is a few KB).
import { SpecError, type SourcePos } from '../shared/errors.ts';
import { Codes } from './codes.ts';

export interface ParseLimits {
  /** Bytes of one spec file. */
  maxFileBytes: number;
  /** Nesting of block and flow collections. */
  maxDepth: number;
  /** Alias nodes the `yaml` package may resolve per document (its `maxAliasCount`). */
  maxAliasCount: number;
}

export const DEFAULT_LIMITS: ParseLimits = { maxFileBytes: 1024 * 1024, maxDepth: 64, maxAliasCount: 100 };

/** The error for a file over maxFileBytes (reported at its first line: nothing of it is read). */
export function fileTooLarge(file: string, bytes: number, limits: ParseLimits): SpecError {
  return new SpecError(Codes.fileTooLarge, { file, line: 1, col: 1 }, '', `file is ${bytes} bytes; a spec file may hold at most ${limits.maxFileBytes} bytes (split it)`, {
    bytes,
    limit: limits.maxFileBytes,
  });
}

/**
 * Where the nesting of `text` first goes deeper than `max`, or undefined. One
 * pass without recursion, and on the safe side: block indentation levels,
 * `- ` markers and open `[`/`{` outside quotes and comments all count, so the
 * real depth is never more than this says.
 */
export function tooDeepAt(text: string, max: number): Omit<SourcePos, 'file'> | undefined {
  const indents: number[] = [];
  let flow = 0;
  let line = 0;
  let pos = 0;
  while (pos < text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length;
    line++;
    let s = pos;
    while (s < nl && (text.charCodeAt(s) === 32 || text.charCodeAt(s) === 9)) s++;
    const indent = s - pos;
    const start = pos;
    pos = nl + 1;
    if (s === nl || text.charCodeAt(s) === 35 /* # */ || text.charCodeAt(s) === 13) continue;
    if (flow === 0) {
      while (indents.length && indents[indents.length - 1]! >= indent) indents.pop();
      indents.push(indent);
    }
    let depth = indents.length + flow;
    let quote = 0;
    for (let i = s; i < nl; i++) {
      const c = text.charCodeAt(i);
      if (quote) {
        if (c === quote) quote = 0;
        continue;
      }
      if (c === 34 || c === 39) quote = c;
      else if (c === 35 && (i === s || text.charCodeAt(i - 1) === 32)) break;
      else if (c === 91 || c === 123) {
        flow++;
        depth++;
      } else if ((c === 93 || c === 125) && flow > 0) flow--;
      else if (c === 45 && (i + 1 === nl || text.charCodeAt(i + 1) === 32) && (i === s || text.charCodeAt(i - 1) === 32)) depth++;
      if (depth > max) return { line, col: i - start + 1 };
    }
    if (depth > max) return { line, col: indent + 1 };
  }
  return undefined;
}

/** The error for nesting deeper than maxDepth. */
export function tooDeep(file: string, at: Omit<SourcePos, 'file'>, limits: ParseLimits): SpecError {
  return new SpecError(Codes.tooDeep, { file, ...at }, '', `nesting deeper than ${limits.maxDepth} levels`, { limit: limits.maxDepth });
}
