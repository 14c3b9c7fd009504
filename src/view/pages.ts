// The pages, rendered from a snapshot (pure: data in, HTML out).
import type { FlowDetail, SwitchView, SyncRecord, ViewSnapshot } from './model.ts';
import { count, esc, href, page, rate, short } from './html.ts';
import { edgeLabel, serviceGraph } from './graph.ts';

function outcomeClass(o?: string): string {
  return o === 'Converged' || o === 'Unchanged' ? 'ok' : o === 'Failed' || o === 'RolledBack' ? 'bad' : 'warn';
}

function switchRow(s: SwitchView): string {
  const drift = s.drift
    ? `<span class="${s.drift.healed ? 'warn' : 'bad'}">${s.drift.entries.length} entr${s.drift.entries.length === 1 ? 'y' : 'ies'}${s.drift.healed ? ' (healed)' : ''}</span> <span class="muted">at ${esc(s.drift.at)}</span>`
    : '<span class="ok">none</span>';
  return `<tr data-switch="${esc(s.name)}"><td><b>${esc(s.name)}</b><br><span class="muted mono">${esc(s.address)}</span></td>
<td class="role">${esc(s.role)}</td><td class="mono applied">${esc(short(s.appliedCommit))}</td><td class="mono">${esc(s.pipeline ?? '–')}</td>
<td>${esc(s.lastSync ?? 'never')}</td><td class="outcome ${outcomeClass(s.lastOutcome)}">${esc(s.lastOutcome ?? '–')}${s.lastError ? `<br><span class="muted">${esc(s.lastError)}</span>` : ''}</td>
<td class="drift-cell">${drift}</td></tr>`;
}

function driftSection(s: SwitchView): string {
  if (!s.drift?.entries.length) return '';
  const items = s.drift.entries.map((e) => `<li><b>${esc(e.kind)}</b> ${esc(e.table)} ${esc(e.description)}</li>`).join('');
  return `<h3>Drift on ${esc(s.name)}</h3><ul class="drift" data-switch="${esc(s.name)}">${items}</ul>`;
}

function historyTable(h: readonly SyncRecord[]): string {
  if (!h.length) return '<p class="muted">No sync yet.</p>';
  const rows = h.map((r) => `<tr><td>${esc(r.at)}</td><td>${esc(r.target)}</td><td class="mono">${esc(short(r.commit))}</td><td>${esc(r.reason)}</td>
<td class="${outcomeClass(r.outcome)}">${esc(r.outcome)}</td><td>+${r.inserted} ~${r.modified} -${r.deleted}</td><td>${r.durationMs} ms</td>
<td class="mono muted">${esc(r.traceId ?? '')}</td><td>${esc(r.error ?? '')}</td></tr>`);
  return `<table id="history"><thead><tr><th>at</th><th>switch</th><th>commit</th><th>reason</th><th>outcome</th><th>written</th><th>took</th><th>trace id</th><th>error</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

export function overviewPage(v: ViewSnapshot): string {
  const repo = `<p>Repository <b>${esc(v.repo.name)}</b> branch <b>${esc(v.repo.branch)}</b> head <code>${esc(short(v.repo.headCommit))}</code>${v.repo.gitError ? ` <span class="bad">git: ${esc(v.repo.gitError)}</span>` : ''} <span class="muted">· as of ${esc(v.generatedAt)}</span></p>`;
  const switches = `<h2>Switches</h2><table id="switches"><thead><tr><th>switch</th><th>role</th><th>applied commit</th><th>pipeline (mode cookie)</th><th>last sync</th><th>outcome</th><th>drift</th></tr></thead>
<tbody>${v.switches.map(switchRow).join('')}</tbody></table>${v.switches.map(driftSection).join('')}`;
  const tenants = v.tenants.map((t, i) => {
    const rows = t.flows.map((f) => `<tr data-flow="${esc(f.name)}"><td><a href="/flows/${esc(encodeURI(f.name))}">${esc(f.name)}</a>${f.expiring ? ' <span class="warn">expiring</span>' : ''}</td>
<td>${esc(f.from)} → ${esc(f.to)}</td><td class="mono">${esc(f.what)}</td><td class="traffic">${esc(edgeLabel(f))}</td><td>${esc(f.expires ?? '')}</td></tr>`);
    return `<section class="tenant" data-tenant="${esc(t.name)}"><h3>Tenant ${esc(t.name)}</h3>${serviceGraph(t, i)}
<table class="flows"><thead><tr><th>flow</th><th>from → to</th><th>protocol/ports</th><th>packets · bytes · rate</th><th>expires</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
  });
  const graph = `<h2>Service graph</h2><p class="muted">Live counts from the switches' direct counters over at most the last ${Math.round(v.windowMs / 3600_000)} h; dashed arrows expire within a day.</p>${tenants.join('') || '<p class="muted">No tenants.</p>'}`;
  return page('overview', `${repo}${switches}<h2>Sync history</h2>${historyTable(v.history)}${graph}`);
}

export function flowPage(d: FlowDetail): string {
  const f = d.flow;
  const file = d.fileUrl ? `<a href="${href(d.fileUrl)}">${esc(f.file)}:${f.line}</a>` : `${esc(f.file)}:${f.line}`;
  const traffic = f.traffic.length
    ? `<table id="traffic"><thead><tr><th>switch</th><th>packets</th><th>bytes</th><th>rate</th></tr></thead><tbody>${f.traffic.map((t) => `<tr><td>${esc(t.target)}</td><td>${count(t.packets)}</td><td>${count(t.bytes)}B</td><td>${rate(t.pps, 'pkt')} · ${rate(t.bps, 'B')}</td></tr>`).join('')}</tbody></table>`
    : '<p class="muted">No counters read yet.</p>';
  const entries = d.entries.map((e) => `<tr><td>${esc(e.target)}</td><td class="mono">${esc(e.table)}</td><td class="mono">${esc(e.description)}</td><td>${e.packets === undefined ? '–' : count(e.packets)}</td><td>${e.bytes === undefined ? '–' : `${count(e.bytes)}B`}</td></tr>`);
  return page(f.name, `<h2>Flow ${esc(f.name)}</h2>
<p>${esc(f.from)} → ${esc(f.to)} <code>${esc(f.what)}</code>${f.expires ? ` · expires <span class="${f.expiring ? 'warn' : ''}">${esc(f.expires)}</span>` : ''}</p>
<p>Spec: ${file} at <code>${esc(short(d.commit))}</code></p>
<pre id="spec">${esc(JSON.stringify(d.spec, null, 2))}</pre>
<h2>Traffic</h2>${traffic}
<h2>Entries on the switches</h2><table id="entries"><thead><tr><th>switch</th><th>table</th><th>entry</th><th>packets</th><th>bytes</th></tr></thead><tbody>${entries.join('') || '<tr><td colspan="5" class="muted">none</td></tr>'}</tbody></table>`);
}

export function notFoundPage(what: string): string {
  return page('not found', `<h2>Not found</h2><p>${esc(what)}</p><p><a href="/">Back to the overview</a></p>`);
}
