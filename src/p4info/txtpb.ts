// Protobuf text format (what p4c writes as `*.p4info.txtpb`), read and written
// by walking protobufjs reflection: the message type says what each field is,
// so one small parser handles P4Info and any other message. The parser's
// output is a plain object that `type.fromObject` accepts; errors name
// file:line:col so a hand-edited P4Info points at its typo.
import fs from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';
import { FlowopsError, type SourcePos } from '../shared/errors.ts';
import { P4RUNTIME_VERSION, protoType } from '../proto/load.ts';

/** A text-format syntax or schema mistake, with where it is. */
export class TextProtoError extends FlowopsError {
  constructor(message: string, pos: SourcePos, data: Record<string, unknown> = {}) {
    super('TXTPB_INVALID', message, data, pos);
  }
  override toString(): string {
    return `${this.pos!.file}:${this.pos!.line}:${this.pos!.col} ${this.message}`;
  }
}

type TokKind = 'ident' | 'number' | 'string' | 'punct' | 'eof';
interface Token {
  kind: TokKind;
  text: string;
  /** Decoded bytes of a string literal. */
  bytes?: Buffer;
  line: number;
  col: number;
}

class Lexer {
  private i = 0;
  private line = 1;
  private col = 1;
  private peeked: Token | undefined;

  constructor(
    private readonly src: string,
    readonly file: string,
  ) {}

  error(msg: string, at: { line: number; col: number }, data: Record<string, unknown> = {}): TextProtoError {
    return new TextProtoError(msg, { file: this.file, line: at.line, col: at.col }, data);
  }

  peek(): Token {
    if (!this.peeked) this.peeked = this.lex();
    return this.peeked;
  }

  take(): Token {
    const t = this.peek();
    this.peeked = undefined;
    return t;
  }

  private adv(n = 1): void {
    for (let k = 0; k < n; k++) {
      if (this.src[this.i] === '\n') {
        this.line++;
        this.col = 1;
      } else this.col++;
      this.i++;
    }
  }

  private lex(): Token {
    const s = this.src;
    for (;;) {
      const c = s[this.i];
      if (c === undefined) return { kind: 'eof', text: '', line: this.line, col: this.col };
      if (c === ' ' || c === '\t' || c === '\r' || c === '\n') this.adv();
      else if (c === '#') while (this.i < s.length && s[this.i] !== '\n') this.adv();
      else break;
    }
    const line = this.line;
    const col = this.col;
    const c = s[this.i];
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(s.slice(this.i, this.i + 256))!;
      this.adv(m[0].length);
      return { kind: 'ident', text: m[0], line, col };
    }
    if (/[0-9.+-]/.test(c)) {
      const m = /^[+-]?(0[xX][0-9a-fA-F]+|[0-9]*\.?[0-9]+([eE][+-]?[0-9]+)?[fF]?|[0-9]+\.|inf(inity)?|nan)/i.exec(s.slice(this.i, this.i + 256));
      if (!m || m[0] === '-' || m[0] === '+') throw this.error(`unexpected character ${JSON.stringify(c)}`, { line, col });
      this.adv(m[0].length);
      return { kind: 'number', text: m[0], line, col };
    }
    if (c === '"' || c === "'") return this.lexString(c, line, col);
    if ('{}[]<>:,;/'.includes(c)) {
      this.adv();
      return { kind: 'punct', text: c, line, col };
    }
    throw this.error(`unexpected character ${JSON.stringify(c)}`, { line, col });
  }

  private lexString(q: string, line: number, col: number): Token {
    const s = this.src;
    const out: number[] = [];
    this.adv();
    for (;;) {
      const c = s[this.i];
      if (c === undefined || c === '\n') throw this.error('unterminated string', { line, col });
      if (c === q) {
        this.adv();
        break;
      }
      if (c !== '\\') {
        const cp = s.codePointAt(this.i)!;
        const ch = String.fromCodePoint(cp);
        out.push(...Buffer.from(ch, 'utf8'));
        this.adv(ch.length);
        continue;
      }
      const eline = this.line;
      const ecol = this.col;
      this.adv();
      const e = s[this.i];
      const simple: Record<string, number> = { n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, '\\': 92, "'": 39, '"': 34, '?': 63 };
      if (e !== undefined && e in simple) {
        out.push(simple[e]);
        this.adv();
      } else if (e === 'x' || e === 'X') {
        const m = /^[0-9a-fA-F]{1,2}/.exec(s.slice(this.i + 1, this.i + 3));
        if (!m) throw this.error('\\x needs hex digits', { line: eline, col: ecol });
        out.push(parseInt(m[0], 16));
        this.adv(1 + m[0].length);
      } else if (e !== undefined && /[0-7]/.test(e)) {
        const m = /^[0-7]{1,3}/.exec(s.slice(this.i, this.i + 3))!;
        const v = parseInt(m[0], 8);
        if (v > 255) throw this.error(`octal escape \\${m[0]} is more than a byte`, { line: eline, col: ecol });
        out.push(v);
        this.adv(m[0].length);
      } else if (e === 'u' || e === 'U') {
        const n = e === 'u' ? 4 : 8;
        const h = s.slice(this.i + 1, this.i + 1 + n);
        if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(h)) throw this.error(`\\${e} needs ${n} hex digits`, { line: eline, col: ecol });
        out.push(...Buffer.from(String.fromCodePoint(parseInt(h, 16)), 'utf8'));
        this.adv(1 + n);
      } else {
        throw this.error(`unknown escape \\${e ?? ''}`, { line: eline, col: ecol });
      }
    }
    const bytes = Buffer.from(out);
    return { kind: 'string', text: bytes.toString('utf8'), bytes, line, col };
  }
}

const INT32 = new Set(['int32', 'sint32', 'sfixed32']);
const UINT32 = new Set(['uint32', 'fixed32']);
const INT64 = new Set(['int64', 'sint64', 'sfixed64']);
const UINT64 = new Set(['uint64', 'fixed64']);

class Parser {
  constructor(private readonly lx: Lexer) {}

  private expect(text: string): Token {
    const t = this.lx.take();
    if (t.kind !== 'punct' || t.text !== text) {
      throw this.lx.error(`expected "${text}" but found ${describe(t)}`, t);
    }
    return t;
  }

  private accept(text: string): boolean {
    const t = this.lx.peek();
    if (t.kind === 'punct' && t.text === text) {
      this.lx.take();
      return true;
    }
    return false;
  }

  /** Fields until `close` ('' means end of input). */
  message(type: protobuf.Type, close: string): Record<string, unknown> {
    const obj: Record<string, unknown> = {};
    const seen = new Set<string>();
    for (;;) {
      const t = this.lx.peek();
      if (close === '' ? t.kind === 'eof' : t.kind === 'punct' && t.text === close) {
        this.lx.take();
        return obj;
      }
      if (t.kind === 'eof') throw this.lx.error(`missing "${close}" before end of input`, t);
      if (t.kind === 'punct' && t.text === '[') {
        if (type.fullName !== '.google.protobuf.Any' || Object.keys(obj).length) throw this.lx.error('extension syntax [...] is only supported as an expanded google.protobuf.Any', t);
        Object.assign(obj, this.anyExpansion());
        continue;
      }
      if (t.kind !== 'ident') throw this.lx.error(`expected a field name but found ${describe(t)}`, t);
      this.lx.take();
      const field = type.fields[t.text];
      if (!field) throw this.lx.error(`${typeName(type)} has no field "${t.text}"${newerThanUs(type)}`, t, { field: t.text, type: typeName(type) });
      field.resolve();
      if (field.map) {
        this.mapEntries(field as unknown as protobuf.MapField, ((obj[field.name] as Record<string, unknown> | undefined) ??= {}));
        if (!this.accept(',')) this.accept(';');
        continue;
      }
      if (!field.repeated && seen.has(field.name)) throw this.lx.error(`field "${t.text}" given twice`, t);
      seen.add(field.name);
      const isMsg = field.resolvedType instanceof protobuf.Type;
      let values: unknown[];
      if (isMsg) {
        this.accept(':');
        if (this.accept('[')) values = this.list(() => this.messageValue(field));
        else values = [this.messageValue(field)];
      } else {
        this.expect(':');
        if (this.accept('[')) values = this.list(() => this.scalar(field));
        else values = [this.scalar(field)];
      }
      if (values.length > 1 && !field.repeated) throw this.lx.error(`field "${t.text}" is not repeated`, t);
      if (field.repeated) ((obj[field.name] as unknown[] | undefined) ?? (obj[field.name] = [] as unknown[]) as unknown[]).push(...values);
      else obj[field.name] = values[0];
      if (!this.accept(',')) this.accept(';');
    }
  }

  /** `name { key: K value: V }` (or a `[...]` list of such) into `into[K] = V`; a repeated key keeps the last, as protoc does. */
  private mapEntries(field: protobuf.MapField, into: Record<string, unknown>): void {
    const keyField = { name: 'key', type: field.keyType, resolvedType: null } as unknown as protobuf.Field;
    const valueField = { name: 'value', type: field.type, resolvedType: field.resolvedType } as unknown as protobuf.Field;
    const valueIsMsg = field.resolvedType instanceof protobuf.Type;
    const one = (): void => {
      const open = this.lx.take();
      if (open.kind !== 'punct' || (open.text !== '{' && open.text !== '<')) {
        throw this.lx.error(`map field "${field.name}": expected "{" but found ${describe(open)}`, open);
      }
      const close = open.text === '{' ? '}' : '>';
      let key: unknown;
      let value: unknown;
      while (!this.accept(close)) {
        const t = this.lx.take();
        if (t.kind === 'ident' && t.text === 'key') {
          this.expect(':');
          key = this.scalar(keyField);
        } else if (t.kind === 'ident' && t.text === 'value') {
          if (valueIsMsg) {
            this.accept(':');
            value = this.messageValue(valueField);
          } else {
            this.expect(':');
            value = this.scalar(valueField);
          }
        } else {
          throw this.lx.error(`map field "${field.name}": expected key or value but found ${describe(t)}`, t);
        }
        if (!this.accept(',')) this.accept(';');
      }
      into[String(key ?? (field.keyType === 'string' ? '' : 0))] = value ?? (valueIsMsg ? {} : 0);
    };
    this.accept(':');
    if (this.accept('[')) this.list(one);
    else one();
  }

  /**
   * `[type.googleapis.com/pkg.Msg] { ... }`: a message of a type these protos
   * know is parsed and encoded; a vendor's (bf-p4c writes `barefoot.*` extern
   * info this way) keeps its type URL and an empty value, since flowops has no
   * schema to encode it with and never reads it.
   */
  private anyExpansion(): { type_url: string; value: Buffer } {
    this.expect('[');
    let url = '';
    for (;;) {
      const t = this.lx.take();
      if (t.kind === 'punct' && t.text === ']') break;
      if (t.kind === 'eof') throw this.lx.error('missing "]" in an Any type URL', t);
      url += t.text;
    }
    this.accept(':');
    const open = this.lx.peek();
    if (open.kind !== 'punct' || (open.text !== '{' && open.text !== '<')) throw this.lx.error(`expected "{" after [${url}] but found ${describe(open)}`, open);
    let known: protobuf.Type | undefined;
    try {
      known = protoType(url.slice(url.lastIndexOf('/') + 1));
    } catch {
      known = undefined;
    }
    if (known) {
      this.lx.take();
      const value = this.message(known, open.text === '{' ? '}' : '>');
      return { type_url: url, value: Buffer.from(known.encode(known.fromObject(value)).finish()) };
    }
    this.skipBalanced();
    return { type_url: url, value: Buffer.alloc(0) };
  }

  private skipBalanced(): void {
    let depth = 0;
    for (;;) {
      const t = this.lx.take();
      if (t.kind === 'eof') throw this.lx.error('missing "}" before end of input', t);
      if (t.kind !== 'punct') continue;
      if (t.text === '{' || t.text === '<') depth++;
      else if (t.text === '}' || t.text === '>') depth--;
      if (depth === 0) return;
    }
  }

  private list<T>(item: () => T): T[] {
    const out: T[] = [];
    if (this.accept(']')) return out;
    for (;;) {
      out.push(item());
      if (this.accept(']')) return out;
      this.expect(',');
    }
  }

  private messageValue(field: protobuf.Field): Record<string, unknown> {
    const t = this.lx.take();
    if (t.kind === 'punct' && (t.text === '{' || t.text === '<')) {
      return this.message(field.resolvedType as protobuf.Type, t.text === '{' ? '}' : '>');
    }
    throw this.lx.error(`field "${field.name}" is a message: expected "{" but found ${describe(t)}`, t);
  }

  private scalar(field: protobuf.Field): unknown {
    const t = this.lx.take();
    const where = `field "${field.name}"`;
    if (field.resolvedType instanceof protobuf.Enum) {
      const en = field.resolvedType;
      if (t.kind === 'ident') {
        if (!(t.text in en.values)) throw this.lx.error(`${where}: ${en.name} has no value ${t.text}${newerThanUs(en)}`, t, { value: t.text, enum: typeName(en) });
        return t.text;
      }
      if (t.kind === 'number') {
        const n = Number(t.text);
        if (!Number.isInteger(n)) throw this.lx.error(`${where}: enum number must be an integer`, t);
        return n;
      }
      throw this.lx.error(`${where}: expected an enum value but found ${describe(t)}`, t);
    }
    switch (field.type) {
      case 'string':
      case 'bytes': {
        if (t.kind !== 'string') throw this.lx.error(`${where}: expected a string but found ${describe(t)}`, t);
        const parts = [t.bytes!];
        // Adjacent literals concatenate, as in C.
        while (this.lx.peek().kind === 'string') parts.push(this.lx.take().bytes!);
        const all = Buffer.concat(parts);
        return field.type === 'bytes' ? all : all.toString('utf8');
      }
      case 'bool': {
        const v = { true: true, True: true, t: true, '1': true, false: false, False: false, f: false, '0': false }[t.text];
        if ((t.kind !== 'ident' && t.kind !== 'number') || v === undefined) {
          throw this.lx.error(`${where}: expected true or false but found ${describe(t)}`, t);
        }
        return v;
      }
      case 'double':
      case 'float': {
        const txt = t.text.toLowerCase().replace(/f$/, '');
        if (t.kind === 'ident' || t.kind === 'number') {
          const m = /^([+-]?)(inf|infinity|nan)$/.exec(txt);
          if (m) return m[2] === 'nan' ? NaN : m[1] === '-' ? -Infinity : Infinity;
          const n = Number(txt);
          if (t.kind === 'number' && !Number.isNaN(n)) return n;
        }
        throw this.lx.error(`${where}: expected a number but found ${describe(t)}`, t);
      }
    }
    if (t.kind !== 'number') throw this.lx.error(`${where}: expected an integer but found ${describe(t)}`, t);
    let v: bigint;
    const txt = t.text;
    const neg = txt.startsWith('-');
    const body = txt.replace(/^[+-]/, '');
    if (/^0[xX][0-9a-fA-F]+$/.test(body)) v = BigInt(body);
    else if (/^0[0-7]+$/.test(body)) v = BigInt('0o' + body.slice(1));
    else if (/^[0-9]+$/.test(body)) v = BigInt(body);
    else throw this.lx.error(`${where}: ${txt} is not an integer`, t);
    if (neg) v = -v;
    const [lo, hi] = INT32.has(field.type)
      ? [-(2n ** 31n), 2n ** 31n - 1n]
      : UINT32.has(field.type)
        ? [0n, 2n ** 32n - 1n]
        : INT64.has(field.type)
          ? [-(2n ** 63n), 2n ** 63n - 1n]
          : UINT64.has(field.type)
            ? [0n, 2n ** 64n - 1n]
            : [undefined, undefined];
    if (lo === undefined) throw this.lx.error(`${where}: unsupported type ${field.type}`, t);
    if (v < lo || v > hi!) throw this.lx.error(`${where}: ${txt} is out of range for ${field.type}`, t);
    // 64-bit values travel as decimal strings so nothing past 2^53 is rounded.
    return INT64.has(field.type) || UINT64.has(field.type) ? v.toString() : Number(v);
  }
}

function typeName(t: protobuf.ReflectionObject): string {
  return t.fullName.replace(/^\./, '');
}

/**
 * For a P4Runtime type, what an unknown name most likely means: the file was
 * written for a newer P4Runtime than the one these protos describe.
 */
function newerThanUs(t: protobuf.ReflectionObject): string {
  if (!/^\.?p4\./.test(t.fullName)) return '';
  return ` (flowops reads P4Runtime ${P4RUNTIME_VERSION}; if this comes from a newer P4Runtime, upgrade flowops to a release that reads that P4Runtime version, or have the compiler write P4Runtime ${P4RUNTIME_VERSION})`;
}

function describe(t: Token): string {
  if (t.kind === 'eof') return 'end of input';
  if (t.kind === 'string') return 'a string';
  return `"${t.text}"`;
}

/**
 * Parses protobuf text format for `type` into a plain object that
 * `type.fromObject` accepts (64-bit ints as decimal strings, bytes as Buffers,
 * enums as names or numbers). Throws TextProtoError with file:line:col.
 */
export function parseTextProto(text: string, type: protobuf.Type, opts: { file?: string } = {}): Record<string, unknown> {
  const p = new Parser(new Lexer(text, opts.file ?? '<text>'));
  return p.message(type, '');
}

/**
 * Reads a P4Info file: text format (`.txt`, `.txtpb`, `.pbtxt`, anything
 * else), binary (`.pb`, `.bin`) or JSON (`.json`).
 */
export function loadP4InfoFile(file: string): protobuf.Message & Record<string, any> {
  return parseP4Info(fs.readFileSync(file), file);
}

/** A P4Info from bytes already read (e.g. a blob of a Git commit); `name` picks the format by extension and names errors. */
export function parseP4Info(bytes: Buffer, name: string): protobuf.Message & Record<string, any> {
  const type = protoType('p4.config.v1.P4Info');
  const ext = path.extname(name).toLowerCase();
  if (ext === '.pb' || ext === '.bin') return type.decode(bytes) as protobuf.Message & Record<string, any>;
  const text = bytes.toString('utf8');
  if (ext === '.json') return type.fromObject(JSON.parse(text)) as protobuf.Message & Record<string, any>;
  return type.fromObject(parseTextProto(text, type, { file: name })) as protobuf.Message & Record<string, any>;
}

/** A string or bytes literal in C-style escapes (printable ASCII kept, the rest octal), like protoc's printer. */
function quote(bytes: Uint8Array): string {
  let s = '"';
  for (const b of bytes) {
    if (b === 0x22) s += '\\"';
    else if (b === 0x5c) s += '\\\\';
    else if (b === 0x0a) s += '\\n';
    else if (b === 0x0d) s += '\\r';
    else if (b === 0x09) s += '\\t';
    else if (b >= 0x20 && b < 0x7f) s += String.fromCharCode(b);
    else s += '\\' + b.toString(8).padStart(3, '0');
  }
  return s + '"';
}

/**
 * Writes `message` (a decoded message or a plain object of `type`) as text
 * format: fields in field-number order, proto3 defaults left out (except
 * oneof members), two-space indent. `parseTextProto` reads it back.
 */
export function formatTextProto(message: object, type: protobuf.Type): string {
  const lines: string[] = [];
  write(message instanceof protobuf.Message ? message : type.fromObject(message as Record<string, unknown>), type, '', lines);
  return lines.length ? lines.join('\n') + '\n' : '';
}

function write(msg: protobuf.Message, type: protobuf.Type, indent: string, out: string[]): void {
  const obj = type.toObject(msg, { longs: String, enums: String, bytes: Array, oneofs: false }) as Record<string, unknown>;
  const fieldsByNo = [...type.fieldsArray].sort((a, b) => a.id - b.id);
  for (const f of fieldsByNo) {
    f.resolve();
    const v = obj[f.name];
    if (v === undefined || v === null) continue;
    if (f.map) {
      writeMap(msg, f as unknown as protobuf.MapField, indent, out);
      continue;
    }
    const items = f.repeated ? (v as unknown[]) : [v];
    if (f.repeated && items.length === 0) continue;
    const inOneof = !!f.partOf;
    for (let k = 0; k < items.length; k++) {
      const item = items[k];
      if (f.resolvedType instanceof protobuf.Type) {
        const sub = (msg as any)[f.name];
        const subMsg = f.repeated ? sub[k] : sub;
        out.push(`${indent}${f.name} {`);
        write(subMsg, f.resolvedType, indent + '  ', out);
        out.push(`${indent}}`);
        continue;
      }
      if (!f.repeated && !inOneof && isDefault(item, f)) continue;
      let text: string;
      if (f.type === 'bytes') text = quote(Uint8Array.from(item as number[]));
      else if (f.type === 'string') text = quote(Buffer.from(item as string, 'utf8'));
      else text = String(item);
      out.push(`${indent}${f.name}: ${text}`);
    }
  }
}

function writeMap(msg: protobuf.Message, f: protobuf.MapField, indent: string, out: string[]): void {
  const m = ((msg as any)[f.name] ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(m).sort()) {
    const keyText = f.keyType === 'string' ? quote(Buffer.from(key, 'utf8')) : key;
    out.push(`${indent}${f.name} {`, `${indent}  key: ${keyText}`);
    if (f.resolvedType instanceof protobuf.Type) {
      out.push(`${indent}  value {`);
      write(m[key] as protobuf.Message, f.resolvedType, indent + '    ', out);
      out.push(`${indent}  }`);
    } else {
      const v = m[key];
      out.push(`${indent}  value: ${typeof v === 'string' ? quote(Buffer.from(v, 'utf8')) : String(v)}`);
    }
    out.push(`${indent}}`);
  }
}

function isDefault(v: unknown, f: protobuf.Field): boolean {
  if (f.resolvedType instanceof protobuf.Enum) return v === Object.keys(f.resolvedType.values).find((k) => f.resolvedType instanceof protobuf.Enum && f.resolvedType.values[k] === 0) || v === 0;
  if (Array.isArray(v)) return v.length === 0;
  return v === 0 || v === '0' || v === '' || v === false;
}
