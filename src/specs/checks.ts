// Rules that relate documents to each other. Each one guards something the
// data plane cannot express: two tenants on one (port, vlan) or one prefix,
// a flow reaching into another tenant, two flows claiming one exact-match key
// of flow_classify. Documents are visited in sorted order, so when two clash
// the error always lands on the same one (the later), run after run.
import { SpecError, formatPos } from '../shared/errors.ts';
import { Codes } from './codes.ts';
import { contains, overlaps, prefixKey, toPrefix, type Prefix } from './ip.ts';
import { FUNCTION_KINDS, type Flow, type Service, type Tenant } from './schema.ts';
import { formatFieldPath, specKey, type FieldPath, type Located, type SpecSet } from './spec-set.ts';
import { hasPorts, protocolNumber } from './units.ts';
import { parsePortItem } from './ports.ts';

type Doc = Located<{ metadata: { name: string } }>;

function err(code: string, doc: Doc, path: FieldPath, message: string, data: Record<string, unknown> = {}): SpecError {
  return new SpecError(code, doc.source.at(path), formatFieldPath(path), message, data);
}

const where = (doc: Doc, path: FieldPath) => formatPos(doc.source.at(path));

export function checkSpecs(specs: SpecSet): SpecError[] {
  const errors: SpecError[] = [];
  const tenants = new Map(specs.tenants.map((t) => [t.metadata.name, t]));
  checkTenants(specs.tenants, errors);
  const servicesByTenant = checkServices(specs.services, tenants, errors);
  checkFlows(specs.flows, tenants, servicesByTenant, specs.services, errors);
  checkTargets(specs, tenants, errors);
  return errors;
}

/**
 * checkSpecs' flow rules for some of the flows of `specs` (whose tenants,
 * services and targets are already known to pass): a commit that only adds
 * or changes flows checks the flows of the tenants it touched (flows of
 * different tenants never clash). Pass all of a tenant's flows, not a part.
 */
export function checkFlowsOf(specs: Pick<SpecSet, 'tenants' | 'services'>, flows: Located<Flow>[]): SpecError[] {
  const errors: SpecError[] = [];
  const tenants = new Map(specs.tenants.map((t) => [t.metadata.name, t]));
  const touched = new Set(flows.map((f) => f.metadata.tenant));
  const own = specs.services.filter((s) => touched.has(s.metadata.tenant));
  checkFlows(flows, tenants, checkServices(own, tenants, []), specs.services, errors);
  return errors;
}

function checkTenants(list: Located<Tenant>[], errors: SpecError[]): void {
  const ids = new Map<number, Located<Tenant>>();
  const vlans = new Map<number, Located<Tenant>>();
  const vnis = new Map<number, Located<Tenant>>();
  const prefixes: { p: Prefix; text: string; tenant: Located<Tenant>; i: number }[] = [];
  for (const t of list) {
    const name = t.metadata.name;
    const unique = <K>(seen: Map<K, Located<Tenant>>, value: K | undefined, field: string, code: string) => {
      if (value === undefined) return;
      const first = seen.get(value);
      if (first) errors.push(err(code, t, ['spec', field], `${field} ${value} is already used by tenant ${first.metadata.name} (${where(first, ['spec', field])})`));
      else seen.set(value, t);
    };
    unique(ids, t.spec.id, 'id', Codes.duplicateTenantId);
    unique(vlans, t.spec.vlan, 'vlan', Codes.duplicateVlan);
    unique(vnis, t.spec.vni, 'vni', Codes.duplicateVni);

    t.spec.prefixes.forEach((text, i) => {
      const p = toPrefix(text);
      const clash = prefixes.find((o) => overlaps(o.p, p));
      if (clash) {
        const whose = clash.tenant === t ? 'another prefix of this tenant' : `tenant ${clash.tenant.metadata.name}`;
        errors.push(err(Codes.prefixOverlap, t, ['spec', 'prefixes', i], `${text} overlaps ${clash.text} of ${whose} (${where(clash.tenant, ['spec', 'prefixes', clash.i])})`));
      } else prefixes.push({ p, text, tenant: t, i });
    });

    // Instance names key the action-profile members; one name twice would be one member.
    for (const kind of FUNCTION_KINDS) {
      const seen = new Set<string>();
      t.spec.functions?.[kind]?.instances.forEach((inst, i) => {
        if (seen.has(inst.name)) errors.push(err(Codes.duplicateName, t, ['spec', 'functions', kind, 'instances', i, 'name'], `duplicate ${kind} instance "${inst.name}"`));
        seen.add(inst.name);
      });
    }

    const routes = new Map<string, number>();
    t.spec.routes?.forEach((r, i) => {
      const key = prefixKey(toPrefix(r.prefix));
      const first = routes.get(key);
      if (first !== undefined) errors.push(err(Codes.duplicateRoute, t, ['spec', 'routes', i, 'prefix'], `route ${r.prefix} is already defined at spec.routes[${first}] of tenant ${name}`));
      else routes.set(key, i);
    });
  }
}

/** Services per tenant name, for flow lookups; reports unknown tenants and addresses outside them. */
function checkServices(list: Located<Service>[], tenants: Map<string, Located<Tenant>>, errors: SpecError[]): Map<string, Map<string, Located<Service>>> {
  const byTenant = new Map<string, Map<string, Located<Service>>>();
  const addresses = new Map<string, { svc: Located<Service>; i: number }>();
  for (const s of list) {
    const tenant = tenants.get(s.metadata.tenant);
    if (!tenant) {
      errors.push(err(Codes.unknownTenant, s, ['metadata', 'tenant'], `unknown tenant "${s.metadata.tenant}"`));
      continue;
    }
    if (!byTenant.has(tenant.metadata.name)) byTenant.set(tenant.metadata.name, new Map());
    byTenant.get(tenant.metadata.name)!.set(s.metadata.name, s);
    const own = tenant.spec.prefixes.map(toPrefix);
    s.spec.addresses.forEach((text, i) => {
      const p = toPrefix(text);
      if (!own.some((o) => contains(o, p))) {
        errors.push(err(Codes.addressOutsideTenant, s, ['spec', 'addresses', i], `${text} is outside the prefixes of tenant ${tenant.metadata.name} (${tenant.spec.prefixes.join(', ')})`));
        return;
      }
      // Two services on one prefix would be two entries with one LPM key.
      const key = `${tenant.metadata.name}|${prefixKey(p)}`;
      const first = addresses.get(key);
      if (first) errors.push(err(Codes.duplicateAddress, s, ['spec', 'addresses', i], `${text} is already the address of service ${specKey(first.svc)} (${where(first.svc, ['spec', 'addresses', first.i])})`));
      else addresses.set(key, { svc: s, i });
    });
  }
  return byTenant;
}

/** A service of the flow's own tenant by name; else an error naming where the name lives (another tenant, nowhere). */
function resolveService(
  f: Located<Flow>,
  own: Map<string, Located<Service>> | undefined,
  allServices: Located<Service>[],
  name: string,
  path: FieldPath,
  errors: SpecError[],
): Located<Service> | undefined {
  const svc = own?.get(name);
  if (svc) return svc;
  const tenantName = f.metadata.tenant;
  const elsewhere = allServices.find((s) => s.metadata.name === name && s.metadata.tenant !== tenantName);
  if (elsewhere) errors.push(err(Codes.crossTenant, f, path, `service "${name}" belongs to tenant ${elsewhere.metadata.tenant}; a flow of tenant ${tenantName} may only use its own services`));
  else errors.push(err(Codes.unknownService, f, path, `unknown service "${name}" in tenant ${tenantName}`));
  return undefined;
}

const FROM_SERVICE: FieldPath = ['spec', 'from', 'service'];
const TO_SERVICE: FieldPath = ['spec', 'to', 'service'];

function checkFlows(
  list: Located<Flow>[],
  tenants: Map<string, Located<Tenant>>,
  servicesByTenant: Map<string, Map<string, Located<Service>>>,
  allServices: Located<Service>[],
  errors: SpecError[],
): void {
  // flow_classify key (tenant, src svc, dst svc, proto) → the flows that claimed it, each with all its port
  // ranges. 10^5 flows: no closure, array or object per flow or port on the way through. Each key's flows are
  // a list through flat columns (entry c: kFlow[c], next kNext[c], -1 at the end; kTail[head] is the last).
  const claimed = new Map<string, number>();
  const kFlow: Located<Flow>[] = [];
  const kNext: number[] = [];
  const kTail: number[] = [];
  const lo: number[] = [];
  const hi: number[] = [];
  const otherLo: number[] = [];
  const otherHi: number[] = [];
  let oneSource: Located<Service>[] = [];
  for (const f of list) {
    const tenantName = f.metadata.tenant;
    const tenant = tenants.get(tenantName);
    if (!tenant) {
      errors.push(err(Codes.unknownTenant, f, ['metadata', 'tenant'], `unknown tenant "${tenantName}"`));
      continue;
    }
    const own = servicesByTenant.get(tenantName);

    let sources: Located<Service>[];
    const from = f.spec.from;
    if ('service' in from) {
      const s = resolveService(f, own, allServices, from.service, FROM_SERVICE, errors);
      if (s) {
        if (oneSource.length !== 1) oneSource = [s];
        else oneSource[0] = s;
        sources = oneSource;
      } else sources = [];
    } else {
      sources = own ? [...own.values()].filter((s) => s.spec.roles?.includes(from.role)) : [];
      if (!sources.length) errors.push(err(Codes.unknownRole, f, ['spec', 'from', 'role'], `no service of tenant ${tenantName} has role "${from.role}"`));
    }
    const dest = resolveService(f, own, allServices, f.spec.to.service, TO_SERVICE, errors);

    if (f.spec.steer && !tenant.spec.functions?.[f.spec.steer]) {
      errors.push(err(Codes.noSuchFunction, f, ['spec', 'steer'], `tenant ${tenantName} (${where(tenant, ['metadata', 'name'])}) has no ${f.spec.steer} function in spec.functions`));
    }

    const ports = f.spec.ports;
    if (hasPorts(f.spec.protocol)) {
      if (!ports) errors.push(err(Codes.portsRequired, f, ['spec', 'ports'], `ports are required for protocol ${f.spec.protocol}`));
    } else if (ports) errors.push(err(Codes.portsForbidden, f, ['spec', 'ports'], `ports are not allowed for protocol ${f.spec.protocol} (it has no ports)`));
    claimedRanges(f, lo, hi);

    if (!dest) continue;
    const proto = protocolNumber(f);
    for (const src of sources) {
      const key = `${tenantName}|${src.metadata.name}|${dest.metadata.name}|${proto}`;
      const head = claimed.get(key);
      let clash: Set<Located<Flow>> | undefined;
      if (head !== undefined) {
        // Rare (checks refuse it): the other flows' ranges made again, compared in claim order.
        for (let r = 0; r < lo.length; r++) {
          for (let c = head; c >= 0; c = kNext[c]!) {
            const other = kFlow[c]!;
            if (other === f) continue;
            claimedRanges(other, otherLo, otherHi);
            for (let o = 0; o < otherLo.length; o++) if (lo[r]! <= otherHi[o]! && otherLo[o]! <= hi[r]!) (clash ??= new Set()).add(other);
          }
        }
      }
      for (const other of clash ?? []) {
        errors.push(err(Codes.flowOverlap, f, ['metadata', 'name'], `flow overlaps ${specKey(other)} (${where(other, ['metadata', 'name'])}) for ${src.metadata.name} → ${dest.metadata.name} protocol ${f.spec.protocol}`));
      }
      if (!lo.length) continue; // nothing claimed (ports required but missing)
      const at = kFlow.length;
      kFlow.push(f);
      kNext.push(-1);
      kTail.push(at);
      if (head === undefined) claimed.set(key, at);
      else {
        kNext[kTail[head]!] = at;
        kTail[head] = at;
      }
    }
  }
}

/** The port ranges a flow claims in flow_classify, into `lo`/`hi`: its ports, or [0, 0] for a protocol without ports. */
function claimedRanges(f: Flow, lo: number[], hi: number[]): void {
  lo.length = 0;
  hi.length = 0;
  const ports = f.spec.ports;
  if (!hasPorts(f.spec.protocol)) {
    lo.push(0);
    hi.push(0);
    return;
  }
  for (const p of ports ?? []) {
    if (typeof p === 'number') {
      lo.push(p);
      hi.push(p);
    } else {
      const r = parsePortItem(p);
      if (typeof r === 'string') throw new Error(r);
      lo.push(r[0]);
      hi.push(r[1]);
    }
  }
}

function checkTargets(specs: SpecSet, tenants: Map<string, Located<Tenant>>, errors: SpecError[]): void {
  const devices = new Map<string, Located<SpecSet['targets'][number]>>();
  for (const t of specs.targets) {
    const device = `${t.spec.address}#${t.spec.deviceId}`;
    const first = devices.get(device);
    if (first) errors.push(err(Codes.duplicateDevice, t, ['spec', 'address'], `${t.spec.address} device ${t.spec.deviceId} is already target ${first.metadata.name}`));
    else devices.set(device, t);

    const portVlan = new Map<string, string>();
    t.spec.tenants.forEach((entry, i) => {
      const tenant = tenants.get(entry.tenant);
      if (!tenant) {
        errors.push(err(Codes.unknownTenant, t, ['spec', 'tenants', i, 'tenant'], `unknown tenant "${entry.tenant}"`));
        return;
      }
      entry.ports.forEach((port, j) => {
        const key = `${port}|${tenant.spec.vlan}`;
        const holder = portVlan.get(key);
        if (holder !== undefined) {
          errors.push(err(Codes.targetPortVlan, t, ['spec', 'tenants', i, 'ports', j], `port ${port} vlan ${tenant.spec.vlan} is already assigned to tenant ${holder} on this target`));
        } else portVlan.set(key, tenant.metadata.name);
      });
    });
  }
}
