// `flowops plan` end to end, in-process: a real Git repo made with
// isomorphic-git in a temp dir, two commits, and the entry diff between them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../src/cli/main.ts';
import { assignFlowIds } from '../../src/specs/flow-id.ts';
import { serviceClassIds } from '../../src/compile/compile.ts';
import { initRepo, commitFiles, tempDir } from '../helpers/git-repo.ts';
import { loadValid, NOW } from '../compile/fixture.ts';
import { repoA, repoB, FLOWS_B } from './plan-fixture.ts';

let root: string;
let repo: string;
let commitA: string;

before(async () => {
  root = tempDir('plan-cli');
  repo = path.join(root, 'repo');
  // Specs live in a folder of the repo, next to unrelated files.
  commitA = await initRepo(repo, { 'README.md': 'network intent\n', ...prefixed(repoA()) });
  await commitFiles(repo, prefixed(repoB()), { message: 'web-to-db 200Mbps, drop ping-db, add api-to-db' });
});
after(() => fs.rmSync(root, { recursive: true, force: true }));

function prefixed(files: Map<string, string>): Record<string, string> {
  return Object.fromEntries([...files].map(([p, v]) => [`net/${p}`, v]));
}

async function flowops(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const sink = (f: (s: string) => void) => new Writable({ write: (c, _e, cb) => (f(String(c)), cb()) });
  const code = await main(argv, {
    env: {},
    cwd: root,
    stdout: sink((s) => (out += s)),
    stderr: sink((s) => (err += s)),
    signal: new AbortController().signal,
  });
  return { code, out, err };
}

const A = loadValid(repoA());
const B = loadValid(repoB());
const id = (specs: typeof A, flow: string) => '0x' + assignFlowIds(specs).get(`shop/${flow}`)!.id.toString(16);
const cls = serviceClassIds(B.services).get('shop')!;
const apiLine = FLOWS_B.slice(0, FLOWS_B.indexOf('metadata: { name: api-to-db')).split('\n').length - 2;
const now = ['--now', NOW.toISOString()];

const expectedEntries = () => [
  `+ ingress.flow_policy flow_id=${id(B, 'api-to-db')} → ingress.allow(qid=0)  # tenants/shop/flows.yaml:${apiLine} flow shop/api-to-db`,
  `+ ingress.flow_classify tenant_id=7 src_service=${cls.get('api')} dst_service=${cls.get('db')} ip_proto=6 l4_dst_port=5432 → ingress.set_flow(flow_id=${id(B, 'api-to-db')})  # tenants/shop/flows.yaml:${apiLine} flow shop/api-to-db`,
  `- ingress.flow_classify tenant_id=7 src_service=${cls.get('web')} dst_service=${cls.get('db')} ip_proto=1 l4_dst_port=0 → ingress.set_flow(flow_id=${id(A, 'ping-db')})  # tenants/shop/flows.yaml:24 flow shop/ping-db`,
  `- ingress.flow_policy flow_id=${id(A, 'ping-db')} → ingress.allow(qid=0)  # tenants/shop/flows.yaml:24 flow shop/ping-db`,
  `~ ingress.flow_policy flow_id=${id(A, 'web-to-db')}: ingress.allow(qid=3) meter(cir=12500000, cburst=1000000, pir=12500000, pburst=1000000) ⇒ ingress.allow(qid=3) meter(cir=25000000, cburst=1000000, pir=25000000, pburst=1000000)  # tenants/shop/flows.yaml:1 flow shop/web-to-db`,
];

const entryLines = (out: string) => out.split('\n').filter((l) => /^ {4}[+~-] /.test(l)).map((l) => l.trim());

test('plan DIR --against HEAD~1: exactly the entries the commit changes; exit 2', async () => {
  const r = await flowops('plan', 'repo/net', '--against', 'HEAD~1', ...now);
  assert.equal(r.err, '');
  assert.equal(r.code, 2);
  assert.deepEqual(entryLines(r.out), expectedEntries());
  assert.match(r.out, /^ {2}flow shop\/api-to-db: new, tcp\/5432 from api to db$/m);
  assert.match(r.out, /^Plan: 2 to insert, 1 to modify, 2 to delete on 1 switch\.$/m);
});

test('--against an abbreviated commit id gives the same plan; --against HEAD gives none (exit 0)', async () => {
  const r = await flowops('plan', 'repo/net', '--against', commitA.slice(0, 7), ...now);
  assert.equal(r.code, 2);
  assert.deepEqual(entryLines(r.out), expectedEntries());
  const same = await flowops('plan', 'repo/net', '--against', 'HEAD', ...now);
  assert.equal(same.code, 0, same.err);
  assert.equal(same.out, 'switch leaf1: no changes, 28 unchanged\n\nNo changes. 1 switch matches the specs.\n');
});

test('--json: the same changes for machines', async () => {
  const r = await flowops('plan', 'repo/net', '--against', 'HEAD^', '--json', ...now);
  assert.equal(r.code, 2);
  const j = JSON.parse(r.out);
  assert.deepEqual(j.summary, { insert: 2, modify: 1, delete: 2, unchanged: 25, switches: 1 });
  assert.deepEqual(
    j.targets[0].changes.map((c: { op: string; origin: { name: string } }) => `${c.op} ${c.origin.name}`),
    ['modify shop/web-to-db', 'insert shop/api-to-db', 'insert shop/api-to-db', 'delete shop/ping-db', 'delete shop/ping-db'],
  );
});

test('--against a directory; reversed direction swaps inserts and deletes', async () => {
  const old = path.join(root, 'old');
  for (const [p, v] of repoA()) {
    fs.mkdirSync(path.dirname(path.join(old, p)), { recursive: true });
    fs.writeFileSync(path.join(old, p), v);
  }
  const fwd = await flowops('plan', 'repo/net', '--against', 'old', ...now);
  assert.equal(fwd.code, 2);
  assert.deepEqual(entryLines(fwd.out), expectedEntries());
  const back = await flowops('plan', 'old', '--against', 'repo/net', ...now);
  assert.match(back.out, /^Plan: 2 to insert, 1 to modify, 2 to delete on 1 switch\.$/m);
  assert.match(back.out, /^ {2}flow shop\/ping-db: new, icmp from web to db$/m);
  assert.match(back.out, /^ {2}flow shop\/api-to-db: removed \(was tcp\/5432 from api to db\)$/m);
});

test('invalid specs in the work tree: file:line errors on stderr, exit 1', async () => {
  const file = path.join(repo, 'net/tenants/shop/services.yaml');
  const good = fs.readFileSync(file, 'utf8');
  try {
    fs.writeFileSync(file, good.replace('addresses: [10.7.2.0/24]', 'addresses: [10.7.2.0/33]'));
    const r = await flowops('plan', 'repo/net', '--against', 'HEAD', ...now);
    assert.equal(r.code, 1);
    assert.equal(r.out, '');
    assert.match(r.err, /^tenants\/shop\/services\.yaml:12:\d+ spec\.addresses\[0\]: /m);
  } finally {
    fs.writeFileSync(file, good);
  }
});

test('errors: unknown ref, unknown target, missing --against → exit 1 with a message', async () => {
  const ref = await flowops('plan', 'repo/net', '--against', 'no-such-branch~1', ...now);
  assert.equal(ref.code, 1);
  assert.match(ref.err, /git ref 'no-such-branch' not found/);
  const tgt = await flowops('plan', 'repo/net', '--against', 'HEAD', '--target', 'spine9', ...now);
  assert.equal(tgt.code, 1);
  assert.match(tgt.err, /no Target named 'spine9'/);
  const use = await flowops('plan', 'repo/net');
  assert.equal(use.code, 1);
  assert.match(use.err, /--against is required/);
  const root1 = await flowops('plan', 'repo/net', '--against', 'HEAD~5', ...now);
  assert.equal(root1.code, 1);
  assert.match(root1.err, /has no parent #1/);
});
