/**
 * Dump text into Markdown without letting it become Markdown. A dump is input from anywhere: a name, a match string or
 * an `error_state.details` could otherwise plant a link (`[x](command:…)`), an image that loads a remote URL, raw
 * HTML, or a blank line that ends the paragraph and starts a block of its own. Every string that comes from a file
 * goes through one of these before it reaches a hover, a tooltip or any other Markdown the editor renders; only the
 * adapter adds links, and only links it builds itself.
 */

/** Longest dump string shown in one piece of Markdown; longer ones are cut with an ellipsis. */
export const MAX_MARKDOWN_TEXT = 500;

/** Line breaks (CR, LF, NEL, LS, PS) and other control characters: each becomes one space. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
/**
 * The characters that can start Markdown here (CommonMark lets any ASCII punctuation be backslash-escaped, and an
 * escaped one is always literal): emphasis, code, links, images, HTML and entities, headings, lists, quotes, tables,
 * theme icons (`$(…)`), and the `:` and `.` of `http://` and `www.` autolinks. Commas, quotes, `/`, `?`, `=`, `@`
 * and `%` cannot start anything once those are escaped, so they stay as they are and the Markdown stays readable.
 */
const SPECIAL = /[\\`*_{}[\]()#+\-!|<>~&:.$]/g;

function flatten(s: string, max: number): string {
  const cut = s.length > max ? `${s.slice(0, max)}…` : s;
  return cut.replace(CONTROL, ' ');
}

/**
 * Plain text that renders as itself: every character that could start Markdown backslash-escaped (no emphasis,
 * link, image, HTML tag, entity, heading, list, table cell or autolink can start), line breaks and control characters
 * flattened to spaces (no new block), and at most `max` characters.
 */
export function mdText(s: string, max = MAX_MARKDOWN_TEXT): string {
  return flatten(String(s), max).replace(SPECIAL, '\\$&');
}

/**
 * Inline code that holds any text literally (nothing inside a code span is Markdown): the fence is one backtick
 * longer than the longest run of backticks inside, padded with a space each side when CommonMark would otherwise
 * strip one or read a backtick as part of the fence; line breaks flattened, so the span cannot end the paragraph.
 * Not for GFM table cells, where `|` splits a cell even inside code: use mdCell there.
 */
export function mdCode(s: string, max = MAX_MARKDOWN_TEXT): string {
  const text = flatten(String(s), max);
  let longest = 0;
  for (const m of text.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  const fence = '`'.repeat(longest + 1);
  if (text === '') return '` `'; // no code span is empty: one space
  const pad = text.startsWith('`') || text.endsWith('`') || /^ .* $/.test(text) ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** A GFM table cell: text as mdText, whose `|` is already escaped, so the cell cannot split. */
export function mdCell(s: string, max = MAX_MARKDOWN_TEXT): string {
  return mdText(s, max);
}

/**
 * Text for a notification. VS Code's notifications are not Markdown but still turn `[label](https:…|command:…)` into
 * a link (commands included), and backslashes do not escape there: a space between `]` and `(` is what keeps dump text
 * from becoming one.
 */
export function noLinks(s: string): string {
  return String(s).replace(/\](?=\()/g, '] ');
}

/**
 * A `command:` link the extension builds itself: a label of its own words (escaped all the same) and arguments as
 * URL-encoded JSON, with the `(`, `)` and `'` that encodeURIComponent leaves as they are encoded too, so no argument
 * (a file URI with a parenthesis) can end the link early.
 */
export function mdCommandLink(label: string, command: string, args: unknown[]): string {
  const query = encodeURIComponent(JSON.stringify(args)).replace(/[()'!*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `[${mdText(label)}](command:${command}?${query})`;
}
