// Field path → line:col in a parsed YAML document. zod reports paths, the yaml
// package keeps source ranges; this joins the two so every error points at the
// value a person has to change (or, when the value is missing, at the key
// above it that should have held it).
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { SourcePos } from '../shared/errors.ts';
import { parseFieldPath, type FieldPath } from './spec-set.ts';

export interface Lookup {
  pos: SourcePos;
  /** True when the path resolved to a node; false when it stopped at an ancestor key. */
  found: boolean;
}

export class PositionIndex {
  constructor(
    readonly file: string,
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  posOf(offset: number): SourcePos {
    const { line, col } = this.lines.linePos(offset);
    return { file: this.file, line, col };
  }

  /** Where the document's content begins (after `---` and leading comments). */
  start(): SourcePos {
    const c = this.doc.contents as Node | null;
    return this.posOf(c?.range?.[0] ?? this.doc.range[0]);
  }

  /**
   * Position of the value at `path`; `key: true` points at the last key
   * instead (for unknown keys, which have no meaningful value).
   */
  locate(path: FieldPath | string, opts: { key?: boolean } = {}): Lookup {
    const segs = typeof path === 'string' ? parseFieldPath(path) : path;
    let node: unknown = this.doc.contents;
    let lastKey: Node | undefined;
    const at = (n: Node | undefined, found: boolean): Lookup => ({
      pos: n?.range ? this.posOf(n.range[0]) : this.start(),
      found,
    });
    for (let i = 0; i < segs.length; i++) {
      const seg = segs[i]!;
      if (isAlias(node)) node = node.resolve(this.doc);
      if (isMap(node)) {
        const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg));
        if (!pair) return at(lastKey ?? (node as Node), false);
        lastKey = pair.key as Node;
        const last = i === segs.length - 1;
        if (last && opts.key) return at(lastKey, true);
        if (pair.value == null || (isScalar(pair.value) && pair.value.value == null && !pair.value.source)) {
          // `key:` with nothing after it: the key is where the missing value belongs.
          return at(lastKey, last);
        }
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg];
        if (item == null) return at(node as Node, false);
        node = item;
      } else {
        return at((node as Node | undefined) ?? lastKey, false);
      }
    }
    return at(node as Node, true);
  }

  at(path: FieldPath | string): SourcePos {
    return this.locate(path).pos;
  }
}
