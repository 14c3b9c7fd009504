// A flow in words, for the one-line "what changes" above a flow's entries in
// a plan: `tcp/5432 from web to db, rate 100Mbps`. Pure; reads the spec, not
// the entries, because the spec is what the person wrote and will recognise.
import type { Flow } from '../specs/schema.ts';
import type { SpecSet } from '../specs/spec-set.ts';

/** `tcp/5432,8000-8080 from web to db, qos gold, rate 100Mbps burst 1MB, via firewall, expires …`. */
export function flowInWords(flow: Flow): string {
  const s = flow.spec;
  const proto = String(s.protocol);
  const ports = s.ports ? `/${s.ports.join(',')}` : '';
  const from = 'service' in s.from ? s.from.service : `role ${s.from.role}`;
  const parts = [`${proto}${ports} from ${from} to ${s.to.service}`];
  if (s.qos) parts.push(`qos ${s.qos}`);
  if (s.rateLimit) parts.push(`rate ${s.rateLimit.rate} burst ${s.rateLimit.burst}`);
  if (s.steer) parts.push(`via ${s.steer}`);
  if (s.expires) parts.push(`expires ${s.expires}`);
  return parts.join(', ');
}

/** Each flow's words in the old and the new version, keyed by `tenant/name`. */
export type FlowWords = ReadonlyMap<string, { before?: string; after?: string }>;

export function flowWordsBetween(before: Pick<SpecSet, 'flows'> | undefined, after: Pick<SpecSet, 'flows'>): FlowWords {
  const out = new Map<string, { before?: string; after?: string }>();
  const key = (f: Flow) => `${f.metadata.tenant}/${f.metadata.name}`;
  for (const f of before?.flows ?? []) out.set(key(f), { before: flowInWords(f) });
  for (const f of after.flows) out.set(key(f), { ...out.get(key(f)), after: flowInWords(f) });
  return out;
}

/** `new, …` / `removed (was …)` / `changed: … → …` / `entries change (…)` for a flow whose entries change. */
export function flowChangeInWords(w: { before?: string; after?: string } | undefined): string {
  if (!w) return 'entries change';
  if (w.after !== undefined && w.before === undefined) return `new, ${w.after}`;
  if (w.after === undefined && w.before !== undefined) return `removed (was ${w.before})`;
  if (w.before !== w.after) return `changed: ${w.before} → ${w.after}`;
  // Same spec, different entries: a service it names gained/lost addresses or a role member.
  return `entries change (spec unchanged: ${w.after})`;
}
