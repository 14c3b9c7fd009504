// The service graph of one tenant as inline SVG: services as boxes on a
// circle, flows as arrows labelled with their live traffic. Deterministic
// layout (sorted names), so the same snapshot draws the same picture.
import type { FlowView, TenantView } from './model.ts';
import { count, esc, rate } from './html.ts';

const W = 760;
const NODE_W = 150;
const NODE_H = 28;

function totals(f: FlowView): { packets: number; bytes: number; pps: number } {
  return f.traffic.reduce((s, t) => ({ packets: s.packets + t.packets, bytes: s.bytes + t.bytes, pps: s.pps + t.pps }), { packets: 0, bytes: 0, pps: 0 });
}

export function edgeLabel(f: FlowView): string {
  const t = totals(f);
  return `${count(t.packets)} pkts · ${count(t.bytes)}B · ${rate(t.pps, 'pkt')}`;
}

export function serviceGraph(t: TenantView, n0 = 0): string {
  const arrow = `arrow-${n0}`;
  const names = [...new Set([...t.services, ...t.flows.flatMap((f) => [f.from, f.to])])].sort();
  const n = names.length;
  const r = n <= 1 ? 0 : Math.max(90, n * 34);
  const H = 2 * r + 80;
  const cx = W / 2;
  const cy = H / 2;
  const pos = new Map(names.map((name, i) => {
    const a = (2 * Math.PI * i) / Math.max(1, n) - Math.PI / 2;
    return [name, { x: cx + r * Math.cos(a), y: cy + r * Math.sin(a) }];
  }));
  const edges = t.flows.map((f) => {
    const a = pos.get(f.from)!;
    const b = pos.get(f.to)!;
    // A slight bend, so flows both ways between two services do not overlap.
    const mx = (a.x + b.x) / 2 + (b.y - a.y) * 0.12;
    const my = (a.y + b.y) / 2 - (b.x - a.x) * 0.12;
    const label = edgeLabel(f);
    return `<g class="edge${f.expiring ? ' expiring' : ''}" data-flow="${esc(f.name)}">
<path d="M${a.x.toFixed(1)},${a.y.toFixed(1)} Q${mx.toFixed(1)},${my.toFixed(1)} ${b.x.toFixed(1)},${b.y.toFixed(1)}" marker-end="url(#${arrow})"/>
<a href="/flows/${esc(encodeURI(f.name))}"><text x="${mx.toFixed(1)}" y="${my.toFixed(1)}" text-anchor="middle" class="edge-label">${esc(f.name.split('/')[1])}${f.expiring ? ' (expiring)' : ''}: ${esc(label)}</text></a>
<title>${esc(f.name)} ${esc(f.what)} — ${esc(label)}${f.expires ? ` — expires ${esc(f.expires)}` : ''}</title></g>`;
  });
  const nodes = names.map((name) => {
    const p = pos.get(name)!;
    return `<g class="node" data-service="${esc(name)}"><rect x="${(p.x - NODE_W / 2).toFixed(1)}" y="${(p.y - NODE_H / 2).toFixed(1)}" width="${NODE_W}" height="${NODE_H}" rx="5"/>
<text x="${p.x.toFixed(1)}" y="${(p.y + 4).toFixed(1)}" text-anchor="middle">${esc(name)}</text></g>`;
  });
  return `<svg class="graph" data-tenant="${esc(t.name)}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="service graph of ${esc(t.name)}">
<defs><marker id="${arrow}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#57606a"/></marker></defs>
${edges.join('\n')}
${nodes.join('\n')}
</svg>`;
}
