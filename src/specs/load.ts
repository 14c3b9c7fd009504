// Repo files in, a SpecSet and every defect out. Each YAML document is
// checked against its kind's schema and — if valid — kept with where it came
// from; then the cross-document rules run over the whole set. Nothing stops at
// the first error: a person fixing a repo wants the full list. No I/O: the
// caller reads the files (source/dir.ts, Git).
//
// Two ways to read a file, one result. The fast path (fast-yaml.ts) reads the
// plain YAML specs are written in, without a syntax tree; positions of fields
// are worked out only when something asks for one (an error, a warning), by
// parsing that file again with the `yaml` package. Any file the fast path
// cannot read, or that holds any defect, goes the exact way: the `yaml`
// package with source ranges, so every error position is the one it has
// always been. A SpecCache keeps each file's outcome by (path, content hash),
// so a new commit re-reads only the files it changed.
import { createHash } from 'node:crypto';
import { isScalar, LineCounter, parseAllDocuments, visit } from 'yaml';
import { SpecError, formatPos, type SourcePos } from '../shared/errors.ts';
import { checkSpecs } from './checks.ts';
import { Codes } from './codes.ts';
import { isExpired } from './expiry.ts';
import { assignFlowIds, type FlowIdOptions } from './flow-id.ts';
import { issuesToErrors } from './issues.ts';
import { PositionIndex } from './positions.ts';
import { fastParse, type FastDoc, type FastParse } from './fast-yaml.ts';
import { fastFlow } from './fast-flow.ts';
import { DEFAULT_LIMITS, fileTooLarge, tooDeep, tooDeepAt, type ParseLimits } from './limits.ts';
import { KINDS, schemaOfKind, type Contract, type Flow, type Kind, type Service, type Target, type Tenant } from './schema.ts';
import { expandContracts } from './contracts.ts';
import { specKey, type FieldPath, type Located, type SpecSet, type SpecSource } from './spec-set.ts';

export type SpecFiles = ReadonlyMap<string, string | Uint8Array>;

export interface LoadOptions {
  /** The instant `expires` is compared with (default: now). */
  now?: Date;
  /**
   * What to do with expired flows: `error` (validate: the author should
   * remove them) or `drop` (reconciler: leave them out, with a warning).
   */
  expired?: 'error' | 'drop';
  /** Passed to assignFlowIds (tests force collisions with it). */
  flowIds?: FlowIdOptions;
  /**
   * Per-file outcomes of an earlier load, reused for files whose content is
   * unchanged and updated in place. Keep one per repo across commits.
   */
  cache?: SpecCache;
  /** Size, depth and alias limits per file (default DEFAULT_LIMITS). */
  limits?: ParseLimits;
}

export interface LoadResult {
  specs: SpecSet;
  /** Every defect, sorted by file, line, col. Empty means the repo is valid. */
  errors: SpecError[];
  /** Worth showing, never blocking (yaml warnings, flow-id collisions, dropped expired flows). */
  warnings: SpecError[];
}

export const isSpecFile = (path: string) => /\.ya?ml$/i.test(path);

export function byPosition(a: SpecError, b: SpecError): number {
  const pa = a.pos!;
  const pb = b.pos!;
  return pa.file < pb.file ? -1 : pa.file > pb.file ? 1 : pa.line - pb.line || pa.col - pb.col;
}

type AnyDoc = Tenant | Service | Flow | Contract | Target;

export function loadSpecs(files: SpecFiles, opts: LoadOptions = {}): LoadResult {
  const errors: SpecError[] = [];
  const warnings: SpecError[] = [];
  const docs: Record<Kind, Located<AnyDoc>[]> = { Tenant: [], Service: [], Flow: [], Contract: [], Target: [] };

  const cache = opts.cache;
  const paths = [...files.keys()].filter(isSpecFile).sort();
  for (const file of paths) {
    const raw = files.get(file)!;
    const r = cache ? cache.get(file, raw, opts.limits) : loadFile(file, raw, opts.limits);
    for (const d of r.docs) docs[d.kind].push(d.doc);
    for (const e of r.errors) errors.push(e);
    for (const w of r.warnings) warnings.push(w);
  }
  cache?.retain(paths);

  // Each document's key made once, for the duplicate check and the sort (10^5 flows: millions of strings otherwise).
  const keyed = <T extends AnyDoc>(list: T[]) => list.map((d) => ({ d, k: specKey(d) }));
  const sorted = <T>(list: { d: T; k: string }[]): T[] => list.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0)).map((x) => x.d);
  const bySpecKey = <T extends AnyDoc>(list: T[]): T[] => sorted(keyed(list));
  const unique = <T extends Located<AnyDoc>>(kind: Kind): T[] => {
    const seen = new Map<string, Located<AnyDoc>>();
    return sorted(
      keyed(docs[kind] as T[]).filter(({ d, k }) => {
        const first = seen.get(k);
        if (!first) {
          seen.set(k, d);
          return true;
        }
        errors.push(new SpecError(Codes.duplicateName, d.source.at('metadata.name'), 'metadata.name', `duplicate ${kind} "${k}" (first defined at ${formatPos(first.source)})`));
        return false;
      }),
    );
  };

  const specs: SpecSet = {
    tenants: unique('Tenant'),
    services: unique('Service'),
    flows: unique('Flow'),
    contracts: unique('Contract'),
    targets: unique('Target'),
  };

  // Contracts become flows here, so every rule below and every later stage sees them as flows.
  const expanded = expandContracts(specs);
  errors.push(...expanded.errors);
  if (expanded.flows.length) specs.flows = bySpecKey([...specs.flows, ...expanded.flows]);

  errors.push(...checkSpecs(specs));

  const now = opts.now ?? new Date();
  const expired = specs.flows.filter((f) => isExpired(f, now));
  for (const f of expired) {
    const msg = `flow expired at ${f.spec.expires} (now ${now.toISOString()})`;
    if (opts.expired === 'drop') warnings.push(new SpecError(Codes.flowExpired, f.source.at('spec.expires'), 'spec.expires', `${msg}; dropped`));
    else errors.push(new SpecError(Codes.flowExpired, f.source.at('spec.expires'), 'spec.expires', `${msg}; remove it`));
  }
  if (opts.expired === 'drop') specs.flows = specs.flows.filter((f) => !expired.includes(f));

  warnings.push(...assignFlowIds(specs, opts.flowIds).warnings);

  return { specs, errors: errors.sort(byPosition), warnings: warnings.sort(byPosition) };
}

/** What one file contributes: its valid documents, its defects. Immutable once made (a cache shares it). */
export interface FileOutcome {
  docs: { kind: Kind; doc: Located<AnyDoc> }[];
  errors: SpecError[];
  warnings: SpecError[];
}

/**
 * File outcomes by path and content hash. Documents in it are shared by every
 * SpecSet loaded through it, so nothing downstream may mutate a document
 * (nothing does: compile and checks only read).
 */
export class SpecCache {
  private readonly files = new Map<string, { hash: string; outcome: FileOutcome }>();
  hits = 0;
  misses = 0;

  /** The outcome of `file` with content `raw`: cached when the content is the same, else loaded and remembered. */
  get(file: string, raw: string | Uint8Array, limits?: ParseLimits): FileOutcome {
    const hash = createHash('sha256').update(raw).digest('base64');
    const had = this.files.get(file);
    if (had && had.hash === hash) {
      this.hits++;
      return had.outcome;
    }
    this.misses++;
    const outcome = loadFile(file, raw, limits);
    this.files.set(file, { hash, outcome });
    return outcome;
  }

  /** What the cache holds for `file` now, if it was loaded from exactly `raw`. */
  peek(file: string, raw: string | Uint8Array): FileOutcome | undefined {
    const had = this.files.get(file);
    return had && had.hash === createHash('sha256').update(raw).digest('base64') ? had.outcome : undefined;
  }

  /** Forgets files not in `paths` (deleted or renamed since). */
  retain(paths: readonly string[]): void {
    const keep = new Set(paths);
    for (const f of this.files.keys()) if (!keep.has(f)) this.files.delete(f);
  }

  get size(): number {
    return this.files.size;
  }
}

/**
 * A file's text, parsed with positions (the `yaml` package) the first time a
 * position inside it is asked for, then kept for the other documents of the file.
 */
class PositionsOnDemand {
  private indexes?: PositionIndex[];
  constructor(
    readonly file: string,
    private readonly text: string,
  ) {}

  of(index: number): PositionIndex {
    if (!this.indexes) {
      const lines = new LineCounter();
      const parsed = parseAllDocuments(this.text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
      this.indexes = (Array.isArray(parsed) ? parsed : []).map((doc) => new PositionIndex(this.file, doc, lines));
    }
    return this.indexes[index]!;
  }
}

/** SpecSource of a document read by the fast path: start known, field positions on demand. */
class LazySource implements SpecSource {
  readonly file: string;
  constructor(
    private readonly positions: PositionsOnDemand,
    readonly index: number,
    readonly line: number,
    readonly col: number,
  ) {
    this.file = positions.file;
  }
  at(path: FieldPath | string): SourcePos {
    return this.positions.of(this.index).at(path);
  }
}

/**
 * One file's outcome. Limits first (specs/limits.ts), so neither reader sees a
 * file that is too big or too deep; and whatever still goes wrong becomes a
 * SpecError at the file, never an exception out of the loader.
 */
function loadFile(file: string, raw: string | Uint8Array, limits: ParseLimits = DEFAULT_LIMITS): FileOutcome {
  const fail = (e: SpecError): FileOutcome => ({ docs: [], errors: [e], warnings: [] });
  const bytes = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.byteLength;
  if (bytes > limits.maxFileBytes) return fail(fileTooLarge(file, bytes, limits));
  const text = typeof raw === 'string' ? raw : Buffer.from(raw).toString('utf8');
  // The fast reader works out tooDeepAt's answer while it reads (a second
  // walk over 23 MB was half a second at 10^5 flows); for a file it cannot
  // read, or where it is not sure, tooDeepAt decides as before.
  let parsed: FastParse | undefined;
  let failed: { err: unknown } | undefined;
  try {
    parsed = fastParse(text, limits.maxDepth);
  } catch (err) {
    failed = { err };
  }
  if (!parsed?.shallow) {
    const deep = tooDeepAt(text, limits.maxDepth);
    if (deep) return fail(tooDeep(file, deep, limits));
  }
  try {
    if (failed) throw failed.err;
    return (parsed && loadFast(file, text, parsed.docs)) ?? loadExact(file, text, limits);
  } catch (err) {
    return fail(new SpecError(Codes.unreadable, { file, line: 1, col: 1 }, '', `cannot load: ${(err as Error).message}`));
  }
}

/** The fast path: every document valid, or undefined (then the file goes the exact way). */
function loadFast(file: string, text: string, parsed: readonly FastDoc[]): FileOutcome | undefined {
  const positions = new PositionsOnDemand(file, text);
  const docs: FileOutcome['docs'] = [];
  for (const d of parsed) {
    if (d.value == null) continue;
    const kind = (d.value as { kind?: unknown }).kind;
    if (!(KINDS as readonly unknown[]).includes(kind)) return undefined;
    // Flows of the plain shape need no zod (fast-flow.ts); the rest, and any doubt, do.
    let data: AnyDoc | undefined = kind === 'Flow' ? fastFlow(d.value) : undefined;
    if (!data) {
      const result = schemaOfKind[kind as Kind].safeParse(d.value);
      if (!result.success) return undefined;
      data = result.data as AnyDoc;
    }
    const source = new LazySource(positions, d.index, d.line, d.col);
    (data as { source?: SpecSource }).source = source;
    docs.push({ kind: kind as Kind, doc: data as Located<AnyDoc> });
  }
  return { docs, errors: [], warnings: [] };
}

/** The exact path: the `yaml` package with source ranges; every defect at its field. */
function loadExact(file: string, text: string, limits: ParseLimits): FileOutcome {
  const out: FileOutcome = { docs: [], errors: [], warnings: [] };
  const { errors, warnings } = out;
  const lines = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const list = Array.isArray(parsed) ? parsed : [];
  list.forEach((doc, index) => {
    const pos = new PositionIndex(file, doc, lines);
    const yamlProblem = (e: { pos: [number, number]; message: string; code: string }) =>
      new SpecError(Codes.yaml, pos.posOf(e.pos[0]), '', e.message, { yamlCode: e.code });
    for (const w of doc.warnings) warnings.push(yamlProblem(w));
    if (doc.errors.length) {
      errors.push(...doc.errors.map(yamlProblem));
      return;
    }
    // An empty document (a trailing `---`, only comments) holds nothing to check.
    if (doc.contents == null || (isScalar(doc.contents) && doc.contents.value == null)) return;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: limits.maxAliasCount });
    } catch (err) {
      // The yaml package's guard against alias bombs (a ReferenceError); reported at the first alias.
      let at = pos.start();
      visit(doc, {
        Alias(_, node) {
          if (node.range) at = pos.posOf(node.range[0]);
          return visit.BREAK;
        },
      });
      errors.push(new SpecError(Codes.aliasLimit, at, '', `aliases expand too far (more than ${limits.maxAliasCount} alias resolutions): ${(err as Error).message}`, { limit: limits.maxAliasCount }));
      return;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      errors.push(new SpecError(Codes.kind, pos.start(), '', 'a spec document must be a mapping with apiVersion, kind, metadata and spec'));
      return;
    }
    const kind = (value as { kind?: unknown }).kind;
    if (!(KINDS as readonly unknown[]).includes(kind)) {
      const found = kind === undefined ? 'missing kind' : `unknown kind ${JSON.stringify(kind)}`;
      errors.push(new SpecError(Codes.kind, pos.at('kind'), 'kind', `${found}; expected one of ${KINDS.join(', ')}`));
      return;
    }
    const result = schemaOfKind[kind as Kind].safeParse(value, { reportInput: true });
    if (!result.success) {
      errors.push(...issuesToErrors(result.error.issues, pos));
      return;
    }
    const start = pos.start();
    const source: SpecSource = { file, line: start.line, col: start.col, index, at: (p) => pos.at(p) };
    out.docs.push({ kind: kind as Kind, doc: { ...(result.data as AnyDoc), source } });
  });
  return out;
}
