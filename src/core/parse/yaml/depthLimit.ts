/**
 * Depth limit for the general YAML path: blanks out nesting deeper than MAX_DEPTH (same offsets) before the `yaml`
 * package, which recurses once per level, sees the text; each cut is reported by the caller.
 */

import { BSL, COLON, COMMA, CR, DASH, DQ, HASH, LBRACE, LBRACK, LF, QMARK, RBRACE, RBRACK, SP, SQ, TAB } from './schema';

/** Offset of the line break ending the line that holds q (or the end of the text). */
function lineEndAt(t: string, q: number): number {
  const nl = t.indexOf('\n', q);
  return nl < 0 ? t.length : nl;
}

/** Offset just after the quoted scalar opening at q (or the end of the text when it is not closed). */
function skipQuotedAt(t: string, q: number): number {
  const n = t.length;
  if (t.charCodeAt(q) === DQ) {
    for (let r = q + 1; r < n; r++) {
      const c = t.charCodeAt(r);
      if (c === BSL) r++;
      else if (c === DQ) return r + 1;
    }
    return n;
  }
  for (let r = q + 1; r < n; r++) {
    if (t.charCodeAt(r) === SQ) {
      if (t.charCodeAt(r + 1) === SQ) r++;
      else return r + 1;
    }
  }
  return n;
}

/** Offset just after the flow collection opening at q (or the end of the text when it is not closed). */
function flowEndAt(t: string, q: number): number {
  const n = t.length;
  let depth = 0;
  let tokenStart = true;
  let r = q;
  while (r < n) {
    const c = t.charCodeAt(r);
    if (c === SP || c === TAB || c === LF || c === CR) { tokenStart = true; r++; continue; }
    if (c === HASH && tokenStart) { r = lineEndAt(t, r); continue; }
    if ((c === DQ || c === SQ) && tokenStart) { r = skipQuotedAt(t, r); tokenStart = false; continue; }
    if (c === LBRACK || c === LBRACE) depth++;
    else if ((c === RBRACK || c === RBRACE) && --depth === 0) return r + 1;
    tokenStart = c === COMMA || c === LBRACK || c === LBRACE || c === COLON;
    r++;
  }
  return n;
}

/**
 * Blanks out whatever YAML nests deeper than `max` levels, with spaces (line breaks kept, so every offset stays):
 * a flow collection that deep keeps only its brackets, a block node that deep loses its lines. Returns undefined when
 * nothing is that deep. The count is a linear, conservative estimate (block levels from indentation and from `- `,
 * `? ` and `: ` indicators, plus open flow brackets), so the general path's recursion stays bounded.
 */
export function limitDepth(t: string, max: number): { text: string; cuts: number[] } | undefined {
  const n = t.length;
  const blanks: number[] = [];
  const cuts: number[] = [];
  const cols: number[] = [];
  let flow = 0;
  let blankCol = -1; // while >= 0, block lines indented more than this are blanked
  let p = 0; // start of the current line
  while (p < n) {
    let q = p;
    while (q < n && (t.charCodeAt(q) === SP || t.charCodeAt(q) === TAB)) q++;
    if (q >= n) break;
    const c = t.charCodeAt(q);
    if (c === LF || c === CR || c === HASH) { p = lineEndAt(t, q) + 1; continue; }
    const col = q - p;
    if (blankCol >= 0) {
      if (col > blankCol) {
        const e = lineEndAt(t, q);
        blanks.push(q, e);
        p = e + 1;
        continue;
      }
      blankCol = -1;
    }
    while (cols.length > 0 && cols[cols.length - 1] >= col) cols.pop();
    cols.push(col);
    if (cols.length + flow > max) {
      cuts.push(q);
      blankCol = col - 1;
      cols.pop();
      const e = lineEndAt(t, q);
      blanks.push(q, e);
      p = e + 1;
      continue;
    }
    // The rest of the line (and of any flow collection or quoted scalar that goes on over more lines).
    let ls = p;
    let r = q;
    let tokenStart = true;
    for (;;) {
      if (r >= n) { p = n; break; }
      const d = t.charCodeAt(r);
      if (d === LF) {
        if (flow === 0) { p = r + 1; break; }
        r++;
        ls = r;
        tokenStart = true;
        continue;
      }
      if (d === SP || d === TAB || d === CR) { r++; tokenStart = true; continue; }
      if (d === HASH && tokenStart) { r = lineEndAt(t, r); continue; }
      if ((d === DQ || d === SQ) && tokenStart) {
        const e = skipQuotedAt(t, r);
        const nl = t.lastIndexOf('\n', e - 1);
        if (nl >= r) ls = nl + 1;
        r = e;
        tokenStart = false;
        continue;
      }
      if ((d === LBRACK || d === LBRACE) && (tokenStart || flow > 0)) {
        if (cols.length + flow + 1 > max) {
          const e = flowEndAt(t, r);
          cuts.push(r);
          const closed = e > r + 1 && (t.charCodeAt(e - 1) === RBRACK || t.charCodeAt(e - 1) === RBRACE) && e - 1 > r;
          blanks.push(r + 1, closed ? e - 1 : e);
          const nl = t.lastIndexOf('\n', e - 1);
          if (nl >= r) ls = nl + 1;
          r = e;
          tokenStart = false;
          continue;
        }
        flow++;
        r++;
        tokenStart = true;
        continue;
      }
      if (flow > 0) {
        if (d === RBRACK || d === RBRACE) flow--;
        tokenStart = d === COMMA || d === COLON;
        r++;
        continue;
      }
      const sep = r + 1 >= n || t.charCodeAt(r + 1) === SP || t.charCodeAt(r + 1) === LF || t.charCodeAt(r + 1) === CR;
      if (sep && (d === COLON || (tokenStart && (d === DASH || d === QMARK)))) {
        // A nested block level on this line (a compact `- - x`, an explicit key, a value after `key:`).
        cols.push(r - ls + 1);
        if (cols.length > max) {
          cols.pop();
          cuts.push(r);
          const e = lineEndAt(t, r);
          blanks.push(r + 1, e);
          blankCol = r - ls;
          r = e;
          continue;
        }
        r++;
        tokenStart = true;
        continue;
      }
      r++;
      tokenStart = false;
    }
  }
  if (cuts.length === 0) return undefined;
  let out = '';
  let prev = 0;
  for (let i = 0; i < blanks.length; i += 2) {
    const a = blanks[i];
    const e = blanks[i + 1];
    if (a < prev || e <= a) continue;
    out += t.slice(prev, a) + t.slice(a, e).replace(/[^\r\n]/g, ' ');
    prev = e;
  }
  return { text: out + t.slice(prev), cuts };
}
