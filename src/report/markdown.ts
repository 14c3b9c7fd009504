// The one Markdown escaper. Every string that a user controls (spec names,
// values, file paths, error messages quoting them) and that reaches GitHub as
// Markdown — PR comments, check run summaries, issue bodies — goes through
// `mdText` (running text) or `mdCode` (a code span); plain-text fields
// (statuses, check titles, annotations) go through `plainText`. What they
// stop: a CR/LF or U+2028 starting a heading, list or table row; `@team`
// pinging people; bare URLs, `www.` and e-mail autolinks; `[x](y)` links and
// images; raw HTML and entities; emphasis; table pipes; a backtick leaving its
// code span. GitHub renders HTML entities in text but never mentions or
// autolinks across a zero-width space, which is what breaks them here.

const ZWSP = '&#8203;';

/** Line breaks of any kind, other C0/C1 controls and bidi overrides become a space. */
function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\r\n|[\r\n\u2028\u2029\u0085\v\f]/g, ' ').replace(/[\u0000-\u0008\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '');
}

/** Inline Markdown text that renders as exactly these characters: no markup, links, mentions or HTML. */
export function mdText(s: string): string {
  return (
    oneLine(s)
      .replace(/[&<>]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' })[c]!)
      // Markup characters anywhere; `_` only where it could open or close emphasis (not inside a word).
      .replace(/[\\`*[\]|~!#]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, (c) => `\\${c}`)
      // A list item, ordered list or block quote would need the text to start a line: escape its opener.
      .replace(/^([-+=])/, '\\$1')
      .replace(/^(\d+)([.)])(?= |$)/, '$1\\$2')
      .replace(/@/g, `@${ZWSP}`)
      .replace(/:\/\//g, `:${ZWSP}//`)
      .replace(/\b(www)\./gi, `$1${ZWSP}.`)
  );
}

/**
 * A code span holding `s` verbatim: the fence is one backtick longer than the
 * longest run inside, padded with a space when `s` starts or ends with a
 * backtick (CommonMark strips one space on each side). Nothing inside a code
 * span is a link, mention or HTML.
 */
export function mdCode(s: string): string {
  const text = oneLine(s);
  let longest = 0;
  for (const run of text.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') || (text.startsWith(' ') && text.endsWith(' ') && text.trim()) ? ' ' : '';
  return `${fence}${pad}${text || ' '}${pad}${fence}`;
}

/** A code span for a table cell: as mdCode, with `|` escaped (GFM splits cells before code spans). */
export function mdCodeCell(s: string): string {
  return mdCode(s).replace(/\|/g, '\\|');
}

/** Text for fields GitHub shows as plain text (status descriptions, check titles, annotation messages): one line, no controls. */
export function plainText(s: string): string {
  return oneLine(s);
}
