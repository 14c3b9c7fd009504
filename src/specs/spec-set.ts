// A loaded set of specs: every valid document of the repo, each remembering
// where it was written so later stages (compile, plan, reports) can point a
// person at the line that asked for an entry.
import type { SourcePos } from '../shared/errors.ts';
import type { Contract, Flow, Service, Target, Tenant } from './schema.ts';

/** A path into a document, as zod and the YAML AST see it: ['spec', 'ports', 1]. */
export type FieldPath = readonly (string | number)[];

export interface SpecSource {
  /** Repo-relative path, '/'-separated. */
  file: string;
  /** Where the document starts (1-based). */
  line: number;
  col: number;
  /** Index of the document in its file (0-based, `---` separated). */
  index: number;
  /** Position of the value at `path` (or of the nearest key above it when the value is absent). */
  at(path: FieldPath | string): SourcePos;
}

/** A validated document plus where it came from. `source` is not part of the YAML. */
export type Located<T> = T & { readonly source: SpecSource };

export interface SpecSet {
  /** Sorted by name. */
  tenants: Located<Tenant>[];
  /** Sorted by `tenant/name`. */
  services: Located<Service>[];
  /** Sorted by `tenant/name`: the Flow documents, then (merged in order) the flows generated from contracts. */
  flows: Located<Flow>[];
  /** Sorted by `tenant/name`. Optional so hand-built spec sets (tests, tools) need not name it. */
  contracts?: Located<Contract>[];
  /** Sorted by name. */
  targets: Located<Target>[];
}

/** `tenant/name` for tenant-scoped documents, `name` for Tenant and Target: the identity used in keys and messages. */
export function specKey(doc: Tenant | Service | Flow | Contract | Target): string {
  return 'tenant' in doc.metadata ? `${doc.metadata.tenant}/${doc.metadata.name}` : doc.metadata.name;
}

/** `spec.ports[1]` from ['spec','ports',1]. */
export function formatFieldPath(path: FieldPath): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${seg}` : seg;
  }
  return out;
}

/** ['spec','ports',1] from `spec.ports[1]`. */
export function parseFieldPath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(m[1]!);
  }
  return out;
}
