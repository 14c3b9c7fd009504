// Spec repos of any size for the reconciler benchmark. `--flows N` makes
// ceil(N / 2400) tenants of 50 services each and N flows, each allowing 9 TCP
// ports; every tenth is steered through a 2-instance firewall (nf_steer holds
// 64Ki entries on v1model). About 10 table entries per flow (9 flow_classify,
// flow_policy, a tenth of an nf_steer), so 100k flows ≈ 1M entries.
// Keys are derived from the tenant name, so the same N gives the same repo.
//
//   tsx bench/generate.ts --flows 10000 --out bench/out/specs-10000
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { publicKeyOf, signFile, SIG_SUFFIX } from '../src/specs/signature.ts';

export const SERVICES_PER_TENANT = 50;
export const FLOWS_PER_TENANT = SERVICES_PER_TENANT * (SERVICES_PER_TENANT - 1) - 50;
export const FLOWS_PER_FILE = 400;
export const PORTS_PER_FLOW = 9;
export const STEER_EVERY = 10;

export interface GenerateOptions {
  flows: number;
  /** Target name and address written into targets/<name>.yaml; `pipeline`: repo-relative P4Info and BMv2 JSON to push. */
  target?: { name: string; address: string; deviceId?: number; pipeline?: { p4info: string; deviceConfig: string } };
  /** Add one flow file (the "one-flow change"); a string names the file and its flow (default `extra`). */
  extraFlow?: boolean | string;
}

function seedOf(tenant: string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(`flowops-bench/${tenant}`).digest());
}

const tenantName = (t: number) => `t${String(t).padStart(3, '0')}`;

/** Repo-relative path → content. */
export function generateSpecs(opts: GenerateOptions): Map<string, string> {
  const files = new Map<string, string>();
  const tenants = Math.max(1, Math.ceil(opts.flows / FLOWS_PER_TENANT));
  if (tenants > 250) throw new Error(`--flows ${opts.flows}: at most ${250 * FLOWS_PER_TENANT} flows`);
  const target = opts.target ?? { name: 'bench', address: '127.0.0.1:9559' };
  const targetTenants: string[] = [];
  let remaining = opts.flows;
  for (let t = 1; t <= tenants; t++) {
    const name = tenantName(t);
    const seed = seedOf(name);
    const pub = Buffer.from(publicKeyOf(seed)).toString('base64');
    targetTenants.push(`    - tenant: ${name}\n      ports: [${(t % 200) + 10}]`);
    files.set(
      `tenants/${name}/tenant.yaml`,
      `apiVersion: flowops.dev/v1
kind: Tenant
metadata:
  name: ${name}
spec:
  id: ${t}
  publicKey: ${pub}
  vlan: ${t + 1}
  prefixes: [10.${t}.0.0/16]
  routes:
    - { prefix: 0.0.0.0/0, port: 1, mac: "02:00:00:00:00:01" }
  functions:
    firewall:
      instances:
        - { name: fw-a, port: 2, mac: "02:00:00:00:0f:01" }
        - { name: fw-b, port: 3, mac: "02:00:00:00:0f:02" }
`,
    );
    const svc: string[] = [];
    for (let s = 0; s < SERVICES_PER_TENANT; s++) {
      svc.push(`apiVersion: flowops.dev/v1
kind: Service
metadata:
  name: s${s}
  tenant: ${name}
spec:
  addresses: [10.${t}.${s}.0/24]
`);
    }
    files.set(`tenants/${name}/services.yaml`, svc.join('---\n'));

    const n = Math.min(remaining, FLOWS_PER_TENANT);
    remaining -= n;
    const docs: string[] = [];
    let fileNo = 0;
    const flush = () => {
      if (!docs.length) return;
      const p = `tenants/${name}/flows/f${String(fileNo++).padStart(3, '0')}.yaml`;
      const text = docs.join('---\n');
      files.set(p, text);
      files.set(p + SIG_SUFFIX, signFile(seed, p, Buffer.from(text)));
      docs.length = 0;
    };
    let i = 0;
    for (let a = 0; a < SERVICES_PER_TENANT && i < n; a++) {
      for (let b = 0; b < SERVICES_PER_TENANT && i < n; b++) {
        if (a === b) continue;
        const ports = Array.from({ length: PORTS_PER_FLOW }, (_, k) => 8000 + k * 10 + (i % 10));
        docs.push(flowDoc(`f${i}`, name, a, b, ports, i % STEER_EVERY === 0));
        i++;
        if (docs.length >= FLOWS_PER_FILE) flush();
      }
    }
    flush();
    if (opts.extraFlow && t === 1) {
      const extra = typeof opts.extraFlow === 'string' ? opts.extraFlow : 'extra';
      const p = `tenants/${name}/flows/${extra}.yaml`;
      // Named extras get their own ports, so two of them never overlap.
      const at = extra === 'extra' ? 9000 : 9100 + ([...extra].reduce((s, c) => s + c.charCodeAt(0), 0) % 40) * 20;
      const text = flowDoc(extra, name, 0, 1, Array.from({ length: PORTS_PER_FLOW }, (_, k) => at + k), true);
      files.set(p, text);
      files.set(p + SIG_SUFFIX, signFile(seed, p, Buffer.from(text)));
    }
  }
  files.set(
    `targets/${target.name}.yaml`,
    `apiVersion: flowops.dev/v1
kind: Target
metadata:
  name: ${target.name}
spec:
  address: ${target.address}
  deviceId: ${target.deviceId ?? 1}
  insecure: true
${target.pipeline ? `  pipeline:\n    mode: push\n    arch: v1model\n    p4info: ${target.pipeline.p4info}\n    deviceConfig: ${target.pipeline.deviceConfig}\n` : ''}  tenants:
${targetTenants.join('\n')}
`,
  );
  return files;
}

function flowDoc(id: string, tenant: string, a: number, b: number, ports: number[], steer: boolean): string {
  return `apiVersion: flowops.dev/v1
kind: Flow
metadata:
  name: ${id}
  tenant: ${tenant}
spec:
  from: { service: s${a} }
  to: { service: s${b} }
  protocol: tcp
  ports: [${ports.join(', ')}]
  action: allow
  qos: silver
${steer ? '  steer: firewall\n' : ''}`;
}

export function writeSpecs(files: Map<string, string>, dir: string): void {
  for (const [p, text] of files) {
    const f = path.join(dir, p);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.writeFileSync(f, text);
  }
}

function arg(name: string, def?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const flows = Number(arg('flows', '1000'));
  const out = arg('out', `bench/out/specs-${flows}`)!;
  fs.rmSync(out, { recursive: true, force: true });
  const files = generateSpecs({ flows });
  writeSpecs(files, out);
  process.stdout.write(`wrote ${files.size} files (${flows} flows) to ${out}\n`);
}

/**
 * The files of `opts` with one more flow (`extraFlow`) that differ from `files`,
 * written under `dir` (the reconciler bench commits them as one change).
 */
export function writeChange(files: Map<string, string>, opts: GenerateOptions, dir: string): string {
  const next = new Map([...generateSpecs(opts)].filter(([p, text]) => files.get(p) !== text));
  writeSpecs(next, dir);
  return dir;
}
