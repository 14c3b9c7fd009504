// One verdict per commit: `flowops plan`, `flowops validate
// --require-signatures`, the PR check (fetch over smart HTTP + plan) and the
// reconciler read the same commit through desired/ and must agree on whether
// it may be applied, on the problem codes, and on every entry it changes.
// Each row is its own Git repository and its own switch: nothing carries over.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import git from 'isomorphic-git';
import { main } from '../../src/cli/main.ts';
import { configFromObject } from '../../src/reconcile/config.ts';
import { Reconciler } from '../../src/reconcile/reconciler.ts';
import { p4rtConnector } from '../../src/reconcile/p4rt-switch.ts';
import { silentLogger } from '../../src/shared/log.ts';
import { startTarget, type RunningTarget } from '../../src/target/server.ts';
import { fetchPr } from '../../src/source/pr-fetch.ts';
import { planPullRequest } from '../../src/report/github/pr-plan.ts';
import type { Plan } from '../../src/diff/types.ts';
import type { PlanJson } from '../../src/report/plan-json.ts';
import { startGitHttpServer, type GitHttpServer } from '../helpers/git-http-server.ts';
import { commitFiles, initRepo, tempDir } from '../helpers/git-repo.ts';
import { P4INFO } from '../helpers/reconcile-env.ts';
import { ACME_PUBLIC_KEY, flowYaml, signAcme, specRepo, type FlowDef } from '../helpers/spec-repo.ts';
import { createHash } from 'node:crypto';
import { publicKeyOf, signFile } from '../../src/specs/signature.ts';
import { DesiredCache, desiredState } from '../../src/desired/desired.ts';
import { exactly } from '../helpers/desired-exact.ts';
import { readCommitTree } from '../../src/source/spec-tree.ts';

const work = tempDir('verdicts');
const targets: RunningTarget[] = [];
let server: GitHttpServer | undefined;
after(async () => {
  for (const t of targets) await t.stop().catch(() => {});
  await server?.close();
  fs.rmSync(work, { recursive: true, force: true });
});

const FLOWS: FlowDef[] = [{ name: 'web-to-api', from: 'web', to: 'api', ports: [443] }];
const FLOW_FILE = 'tenants/acme/flows/flows.yaml';

/** What one path said about the head commit. */
interface Verdict {
  valid: boolean;
  codes: string[];
  /** `op table key entity` per change, sorted (empty when invalid). */
  entries: string[];
}

interface Row {
  name: string;
  /** Where the specs sit in the repository (`repo.dir`). */
  root?: string;
  /** Changes to the spec files of `specRepo` that make the base (root-relative). */
  base?: (specs: Record<string, string>) => Record<string, string>;
  /** Changes to the base spec files (root-relative; null deletes). */
  head: (specs: Record<string, string>) => Record<string, string | null>;
  /** A symlink the head commit adds (root-relative). */
  link?: { path: string; to: string };
  /** `patched`: the desired stage makes the head from the base's result (desired/patch.ts); default: when valid. */
  expect: { valid: boolean; codes: string[]; changes: number; patched?: boolean };
}

const added = (flows: FlowDef[]) => {
  const text = flows.map(flowYaml).join('---\n');
  return { [FLOW_FILE]: text, [`${FLOW_FILE}.sig`]: signAcme(FLOW_FILE, text) };
};

const MORE = 'tenants/acme/flows/more.yaml';
const GLOBEX_FILE = 'tenants/globex/flows/flows.yaml';
const globexSeed = new Uint8Array(createHash('sha256').update('flowops-test/globex').digest());
const signed = (file: string, text: string, seed?: Uint8Array) => ({ [file]: text, [`${file}.sig`]: seed ? signFile(seed, file, Buffer.from(text)) : signAcme(file, text) });
const flowsText = (flows: FlowDef[], tenant = 'acme') => flows.map((f) => flowYaml(f).replace('tenant: acme', `tenant: ${tenant}`)).join('---\n');
const apiToDb: FlowDef = { name: 'api-to-db', from: 'api', to: 'db', ports: [5432] };

/** A second tenant, globex (its own key, services web and api, one signed flow file), served on leaf1 too. */
const withGlobex = (s: Record<string, string>): Record<string, string> => ({
  'tenants/globex/tenant.yaml': ACME_TENANT(s)
    .replace('name: acme', 'name: globex')
    .replace('id: 7', 'id: 8')
    .replace(ACME_PUBLIC_KEY, Buffer.from(publicKeyOf(globexSeed)).toString('base64'))
    .replace('vlan: 70', 'vlan: 80')
    .replace('10.7.0.0/16', '10.8.0.0/16'),
  'tenants/globex/services.yaml': ['web', 'api']
    .map((n, i) => `apiVersion: flowops.dev/v1\nkind: Service\nmetadata:\n  name: ${n}\n  tenant: globex\nspec:\n  addresses: [10.8.${i + 1}.0/24]\n`)
    .join('---\n'),
  ...signed(GLOBEX_FILE, flowsText([{ name: 'web-to-api', from: 'web', to: 'api', ports: [80] }], 'globex'), globexSeed),
  'targets/leaf1.yaml': s['targets/leaf1.yaml'] + '    - tenant: globex\n      ports: [5, 6]\n',
});
const ACME_TENANT = (s: Record<string, string>) => s['tenants/acme/tenant.yaml']!;

const ROWS: Row[] = [
  {
    name: 'a normal change (one signed flow added)',
    head: () => added([...FLOWS, { name: 'api-to-db', from: 'api', to: 'db', ports: [5432] }]),
    expect: { valid: true, codes: [], changes: 2 },
  },
  {
    name: 'an unsigned edit (flow file changed, signature not)',
    head: (s) => ({ [FLOW_FILE]: s[FLOW_FILE] + '---\n' + flowYaml({ name: 'api-to-db', from: 'api', to: 'db', ports: [5432] }) }),
    expect: { valid: false, codes: ['SIG_BAD'], changes: 0 },
  },
  {
    name: 'a Target naming a pipeline file the commit lacks',
    head: (s) => ({ 'targets/leaf1.yaml': s['targets/leaf1.yaml'] + '  pipeline: { mode: verify, arch: v1model, p4info: p4/missing.p4info.txtpb }\n' }),
    expect: { valid: false, codes: ['PIPELINE_FILE_NOT_IN_REPO'], changes: 0 },
  },
  {
    name: 'a dot-folder with YAML that is no spec (.github/workflows)',
    head: () => ({ '.github/workflows/ci.yml': 'on: push\njobs: { test: { runs-on: ubuntu-latest } }\n' }),
    expect: { valid: true, codes: [], changes: 0 },
  },
  {
    name: 'a symlinked flow file',
    head: () => ({}),
    link: { path: 'tenants/acme/flows/more.yaml', to: 'flows.yaml' },
    expect: { valid: false, codes: ['SPEC_SYMLINK'], changes: 0 },
  },
  {
    name: 'specs in repo.dir, signed relative to it, with a change',
    root: 'net',
    head: () => added([...FLOWS, { name: 'web-to-cache', from: 'web', to: 'cache', ports: [6379] }]),
    expect: { valid: true, codes: [], changes: 2 },
  },
  {
    name: 'one flow of a file edited (re-signed)',
    base: () => signed(MORE, flowsText([apiToDb, { name: 'db-to-cache', from: 'db', to: 'cache', ports: [6379] }])),
    head: () => signed(MORE, flowsText([{ ...apiToDb, ports: [5432, 5433] }, { name: 'db-to-cache', from: 'db', to: 'cache', ports: [6379] }])),
    expect: { valid: true, codes: [], changes: 1 },
  },
  {
    name: 'a flow file removed with its signature',
    base: () => signed(MORE, flowsText([apiToDb])),
    head: () => ({ [MORE]: null, [`${MORE}.sig`]: null }),
    expect: { valid: true, codes: [], changes: 2 },
  },
  {
    name: 'a flow file renamed (signed for its new path)',
    base: () => signed(MORE, flowsText([apiToDb])),
    head: (s) => ({ [MORE]: null, [`${MORE}.sig`]: null, ...signed('tenants/acme/flows/renamed.yaml', s[MORE]!) }),
    expect: { valid: true, codes: [], changes: 0 },
  },
  {
    name: 'a flow renamed (a new flow id)',
    head: () => added([{ ...FLOWS[0]!, name: 'web-to-api-v2' }]),
    expect: { valid: true, codes: [], changes: 3 },
  },
  {
    name: 'a flow moved from one tenant to another (both files re-signed by their tenants)',
    base: (s) => ({ ...withGlobex(s), ...signed(MORE, flowsText([{ name: 'moving', from: 'web', to: 'api', ports: [9000] }])) }),
    head: () => ({
      [MORE]: null,
      [`${MORE}.sig`]: null,
      ...signed(GLOBEX_FILE, flowsText([{ name: 'web-to-api', from: 'web', to: 'api', ports: [80] }, { name: 'moving', from: 'web', to: 'api', ports: [9000] }], 'globex'), globexSeed),
    }),
    expect: { valid: true, codes: [], changes: 4 },
  },
  {
    name: 'a signature replaced by one that is not (the flow file unchanged)',
    head: () => ({ [`${FLOW_FILE}.sig`]: Buffer.alloc(64, 7).toString('base64') + '\n' }),
    expect: { valid: false, codes: ['SIG_BAD'], changes: 0 },
  },
  {
    name: "a flow file re-signed with another tenant's key",
    base: withGlobex,
    head: (s) => ({ [`${FLOW_FILE}.sig`]: signFile(globexSeed, FLOW_FILE, Buffer.from(s[FLOW_FILE]!)) }),
    expect: { valid: false, codes: ['SIG_OTHER_TENANT'], changes: 0 },
  },
  {
    name: 'a quota that fitted, crossed by one added file',
    // 16 entries: 2 tenant_classify, 1 route, 2 members + 1 group, 4 services × 2, the flow's policy and classify.
    base: (s) => ({ 'targets/leaf1.yaml': s['targets/leaf1.yaml'] + '  quota: { entries: 16 }\n' }),
    head: () => signed(MORE, flowsText([apiToDb])),
    expect: { valid: false, codes: ['CAPACITY_QUOTA'], changes: 0 },
  },
  {
    name: 'a flow name used again in another file',
    head: () => signed(MORE, flowsText([{ ...apiToDb, name: 'web-to-api' }])),
    expect: { valid: false, codes: ['SPEC_DUPLICATE_NAME'], changes: 0 },
  },
  {
    name: "a flow in another file whose port range covers a flow's port (same services and protocol)",
    head: () => signed(MORE, flowsText([{ name: 'again', from: 'web', to: 'api', ports: ['440-450'] }])),
    expect: { valid: false, codes: ['SPEC_FLOW_OVERLAP'], changes: 0 },
  },
];

const entriesOf = (p: Plan) =>
  [...p.inserts, ...p.modifies, ...p.deletes].map((c) => `${c.kind} ${c.table} ${Buffer.from(c.key, 'latin1').toString('hex')} ${Buffer.from(c.bytes).toString('hex')}`).sort();

async function cli(cwd: string, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const sink = (f: (s: string) => void) => new Writable({ write: (c, _e, cb) => (f(String(c)), cb()) });
  const code = await main(argv, { env: {}, cwd, stdout: sink((s) => (out += s)), stderr: sink((s) => (err += s)), signal: new AbortController().signal });
  return { code, out, err };
}

/** Problem codes named in text output (`… SIG_BAD …` or a JSON `code`). */
const codesIn = (text: string) => [...new Set([...text.matchAll(/\b(SIG_[A-Z_]+|SPEC_[A-Z_]+|PIPELINE_[A-Z_]+|CAPACITY_[A-Z_]+)\b/g)].map((m) => m[1]))].sort();

async function reconcilerVerdict(dir: string, caseDir: string, root: string, branch: string, mode: 'auto' | 'plan-only') {
  const loaded = configFromObject(
    {
      repo: { path: dir, branch, dir: root },
      mode,
      http: { listen: '127.0.0.1:0' },
      stateFile: path.join(caseDir, `${branch}-${mode}.state.json`),
      schedules: { sync: '0 0 0 1 1 *', drift: '0 0 0 1 1 *', expiry: '0 0 0 1 1 *' },
    },
    caseDir,
  );
  const r = new Reconciler({ loaded, connect: p4rtConnector(), logger: silentLogger });
  try {
    return await r.sync('test', { force: true });
  } finally {
    await r.stop();
  }
}

for (const [i, row] of ROWS.entries()) {
  test(`one verdict: ${row.name}`, async () => {
    const caseDir = path.join(work, `case${i}`);
    const dir = path.join(caseDir, 'repo');
    const root = row.root ?? '';
    const at = (p: string) => (root ? `${root}/${p}` : p);
    const target = await startTarget({ address: '127.0.0.1:0', p4infoFile: P4INFO });
    targets.push(target);
    const repo = specRepo({ targets: [{ name: 'leaf1', address: `127.0.0.1:${target.port}` }], flows: FLOWS });
    // Signatures cover root-relative paths: sign the base again where it sits.
    repo[`${FLOW_FILE}.sig`] = signAcme(FLOW_FILE, repo[FLOW_FILE]!);
    const base = { ...repo, ...row.base?.(repo) };
    const baseCommit = await initRepo(dir, { 'README.md': 'intent\n', ...Object.fromEntries(Object.entries(base).map(([p, v]) => [at(p), v])) });
    await git.branch({ fs, dir, ref: 'base' });
    const change = Object.fromEntries(Object.entries(row.head(base)).map(([p, v]) => [at(p), v]));
    if (row.link) fs.symlinkSync(row.link.to, path.join(dir, at(row.link.path)));
    // git.add stores a symlink as one (mode 120000), as git does.
    if (row.link) await git.add({ fs, dir, filepath: at(row.link.path) });
    const head = await commitFiles(dir, change, { message: row.name });
    assert.notEqual(head, baseCommit);
    await git.writeRef({ fs, dir, ref: 'refs/pull/1/head', value: head, force: true });
    const specDir = root ? path.join(dir, root) : dir;

    // flowops validate --require-signatures (the work tree is the head commit).
    const v = await cli(caseDir, 'validate', '--require-signatures', '--json', specDir);
    const vj = JSON.parse(v.out) as { valid: boolean; errors: { code: string }[] };
    const validate = { valid: v.code === 0 && vj.valid, codes: [...new Set(vj.errors.map((e) => e.code))].sort() };

    // flowops plan DIR --against the base commit.
    const p = await cli(caseDir, 'plan', specDir, '--against', baseCommit, '--json');
    const plan: Verdict = { valid: p.code !== 1, codes: codesIn(p.err), entries: [] };
    if (plan.valid) {
      const pj = JSON.parse(p.out) as PlanJson;
      plan.entries = pj.targets.flatMap((t) => t.changes.map((c) => `${c.op} ${c.table} ${c.key} ${c.entity}`)).sort();
    }

    // The PR check: refs/pull/1/head and the base branch fetched over smart HTTP, then planned.
    server ??= await startGitHttpServer({ root: work });
    const fetched = await fetchPr({ url: `${server.url}/case${i}/repo/.git`, gitdir: path.join(caseDir, 'pr-cache'), under: root || undefined }, { number: 1, baseRef: 'base' });
    assert.equal(fetched.head.commit, head);
    const { report } = await planPullRequest({ repo: { owner: 'net', repo: 'intent' }, pr: 1, baseRef: 'base', fetched, now: new Date() });
    const pr: Verdict = { valid: report.problems.length === 0, codes: [...new Set(report.problems.map((x) => x.code))].sort(), entries: report.switches.flatMap((s) => entriesOf(s.plan)).sort() };

    // The reconciler: converge the switch to the base branch, then plan the head against the switch.
    const converged = await reconcilerVerdict(dir, caseDir, root, 'base', 'auto');
    assert.equal(converged?.switches[0]?.outcome, 'Converged', 'the base commit converges');
    const ev = await reconcilerVerdict(dir, caseDir, root, 'main', 'plan-only');
    assert.ok(ev, 'the reconciler reports the head commit');
    const rec: Verdict = { valid: ev.problems.length === 0, codes: [...new Set(ev.problems.map((x) => x.code))].sort(), entries: ev.problems.length ? [] : ev.switches.flatMap((s) => entriesOf(s.plan)).sort() };

    const expected = { valid: row.expect.valid, codes: row.expect.codes };
    assert.deepEqual({ valid: rec.valid, codes: rec.codes }, expected, 'reconciler');
    assert.deepEqual({ valid: pr.valid, codes: pr.codes }, expected, 'PR check');
    assert.deepEqual({ valid: plan.valid, codes: plan.codes }, expected, 'flowops plan');
    assert.deepEqual(validate, expected, 'flowops validate');
    assert.equal(rec.entries.length, row.expect.changes, 'reconciler entries');
    assert.deepEqual(pr.entries, rec.entries, 'PR check entries = reconciler entries');
    assert.deepEqual(plan.entries, rec.entries, 'flowops plan entries = reconciler entries');

    // The desired stage warm from the base (what the reconciler and the PR check keep): the head as a cold run makes it, byte for byte.
    const now = new Date();
    const cache = new DesiredCache();
    const baseSet = desiredState(await readCommitTree({ fs, dir, ref: baseCommit, root }), { now, cache });
    assert.deepEqual(baseSet.problems, [], 'the base is valid');
    const headTree = await readCommitTree({ fs, dir, ref: head, root });
    const warm = desiredState(headTree, { now, cache });
    assert.equal(cache.lastPath === 'patched', row.expect.patched ?? row.expect.valid, `desired stage path: ${cache.lastPath}`);
    assert.deepEqual(exactly(warm), exactly(desiredState(headTree, { now })), 'warm desired set = cold desired set');
  });
}
