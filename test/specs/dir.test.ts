// readSpecDir: a directory as repo-relative '/' paths → bytes, without
// dot-entries (.git, key folders) or node_modules.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readSpecDir } from '../../src/source/dir.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flowops-dir-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('reads nested files with repo-relative paths and skips dot-entries and node_modules', () => {
  const put = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(tmp, rel)), { recursive: true });
    fs.writeFileSync(path.join(tmp, rel), text);
  };
  put('tenants/acme/flows/web.yaml', 'a: 1\n');
  put('tenants/acme/flows/web.yaml.sig', 'c2ln\n');
  put('targets/leaf1.yaml', 'b: 2\n');
  put('.git/HEAD', 'ref: refs/heads/main\n');
  put('.example-keys/acme.key', 'secret\n');
  put('.editorconfig', 'x\n');
  put('node_modules/x/index.yaml', 'c: 3\n');
  const files = readSpecDir(tmp);
  assert.deepEqual([...files.keys()], ['targets/leaf1.yaml', 'tenants/acme/flows/web.yaml', 'tenants/acme/flows/web.yaml.sig']);
  assert.equal(files.get('targets/leaf1.yaml')!.toString(), 'b: 2\n');
});
