// Flow documents that need no zod: a repository of 10^5 flows spent seconds
// (and a copy of every document) in `Flow.safeParse`. `fastFlow` accepts only
// the plain shape almost every flow is written in — envelope and metadata
// without labels, `from`/`to` naming a service or role, a protocol, integer
// ports, `action`, and `qos`/`steer` — with keys in the schema's order, and
// hands it back as it is: for such a value zod's output is a copy equal to it,
// key for key and in the same order. Anything else (labels, port ranges,
// rateLimit, expires, another key order, any doubt) returns undefined and goes
// through zod as before, so every error still comes from the schema.
import { API_VERSION, FUNCTION_KINDS, PROTOCOLS, QOS_CLASSES, type Flow } from './schema.ts';

const ENVELOPE = ['apiVersion', 'kind', 'metadata', 'spec'] as const;
/** FlowSpec's keys in its shape's order, without those left to zod (rateLimit, expires). */
const SPEC_KEYS = ['from', 'to', 'protocol', 'ports', 'action', 'qos', 'steer'] as const;
const REQUIRED = new Set(['from', 'to', 'protocol', 'action']);
const protocols = new Set<unknown>(PROTOCOLS);
const qosClasses = new Set<unknown>(QOS_CLASSES);
const functionKinds = new Set<unknown>(FUNCTION_KINDS);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
/** NAME_RE (lowercase letters, digits, inner `-`) and at most 63 characters, without a regex per name. */
const isName = (v: unknown): boolean => {
  if (typeof v !== 'string' || v.length === 0 || v.length > 63) return false;
  const last = v.length - 1;
  for (let i = 0; i <= last; i++) {
    const c = v.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c === 45 && i > 0 && i < last))) return false;
  }
  return true;
};
const isInt = (v: unknown, lo: number, hi: number): boolean => typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi;

/** An object of exactly one key from `keys`, holding a Name. */
function oneName(v: unknown, keys: readonly string[]): boolean {
  if (!isObject(v)) return false;
  let n = 0;
  let only = '';
  for (const k in v) {
    if (++n > 1) return false;
    only = k;
  }
  return n === 1 && keys.includes(only) && isName(v[only]);
}

/** Whether `v`'s own keys are exactly `keys`, in that order (for-in: no array made; plain objects have no inherited enumerable keys). */
function keysAre(v: Record<string, unknown>, keys: readonly string[]): boolean {
  let i = 0;
  for (const k in v) if (k !== keys[i++]) return false;
  return i === keys.length;
}
const META_KEYS = ['name', 'tenant'] as const;
const FROM_KEYS = ['service', 'role'];
const TO_KEYS = ['service'];

/** `value` itself when it is a Flow of the plain shape (what `Flow.parse` would return, equal and in the same key order), else undefined. */
export function fastFlow(value: unknown): Flow | undefined {
  if (!isObject(value)) return undefined;
  if (!keysAre(value, ENVELOPE)) return undefined;
  if (value.apiVersion !== API_VERSION || value.kind !== 'Flow') return undefined;
  const meta = value.metadata;
  if (!isObject(meta)) return undefined;
  if (!keysAre(meta, META_KEYS) || !isName(meta.name) || !isName(meta.tenant)) return undefined;
  const spec = value.spec;
  if (!isObject(spec)) return undefined;
  let at = 0;
  let required = 0;
  for (const k in spec) {
    while (at < SPEC_KEYS.length && SPEC_KEYS[at] !== k) at++;
    if (at === SPEC_KEYS.length) return undefined; // unknown, left to zod, or out of order
    if (REQUIRED.has(k)) required++;
    const v = spec[k];
    switch (k) {
      case 'from':
        if (!oneName(v, FROM_KEYS)) return undefined;
        break;
      case 'to':
        if (!oneName(v, TO_KEYS)) return undefined;
        break;
      case 'protocol':
        if (!protocols.has(v) && !isInt(v, 0, 255)) return undefined;
        break;
      case 'ports':
        if (!Array.isArray(v) || !v.length) return undefined;
        for (const p of v) if (!isInt(p, 1, 65535)) return undefined;
        break;
      case 'action':
        if (v !== 'allow') return undefined;
        break;
      case 'qos':
        if (!qosClasses.has(v)) return undefined;
        break;
      case 'steer':
        if (!functionKinds.has(v)) return undefined;
        break;
    }
  }
  return required === REQUIRED.size ? (value as Flow) : undefined;
}
