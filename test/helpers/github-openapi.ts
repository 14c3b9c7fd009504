// GitHub's official OpenAPI description (from @octokit/openapi), loaded once per
// process, as a judge for the GitHub test server: find an operation by method +
// path, validate params/bodies/responses with ajv, and sample minimal valid
// response objects so the server's replies are shaped by the spec, not by us.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

type Json = any;

const require = createRequire(import.meta.url);
// Read only the one description we need; the package's index.js would parse ~400 MB of variants.
const SPEC_FILE = path.join(path.dirname(require.resolve('@octokit/openapi/package.json')), 'generated/api.github.com.json');

export interface Operation {
  method: string;
  template: string;
  operationId: string;
  op: Json;
  segments: string[];
}

export interface RouteMatch {
  operation: Operation;
  params: Record<string, string>;
}

interface Loaded {
  spec: Json;
  operations: Operation[];
  ajv: Ajv;
  paramAjv: Ajv;
  cache: Map<string, ValidateFunction>;
}

let loaded: Loaded | undefined;

/** OpenAPI 3.0 `nullable` becomes JSON Schema `anyOf [.., null]`, which ajv understands everywhere (nullable without type it rejects). */
function convertNullable(node: Json): Json {
  if (Array.isArray(node)) return node.map(convertNullable);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'example' || k === 'examples' || k === 'description') continue;
    out[k] = convertNullable(v);
  }
  if (out.nullable === true) {
    delete out.nullable;
    return { anyOf: [out, { type: 'null' }] };
  }
  return out;
}

function load(): Loaded {
  if (loaded) return loaded;
  const spec = JSON.parse(fs.readFileSync(SPEC_FILE, 'utf8'));
  const operations: Operation[] = [];
  for (const [template, item] of Object.entries<Json>(spec.paths)) {
    for (const method of ['get', 'post', 'patch', 'put', 'delete']) {
      const op = item[method];
      if (!op) continue;
      operations.push({ method: method.toUpperCase(), template, operationId: op.operationId, op, segments: template.split('/').slice(1) });
    }
  }
  const addFormats = ((addFormatsModule as Json).default ?? addFormatsModule) as (a: Ajv) => Ajv;
  const mk = (coerce: boolean) => {
    const a = new Ajv({ strict: false, allErrors: true, logger: false, coerceTypes: coerce ? 'array' : false, validateSchema: false });
    addFormats(a);
    a.addSchema({ $id: 'gh', components: convertNullable(spec.components) });
    return a;
  };
  loaded = { spec, operations, ajv: mk(false), paramAjv: mk(true), cache: new Map() };
  return loaded;
}

/** `#/components/...` inside a path item schema → `gh#/components/...`, the id the components were registered under. */
function rebase(schema: Json): Json {
  return JSON.parse(JSON.stringify(convertNullable(schema)).replaceAll('"$ref":"#/components/', '"$ref":"gh#/components/'));
}

function deref(node: Json): Json {
  let n = node;
  while (n && n.$ref) {
    const parts = String(n.$ref).replace(/^#\//, '').split('/');
    n = parts.reduce((acc: Json, p: string) => acc[p.replaceAll('~1', '/').replaceAll('~0', '~')], load().spec);
  }
  return n;
}

export function findRoute(method: string, pathname: string): RouteMatch | undefined {
  const segs = pathname.split('/').slice(1).map(decodeURIComponent);
  let best: RouteMatch | undefined;
  let bestScore = -1;
  for (const operation of load().operations) {
    if (operation.method !== method || operation.segments.length !== segs.length) continue;
    const params: Record<string, string> = {};
    let score = 0;
    let ok = true;
    for (let i = 0; i < segs.length; i++) {
      const t = operation.segments[i];
      const m = /^\{(.+)\}$/.exec(t);
      if (m) params[m[1]] = segs[i];
      else if (t === segs[i]) score++;
      else { ok = false; break; }
    }
    // A literal segment beats a template variable (`issues/comments` vs `issues/{issue_number}`).
    if (ok && score > bestScore) { best = { operation, params }; bestScore = score; }
  }
  return best;
}

function compiled(key: string, make: () => Json, coerce = false): ValidateFunction {
  const l = load();
  let v = l.cache.get(key);
  if (!v) {
    v = (coerce ? l.paramAjv : l.ajv).compile(make());
    l.cache.set(key, v);
  }
  return v;
}

function errorsText(v: ValidateFunction): string[] {
  return (v.errors ?? []).slice(0, 8).map((e) => `${e.instancePath || '/'} ${e.message}${e.params ? ' ' + JSON.stringify(e.params) : ''}`);
}

/** Checks path and query parameters (query values arrive as strings; coerced like GitHub does). Unknown query params are errors. */
export function validateParams(m: RouteMatch, query: Record<string, string>): string[] {
  const params: Json[] = (m.operation.op.parameters ?? []).map(deref);
  const problems: string[] = [];
  for (const where of ['path', 'query'] as const) {
    const ps = params.filter((p) => p.in === where);
    const v = compiled(`${m.operation.operationId}:${where}`, () => rebase({
      type: 'object',
      properties: Object.fromEntries(ps.map((p) => [p.name, p.schema ?? {}])),
      required: ps.filter((p) => p.required).map((p) => p.name),
      additionalProperties: false,
    }), true);
    const data = { ...(where === 'path' ? m.params : query) };
    if (!v(data)) problems.push(...errorsText(v).map((e) => `${where} params: ${e}`));
  }
  return problems;
}

export function validateRequestBody(m: RouteMatch, body: unknown): string[] {
  const rb = deref(m.operation.op.requestBody);
  const schema = rb?.content?.['application/json']?.schema;
  if (!schema) return body === undefined ? [] : [];
  if (body === undefined) return rb.required ? ['request body: required but missing'] : [];
  const v = compiled(`${m.operation.operationId}:body`, () => rebase(schema));
  return v(body) ? [] : errorsText(v).map((e) => `request body: ${e}`);
}

/** Validates a response body against the operation's documented schema for that status; undocumented statuses are not judged. */
export function validateResponse(m: RouteMatch, status: number, body: unknown): string[] {
  const res = deref(m.operation.op.responses?.[String(status)]);
  if (!res) return status < 400 ? [`response ${status} is not documented for ${m.operation.operationId}`] : [];
  const schema = res.content?.['application/json']?.schema;
  if (!schema) return body === undefined || body === '' ? [] : [`response ${status}: documented without a body, but one was sent`];
  const v = compiled(`${m.operation.operationId}:res:${status}`, () => rebase(schema));
  return v(body) ? [] : errorsText(v).map((e) => `response ${status} body: ${e}`);
}

/** A component schema, dereferenced (for sampling). */
export function componentSchema(name: string): Json {
  return load().spec.components.schemas[name];
}

/**
 * A minimal instance of a schema: required properties only, first enum value,
 * first anyOf/oneOf branch, null where nullable. The server overlays its own state.
 */
export function sample(schema: Json, depth = 0): Json {
  const s = deref(schema);
  if (depth > 12) return null;
  if (s.nullable) return null;
  if (s.allOf) return Object.assign({}, ...s.allOf.map((x: Json) => sample(x, depth + 1)));
  if (s.anyOf || s.oneOf) return sample((s.anyOf ?? s.oneOf)[0], depth + 1);
  if (s.enum) return s.enum[0];
  const type = Array.isArray(s.type) ? s.type[0] : s.type ?? (s.properties ? 'object' : undefined);
  switch (type) {
    case 'object': {
      const o: Json = {};
      for (const k of s.required ?? []) o[k] = sample(s.properties?.[k] ?? {}, depth + 1);
      return o;
    }
    case 'array': return [];
    case 'integer': case 'number': return s.minimum ?? 1;
    case 'boolean': return false;
    case 'string':
      switch (s.format) {
        case 'date-time': return new Date(0).toISOString();
        case 'uri': case 'url': return 'https://github.test/x';
        case 'email': return 'x@github.test';
        case 'uuid': return '00000000-0000-4000-8000-000000000000';
        default: return 'x';
      }
    default: return null;
  }
}

export function sampleComponent(name: string): Json {
  return sample(componentSchema(name));
}
