// `--operator-key KEY` / `--trust FILE` for validate and plan: the pinned
// operator keys the reconciler has in its config (docs/trust.md). FILE is a
// keys file (base64 public keys, one a line, `#` comments) or the reconciler's
// flowops.config.yaml (its `trust.operatorKeys`), so one file serves both.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { ConfigError } from '../shared/errors.ts';
import { parseOperatorKeys, type TrustRoots } from '../specs/trust.ts';

export const TRUST_OPTIONS = {
  'operator-key': { type: 'string', multiple: true },
  trust: { type: 'string' },
} as const;

export const TRUST_HELP = `  --operator-key KEY    a pinned operator public key (base64; repeatable): every
                        file must be listed in its signer's signed manifest
  --trust FILE          operator keys from FILE (one a line) or from a
                        flowops.config.yaml's trust.operatorKeys`;

export function trustRoots(values: { 'operator-key'?: string[]; trust?: string }, cwd: string): TrustRoots | undefined {
  const keys: Uint8Array[] = [];
  for (const k of values['operator-key'] ?? []) keys.push(...parseOperatorKeys(k, '--operator-key'));
  if (values.trust) {
    const file = path.resolve(cwd, values.trust);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      throw new ConfigError('TRUST_FILE', `--trust ${values.trust}: cannot read it`, { file: values.trust });
    }
    const doc = /\.ya?ml$/i.test(file) ? (parse(text) as { trust?: { operatorKeys?: string[] } } | null) : undefined;
    keys.push(...parseOperatorKeys(doc ? (doc.trust?.operatorKeys ?? []).join('\n') : text, values.trust));
    if (!keys.length) throw new ConfigError('TRUST_FILE', `--trust ${values.trust}: no operator keys in it`, { file: values.trust });
  }
  return keys.length ? { operatorKeys: keys } : undefined;
}
