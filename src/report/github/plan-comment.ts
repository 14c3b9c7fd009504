// The plan comment on a pull request, rendered as Markdown (pure). It is found
// again by a hidden marker and edited in place on every push, so the marker
// must stay the first line. GitHub rejects bodies over 65,536 characters: the
// body is built from whole blocks (a heading, one list item) and stops before
// the limit with a note saying what was left out — never mid-line or mid-link.
import { planSize, type Change, type Plan } from '../../diff/types.ts';
import type { SpecProblem } from '../events.ts';
import { planStatus } from './summary.ts';
import { mdCode, mdText } from '../markdown.ts';
import type { PrPlanReport, RepoRef, PrTargetPlan } from './types.ts';
import { trafficWords } from '../traffic.ts';

export const PLAN_MARKER = '<!-- flowops:plan -->';
export const APPLY_MARKER = '<!-- flowops:apply -->';
export const COMMENT_BODY_MAX = 65536;

export interface LinkOptions {
  /** Web root for blob links (`https://github.com`, or a GHES host). */
  htmlBase?: string;
  /** The spec root inside the repository: spec paths are relative to it. */
  root?: string;
}

export function blobLink(repo: RepoRef, sha: string, file: string, line: number, o: LinkOptions = {}): string {
  const base = (o.htmlBase ?? 'https://github.com').replace(/\/$/, '');
  // encodeURIComponent leaves ( ) ' ! * alone; a `)` would end the Markdown link early.
  const path = (o.root ? `${o.root}/${file}` : file).split('/').map((seg) => encodeURIComponent(seg).replace(/[()'!*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)).join('/');
  return `${base}/${repo.owner}/${repo.repo}/blob/${sha}/${path}#L${line}`;
}

function shortTable(table: string): string {
  return table.replace(/^ingress\./, '');
}

function tableCounts(changes: readonly Change[]): string {
  const by = new Map<string, number>();
  for (const c of changes) by.set(shortTable(c.table), (by.get(shortTable(c.table)) ?? 0) + 1);
  return [...by].sort(([a], [b]) => (a < b ? -1 : 1)).map(([t, n]) => `${t} ×${n}`).join(', ');
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;
const entries = (n: number) => (n === 1 ? '1 entry' : `${n} entries`);

/**
 * One list item per spec object (flow, service, tenant, target) saying what
 * changes for it: entry counts per table, then the spec change in words.
 * Removed objects link to the line in the base commit, where they still exist.
 */
function describeObjects(s: PrTargetPlan, r: PrPlanReport, o: LinkOptions): string[] {
  const p = s.plan;
  type Group = { label: string; origin?: Change['origin']; ins: Change[]; mod: Change[]; del: Change[] };
  const groups = new Map<string, Group>();
  const add = (c: Change, bucket: 'ins' | 'mod' | 'del') => {
    const key = c.origin ? `${c.origin.kind}:${c.origin.name}` : 'gone';
    let g = groups.get(key);
    if (!g) {
      g = c.origin ? { label: `${c.origin.kind} ${mdCode(c.origin.name)}`, origin: c.origin, ins: [], mod: [], del: [] } : { label: 'entries no longer in Git', ins: [], mod: [], del: [] };
      groups.set(key, g);
    }
    g[bucket].push(c);
  };
  for (const c of p.inserts) add(c, 'ins');
  for (const c of p.modifies) add(c, 'mod');
  for (const c of p.deletes) add(c, 'del');
  const items: string[] = [];
  for (const [key, g] of groups) {
    const parts: string[] = [];
    if (g.ins.length) parts.push(`adds ${entries(g.ins.length)} (${tableCounts(g.ins)})`);
    if (g.mod.length) parts.push(`changes ${entries(g.mod.length)} (${tableCounts(g.mod)})`);
    if (g.del.length) parts.push(`removes ${entries(g.del.length)} (${tableCounts(g.del)})`);
    const onlyRemoved = !g.ins.length && !g.mod.length;
    const sha = onlyRemoved && r.baseSha ? r.baseSha : r.headSha;
    const head = g.origin ? `[${g.label}](${blobLink(r.repo, sha, g.origin.file, g.origin.line, o)})` : g.label;
    const note = r.notes?.[key];
    // A reviewer should not delete a busy flow by mistake: say what it carried.
    const seen = g.origin?.kind === 'flow' && (g.del.length || g.mod.length) ? s.traffic?.[g.origin.name] : undefined;
    const traffic = seen ? ` — ${mdCode(g.origin!.name)}: ${mdText(trafficWords(seen, s.target))}` : '';
    items.push(`- ${head}: ${parts.join('; ')}${note ? ` — ${mdText(note)}` : ''}${traffic}`);
  }
  return items;
}

function problemItem(p: SpecProblem, repo: RepoRef, sha: string, o: LinkOptions): string {
  const where = `${p.pos.file}:${p.pos.line}:${p.pos.col}`;
  return `- [${mdCode(where)}](${blobLink(repo, sha, p.pos.file, p.pos.line, o)}) ${p.field ? `${mdCode(p.field)}: ` : ''}${mdText(p.message)} (${mdText(p.code)})`;
}

function entryCounts(p: Plan): string {
  return planSize(p)
    ? `+${p.inserts.length} ~${p.modifies.length} -${p.deletes.length} entries`
    : 'no change';
}

function switchHeading(s: PrTargetPlan): string {
  const counts = entryCounts(s.plan);
  let live = '';
  if (s.live && 'error' in s.live) live = ` — live state not read: ${mdText(s.live.error)}`;
  else if (s.live) live = ` — against the live switch: ${entryCounts(s.live)}`;
  return `### ${mdCode(s.target)}: ${counts}${live}`;
}

/** Blocks in order; `omit` describes a block for the "left out" note. */
export interface Block { text: string; omit?: 'switch' | 'item' | 'problem' }

export function renderPlanComment(r: PrPlanReport, opts: LinkOptions & { maxChars?: number } = {}): string {
  const o = { root: r.root, ...opts };
  const max = o.maxChars ?? COMMENT_BODY_MAX;
  const status = planStatus(r);
  const icon = status.state === 'success' ? '✅' : status.state === 'failure' ? '❌' : '⚠️';
  const short = r.headSha.slice(0, 7);
  const blocks: Block[] = [
    { text: `${PLAN_MARKER}\n## ${icon} flowops plan for \`${short}\`\n\n${mdText(status.description)}\n` },
  ];
  if (r.fatal) blocks.push({ text: `\nThe plan could not be computed: ${mdText(r.fatal)}\n` });
  if (r.trust?.length) {
    blocks.push({ text: `\n**Trust-relevant changes** (review these even when no table entry changes):\n` });
    for (const l of r.trust) blocks.push({ text: `- ${mdText(l)}\n`, omit: 'item' });
  }
  if (r.conflicts.length) {
    blocks.push({ text: `\n**Conflicts with other open pull requests** — whichever merges first changes what the other does:\n` });
    for (const c of r.conflicts) blocks.push({ text: `- #${c.pr} also changes ${c.objects.map(mdCode).join(', ')}\n`, omit: 'item' });
  }
  if (r.problems.length) {
    blocks.push({ text: `\n**${plural(r.problems.length, 'error')} in the specs** (nothing can be applied until they are fixed):\n` });
    for (const p of r.problems) blocks.push({ text: problemItem(p, r.repo, r.headSha, o) + '\n', omit: 'problem' });
  }
  if (r.verify?.length) {
    blocks.push({ text: `\n**${plural(r.verify.length, 'verify finding')}** over the compiled entries (the check fails until they are fixed):\n` });
    for (const p of r.verify) blocks.push({ text: problemItem(p, r.repo, r.headSha, o) + '\n', omit: 'problem' });
  }
  if (r.contracts?.length) {
    // Plain text for now; trust-a's one Markdown escaper takes these strings when it lands.
    blocks.push({ text: `\n**Contract bindings:**\n` });
    for (const line of r.contracts) blocks.push({ text: `- ${line}\n`, omit: 'item' });
  }
  if (!r.problems.length && !r.fatal) {
    for (const s of r.switches) {
      blocks.push({ text: `\n${switchHeading(s)}\n\n`, omit: 'switch' });
      const items = describeObjects(s, r, o);
      if (!items.length) blocks.push({ text: 'No change on this switch.\n', omit: 'item' });
      for (const it of items) blocks.push({ text: it + '\n', omit: 'item' });
    }
  }
  const footer = `\n<sub>Updated for every push to this pull request by flowops. Base ${mdCode(r.baseRef)}.</sub>\n`;
  return fitBlocks(blocks, footer, max);
}

/** Joins whole blocks while they fit under `max` (UTF-16 units, leaving room for the note and footer). */
export function fitBlocks(blocks: readonly Block[], footer: string, max: number, hint = 'Run `flowops plan` on this commit for the full plan.'): string {
  const reserve = 400 + footer.length;
  let out = '';
  let i = 0;
  for (; i < blocks.length; i++) {
    if (out.length + blocks[i].text.length > max - reserve) break;
    out += blocks[i].text;
  }
  if (i < blocks.length) {
    const left = blocks.slice(i);
    const n = (k: Block['omit']) => left.filter((b) => b.omit === k).length;
    const parts = [
      n('switch') ? plural(n('switch'), 'switch section') : '',
      n('item') ? plural(n('item'), 'line') : '',
      n('problem') ? plural(n('problem'), 'error') : '',
    ].filter(Boolean);
    out += `\n> **Cut to fit GitHub's size limit:** ${parts.join(', ') || 'the rest'} left out. ${hint}\n`;
  }
  return out + footer;
}

/** The short comment on a merged PR: what was applied where. */
export function renderApplyComment(commit: string, lines: readonly string[]): string {
  return `${APPLY_MARKER}\n**flowops applied \`${commit.slice(0, 7)}\`**\n\n${lines.map((l) => `- ${l}`).join('\n')}\n`;
}
