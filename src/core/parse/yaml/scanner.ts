/**
 * The fast YAML path: a hand-written scanner for the YAML config dumps are made of (block maps and sequences, plain,
 * quoted and block scalars, flow collections, comments, several documents) that writes the tape straight from the
 * text. It accepts only input it is sure about and mirrors the `yaml` package's results for it; anything else throws
 * BAIL so the caller can take the general path (composer.ts). See yamlTape.ts for the budget and why.
 */

import { KEY_NONE, keyIdOf } from '../keys';
import { KIND_ARRAY, KIND_NULL, KIND_OBJECT, KIND_STRING, MAX_DEPTH, MSG_TOO_DEEP, type Tape } from '../tape';
import * as schema from './schema';
import { TapeBuilder } from './tapeBuilder';

// Bound to module-level constants once: the scanner's inner loops read these on every character, and a named import
// compiles to a property read of the other module's exports at each use (measured 8-15% slower on the 10 MB twin).
const {
  AMP, AT, BANG, BSL, BTICK, COLON, COMMA, CR, DASH, DOT, DQ, GT, HASH, LBRACE, LBRACK, LF, MAX_IMPLICIT_KEY, PCT, PIPE,
  PLUS, QMARK, RBRACE, RBRACK, SP, SQ, STAR, TAB, plainKeyString, plainKind,
} = schema;

/** Where a node starts: on its own line, inline after `- ` (may open a compact collection), inline after `key: ` or
 *  `--- ` (may not open a block collection). */
const CTX_LINE = 0, CTX_DASH = 1, CTX_KEY = 2;
const STOP_EOL = 0, STOP_COLON = 1, STOP_COMMENT = 2, STOP_FLOW = 3;
/** The yaml package's problem for a key longer than MAX_IMPLICIT_KEY (the key is still read). */
const LONG_KEY = 'The : indicator must be at most 1024 chars after the start of an implicit block mapping key';

/** Thrown (always the same instance) when the fast path meets something it leaves to the general path. */
class Bail extends Error {}
export const BAIL = new Bail('outside the fast path');

const ESCAPES: Record<number, string> = {
  0x30: '\0', 0x61: '\x07', 0x62: '\b', 0x65: '\x1b', 0x66: '\f', 0x6e: '\n', 0x72: '\r', 0x74: '\t', 0x76: '\v',
  0x4e: '\u0085', 0x5f: '\u00a0', 0x4c: '\u2028', 0x50: '\u2029', 0x20: ' ', 0x22: '"', 0x2f: '/', 0x5c: '\\',
  0x09: '\t',
};
const HEX_RE = /^[0-9a-fA-F]+$/;

export class FastScanner {
  private readonly t: string;
  private readonly n: number;
  private readonly b: TapeBuilder;
  /** Next content after the node just parsed: its offset (-1 at the end of the text) and column. */
  private np = -1;
  private nc = -1;
  /** Results of a plain-scalar line scan: end of the trimmed text, and where the scan stopped. */
  private pe = 0;
  private ps = 0;
  /** Results of a quoted-scalar scan: decoded value (null when it is the text between the quotes), multi-line. */
  private qv: string | null = null;
  private qml = false;
  /** Results of a key scan. */
  private kEnd = 0;
  private kStr = '';
  private kDec = false;

  /** Open block and flow collections; past MAX_DEPTH the scan gives up (the text is depth-limited first). */
  private depth = 0;

  /** `text` may be `original` with nesting past MAX_DEPTH blanked out at `cuts` (see limitDepth). */
  constructor(text: string, cancel: (() => boolean) | undefined, original = text, private readonly cuts: number[] = []) {
    this.t = text;
    this.n = text.length;
    this.b = new TapeBuilder(original, (text.length >> 4) + 16, cancel);
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) throw BAIL;
  }

  run(): Tape {
    const t = this.t;
    const b = this.b;
    for (const c of this.cuts) b.problems.add(c, c + 1, MSG_TOO_DEEP);
    this.nextContent(t.charCodeAt(0) === 0xfeff ? 1 : 0);
    while (this.np >= 0) {
      let q = this.np;
      let col = this.nc;
      let ctx = CTX_LINE;
      if (col === 0) {
        const c = t.charCodeAt(q);
        if (c === PCT) throw BAIL; // directives
        if (this.isMarker(q, DOT)) { this.nextContent(this.lineEnd(q + 3)); continue; }
        if (this.isMarker(q, DASH)) {
          const r = this.skipInline(q + 3);
          const d = t.charCodeAt(r);
          if (r >= this.n || d === LF || d === CR || d === HASH) {
            this.nextContent(this.lineEnd(r));
            if (this.np < 0 || (this.nc === 0 && (this.isMarker(this.np, DASH) || this.isMarker(this.np, DOT)))) continue;
            q = this.np;
            col = this.nc;
          } else {
            col = r - q;
            q = r;
            ctx = CTX_KEY;
          }
        }
      }
      b.roots.push(b.len);
      this.parseNode(q, col, -1, ctx, KEY_NONE, -1, -1);
      if (this.np >= 0 && !(this.nc === 0 && (this.isMarker(this.np, DASH) || this.isMarker(this.np, DOT)))) throw BAIL;
    }
    return b.finish(false);
  }

  // --- lines

  private isSep(q: number): boolean {
    if (q >= this.n) return true;
    const c = this.t.charCodeAt(q);
    return c === SP || c === LF || c === CR || c === TAB;
  }

  /** `---` or `...` at q (which must be at column 0) followed by white space or the end. */
  private isMarker(q: number, ch: number): boolean {
    const t = this.t;
    return t.charCodeAt(q) === ch && t.charCodeAt(q + 1) === ch && t.charCodeAt(q + 2) === ch && this.isSep(q + 3);
  }

  private skipInline(q: number): number {
    const t = this.t;
    for (;;) {
      const c = t.charCodeAt(q);
      if (c !== SP && c !== TAB) return q;
      q++;
    }
  }

  /** After a value on a line: only white space and a comment may follow. Returns the start of the next line. */
  private lineEnd(q: number): number {
    const t = this.t;
    q = this.skipInline(q);
    if (q >= this.n) return this.n;
    let c = t.charCodeAt(q);
    if (c === HASH) {
      const p = t.charCodeAt(q - 1);
      if (p !== SP && p !== TAB) throw BAIL;
      const nl = t.indexOf('\n', q);
      return nl < 0 ? this.n : nl + 1;
    }
    if (c === LF) return q + 1;
    if (c === CR) {
      c = t.charCodeAt(q + 1);
      if (c === LF) return q + 2;
    }
    throw BAIL;
  }

  /** From the start of a line, skip blank and comment lines; set np/nc to the next content (np = -1 at the end). */
  private nextContent(p: number): void {
    const t = this.t;
    const n = this.n;
    for (;;) {
      let q = p;
      while (q < n && t.charCodeAt(q) === SP) q++;
      if (q >= n) { this.np = -1; this.nc = -1; return; }
      const c = t.charCodeAt(q);
      if (c === LF) { p = q + 1; continue; }
      if (c === CR) {
        if (t.charCodeAt(q + 1) !== LF) throw BAIL;
        p = q + 2;
        continue;
      }
      if (c === HASH) {
        const nl = t.indexOf('\n', q);
        if (nl < 0) { this.np = -1; this.nc = -1; return; }
        p = nl + 1;
        continue;
      }
      if (c === TAB) throw BAIL;
      this.np = q;
      this.nc = q - p;
      return;
    }
  }

  // --- block nodes

  /** Parse the node whose first character is at p (column col; -1 when not needed), inside a block collection
   *  indented parent (-1 at the root). Leaves np/nc at the next content after it. */
  private parseNode(p: number, col: number, parent: number, ctx: number, kid: number, ks: number, ke: number): void {
    const t = this.t;
    const c = t.charCodeAt(p);
    switch (c) {
      case DASH:
        if (this.isSep(p + 1)) {
          if (ctx === CTX_KEY) throw BAIL;
          this.blockSeq(p, col, kid, ks, ke);
          return;
        }
        break;
      case LBRACK:
      case LBRACE: {
        const e = this.flow(p, parent, 1, kid, ks, ke);
        const r = this.skipInline(e);
        if (t.charCodeAt(r) === COLON) throw BAIL; // a flow collection as an implicit key
        this.nextContent(this.lineEnd(r));
        return;
      }
      case DQ:
      case SQ: {
        const e = this.quoted(p, parent);
        const r = this.skipInline(e);
        if (t.charCodeAt(r) === COLON) {
          if (!this.isSep(r + 1) || ctx === CTX_KEY || this.qml) throw BAIL;
          this.blockMap(p, col, kid, ks, ke, false);
          return;
        }
        const i = this.b.add(KIND_STRING, p, e, kid, ks, ke);
        if (this.qv !== null) this.b.strs.set(i, this.qv);
        this.nextContent(this.lineEnd(r));
        return;
      }
      case PIPE:
      case GT:
        this.blockScalar(p, parent, kid, ks, ke);
        return;
      case QMARK:
      case COLON:
        if (this.isSep(p + 1)) throw BAIL;
        break;
      case AMP: case STAR: case BANG: case PCT: case AT: case BTICK: case COMMA: case RBRACK: case RBRACE: case HASH:
        throw BAIL;
    }
    const stop = this.plainLine(p);
    if (stop === STOP_COLON) {
      if (ctx === CTX_KEY) throw BAIL;
      this.blockMap(p, col, kid, ks, ke, true);
      return;
    }
    this.plainValue(p, parent, stop, kid, ks, ke);
  }

  /** Scan one line of a plain scalar in block context from q: sets pe (end of the text, trailing blanks trimmed) and
   *  ps (offset of the `:` indicator, of the `#` of a comment, or of the line break / end). */
  private plainLine(q: number): number {
    const t = this.t;
    const n = this.n;
    let last = q;
    while (q < n) {
      const c = t.charCodeAt(q);
      if (c === SP || c === TAB) {
        if (t.charCodeAt(q + 1) === HASH) { this.pe = last; this.ps = q + 1; return STOP_COMMENT; }
        q++;
        continue;
      }
      if (c === LF || c === CR) break;
      if (c === COLON) {
        const d = t.charCodeAt(q + 1);
        if (d === SP || d === LF || d === CR || d === TAB || q + 1 >= n) { this.pe = last; this.ps = q; return STOP_COLON; }
      }
      q++;
      last = q;
    }
    this.pe = last;
    this.ps = q;
    return STOP_EOL;
  }

  /** A plain scalar value starting at p whose first line has been scanned; it may continue on more-indented lines. */
  private plainValue(p: number, parent: number, stop: number, kid: number, ks: number, ke: number): void {
    const t = this.t;
    const n = this.n;
    const b = this.b;
    let end = this.pe;
    if (stop === STOP_COMMENT) {
      b.add(plainKind(t, p, end), p, end, kid, ks, ke);
      this.nextContent(this.lineEnd(this.ps));
      return;
    }
    // STOP_EOL: look for continuation lines.
    let folded: string | null = null;
    let r = this.lineEnd(this.ps);
    let empties = 0;
    let lineStart = r;
    while (r < n) {
      let q = r;
      while (t.charCodeAt(q) === SP) q++;
      const c = t.charCodeAt(q);
      if (q >= n) break;
      if (c === LF) { empties++; r = q + 1; continue; }
      if (c === CR) {
        if (t.charCodeAt(q + 1) !== LF) throw BAIL;
        empties++;
        r = q + 2;
        continue;
      }
      if (c === TAB) throw BAIL;
      const col = q - r;
      if (c === HASH || col <= parent || (col === 0 && (this.isMarker(q, DASH) || this.isMarker(q, DOT)))) break;
      const s2 = this.plainLine(q);
      if (s2 === STOP_COLON) throw BAIL;
      if (folded === null) folded = t.slice(p, end);
      folded += empties === 0 ? ' ' : '\n'.repeat(empties);
      folded += t.slice(q, this.pe);
      end = this.pe;
      empties = 0;
      r = this.lineEnd(this.ps);
      lineStart = r;
      if (s2 === STOP_COMMENT) break;
    }
    if (folded === null) {
      b.add(plainKind(t, p, end), p, end, kid, ks, ke);
    } else {
      const i = b.add(KIND_STRING, p, end, kid, ks, ke);
      b.strs.set(i, folded);
    }
    this.nextContent(lineStart);
  }

  /** Scan a key at q (plain or quoted, on one line) up to its `:`; returns the offset of the `:`. */
  private parseKey(q: number, scanned: boolean): number {
    const t = this.t;
    const c = t.charCodeAt(q);
    let colon: number;
    if (!scanned && (c === DQ || c === SQ)) {
      const e = this.quoted(q, -1);
      if (this.qml) throw BAIL;
      colon = this.skipInline(e);
      if (t.charCodeAt(colon) !== COLON || !this.isSep(colon + 1)) throw BAIL;
      this.kEnd = e;
      if (this.qv !== null) { this.kStr = this.qv; this.kDec = true; } else { this.kStr = t.slice(q + 1, e - 1); this.kDec = false; }
    } else {
      // A plain key; `scanned`: the caller has just run plainLine on it (pe and ps are its results).
      if (!scanned && (!this.plainStartOk(q, c, false) || this.plainLine(q) !== STOP_COLON)) throw BAIL;
      const e = this.pe;
      colon = this.ps;
      this.kEnd = e;
      if (plainKind(t, q, e) === KIND_STRING) {
        this.kStr = t.slice(q, e);
        this.kDec = false;
        if (this.kStr === '<<') throw BAIL; // merge key
      } else {
        this.kStr = plainKeyString(t, q, e);
        this.kDec = true;
      }
    }
    if (colon - q > MAX_IMPLICIT_KEY) {
      // Reported as the yaml package does, and read on: a huge key must not send the text down the slow path.
      this.b.problems.add(q, this.kEnd, LONG_KEY);
    }
    return colon;
  }

  private plainStartOk(q: number, c: number, inFlow: boolean): boolean {
    switch (c) {
      case LBRACK: case RBRACK: case LBRACE: case RBRACE: case COMMA: case HASH: case AMP: case STAR: case BANG:
      case PIPE: case GT: case SQ: case DQ: case PCT: case AT: case BTICK:
        return false;
      case DASH: case QMARK: case COLON: {
        if (this.isSep(q + 1)) return false;
        if (!inFlow) return true;
        const d = this.t.charCodeAt(q + 1);
        return d !== COMMA && d !== LBRACK && d !== RBRACK && d !== LBRACE && d !== RBRACE;
      }
      default:
        return true;
    }
  }

  /** A block mapping whose first key starts at p, at column m (`scanned`: that key is a plain scalar plainLine has
   *  just scanned). */
  private blockMap(p: number, m: number, kid: number, ks: number, ke: number, scanned: boolean): void {
    const t = this.t;
    const n = this.n;
    const b = this.b;
    const mi = b.add(KIND_OBJECT, p, p, kid, ks, ke);
    this.enter();
    let q = p;
    let lastValue = mi;
    for (;;) {
      const colon = this.parseKey(q, scanned);
      scanned = false;
      const kEnd = this.kEnd;
      const vkid = keyIdOf(this.kStr);
      lastValue = b.len;
      if (this.kDec) b.keys.set(lastValue, this.kStr);
      const v = this.skipInline(colon + 1);
      const c = t.charCodeAt(v);
      if (v >= n || c === LF || c === CR || c === HASH) {
        this.nextContent(this.lineEnd(v));
        const np = this.np;
        const nc = this.nc;
        if (np >= 0 && (nc > m || (nc === m && t.charCodeAt(np) === DASH && this.isSep(np + 1)))
          && !(nc === 0 && (this.isMarker(np, DASH) || this.isMarker(np, DOT)))) {
          this.parseNode(np, nc, m, CTX_LINE, vkid, q, kEnd);
        } else {
          b.add(KIND_NULL, v, v, vkid, q, kEnd);
        }
      } else {
        this.parseNode(v, -1, m, CTX_KEY, vkid, q, kEnd);
      }
      const np = this.np;
      if (np < 0) break;
      const nc = this.nc;
      if (nc < m) break;
      if (nc > m) throw BAIL;
      if (nc === 0 && (this.isMarker(np, DASH) || this.isMarker(np, DOT))) break;
      q = np;
    }
    b.end[mi] = b.end[lastValue];
    b.next[mi] = b.len;
    this.depth--;
  }

  /** A block sequence whose first `-` is at p, at column s. */
  private blockSeq(p: number, s: number, kid: number, ks: number, ke: number): void {
    const t = this.t;
    const n = this.n;
    const b = this.b;
    const si = b.add(KIND_ARRAY, p, p, kid, ks, ke);
    this.enter();
    let q = p;
    let lastValue = si;
    for (;;) {
      const v = this.skipInline(q + 1);
      const c = t.charCodeAt(v);
      lastValue = b.len;
      if (v >= n || c === LF || c === CR || c === HASH) {
        this.nextContent(this.lineEnd(v));
        const np = this.np;
        if (np >= 0 && this.nc > s && !(this.nc === 0 && (this.isMarker(np, DASH) || this.isMarker(np, DOT)))) {
          this.parseNode(np, this.nc, s, CTX_LINE, KEY_NONE, -1, -1);
        } else {
          b.add(KIND_NULL, v, v, KEY_NONE, -1, -1);
        }
      } else {
        for (let g = q + 1; g < v; g++) if (t.charCodeAt(g) === TAB) throw BAIL; // tabs may not indent
        this.parseNode(v, s + (v - q), s, CTX_DASH, KEY_NONE, -1, -1);
      }
      const np = this.np;
      if (np < 0) break;
      const nc = this.nc;
      if (nc < s) break;
      if (nc > s) throw BAIL;
      if (t.charCodeAt(np) !== DASH || !this.isSep(np + 1)) break;
      q = np;
    }
    b.end[si] = b.end[lastValue];
    b.next[si] = b.len;
    this.depth--;
  }

  // --- quoted scalars

  /** Scan the quoted scalar opening at p; returns the offset after its closing quote. Sets qv and qml. */
  private quoted(p: number, parent: number): number {
    const t = this.t;
    const n = this.n;
    const dq = t.charCodeAt(p) === DQ;
    let q = p + 1;
    let simple = true;
    let ml = false;
    if (dq) {
      for (;;) {
        if (q >= n) throw BAIL;
        const c = t.charCodeAt(q);
        if (c === DQ) break;
        if (c === BSL) {
          simple = false;
          const d = t.charCodeAt(q + 1);
          q += d === LF || d === CR ? 1 : 2;
          continue;
        }
        if (c === LF || c === CR) { simple = false; ml = true; }
        q++;
      }
    } else {
      for (;;) {
        if (q >= n) throw BAIL;
        const c = t.charCodeAt(q);
        if (c === SQ) {
          if (t.charCodeAt(q + 1) === SQ) { simple = false; q += 2; continue; }
          break;
        }
        if (c === LF || c === CR) { simple = false; ml = true; }
        q++;
      }
    }
    this.qml = ml;
    this.qv = simple ? null : this.decodeQuoted(p, q, parent, dq);
    return q + 1;
  }

  /** Decode the quoted scalar between the quotes at p and close, folding line breaks as YAML does. */
  private decodeQuoted(p: number, close: number, parent: number, dq: boolean): string {
    const t = this.t;
    let out = '';
    let seg = p + 1;
    let q = p + 1;
    while (q < close) {
      const c = t.charCodeAt(q);
      if (dq && c === BSL) {
        out += t.slice(seg, q);
        const d = t.charCodeAt(q + 1);
        if (d === LF || d === CR) {
          // Escaped line break: joins the lines; the next line's leading blanks go.
          q = this.breakAndIndent(q + 1, parent);
          seg = q;
          continue;
        }
        const esc = ESCAPES[d];
        if (esc !== undefined) {
          out += esc;
          q += 2;
        } else if (d === 0x78 || d === 0x75 || d === 0x55) { // x u U
          const len = d === 0x78 ? 2 : d === 0x75 ? 4 : 8;
          const hex = t.slice(q + 2, q + 2 + len);
          if (hex.length !== len || q + 2 + len > close || !HEX_RE.test(hex)) throw BAIL;
          const code = parseInt(hex, 16);
          if (code > 0x10ffff) throw BAIL;
          out += String.fromCodePoint(code);
          q += 2 + len;
        } else {
          throw BAIL;
        }
        seg = q;
        continue;
      }
      if (!dq && c === SQ) { // '' inside single quotes
        out += t.slice(seg, q + 1);
        q += 2;
        seg = q;
        continue;
      }
      if (c === LF || c === CR) {
        let e = q;
        while (e > seg && (t.charCodeAt(e - 1) === SP || t.charCodeAt(e - 1) === TAB)) e--;
        out += t.slice(seg, e);
        let breaks = 0;
        for (;;) {
          q = this.breakAndIndent(q, parent);
          breaks++;
          const d = t.charCodeAt(q);
          if (d !== LF && d !== CR) break;
        }
        out += breaks === 1 ? ' ' : '\n'.repeat(breaks - 1);
        seg = q;
        continue;
      }
      q++;
    }
    return out + t.slice(seg, close);
  }

  /** q is at a line break inside a quoted scalar: step over it and the next line's indentation, checking that the
   *  line is indented enough (blank lines may be anything). Returns the offset of the line's first non-blank. */
  private breakAndIndent(q: number, parent: number): number {
    const t = this.t;
    if (t.charCodeAt(q) === CR) {
      if (t.charCodeAt(q + 1) !== LF) throw BAIL;
      q++;
    }
    q++;
    const ls = q;
    while (t.charCodeAt(q) === SP) q++;
    const c = t.charCodeAt(q);
    if (c === TAB) throw BAIL;
    if (c !== LF && c !== CR) {
      const col = q - ls;
      if (col <= parent || (col === 0 && (this.isMarker(q, DASH) || this.isMarker(q, DOT)))) throw BAIL;
    }
    return q;
  }

  // --- block scalars

  private blockScalar(p: number, parent: number, kid: number, ks: number, ke: number): void {
    const t = this.t;
    const n = this.n;
    const literal = t.charCodeAt(p) === PIPE;
    let q = p + 1;
    let indicator = 0;
    let chomp = 0; // 0 clip, 1 strip, 2 keep
    for (let k = 0; k < 2; k++) {
      const c = t.charCodeAt(q);
      if ((c === DASH || c === PLUS) && chomp === 0) { chomp = c === DASH ? 1 : 2; q++; }
      else if (c >= 0x31 && c <= 0x39 && indicator === 0) { indicator = c - 0x30; q++; }
      else break;
    }
    if (!this.isSep(q)) throw BAIL;
    let r = this.lineEnd(q);

    // Lines of the scalar: leading spaces, content start and end (without the line break).
    const ind: number[] = [];
    const cs: number[] = [];
    const ce: number[] = [];
    let firstIndent = -1;
    let endsWithBreak = true;
    let ci = indicator > 0 ? Math.max(parent, 0) + indicator : -1;
    while (r < n) {
      let sp = r;
      while (t.charCodeAt(sp) === SP) sp++;
      const lead = sp - r;
      const c = t.charCodeAt(sp);
      if (sp >= n) { // trailing blanks at the very end
        if (firstIndent < 0 && lead > 0) throw BAIL;
        if (ci >= 0 && lead >= ci) { ind.push(lead); cs.push(sp); ce.push(sp); endsWithBreak = false; r = n; }
        break;
      }
      if (c === LF || c === CR) {
        let e = sp;
        if (c === CR) { if (t.charCodeAt(sp + 1) !== LF) throw BAIL; e = sp + 1; }
        ind.push(lead); cs.push(sp); ce.push(sp);
        r = e + 1;
        continue;
      }
      if (lead === 0 && (this.isMarker(sp, DASH) || this.isMarker(sp, DOT))) break;
      if (firstIndent < 0) {
        if (lead <= parent) { // no content
          if (c === TAB) throw BAIL;
          break;
        }
        firstIndent = lead;
        if (ci < 0) ci = lead;
        else if (lead < ci) throw BAIL;
        for (let i = 0; i < ind.length; i++) if (ind[i] > lead && indicator === 0) throw BAIL;
      }
      if (lead < ci) {
        if (c === TAB) throw BAIL;
        break;
      }
      let eol = t.indexOf('\n', sp);
      if (eol < 0) eol = n;
      let e = eol;
      if (e > sp && t.charCodeAt(e - 1) === CR) e--;
      ind.push(lead); cs.push(sp); ce.push(e);
      if (eol >= n) { endsWithBreak = false; r = n; break; }
      r = eol + 1;
    }
    const next = r;
    if (firstIndent < 0) { // no content line: only blank lines, kept with `+`
      const i = this.b.add(KIND_STRING, p, q, kid, ks, ke);
      this.b.strs.set(i, chomp === 2 ? '\n'.repeat(ind.length) : '');
      this.nextContent(next);
      return;
    }
    let count = ind.length;
    if (chomp !== 2) {
      // Trailing blank lines indented no deeper than the first line are not part of the scalar.
      while (count > 0 && cs[count - 1] === ce[count - 1] && ind[count - 1] <= firstIndent) {
        count--;
        endsWithBreak = true;
      }
    }
    if (endsWithBreak) { ind[count] = 0; cs[count] = ce[count] = -1; count++; } // the empty rest after the last break
    const trim = ci;
    const blank = (i: number) => cs[i] === ce[i];
    let chompStart = count;
    while (chompStart > 0 && blank(chompStart - 1)) chompStart--;
    let contentStart = 0;
    while (contentStart < count && blank(contentStart)) contentStart++;
    for (let i = count - 1; i >= chompStart; i--) {
      if (ind[i] > trim) { chompStart = i + 1; break; }
    }
    const pad = (i: number) => (ind[i] > trim ? ' '.repeat(ind[i] - trim) : '');
    let value = '';
    for (let i = 0; i < contentStart; i++) value += pad(i) + '\n';
    let sep = '';
    let prevMore = false;
    let lastContentEnd = q;
    for (let i = contentStart; i < chompStart; i++) {
      const content = cs[i] < 0 ? '' : t.slice(cs[i], ce[i]);
      if (content !== '') {
        if (ind[i] < trim) throw BAIL;
        lastContentEnd = ce[i];
      }
      if (literal) {
        value += sep + pad(i) + content;
        sep = '\n';
      } else if (ind[i] > trim || content.charCodeAt(0) === TAB) {
        if (sep === ' ') sep = '\n';
        else if (!prevMore && sep === '\n') sep = '\n\n';
        value += sep + pad(i) + content;
        sep = '\n';
        prevMore = true;
      } else if (content === '') {
        if (sep === '\n') value += '\n';
        else sep = '\n';
      } else {
        value += sep + content;
        sep = ' ';
        prevMore = false;
      }
    }
    if (chomp === 2) {
      for (let i = chompStart; i < count; i++) value += '\n' + pad(i);
      if (value.charCodeAt(value.length - 1) !== LF) value += '\n';
    } else if (chomp === 0) {
      value += '\n';
    }
    while (lastContentEnd > q && (t.charCodeAt(lastContentEnd - 1) === SP || t.charCodeAt(lastContentEnd - 1) === TAB)) {
      lastContentEnd--;
    }
    const i = this.b.add(KIND_STRING, p, lastContentEnd, kid, ks, ke);
    this.b.strs.set(i, value);
    this.nextContent(next);
  }

  // --- flow collections

  /** Skip white space, line breaks and comments inside a flow collection; returns the next significant offset. */
  private flowWs(r: number, parent: number, depth: number): number {
    const t = this.t;
    const n = this.n;
    for (;;) {
      if (r >= n) throw BAIL;
      const c = t.charCodeAt(r);
      if (c === SP || c === TAB) { r++; continue; }
      if (c === HASH) {
        const p = t.charCodeAt(r - 1);
        if (p !== SP && p !== TAB) throw BAIL; // (a comment at column 0 inside a flow map can be an error)
        const nl = t.indexOf('\n', r);
        if (nl < 0) throw BAIL;
        r = nl;
        continue;
      }
      if (c === LF || c === CR) {
        if (c === CR) { if (t.charCodeAt(r + 1) !== LF) throw BAIL; r++; }
        r++;
        const ls = r;
        while (t.charCodeAt(r) === SP) r++;
        const d = t.charCodeAt(r);
        if (r >= n || d === LF || d === CR || d === HASH) continue;
        if (d === TAB) throw BAIL;
        const col = r - ls;
        if (col <= parent && !(col === parent && depth === 1 && (d === RBRACK || d === RBRACE))) throw BAIL;
        if (col === 0 && (this.isMarker(r, DASH) || this.isMarker(r, DOT))) throw BAIL;
        continue;
      }
      return r;
    }
  }

  /** Scan a plain scalar inside a flow collection: sets pe and ps like plainLine. */
  private plainFlow(q: number): number {
    const t = this.t;
    const n = this.n;
    let last = q;
    while (q < n) {
      const c = t.charCodeAt(q);
      if (c === SP || c === TAB) {
        if (t.charCodeAt(q + 1) === HASH) { this.pe = last; this.ps = q + 1; return STOP_COMMENT; }
        q++;
        continue;
      }
      if (c === LF || c === CR) break;
      if (c === COMMA || c === LBRACK || c === RBRACK || c === LBRACE || c === RBRACE) {
        this.pe = last; this.ps = q; return STOP_FLOW;
      }
      if (c === COLON) {
        const d = t.charCodeAt(q + 1);
        if (q + 1 >= n || d === SP || d === LF || d === CR || d === TAB || d === COMMA || d === LBRACK || d === RBRACK
          || d === LBRACE || d === RBRACE) {
          this.pe = last; this.ps = q; return STOP_COLON;
        }
      }
      q++;
      last = q;
    }
    this.pe = last;
    this.ps = q;
    return STOP_EOL;
  }

  /** A flow node at r; returns the offset after it. */
  private flowNode(r: number, parent: number, depth: number, kid: number, ks: number, ke: number): number {
    const t = this.t;
    const c = t.charCodeAt(r);
    if (c === LBRACK || c === LBRACE) return this.flow(r, parent, depth + 1, kid, ks, ke);
    if (c === DQ || c === SQ) {
      const e = this.quoted(r, parent);
      if (this.qml) throw BAIL;
      const i = this.b.add(KIND_STRING, r, e, kid, ks, ke);
      if (this.qv !== null) this.b.strs.set(i, this.qv);
      return e;
    }
    if (!this.plainStartOk(r, c, true)) throw BAIL;
    this.plainFlow(r);
    this.b.add(plainKind(t, r, this.pe), r, this.pe, kid, ks, ke);
    return this.ps;
  }

  /** A flow sequence or mapping opening at p; returns the offset after its closing bracket. */
  private flow(p: number, parent: number, depth: number, kid: number, ks: number, ke: number): number {
    const t = this.t;
    const b = this.b;
    const isMap = t.charCodeAt(p) === LBRACE;
    const close = isMap ? RBRACE : RBRACK;
    const fi = b.add(isMap ? KIND_OBJECT : KIND_ARRAY, p, p, kid, ks, ke);
    this.enter();
    let r = this.flowWs(p + 1, parent, depth);
    while (t.charCodeAt(r) !== close) {
      if (isMap) {
        const c = t.charCodeAt(r);
        const k0 = r;
        let kEnd: number;
        let kStr: string;
        let kDec: boolean;
        let after: number; // offset just after the `:`, or -1 without one
        if (c === DQ || c === SQ) {
          kEnd = this.quoted(r, parent);
          if (this.qml) throw BAIL;
          if (this.qv !== null) { kStr = this.qv; kDec = true; } else { kStr = t.slice(r + 1, kEnd - 1); kDec = false; }
          const s = this.skipInline(kEnd);
          after = t.charCodeAt(s) === COLON ? s + 1 : -1;
          r = s;
        } else {
          if (!this.plainStartOk(r, c, true)) throw BAIL;
          const stop = this.plainFlow(r);
          kEnd = this.pe;
          const k = plainKind(t, r, kEnd);
          if (k === KIND_STRING) {
            kStr = t.slice(r, kEnd);
            kDec = false;
            if (kStr === '<<') throw BAIL;
          } else {
            kStr = plainKeyString(t, r, kEnd);
            kDec = true;
          }
          after = stop === STOP_COLON ? this.ps + 1 : -1;
          r = this.ps;
        }
        if (kEnd - k0 > MAX_IMPLICIT_KEY) throw BAIL;
        const vkid = keyIdOf(kStr);
        if (kDec) b.keys.set(b.len, kStr);
        if (after >= 0) {
          r = this.flowWs(after, parent, depth);
          const d = t.charCodeAt(r);
          if (d === COMMA || d === close) b.add(KIND_NULL, after, after, vkid, k0, kEnd);
          else r = this.flowNode(r, parent, depth, vkid, k0, kEnd);
        } else {
          b.add(KIND_NULL, kEnd, kEnd, vkid, k0, kEnd);
        }
      } else {
        r = this.flowNode(r, parent, depth, KEY_NONE, -1, -1);
      }
      r = this.flowWs(r, parent, depth);
      const c = t.charCodeAt(r);
      if (c === COMMA) {
        r = this.flowWs(r + 1, parent, depth);
        if (t.charCodeAt(r) === COMMA) throw BAIL;
        continue;
      }
      if (c !== close) throw BAIL;
    }
    b.end[fi] = r + 1;
    b.next[fi] = b.len;
    this.depth--;
    return r + 1;
  }
}
