// A flow as people see it (FlowSummary), one per loaded document: shared by
// every DesiredSet made since, so frozen; its line found only when asked for.
import type { Located, SpecSource } from '../specs/spec-set.ts';
import type { Flow } from '../specs/schema.ts';
import type { FlowSummary } from './types.ts';

/**
 * A flow for people. The line of `metadata.name` is found when first asked
 * for: finding it parses the file with positions (the slow YAML reader and
 * its AST, kept per file), which for every flow of a large repository cost
 * more than loading and compiling it (and kept every file's AST alive).
 */
export function flowSummary(f: Located<Flow>): FlowSummary {
  // One per document: SpecCache hands out the same document for a file of the
  // same path and sha-256, so a commit that changed one file makes only its
  // flows' summaries. Frozen, as they are shared by every set made since; the
  // document's own spec, not a copy (10^5 clones were a second of a cold load):
  // nothing downstream mutates a loaded document (specs/load.ts SpecCache).
  let s = summaries.get(f);
  if (!s) {
    s = Object.freeze(new LazyLineFlow(f.metadata.tenant, `${f.metadata.tenant}/${f.metadata.name}`, deepFreeze(f.spec), f.source));
    summaries.set(f, s);
  }
  return s;
}

const summaries = new WeakMap<object, FlowSummary>();

function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    for (const k in v) deepFreeze((v as Record<string, unknown>)[k]);
    Object.freeze(v);
  }
  return v;
}

// A class, not an object literal with a getter: 10^5 literals with accessors
// cost ~0.5 s and a GC. JSON and spreads see the plain fields (toJSON).
class LazyLineFlow implements FlowSummary {
  readonly file: string;
  #line?: number;
  readonly #source: SpecSource;
  constructor(
    readonly tenant: string,
    readonly name: string,
    readonly spec: Flow['spec'],
    source: SpecSource,
  ) {
    this.file = source.file;
    this.#source = source;
  }
  get line(): number {
    return (this.#line ??= this.#source.at('metadata.name').line);
  }
  toJSON(): FlowSummary {
    return { tenant: this.tenant, name: this.name, spec: this.spec, file: this.file, line: this.line };
  }
}
