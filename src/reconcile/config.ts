// Loads `flowops.config.yaml`: YAML with positions, then environment overrides
// (FLOWOPS_*), then the zod schema. A mistake names file:line:col and the key,
// or the environment variable that set it, like a spec error does.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { LineCounter, parseDocument, isNode, type Node } from 'yaml';
import { ConfigError, type SourcePos } from '../shared/errors.ts';
import { Config } from './schema.ts';

export { Config } from './schema.ts';

export interface LoadedConfig {
  config: Config;
  /** Folder relative paths in the config are resolved against. */
  baseDir: string;
  file?: string;
}

/** Environment variables that override config keys (applied before validation). */
export const ENV_OVERRIDES: { env: string; path: string[]; type: 'string' | 'int' | 'bool' }[] = [
  { env: 'FLOWOPS_REPO_URL', path: ['repo', 'url'], type: 'string' },
  { env: 'FLOWOPS_REPO_PATH', path: ['repo', 'path'], type: 'string' },
  { env: 'FLOWOPS_BRANCH', path: ['repo', 'branch'], type: 'string' },
  { env: 'FLOWOPS_CACHE_DIR', path: ['repo', 'cacheDir'], type: 'string' },
  { env: 'FLOWOPS_SYNC_SCHEDULE', path: ['schedules', 'sync'], type: 'string' },
  { env: 'FLOWOPS_DRIFT_SCHEDULE', path: ['schedules', 'drift'], type: 'string' },
  { env: 'FLOWOPS_EXPIRY_SCHEDULE', path: ['schedules', 'expiry'], type: 'string' },
  { env: 'FLOWOPS_MODE', path: ['mode'], type: 'string' },
  { env: 'FLOWOPS_DRIFT_POLICY', path: ['drift', 'policy'], type: 'string' },
  { env: 'FLOWOPS_PRUNE', path: ['prune'], type: 'bool' },
  { env: 'FLOWOPS_BATCH_SIZE', path: ['batch', 'size'], type: 'int' },
  { env: 'FLOWOPS_ELECTION_ID', path: ['electionId'], type: 'int' },
  { env: 'FLOWOPS_HTTP_LISTEN', path: ['http', 'listen'], type: 'string' },
  { env: 'FLOWOPS_P4INFO', path: ['p4info'], type: 'string' },
  { env: 'FLOWOPS_STATE_FILE', path: ['stateFile'], type: 'string' },
];

/** Reads and validates a config file; `env` overrides keys (see ENV_OVERRIDES). */
export function loadConfig(file: string, env: NodeJS.ProcessEnv = {}): LoadedConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError('CONFIG_UNREADABLE', `cannot read config ${file}: ${(err as Error).message}`, { file });
  }
  return parseConfig(text, file, env, path.dirname(path.resolve(file)));
}

/** Validates config text (file is only used in positions). */
export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = {}, baseDir = process.cwd()): LoadedConfig {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  const at = (offset: number): SourcePos => {
    const p = lc.linePos(offset);
    return { file, line: p.line, col: p.col };
  };
  if (doc.errors.length) {
    const e = doc.errors[0];
    throw new ConfigError('CONFIG_YAML', `invalid YAML: ${e.message.split('\n')[0]}`, { field: '' }, at(e.pos[0]));
  }
  const raw = (doc.toJS() ?? {}) as Record<string, unknown>;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError('CONFIG_INVALID', 'config must be a mapping', { field: '' }, at(0));
  }
  const fromEnv = applyEnv(raw, env);
  const r = Config.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    const field = issue.path.map(String).join('.');
    const envName = fromEnv.get(field);
    if (envName) {
      throw new ConfigError('CONFIG_INVALID', `${envName} (${field}): ${issue.message}`, { field, env: envName, issues: r.error.issues.length });
    }
    throw new ConfigError('CONFIG_INVALID', `${field || '(root)'}: ${issue.message}`, { field, issues: r.error.issues.length }, positionOf(doc, issue.path as PropertyKey[], at));
  }
  return { config: r.data, baseDir, file };
}

/** Validates a config given as an object (the `--demo` mode and tests). */
export function configFromObject(obj: unknown, baseDir = process.cwd(), env: NodeJS.ProcessEnv = {}): LoadedConfig {
  const raw = structuredClone(obj) as Record<string, unknown>;
  applyEnv(raw, env);
  const r = Config.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    const field = issue.path.map(String).join('.');
    throw new ConfigError('CONFIG_INVALID', `${field || '(root)'}: ${issue.message}`, { field });
  }
  return { config: r.data, baseDir };
}

function applyEnv(raw: Record<string, unknown>, env: NodeJS.ProcessEnv): Map<string, string> {
  const set = new Map<string, string>();
  for (const o of ENV_OVERRIDES) {
    const v = env[o.env];
    if (v === undefined || v === '') continue;
    let value: unknown = v;
    if (o.type === 'int') value = /^-?\d+$/.test(v) ? Number(v) : v;
    if (o.type === 'bool') value = v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : v;
    let obj = raw;
    for (const k of o.path.slice(0, -1)) {
      if (typeof obj[k] !== 'object' || obj[k] === null) obj[k] = {};
      obj = obj[k] as Record<string, unknown>;
    }
    const last = o.path[o.path.length - 1];
    obj[last] = value;
    // url and path are alternatives: the environment's choice wins.
    if (o.env === 'FLOWOPS_REPO_URL') delete obj.path;
    if (o.env === 'FLOWOPS_REPO_PATH') delete obj.url;
    set.set(o.path.join('.'), o.env);
  }
  return set;
}

function positionOf(doc: ReturnType<typeof parseDocument>, p: PropertyKey[], at: (o: number) => SourcePos): SourcePos {
  // Deepest node that exists on the path (a missing key points at its parent).
  for (let n = p.length; n >= 0; n--) {
    const node = doc.getIn(p.slice(0, n) as unknown[], true) as Node | undefined;
    if (node && isNode(node) && node.range) return at(node.range[0]);
  }
  return at(0);
}

/** Absolute path of a config path value. */
export function resolvePath(loaded: LoadedConfig, p: string): string {
  return path.resolve(loaded.baseDir, p);
}

/** `key  type (default …)  description` for every key of the schema: the body of `flowops run --help`. */
export function configHelp(): string {
  const schema = z.toJSONSchema(Config, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const lines: string[] = [];
  const walk = (s: JsonSchema, prefix: string, depth: number) => {
    const props = s.properties ?? {};
    for (const [k, sub] of Object.entries(props)) {
      const key = prefix ? `${prefix}.${k}` : k;
      const isRecord = sub.type === 'object' && sub.additionalProperties && typeof sub.additionalProperties === 'object';
      const type = isRecord ? 'map' : sub.enum ? sub.enum.map((x) => JSON.stringify(x)).join('|') : (sub.type ?? 'any');
      const def = sub.default !== undefined && typeof sub.default !== 'object' ? ` (default ${JSON.stringify(sub.default)})` : '';
      lines.push(`  ${'  '.repeat(depth)}${k}: ${type}${def}  ${sub.description ?? ''}`.trimEnd());
      if (isRecord) walk(sub.additionalProperties as JsonSchema, `${key}.<name>`, depth + 1);
      else if (sub.properties) walk(sub, key, depth + 1);
    }
  };
  walk(schema, '', 0);
  return lines.join('\n');
}

interface JsonSchema {
  type?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
}
