// HTML building blocks. Every string that came from a user (spec names, file
// paths, error messages, drift descriptions) goes through `esc` or `attr`:
// the view is only as safe as this file.

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text content or a quoted attribute value. */
export function esc(v: unknown): string {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/** A URL for href: only http(s) and same-site paths; anything else becomes '#'. */
export function href(url: string): string {
  return /^(https?:\/\/|\/(?!\/))/i.test(url) ? esc(url) : '#';
}

export function short(commit?: string): string {
  return commit ? commit.slice(0, 7) : '–';
}

import { humanCount as count } from '../report/traffic.ts';

export { count };

export function rate(perSecond: number, unit: string): string {
  return perSecond > 0 ? `${count(perSecond)}${unit}/s` : `0 ${unit}/s`;
}

/** The page around `body`. No external resources: it works offline and from the Docker image. */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · flowops</title><link rel="icon" href="data:,">
<style>${CSS}</style></head>
<body><header><a href="/" class="brand">flowops</a> <span class="muted">read-only view</span></header>
<main>${body}</main></body></html>
`;
}

const CSS = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1b1f24;background:#f6f8fa}
header{background:#24292f;color:#fff;padding:.6em 1.2em}header .brand{color:#fff;font-weight:600;text-decoration:none}
main{padding:1em 1.2em;max-width:1400px}
h2{margin:1.2em 0 .4em;font-size:1.15em}
table{border-collapse:collapse;background:#fff;width:100%;margin-bottom:.6em}
th,td{border:1px solid #d0d7de;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#eaeef2}
code,.mono{font-family:ui-monospace,monospace;font-size:.92em}
.muted{color:#57606a}.ok{color:#1a7f37}.bad{color:#cf222e}.warn{color:#9a6700}
.drift li{font-family:ui-monospace,monospace;font-size:.9em}
svg{background:#fff;border:1px solid #d0d7de}
svg .node rect{fill:#ddf4ff;stroke:#0969da}svg .edge path{stroke:#57606a;fill:none;stroke-width:1.5}
svg .edge.expiring path{stroke:#bf8700;stroke-dasharray:6 4}svg text{font-size:12px}
pre{background:#fff;border:1px solid #d0d7de;padding:.6em;overflow:auto}
`;
