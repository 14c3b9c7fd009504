// Contracts → flows. A Contract is a tenant's template of a connection with
// roles (client/server, originator/responder, …); a Service joins a role with
// `spec.contracts: [{contract, role}]`. Every pair (service in role A, service
// in role B) where B accepts traffic and the direction is allowed becomes one
// generated Flow, which then goes through every rule a written Flow does
// (overlaps, steering, ids, compile). Pure: documents in, flows and errors out.
//
// A generated flow is named `<contract>:<from>-><to>` and nothing else, so
// its CGA flow id (flow-id.ts) depends only on the tenant key and that pair:
// binding a new service to a role adds flows and never renumbers existing ones.
// Its `source` is the contract document (the signed, tenant-owned file), with
// field positions pointing at the destination role, so a finding about a
// generated entry lands on the contract line that asked for it.
import { SpecError } from '../shared/errors.ts';
import { Codes } from './codes.ts';
import type { Contract, ContractRole, Flow, Service } from './schema.ts';
import { specKey, type Located, type SpecSet, type SpecSource } from './spec-set.ts';

/** Why a generated flow exists: the contract, and which service took which role at each end. */
export interface ContractFlowInfo {
  contract: string;
  tenant: string;
  from: { service: string; role: string };
  to: { service: string; role: string };
}

const generated = new WeakMap<object, ContractFlowInfo>();

/** The contract that generated `flow`, or undefined for a written Flow document. */
export function contractOf(flow: object): ContractFlowInfo | undefined {
  return generated.get(flow);
}

/** `<contract>:<from>-><to>`: the generated flow's metadata.name (the input of its flow id). */
export function contractFlowName(contract: string, from: string, to: string): string {
  return `${contract}:${from}->${to}`;
}

export interface Expanded {
  flows: Located<Flow>[];
  errors: SpecError[];
}

/** The flows every contract of `specs` generates from its bindings, and the bindings' defects. */
export function expandContracts(specs: Pick<SpecSet, 'contracts' | 'services'>): Expanded {
  const errors: SpecError[] = [];
  const contracts = new Map((specs.contracts ?? []).map((c) => [specKey(c), c]));
  // contract key → role name → services bound to it (in service order).
  const members = new Map<string, Map<string, Located<Service>[]>>();
  for (const s of specs.services) {
    const seen = new Map<string, string>();
    (s.spec.contracts ?? []).forEach((b, i) => {
      const path = ['spec', 'contracts', i];
      const key = `${s.metadata.tenant}/${b.contract}`;
      const c = contracts.get(key);
      if (!c) {
        errors.push(new SpecError(Codes.unknownContract, s.source.at([...path, 'contract']), `spec.contracts[${i}].contract`, `tenant ${s.metadata.tenant} has no contract "${b.contract}"`));
        return;
      }
      if (!c.spec.roles.some((r) => r.name === b.role)) {
        errors.push(
          new SpecError(Codes.unknownContractRole, s.source.at([...path, 'role']), `spec.contracts[${i}].role`, `contract ${b.contract} has no role "${b.role}" (roles: ${c.spec.roles.map((r) => r.name).join(', ')})`),
        );
        return;
      }
      const had = seen.get(b.contract);
      if (had !== undefined) {
        errors.push(new SpecError(Codes.contractCardinality, s.source.at(path), `spec.contracts[${i}]`, `service ${s.metadata.name} already takes role "${had}" in contract ${b.contract}; a service takes one role per contract`));
        return;
      }
      seen.set(b.contract, b.role);
      const roles = members.get(key) ?? members.set(key, new Map()).get(key)!;
      (roles.get(b.role) ?? roles.set(b.role, []).get(b.role)!).push(s);
    });
  }

  const flows: Located<Flow>[] = [];
  for (const [key, c] of contracts) {
    const roles = members.get(key) ?? new Map<string, Located<Service>[]>();
    // Cardinality: point-to-point: every role ≤ 1 service; point-to-multipoint: the root ≤ 1.
    for (const r of c.spec.roles) {
      const bound = roles.get(r.name) ?? [];
      const single = c.spec.topology === 'point-to-point' || r.name === c.spec.root;
      if (single && bound.length > 1) {
        const extra = bound[1]!;
        const i = extra.spec.contracts!.findIndex((b) => b.contract === c.metadata.name);
        errors.push(
          new SpecError(Codes.contractCardinality, extra.source.at(['spec', 'contracts', i]), `spec.contracts[${i}]`, `role "${r.name}" of ${c.spec.topology} contract ${c.metadata.name} takes one service; ${bound.map((s) => s.metadata.name).join(', ')} all bind to it`),
        );
      }
    }
    c.spec.roles.forEach((fromRole, i) => {
      c.spec.roles.forEach((toRole, j) => {
        if (i === j || toRole.protocol === undefined) return;
        if (c.spec.directed && j < i) return;
        for (const src of roles.get(fromRole.name) ?? []) {
          for (const dst of roles.get(toRole.name) ?? []) {
            if (src === dst) continue;
            flows.push(generate(c, fromRole, toRole, j, src, dst));
          }
        }
      });
    });
  }
  return { flows, errors };
}

function generate(c: Located<Contract>, fromRole: ContractRole, toRole: ContractRole, toIndex: number, src: Service, dst: Service): Located<Flow> {
  const spec: Flow['spec'] = {
    from: { service: src.metadata.name },
    to: { service: dst.metadata.name },
    protocol: toRole.protocol!,
    action: 'allow',
    ...(toRole.ports ? { ports: toRole.ports } : {}),
    ...(c.spec.qos ? { qos: c.spec.qos } : {}),
    ...(c.spec.rateLimit ? { rateLimit: c.spec.rateLimit } : {}),
    ...(c.spec.steer ? { steer: c.spec.steer } : {}),
  };
  const rolePath = ['spec', 'roles', toIndex];
  const source: SpecSource = {
    file: c.source.file,
    line: c.source.at(rolePath).line,
    col: c.source.col,
    index: c.source.index,
    // Fields of the generated flow live in the role (protocol, ports) or the contract (qos, steer).
    at: (p) => {
      const path = typeof p === 'string' ? p : p.join('.');
      if (/ports|protocol/.test(path)) return c.source.at([...rolePath, path.includes('ports') ? 'ports' : 'protocol']);
      if (/qos|rateLimit|steer/.test(path)) return c.source.at(['spec', path.split('.').find((x) => /qos|rateLimit|steer/.test(x))!]);
      return c.source.at(rolePath);
    },
  };
  const flow: Located<Flow> = {
    apiVersion: c.apiVersion,
    kind: 'Flow',
    metadata: { name: contractFlowName(c.metadata.name, src.metadata.name, dst.metadata.name), tenant: c.metadata.tenant },
    spec,
    source,
  };
  generated.set(flow, {
    contract: c.metadata.name,
    tenant: c.metadata.tenant,
    from: { service: src.metadata.name, role: fromRole.name },
    to: { service: dst.metadata.name, role: toRole.name },
  });
  return flow;
}

/**
 * "contract `db-access`: service `orders` joins as client → 2 new flows", one
 * line per (contract, service, role) whose binding a change adds or removes,
 * counting the generated flows it adds or removes. Pure; `before` may be absent.
 */
export function contractChanges(before: Pick<SpecSet, 'flows'> | undefined, after: Pick<SpecSet, 'flows'>): string[] {
  const count = (flows: readonly Flow[]) => {
    const out = new Map<string, { flows: Set<string>; contract: string; service: string; role: string }>();
    for (const f of flows) {
      const info = generated.get(f);
      if (!info) continue;
      for (const end of [info.from, info.to]) {
        const k = `${info.tenant}/${info.contract}|${end.service}|${end.role}`;
        const v = out.get(k) ?? out.set(k, { flows: new Set(), contract: info.contract, service: end.service, role: end.role }).get(k)!;
        v.flows.add(specKey(f));
      }
    }
    return out;
  };
  const a = count(before?.flows ?? []);
  const b = count(after.flows);
  const lines: string[] = [];
  const allFlowsBefore = new Set([...a.values()].flatMap((v) => [...v.flows]));
  const allFlowsAfter = new Set([...b.values()].flatMap((v) => [...v.flows]));
  for (const [k, v] of b) {
    if (a.has(k)) continue;
    const n = [...v.flows].filter((f) => !allFlowsBefore.has(f)).length;
    lines.push(`contract \`${v.contract}\`: service \`${v.service}\` joins as ${v.role} → ${n} new flow${n === 1 ? '' : 's'}`);
  }
  for (const [k, v] of a) {
    if (b.has(k)) continue;
    const n = [...v.flows].filter((f) => !allFlowsAfter.has(f)).length;
    lines.push(`contract \`${v.contract}\`: service \`${v.service}\` leaves ${v.role} → ${n} flow${n === 1 ? '' : 's'} removed`);
  }
  return lines.sort();
}
