// Hostile YAML for the bounded-parsing tests: an alias bomb, nesting far
// deeper than any spec, and an oversized file.

/** Nine aliases per level, nine levels: 9^9 nodes if expanded. */
export function aliasBomb(): string {
  let s = 'apiVersion: flowops.dev/v1\nkind: Flow\nmetadata: { name: bomb, tenant: acme }\nspec:\n  a0: &a0 ["x","x","x","x","x","x","x","x","x"]\n';
  for (let i = 1; i < 9; i++) s += `  a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(',')}]\n`;
  return s;
}

/** `n` nested block mappings under `spec:`. */
export function deepBlock(n: number): string {
  let s = 'apiVersion: flowops.dev/v1\nkind: Flow\nmetadata:\n  name: deep\n  tenant: acme\nspec:\n';
  for (let i = 0; i < n; i++) s += `${' '.repeat(2 + i)}k:\n`;
  return s + `${' '.repeat(2 + n)}v: 1\n`;
}

/** `n` nested flow sequences on one line. */
export function deepFlow(n: number): string {
  return `apiVersion: flowops.dev/v1\nkind: Flow\nmetadata: { name: deepflow, tenant: acme }\nspec:\n  ports: ${'['.repeat(n)}${']'.repeat(n)}\n`;
}

/** A syntactically fine file of about `bytes` bytes. */
export function hugeFile(bytes: number): string {
  const line = '# padding padding padding padding padding padding padding padding padding\n';
  return 'apiVersion: flowops.dev/v1\nkind: Flow\n' + line.repeat(Math.ceil(bytes / line.length));
}
