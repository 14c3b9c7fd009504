// Writes schemas/*.schema.json from the zod schemas in src/specs/schema.ts,
// so editors (yaml-language-server) complete and check spec files. A test
// (test/specs/schemas.test.ts) fails when the committed files are stale.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { Contract, Document, Flow, Service, Target, Tenant } from '../src/specs/schema.ts';

export const SCHEMA_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../schemas');

const sources: Record<string, { schema: z.ZodType; title: string }> = {
  'tenant.schema.json': { schema: Tenant, title: 'flowops Tenant' },
  'service.schema.json': { schema: Service, title: 'flowops Service' },
  'flow.schema.json': { schema: Flow, title: 'flowops Flow' },
  'contract.schema.json': { schema: Contract, title: 'flowops Contract' },
  'target.schema.json': { schema: Target, title: 'flowops Target' },
  'spec.schema.json': { schema: Document, title: 'any flowops spec document' },
};

/** File name → JSON text, exactly as committed. */
export function renderSchemas(): Map<string, string> {
  const out = new Map<string, string>();
  for (const [file, { schema, title }] of Object.entries(sources)) {
    // `input`: what a person writes (defaulted fields are optional there).
    const json = z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' });
    out.set(file, JSON.stringify({ $schema: json.$schema, $id: `https://flowops.dev/schemas/v1/${file}`, title, ...json }, null, 2) + '\n');
  }
  return out;
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  fs.mkdirSync(SCHEMA_DIR, { recursive: true });
  for (const [file, text] of renderSchemas()) {
    fs.writeFileSync(path.join(SCHEMA_DIR, file), text);
    process.stdout.write(`wrote schemas/${file}\n`);
  }
}
