// Switches that emulate real targets' gaps, so every client fallback can be
// tested against this target. Each quirk removes one optional behaviour the
// way a real switch lacks it:
//   no-atomic            ROLLBACK_ON_ERROR / DATAPLANE_ATOMIC → the whole Write is UNIMPLEMENTED
//   no-modify            each MODIFY update → UNIMPLEMENTED (other updates of the batch apply)
//   api-1.3              Capabilities says 1.3.0; role names (new in 1.4) are unknown fields and ignored
//   single-read-message  a Read is answered in one ReadResponse of any size, as BMv2 does
import { invalid } from './errors.ts';

export const QUIRKS = ['no-atomic', 'no-modify', 'api-1.3', 'single-read-message'] as const;
export type Quirk = (typeof QUIRKS)[number];

const DEFAULT_API_VERSION = '1.4.0';

export function isQuirk(name: string): name is Quirk {
  return (QUIRKS as readonly string[]).includes(name);
}

/** Validates quirk names (from a CLI flag or options); throws INVALID_ARGUMENT naming the unknown one. */
export function parseQuirks(names: readonly string[]): Quirk[] {
  for (const n of names) if (!isQuirk(n)) throw invalid(`unknown quirk '${n}' (known: ${QUIRKS.join(', ')})`);
  return [...new Set(names)] as Quirk[];
}

/** The API version Capabilities reports: an explicit one wins, then api-1.3, then 1.4.0. */
export function apiVersionFor(quirks: readonly Quirk[], explicit?: string): string {
  return explicit ?? (quirks.includes('api-1.3') ? '1.3.0' : DEFAULT_API_VERSION);
}
