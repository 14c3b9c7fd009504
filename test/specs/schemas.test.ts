// The committed JSON Schemas match the zod schemas (regenerate with
// `npm run schemas`), and they accept what the loader accepts: every example
// document validates, and a broken one does not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { renderSchemas, SCHEMA_DIR } from '../../scripts/gen-schemas.ts';
import { readSpecDir } from '../../src/source/dir.ts';
import { EXAMPLE_REPO } from '../../scripts/sign-example.ts';

// CommonJS default exports, as seen from ESM.
const Ajv2020 = ((Ajv2020Module as any).default ?? Ajv2020Module) as typeof Ajv2020Module;
const addFormats = ((addFormatsModule as any).default ?? addFormatsModule) as typeof addFormatsModule;

test('committed schemas/*.schema.json are up to date with src/specs/schema.ts', () => {
  const rendered = renderSchemas();
  const committed = fs.readdirSync(SCHEMA_DIR).filter((f) => f.endsWith('.schema.json')).sort();
  assert.deepEqual(committed, [...rendered.keys()].sort(), 'schema files differ; run `npm run schemas`');
  for (const [file, text] of rendered) {
    assert.equal(fs.readFileSync(path.join(SCHEMA_DIR, file), 'utf8'), text, `schemas/${file} is stale; run \`npm run schemas\``);
  }
});

test('every example document validates against its kind schema and the any-document schema', () => {
  const ajv = new (Ajv2020 as any)({ allErrors: true, strict: false });
  (addFormats as any)(ajv);
  const load = (f: string) => ajv.compile(JSON.parse(fs.readFileSync(path.join(SCHEMA_DIR, f), 'utf8')));
  const any = load('spec.schema.json');
  const byKind: Record<string, ReturnType<typeof load>> = {
    Tenant: load('tenant.schema.json'),
    Service: load('service.schema.json'),
    Flow: load('flow.schema.json'),
    Contract: load('contract.schema.json'),
    Target: load('target.schema.json'),
  };
  let n = 0;
  for (const [file, bytes] of readSpecDir(EXAMPLE_REPO)) {
    if (!file.endsWith('.yaml')) continue;
    for (const doc of parseAllDocuments(bytes.toString('utf8')) as any[]) {
      const value = doc.toJS();
      const validate = byKind[value.kind]!;
      assert.ok(validate(value), `${file} ${value.metadata?.name}: ${JSON.stringify(validate.errors)}`);
      assert.ok(any(value), `${file}: ${JSON.stringify(any.errors)}`);
      n++;
    }
  }
  assert.ok(n > 80);
  const bad = { apiVersion: 'flowops.dev/v1', kind: 'Flow', metadata: { name: 'x', tenant: 't' }, spec: { from: { service: 'a' }, to: { service: 'b' }, protocol: 'tcp', ports: [70000], action: 'allow', typo: 1 } };
  assert.equal(byKind.Flow!(bad), false);
  assert.deepEqual(
    (byKind.Flow!.errors as { instancePath: string; keyword: string }[]).map((e) => `${e.instancePath} ${e.keyword}`).sort(),
    ['/spec additionalProperties', '/spec/ports/0 maximum', '/spec/ports/0 type', '/spec/ports/0 anyOf'].sort(),
  );
});
