// Numbers the switch needs but specs do not carry: service class ids (bit<16>,
// per tenant) and action profile member/group ids (uint32, per profile).
//
// An id is a hash of the thing's name, not its position in a list, so adding
// or removing a service, an NF instance or a group never renumbers the others
// (renumbering would rewrite every flow_classify entry that names them).
//
// Collisions are resolved in rounds, deterministically:
//   round k: every still-unnumbered name proposes candidate(name, k) =
//            1 + (sha256(scope NUL name NUL k) mod (2^bits - 1))    (0 is reserved: "no match")
//            a candidate taken in an earlier round is refused; among names
//            proposing the same free candidate, the smallest name (by code
//            unit order) takes it; the others go to round k+1.
// A name numbered in round 0 keeps its id when names are added, unless a new
// name hashes onto exactly the same id and sorts before it — the only case in
// which a change renumbers something (chance ≈ n / 65535 per added service
// within one tenant, and ≈ n / 2^32 for member/group ids).
import { createHash } from 'node:crypto';
import { FlowopsError } from '../shared/errors.ts';

export function hashCandidate(scope: string, name: string, round: number, bits: number): number {
  const h = createHash('sha256').update(`${scope}\0${name}\0${round}`).digest();
  const space = bits >= 32 ? 0xffffffff : 2 ** bits - 1;
  // 48 bits of the digest keep the modulo bias negligible for any space ≤ 2^32.
  return 1 + (h.readUIntBE(0, 6) % space);
}

/** Ids for `names` (deduplicated) in `scope`, within 1..2^bits-1. */
export function assignHashedIds(scope: string, names: Iterable<string>, bits: number): Map<string, number> {
  const out = new Map<string, number>();
  const taken = new Set<number>();
  let pending = [...new Set(names)].sort();
  const space = bits >= 32 ? 0xffffffff : 2 ** bits - 1;
  if (pending.length > space) {
    throw new FlowopsError('ID_SPACE_FULL', `${pending.length} names do not fit in ${bits}-bit ids for ${scope}`, { scope, bits });
  }
  for (let round = 0; pending.length > 0; round++) {
    const proposals = new Map<number, string>();
    const losers: string[] = [];
    for (const name of pending) {
      // `pending` is sorted, so the first proposer of a candidate is the smallest name.
      const c = hashCandidate(scope, name, round, bits);
      if (taken.has(c) || proposals.has(c)) losers.push(name);
      else proposals.set(c, name);
    }
    for (const [id, name] of proposals) {
      out.set(name, id);
      taken.add(id);
    }
    pending = losers;
  }
  return out;
}
