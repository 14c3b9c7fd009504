// Structured JSON logs on stderr (one object per line), so stdout stays for
// command output a person or a pipe reads. Tests pass their own sink.

export type Level = 'debug' | 'info' | 'warn' | 'error';
const order: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export type LogSink = (line: string) => void;

export function createLogger(
  opts: { level?: Level; sink?: LogSink; base?: Record<string, unknown> } = {},
): Logger {
  const min = order[opts.level ?? ((process.env.FLOWOPS_LOG_LEVEL as Level) || 'info')] ?? 20;
  const sink: LogSink = opts.sink ?? ((line) => process.stderr.write(line + '\n'));
  const base = opts.base ?? {};
  const emit = (level: Level, msg: string, fields?: Record<string, unknown>) => {
    if (order[level] < min) return;
    sink(JSON.stringify({ time: new Date().toISOString(), level, msg, ...base, ...fields }, jsonSafe));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger({ ...opts, base: { ...base, ...fields } }),
  };
}

/** A logger that drops everything (library default). */
export const silentLogger: Logger = createLogger({ sink: () => {} , level: 'error' });

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message, ...(value as any) };
  if (value instanceof Uint8Array) return Buffer.from(value).toString('hex');
  return value;
}
