// Repo files in, a SpecSet and every defect out. Each YAML document is parsed
// with source ranges, checked against its kind's schema, and — if valid —
// kept with its position index; then the cross-document rules run over the
// whole set. Nothing stops at the first error: a person fixing a repo wants
// the full list. No I/O: the caller reads the files (source/dir.ts, Git).
import { isScalar, LineCounter, parseAllDocuments } from 'yaml';
import { SpecError } from '../shared/errors.ts';
import { checkSpecs } from './checks.ts';
import { Codes } from './codes.ts';
import { isExpired } from './expiry.ts';
import { assignFlowIds, type FlowIdOptions } from './flow-id.ts';
import { issuesToErrors } from './issues.ts';
import { PositionIndex } from './positions.ts';
import { KINDS, schemaOfKind, type Flow, type Kind, type Service, type Target, type Tenant } from './schema.ts';
import { specKey, type Located, type SpecSet, type SpecSource } from './spec-set.ts';

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

type AnyDoc = Tenant | Service | Flow | Target;

export function loadSpecs(files: SpecFiles, opts: LoadOptions = {}): LoadResult {
  const errors: SpecError[] = [];
  const warnings: SpecError[] = [];
  const docs: Record<Kind, Located<AnyDoc>[]> = { Tenant: [], Service: [], Flow: [], Target: [] };

  for (const file of [...files.keys()].filter(isSpecFile).sort()) {
    const raw = files.get(file)!;
    const text = typeof raw === 'string' ? raw : Buffer.from(raw).toString('utf8');
    loadFile(file, text, docs, errors, warnings);
  }

  const seen = new Map<string, Located<AnyDoc>>();
  const unique = (kind: Kind) =>
    docs[kind].filter((d) => {
      const key = `${kind}:${specKey(d)}`;
      const first = seen.get(key);
      if (!first) {
        seen.set(key, d);
        return true;
      }
      const f = first.source;
      errors.push(
        new SpecError(Codes.duplicateName, d.source.at('metadata.name'), 'metadata.name', `duplicate ${kind} "${specKey(d)}" (first defined at ${f.file}:${f.line}:${f.col})`),
      );
      return false;
    });
  const bySpecKey = (a: AnyDoc, b: AnyDoc) => (specKey(a) < specKey(b) ? -1 : specKey(a) > specKey(b) ? 1 : 0);

  const specs: SpecSet = {
    tenants: (unique('Tenant') as Located<Tenant>[]).sort(bySpecKey),
    services: (unique('Service') as Located<Service>[]).sort(bySpecKey),
    flows: (unique('Flow') as Located<Flow>[]).sort(bySpecKey),
    targets: (unique('Target') as Located<Target>[]).sort(bySpecKey),
  };

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

function loadFile(
  file: string,
  text: string,
  docs: Record<Kind, Located<AnyDoc>[]>,
  errors: SpecError[],
  warnings: SpecError[],
): void {
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
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
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
    docs[kind as Kind].push({ ...(result.data as AnyDoc), source });
  });
}
