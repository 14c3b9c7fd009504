// Structured JSON logs through pino on stderr (one object per line), so stdout
// stays for command output a person or a pipe reads. Tests pass their own sink.
// Lines keep the fields flowops always wrote: time (ISO 8601), level (a word),
// msg, then the bound and per-call fields; bigints and byte strings become
// text. Work run inside `withTrace` carries `trace_id` (32 hex characters, the
// OpenTelemetry / W3C trace-context form) on every line it logs.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import pino from 'pino';

export type Level = 'debug' | 'info' | 'warn' | 'error';
const LEVELS = new Set<Level>(['debug', 'info', 'warn', 'error']);

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export type LogSink = (line: string) => void;

const trace = new AsyncLocalStorage<string>();

/** A new trace id: 16 random bytes as 32 lowercase hex characters (never all zero). */
export function newTraceId(): string {
  const id = randomBytes(16).toString('hex');
  return /^0+$/.test(id) ? newTraceId() : id;
}

/** Runs `fn` with `traceId` on every log line written inside it (across awaits). */
export function withTrace<T>(traceId: string, fn: () => T): T {
  return trace.run(traceId, fn);
}

/** The trace id of the work running now, if any. */
export function currentTraceId(): string | undefined {
  return trace.getStore();
}

export function createLogger(
  opts: { level?: Level; sink?: LogSink; base?: Record<string, unknown> } = {},
): Logger {
  const envLevel = process.env.FLOWOPS_LOG_LEVEL as Level | undefined;
  const level = opts.level ?? (envLevel && LEVELS.has(envLevel) ? envLevel : 'info');
  const sink = opts.sink;
  const dest = sink ? { write: (s: string) => sink(s.endsWith('\n') ? s.slice(0, -1) : s) } : pino.destination({ fd: 2, sync: true });
  const root = pino(
    {
      level,
      base: null,
      messageKey: 'msg',
      timestamp: () => `,"time":"${new Date().toISOString()}"`,
      formatters: {
        level: (label) => ({ level: label }),
        log: (obj) => jsonSafe(obj) as Record<string, unknown>,
      },
      mixin: () => {
        const id = trace.getStore();
        return id ? { trace_id: id } : {};
      },
    },
    dest,
  );
  return wrap(opts.base && Object.keys(opts.base).length ? root.child(jsonSafe(opts.base) as Record<string, unknown>) : root);
}

function wrap(p: pino.Logger): Logger {
  const at = (level: Level) => (msg: string, fields?: Record<string, unknown>) => {
    if (fields) p[level](fields, msg);
    else p[level](msg);
  };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (fields) => wrap(p.child(jsonSafe(fields) as Record<string, unknown>)),
  };
}

/** A logger that drops everything (library default). */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};

function jsonSafe(value: unknown, depth = 0): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  if (value instanceof Error) return { name: value.name, message: value.message, ...(jsonSafe({ ...value }, depth + 1) as object) };
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => jsonSafe(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = jsonSafe(v, depth + 1);
  return out;
}
