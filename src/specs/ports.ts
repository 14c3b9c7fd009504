// Destination ports as written in a Flow: a number or an inclusive "lo-hi"
// range. Kept apart from schema.ts so the schema and the compiler share one
// parser (and one wording of its messages).

/** One entry of `spec.ports` as an inclusive range, or a message when it is not a valid one. */
export function parsePortItem(item: number | string): [number, number] | string {
  if (typeof item === 'number') {
    return Number.isInteger(item) && item >= 1 && item <= 65535 ? [item, item] : `port ${item} out of range 1-65535`;
  }
  const m = /^(\d+)-(\d+)$/.exec(item);
  if (!m) return `"${item}" is not a port number or a "lo-hi" range`;
  const lo = Number(m[1]);
  const hi = Number(m[2]);
  for (const p of [lo, hi]) if (p < 1 || p > 65535) return `port ${p} out of range 1-65535`;
  if (lo > hi) return `range "${item}" is reversed (low end above high end)`;
  return [lo, hi];
}
