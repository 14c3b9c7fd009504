// A spec repo read from a plain directory (a checkout, `flowops validate DIR`)
// into the same shape Git trees give: repo-relative '/'-separated path → bytes.
// Dot-entries (.git, .example-keys, editor files) and node_modules are skipped:
// they are never specs and may be large or private.
import fs from 'node:fs';
import path from 'node:path';

export function readSpecDir(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (rel: string) => {
    const entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true });
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(child);
      else if (e.isFile()) out.set(child, fs.readFileSync(path.join(dir, child)));
    }
  };
  walk('');
  return out;
}
