// A purpose-built reader for flowops' own P4 sources: not a P4 parser, just
// enough brace matching and regexes over `@name`/`@id`, table bodies, action
// signatures, extern instantiations and `bit<N>` fields to say what P4Info a
// compiler must produce for them. It understands the shapes our programs use
// and throws on anything it does not, so a new construct fails the test loudly
// instead of being skipped.
import fs from 'node:fs';
import path from 'node:path';

export interface SrcKey {
  /** p4c numbers key elements by position, selector inputs included (FieldIdAllocator). */
  id: number;
  expr: string;
  name: string;
  bits: number;
  match: string;
}
export interface SrcTable {
  local: string;
  name: string;
  id: number;
  keys: SrcKey[];
  /** Match fields P4Runtime sees (selector inputs are not among them). */
  matchKeys: SrcKey[];
  actions: { local: string; defaultOnly: boolean }[];
  defaultAction?: { local: string; isConst: boolean };
  size?: number;
  implementation?: string;
  counters?: string;
  meters?: string;
}
export interface SrcAction {
  local: string;
  name: string;
  id: number;
  params: { name: string; bits: number }[];
}
export interface SrcExtern {
  local: string;
  type: string;
  name: string;
  id: number;
  args: string[];
  annotations: Record<string, string>;
}
export interface SrcProgram {
  arch: 'v1model' | 'tna';
  tables: SrcTable[];
  actions: SrcAction[];
  externs: SrcExtern[];
}

/** p4c's own id for core.p4's NoAction: hashed from the name (see nameId below). */
export const NO_ACTION = 'NoAction';

/**
 * The id p4c gives a symbol without @id: Jenkins one-at-a-time over the name,
 * low 24 bits under the resource prefix (no collision probing needed here).
 */
export function p4cNameId(name: string, prefix: number): number {
  let h = 0;
  for (const b of Buffer.from(name, 'utf8')) {
    h = (h + b) >>> 0;
    h = (h + (h << 10)) >>> 0;
    h = (h ^ (h >>> 6)) >>> 0;
  }
  h = (h + (h << 3)) >>> 0;
  h = (h ^ (h >>> 11)) >>> 0;
  h = (h + (h << 15)) >>> 0;
  return ((prefix << 24) | (h & 0xffffff)) >>> 0;
}

/** Standard P4Info prefix per extern type (TNA externs get a Barefoot prefix first, then the std one). */
const EXTERN_PREFIX: Record<string, number> = {
  action_selector: 0x11,
  action_profile: 0x11,
  ActionProfile: 0x11,
  direct_counter: 0x13,
  DirectCounter: 0x13,
  direct_meter: 0x15,
  DirectMeter: 0x15,
};

function stripComments(src: string): string {
  return src.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');
}

/** The text between the `{` at `open` and its matching `}`. */
function block(src: string, open: number): string {
  if (src[open] !== '{') throw new Error(`expected { at ${open}`);
  let depth = 0;
  for (let i = open; i < src.length; i++) {
    if (src[i] === '{') depth++;
    else if (src[i] === '}' && --depth === 0) return src.slice(open + 1, i);
  }
  throw new Error(`unbalanced braces from ${open}`);
}

const ANNOS = String.raw`((?:@\w+(?:\s*\([^()]*(?:\([^()]*\)[^()]*)*\))?\s*)*)`;

function annotations(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/@(\w+)(?:\s*\(([^()]*(?:\([^()]*\)[^()]*)*)\))?/g)) out[m[1]] = (m[2] ?? '').trim();
  return out;
}

function pinnedName(annos: Record<string, string>, what: string): string {
  const m = /^"\.(.+)"$/.exec(annos.name ?? '');
  if (!m) throw new Error(`${what} has no absolute @name(".…"): every P4Runtime-visible object must be pinned`);
  return m[1];
}

function pinnedId(annos: Record<string, string>, what: string, prefix: number): number {
  if (!annos.id) throw new Error(`${what} has no @id`);
  const raw = Number(annos.id);
  if (!Number.isInteger(raw)) throw new Error(`${what}: @id(${annos.id}) is not an integer`);
  const have = raw >>> 24;
  if (have !== 0 && have !== prefix) throw new Error(`${what}: @id(${annos.id}) has the wrong 8-bit prefix`);
  return (raw | (prefix << 24)) >>> 0;
}

/** Field widths: `<struct or header type>` → field → bits, from every header/struct in the sources. */
function typeFields(src: string): Map<string, Map<string, string>> {
  const types = new Map<string, Map<string, string>>();
  for (const m of src.matchAll(/\b(header|struct)\s+(\w+)\s*\{/g)) {
    const body = block(src, m.index! + m[0].length - 1);
    const fields = new Map<string, string>();
    for (const f of body.matchAll(/([\w<>]+)\s+(\w+)\s*;/g)) fields.set(f[2], f[1]);
    types.set(m[2], fields);
  }
  return types;
}

/** Architecture-provided fields our keys read (from v1model.p4 and tna.p4). */
const ARCH_FIELDS: Record<string, Record<string, number>> = {
  v1model: { 'std_md.ingress_port': 9 },
  tna: { 'ig_intr_md.ingress_port': 9 },
};

function exprWidth(expr: string, arch: 'v1model' | 'tna', types: Map<string, Map<string, string>>, paramTypes: Record<string, string>): number {
  const known = ARCH_FIELDS[arch][expr];
  if (known) return known;
  const [root, ...rest] = expr.split('.');
  let type = paramTypes[root];
  if (!type) throw new Error(`key ${expr}: unknown root ${root}`);
  for (const part of rest) {
    const fields = types.get(type);
    const next = fields?.get(part);
    if (!next) throw new Error(`key ${expr}: ${type} has no field ${part}`);
    type = next;
  }
  const bits = /^bit<(\d+)>$/.exec(type);
  if (!bits) throw new Error(`key ${expr}: type ${type} is not bit<N>`);
  return Number(bits[1]);
}

function parseTable(local: string, annos: Record<string, string>, body: string, width: (expr: string) => number): SrcTable {
  const what = `table ${local}`;
  const prop = (name: string): string | undefined => new RegExp(String.raw`\b${name}\s*=\s*([^;{]+);`).exec(body)?.[1].trim();
  const propBlock = (name: string): string => {
    const m = new RegExp(String.raw`\b${name}\s*=\s*\{`).exec(body);
    if (!m) throw new Error(`${what} has no ${name} block`);
    return block(body, m.index + m[0].length - 1);
  };
  const keys: SrcKey[] = [];
  for (const k of propBlock('key').matchAll(/([\w.]+)\s*:\s*(\w+)\s*(?:@name\("([^"]+)"\))?\s*;/g)) {
    const match = k[2];
    if (match !== 'selector' && !k[3]) throw new Error(`${what}: key ${k[1]} has no @name`);
    keys.push({ id: keys.length + 1, expr: k[1], name: k[3] ?? k[1], bits: width(k[1]), match });
  }
  const actions: SrcTable['actions'] = [];
  for (const a of propBlock('actions').matchAll(/(@defaultonly\s+)?(\w+)\s*(?:\(\s*\))?\s*;/g)) actions.push({ local: a[2], defaultOnly: !!a[1] });
  const def = /(const\s+)?default_action\s*=\s*(\w+)\s*\(/.exec(body);
  const size = prop('size');
  return {
    local,
    name: pinnedName(annos, what),
    id: pinnedId(annos, what, 0x02),
    keys,
    matchKeys: keys.filter((k) => k.match !== 'selector'),
    actions,
    defaultAction: def ? { local: def[2], isConst: !!def[1] } : undefined,
    size: size === undefined ? undefined : Number(size),
    implementation: prop('implementation'),
    counters: prop('counters'),
    meters: prop('meters'),
  };
}

/** The actions, tables and P4Runtime externs declared in one control's body. */
function extractControl(body: string, tna: boolean, width: (expr: string) => number, out: Pick<SrcProgram, 'actions' | 'tables' | 'externs'>): void {
  const { actions, tables, externs } = out;
  for (const m of body.matchAll(new RegExp(ANNOS + String.raw`action\s+(\w+)\s*\(([^)]*)\)`, 'g'))) {
    const annos = annotations(m[1]);
    const what = `action ${m[2]}`;
    const params = m[3].trim() === '' ? [] : m[3].split(',').map((p) => {
      const pm = /^(?:in\s+|out\s+|inout\s+)?bit<(\d+)>\s+(\w+)$/.exec(p.trim());
      if (!pm) throw new Error(`${what}: parameter "${p.trim()}" is not "bit<N> name"`);
      return { name: pm[2], bits: Number(pm[1]) };
    });
    actions.push({ local: m[2], name: pinnedName(annos, what), id: pinnedId(annos, what, 0x01), params });
  }

  for (const m of body.matchAll(new RegExp(ANNOS + String.raw`table\s+(\w+)\s*\{`, 'g'))) {
    const tbody = block(body, m.index! + m[0].length - 1);
    tables.push(parseTable(m[2], annotations(m[1]), tbody, width));
  }

  const externRe = new RegExp(ANNOS + String.raw`\b(direct_counter|direct_meter|action_selector|action_profile|DirectCounter|DirectMeter|ActionProfile|ActionSelector|Hash)(?:\s*<(?:[^<>]|<[^<>]*>)*>)?\s*\(([^;]*)\)\s*(\w+)\s*;`, 'g');
  for (const m of body.matchAll(externRe)) {
    const annos = annotations(m[1]);
    const type = m[2];
    if (type === 'Hash') continue; // no P4Runtime object
    const what = `${type} ${m[4]}`;
    const args = m[3].split(',').map((a) => a.trim());
    // TNA's ActionSelector is folded into its ActionProfile in standard P4Info; it keeps its own name and id.
    const prefix = EXTERN_PREFIX[type] ?? 0x11;
    // bf-p4c ignores @id on TNA externs and derives their ids from the name: 0 here, the test takes v1model's.
    const id = annos.id === undefined && tna ? 0 : pinnedId(annos, what, prefix);
    externs.push({ local: m[4], type, name: pinnedName(annos, what), id, args, annotations: annos });
  }
}

/** Reads `file` (and the headers it includes) into the P4Runtime objects it declares. */
export function extractP4(file: string): SrcProgram {
  const raw = fs.readFileSync(file, 'utf8');
  const includes = [...raw.matchAll(/#include\s+"([^"]+)"/g)].map((m) => fs.readFileSync(path.join(path.dirname(file), m[1]), 'utf8'));
  const src = stripComments(raw);
  const all = stripComments([...includes, raw].join('\n'));
  const arch: SrcProgram['arch'] = /#include\s+<tna\.p4>/.test(src) ? 'tna' : /#include\s+<v1model\.p4>/.test(src) ? 'v1model' : (() => { throw new Error(`${file}: neither v1model nor tna`); })();
  const types = typeFields(all);

  const actions: SrcAction[] = [];
  const tables: SrcTable[] = [];
  const externs: SrcExtern[] = [];
  // The ingress and egress controls: their parameters give key roots their types.
  for (const control of ['FlowopsIngress', 'FlowopsEgress']) {
    const ctl = new RegExp(String.raw`control\s+${control}\s*\(([^)]*)\)\s*\{`).exec(src);
    if (!ctl) throw new Error(`${file}: no control ${control}`);
    const paramTypes: Record<string, string> = {};
    for (const p of ctl[1].split(',')) {
      const m = /(?:in|out|inout)?\s*(\w+)\s+(\w+)\s*$/.exec(p.trim());
      if (m) paramTypes[m[2]] = m[1];
    }
    const body = block(src, ctl.index + ctl[0].length - 1);
    extractControl(body, arch === 'tna', (e) => exprWidth(e, arch, types, paramTypes), { actions, tables, externs });
  }
  return { arch, tables, actions, externs };
}

/** Numeric value of a P4 integer literal such as `32w65536`, `64` or `0x10`. */
export function p4Int(lit: string): number {
  const m = /^(?:\d+[ws])?(0x[0-9a-fA-F]+|\d+)$/.exec(lit.trim());
  if (!m) throw new Error(`not an integer literal: ${lit}`);
  return Number(m[1]);
}
