/**
 * YAML text → Tape (see tape.ts): the same flat, positioned shape the JSON scanner produces, so nothing downstream
 * branches on the file format.
 *
 * Two paths:
 *
 * 1. A hand-written scanner for the YAML that config dumps are made of (block maps and sequences, plain, quoted and
 *    block scalars, flow collections, comments, several documents). It writes the tape straight from the text and
 *    builds no per-value objects: on a 10 MB Istio-like dump (bench/yaml.ts) it takes about 3× JSON.parse of the
 *    JSON twin once warm (6-9× on the first call of the process). The `yaml` package's own lower layers do not fit
 *    that budget even without composing a Document: its Lexer alone, which yields bare token strings, measured
 *    10-25× JSON.parse, its CST Parser 55-90× and parseDocument 60-105× on the same input (noisy machine), so the
 *    fast path does not use them.
 *    The scanner accepts only input it is sure about: anything else (anchors, aliases, tags, merge keys, directives,
 *    explicit keys, tabs used as indentation, and every syntax error) makes it give up, and the text goes to path 2.
 *    The scanner mirrors the `yaml` package's results exactly for what it accepts; the differential fuzz test in
 *    test/unit/yamlTape.test.ts holds it to that.
 *
 * 2. The general path: the `yaml` package's Parser and Composer (the full node tree, which knows every corner of
 *    YAML 1.2 and recovers from errors), walked into a tape. Aliases copy the anchored subtree again with every span
 *    pointing at the alias; `<<` merge keys are applied (members copied in, explicit keys win); parser errors become
 *    `problems`. Duplicate keys are not reported (a semantic check, not a syntax one; the JSON scanner does not report
 *    them either).
 *
 * Scalars resolve per the YAML 1.2 core schema: plain `null`/`Null`/`NULL`/`~`/empty, `true`/`false` (three
 * spellings), decimal, `0o` and `0x` integers, floats and `.inf`/`.nan`; every other plain scalar, every quoted and
 * every block scalar is a string. Keys are stringified as `yaml.parse` does for a JS object (`1.0:` → "1", `~:` → "").
 *
 * Spans (UTF-16 offsets into `text`, end exclusive): a scalar's token without trailing comment or line break (quotes
 * included; a block scalar from its `|`/`>` header to the end of its last non-blank line); a block collection from its
 * first item to the end of its last item's value; a flow collection including its brackets; an empty value is
 * zero-width after its `:` or `-` indicator and the blanks that follow on that line (after its key in a flow map
 * without `:`), as the `yaml` package places it.
 */

import { Composer, Document, Parser, isAlias, isMap, isPair, isScalar, isSeq } from 'yaml';
import type { Alias, Node as YamlNode, Pair, YAMLMap } from 'yaml';
import { CancellationError } from './jsonScanner';
import { KEY_NONE, keyIdOf } from './keys';
import {
  KIND_ARRAY, KIND_FALSE, KIND_NULL, KIND_NUMBER, KIND_OBJECT, KIND_STRING, KIND_TRUE, MAX_DEPTH, MSG_EMPTY,
  MSG_TOO_DEEP, ProblemSink, type ParseProblem, type Tape,
} from './tape';

export interface YamlTapeOptions {
  /** Polled every few thousand nodes (and lines, on the general path); when it returns true the parse throws a
   *  CancellationError (the JSON scanner's class, name 'CancellationError'). */
  isCancelled?: () => boolean;
}

/** Parse YAML (one or more documents) into a tape. Never throws, except the CancellationError asked for. */
export function parseYamlToTape(text: string, options: YamlTapeOptions = {}): Tape {
  const cancel = options.isCancelled;
  if (cancel?.()) throw cancellationError();
  try {
    return new FastScanner(text, cancel).run();
  } catch (e) {
    if (isCancellationError(e)) throw e;
    // Bail, too deep (or an unforeseen failure of the fast path): the general path decides.
  }
  // The general path (the yaml package's composer and the tree walk) recurses once per level or more: nesting past
  // MAX_DEPTH is blanked out first (same offsets), and each cut is reported.
  const limited = limitDepth(text, MAX_DEPTH);
  const cuts = limited?.cuts ?? [];
  const input = limited?.text ?? text;
  if (limited) {
    try {
      return new FastScanner(input, cancel, text, cuts).run();
    } catch (e) {
      if (isCancellationError(e)) throw e;
    }
  }
  try {
    return composeTape(input, cancel, text, cuts);
  } catch (e) {
    if (isCancellationError(e)) throw e;
    const b = new TapeBuilder(text, 0, cancel);
    b.problems.add(0, Math.min(text.length, 1), `YAML could not be parsed: ${String(e)}`);
    return b.finish(true);
  }
}

/**
 * The fast path alone: the tape, or undefined when the text needs the general path (for tests and benchmarks).
 * @internal
 */
export function scanYamlFast(text: string, options: YamlTapeOptions = {}): Tape | undefined {
  try {
    return new FastScanner(text, options.isCancelled).run();
  } catch (e) {
    if (e === BAIL) return undefined;
    throw e;
  }
}

/**
 * The general path alone (the yaml package's node tree), for tests and benchmarks. Throws only on cancellation.
 * @internal
 */
export function composeYamlTape(text: string, options: YamlTapeOptions = {}): Tape {
  return composeTape(text, options.isCancelled);
}

function cancellationError(): Error {
  return new CancellationError();
}

function isCancellationError(e: unknown): boolean {
  return e instanceof Error && e.name === 'CancellationError';
}

// ---------------------------------------------------------------------------------------------------------------
// Tape storage

const CANCEL_CHECK_MASK = 4095;

class TapeBuilder {
  len = 0;
  kind: Uint8Array;
  keyId: Uint16Array;
  keyStart: Int32Array;
  keyEnd: Int32Array;
  start: Int32Array;
  end: Int32Array;
  next: Int32Array;
  /** Decoded string values (fast path: only those that differ from their source slice; general path: all scalars). */
  readonly strs = new Map<number, string>();
  /** Key strings that differ from their source slice (general path: all keys). */
  readonly keys = new Map<number, string>();
  /** Number values (general path only; the fast path reads them from the source). */
  readonly nums = new Map<number, number>();
  readonly roots: number[] = [];
  readonly problems = new ProblemSink();

  constructor(readonly text: string, capacity: number, private readonly cancel: (() => boolean) | undefined) {
    const cap = Math.max(16, capacity | 0);
    this.kind = new Uint8Array(cap);
    this.keyId = new Uint16Array(cap);
    this.keyStart = new Int32Array(cap);
    this.keyEnd = new Int32Array(cap);
    this.start = new Int32Array(cap);
    this.end = new Int32Array(cap);
    this.next = new Int32Array(cap);
  }

  add(kind: number, start: number, end: number, keyId: number, keyStart: number, keyEnd: number): number {
    const i = this.len;
    if (i === this.kind.length) this.grow();
    if ((i & CANCEL_CHECK_MASK) === CANCEL_CHECK_MASK && this.cancel?.()) throw cancellationError();
    this.kind[i] = kind;
    this.start[i] = start;
    this.end[i] = end;
    this.keyId[i] = keyId;
    this.keyStart[i] = keyStart;
    this.keyEnd[i] = keyEnd;
    this.next[i] = i + 1;
    this.len = i + 1;
    return i;
  }

  private grow(): void {
    const cap = this.kind.length * 2;
    const g8 = (a: Uint8Array) => { const r = new Uint8Array(cap); r.set(a); return r; };
    const g16 = (a: Uint16Array) => { const r = new Uint16Array(cap); r.set(a); return r; };
    const g32 = (a: Int32Array) => { const r = new Int32Array(cap); r.set(a); return r; };
    this.kind = g8(this.kind);
    this.keyId = g16(this.keyId);
    this.keyStart = g32(this.keyStart);
    this.keyEnd = g32(this.keyEnd);
    this.start = g32(this.start);
    this.end = g32(this.end);
    this.next = g32(this.next);
  }

  finish(stored: boolean): Tape {
    const n = this.len;
    // Every span inside the text (the yaml package may point one past the end of a cut-off document).
    const tl = this.text.length;
    for (let i = 0; i < n; i++) {
      if (this.end[i] > tl) this.end[i] = tl;
      if (this.start[i] > this.end[i]) this.start[i] = this.end[i];
      if (this.keyEnd[i] > tl) this.keyEnd[i] = tl;
      if (this.keyStart[i] > tl) this.keyStart[i] = tl;
    }
    if (this.roots.length === 0 && this.problems.size === 0) this.problems.add(0, 0, MSG_EMPTY);
    if (this.kind.length > n + (n >> 3) + 16) {
      this.kind = this.kind.slice(0, n);
      this.keyId = this.keyId.slice(0, n);
      this.keyStart = this.keyStart.slice(0, n);
      this.keyEnd = this.keyEnd.slice(0, n);
      this.start = this.start.slice(0, n);
      this.end = this.end.slice(0, n);
      this.next = this.next.slice(0, n);
    }
    return new YamlTape(this, stored);
  }
}

class YamlTape implements Tape {
  readonly length: number;
  readonly kind: Uint8Array;
  readonly keyId: Uint16Array;
  readonly keyStart: Int32Array;
  readonly start: Int32Array;
  readonly end: Int32Array;
  readonly next: Int32Array;
  readonly roots: number[];
  readonly units = 'utf16' as const;
  readonly problems: ParseProblem[];
  private readonly text: string;
  private readonly keyEnd: Int32Array;
  private readonly strs: Map<number, string>;
  private readonly keys: Map<number, string>;
  private readonly nums: Map<number, number>;
  /** True when every scalar value and key is in the maps (general path: spans of alias copies are not the source). */
  private readonly stored: boolean;

  constructor(b: TapeBuilder, stored: boolean) {
    this.length = b.len;
    this.kind = b.kind.length === b.len ? b.kind : b.kind.subarray(0, b.len);
    this.keyId = b.keyId.length === b.len ? b.keyId : b.keyId.subarray(0, b.len);
    this.keyStart = b.keyStart.length === b.len ? b.keyStart : b.keyStart.subarray(0, b.len);
    this.start = b.start.length === b.len ? b.start : b.start.subarray(0, b.len);
    this.end = b.end.length === b.len ? b.end : b.end.subarray(0, b.len);
    this.next = b.next.length === b.len ? b.next : b.next.subarray(0, b.len);
    this.keyEnd = b.keyEnd;
    this.roots = b.roots;
    this.problems = b.problems.finish(b.text.length);
    this.text = b.text;
    this.strs = b.strs;
    this.keys = b.keys;
    this.nums = b.nums;
    this.stored = stored;
  }

  str(i: number): string {
    if (!(i >= 0 && i < this.length)) return '';
    const s = this.strs.get(i);
    if (s !== undefined) return s;
    const start = this.start[i];
    const end = this.end[i];
    if (this.kind[i] === KIND_STRING && !this.stored) {
      const c = this.text.charCodeAt(start);
      if (c === DQ || c === SQ) return this.text.slice(start + 1, end - 1);
    }
    return this.text.slice(start, end);
  }

  num(i: number): number {
    if (!(i >= 0 && i < this.length) || this.kind[i] !== KIND_NUMBER) return NaN;
    const v = this.nums.get(i);
    if (v !== undefined) return v;
    return numberValue(this.text.slice(this.start[i], this.end[i]));
  }

  keyText(i: number): string | undefined {
    if (!(i >= 0 && i < this.length)) return undefined;
    const ks = this.keyStart[i];
    if (ks < 0) return undefined;
    const k = this.keys.get(i);
    if (k !== undefined) return k;
    const ke = this.keyEnd[i];
    const c = this.text.charCodeAt(ks);
    if (c === DQ || c === SQ) return this.text.slice(ks + 1, ke - 1);
    return this.text.slice(ks, ke);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Core schema

const NUMBER_RE =
  /^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const DECIMAL_INT_RE = /^[-+]?[0-9]+$/;

/** Kind of the plain scalar text[s, e) per the YAML 1.2 core schema. */
function plainKind(t: string, s: number, e: number): number {
  const c = t.charCodeAt(s);
  const len = e - s;
  switch (c) {
    case 0x74: // t
    case 0x54: // T
      return len === 4 && (t.startsWith('true', s) || t.startsWith('True', s) || t.startsWith('TRUE', s))
        ? KIND_TRUE : KIND_STRING;
    case 0x66: // f
    case 0x46: // F
      return len === 5 && (t.startsWith('false', s) || t.startsWith('False', s) || t.startsWith('FALSE', s))
        ? KIND_FALSE : KIND_STRING;
    case 0x6e: // n
    case 0x4e: // N
      return len === 4 && (t.startsWith('null', s) || t.startsWith('Null', s) || t.startsWith('NULL', s))
        ? KIND_NULL : KIND_STRING;
    case 0x7e: // ~
      return len === 1 ? KIND_NULL : KIND_STRING;
    case 0x2b: case 0x2d: case 0x2e: // + - .
    case 0x30: case 0x31: case 0x32: case 0x33: case 0x34: case 0x35: case 0x36: case 0x37: case 0x38: case 0x39:
      return NUMBER_RE.test(t.slice(s, e)) ? KIND_NUMBER : KIND_STRING;
    default:
      return KIND_STRING;
  }
}

/** Value of a core-schema number literal, computed as the `yaml` package does. */
function numberValue(src: string): number {
  const c1 = src.charCodeAt(1);
  if (src.charCodeAt(0) === 0x30 && (c1 === 0x6f || c1 === 0x78)) return parseInt(src.slice(2), c1 === 0x6f ? 8 : 16);
  const last = src.charCodeAt(src.length - 1);
  if (last === 0x6e || last === 0x4e) return NaN; // .nan
  if (last === 0x66 || last === 0x46) return src.charCodeAt(0) === 0x2d ? -Infinity : Infinity; // .inf
  if (DECIMAL_INT_RE.test(src)) return parseInt(src, 10);
  return parseFloat(src);
}

/** The JS object key `yaml.parse` makes of the plain key text[s, e). */
function plainKeyString(t: string, s: number, e: number): string {
  switch (plainKind(t, s, e)) {
    case KIND_NULL: return '';
    case KIND_TRUE: return 'true';
    case KIND_FALSE: return 'false';
    case KIND_NUMBER: return String(numberValue(t.slice(s, e)));
    default: return t.slice(s, e);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Path 1: the fast scanner

const TAB = 9, LF = 10, CR = 13, SP = 32, BANG = 33, DQ = 34, HASH = 35, PCT = 37, AMP = 38, SQ = 39, STAR = 42,
  PLUS = 43, COMMA = 44, DASH = 45, DOT = 46, COLON = 58, GT = 62, QMARK = 63, AT = 64, LBRACK = 91, BSL = 92,
  RBRACK = 93, BTICK = 96, LBRACE = 123, PIPE = 124, RBRACE = 125;

/** Where a node starts: on its own line, inline after `- ` (may open a compact collection), inline after `key: ` or
 *  `--- ` (may not open a block collection). */
const CTX_LINE = 0, CTX_DASH = 1, CTX_KEY = 2;
const STOP_EOL = 0, STOP_COLON = 1, STOP_COMMENT = 2, STOP_FLOW = 3;
/** Longest implicit key the `yaml` package accepts. */
const MAX_IMPLICIT_KEY = 1024;
/** The yaml package's problem for a longer one (the key is still read). */
const LONG_KEY = 'The : indicator must be at most 1024 chars after the start of an implicit block mapping key';

/** Thrown (always the same instance) when the fast path meets something it leaves to the general path. */
class Bail extends Error {}
const BAIL = new Bail('outside the fast path');

const ESCAPES: Record<number, string> = {
  0x30: '\0', 0x61: '\x07', 0x62: '\b', 0x65: '\x1b', 0x66: '\f', 0x6e: '\n', 0x72: '\r', 0x74: '\t', 0x76: '\v',
  0x4e: '\u0085', 0x5f: '\u00a0', 0x4c: '\u2028', 0x50: '\u2029', 0x20: ' ', 0x22: '"', 0x2f: '/', 0x5c: '\\',
  0x09: '\t',
};
const HEX_RE = /^[0-9a-fA-F]+$/;

class FastScanner {
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

// ---------------------------------------------------------------------------------------------------------------
// Path 2: the yaml package's node tree

interface Member {
  key: string;
  value: unknown;
  keyStart: number;
  keyEnd: number;
  /** Span to give the copied value (the alias it came through), or null for the real nodes. */
  via: [number, number] | null;
}

/** `text` may be `original` with nesting past MAX_DEPTH blanked out at `cuts` (see limitDepth). */
function composeTape(text: string, cancel: (() => boolean) | undefined, original = text, cuts: number[] = []): Tape {
  let lines = 0;
  const parser = new Parser(() => {
    if ((++lines & 1023) === 0 && cancel?.()) throw cancellationError();
  });
  const composer = new Composer({ merge: true, prettyErrors: false });
  const docs: Document.Parsed[] = [];
  for (const token of parser.parse(text)) {
    for (const doc of composer.next(token)) docs.push(doc);
    if (cancel?.()) throw cancellationError();
  }
  for (const doc of composer.end(false, text.length)) docs.push(doc);
  const b = new TapeBuilder(original, (text.length >> 4) + 16, cancel);
  for (const c of cuts) b.problems.add(c, c + 1, MSG_TOO_DEEP);
  if (docs.length === 0) {
    for (const e of composer.streamInfo().errors) b.problems.add(e.pos[0], e.pos[1], e.message);
  }
  const w = new TreeWalker(b, text);
  for (const doc of docs) {
    for (const e of doc.errors) {
      if (e.code !== 'DUPLICATE_KEY') b.problems.add(e.pos[0], e.pos[1], e.message);
    }
    const root = doc.contents as YamlNode | null;
    if (root === null || (isScalar(root) && root.value === null && root.source === '' && !root.tag && !root.anchor)) {
      continue; // empty document
    }
    w.anchors.clear();
    b.roots.push(b.len);
    w.emit(root, KEY_NONE, -1, -1, null);
  }
  // (ProblemSink.finish clamps the yaml package's spans, which may point one past the end, and sorts them.)
  return b.finish(true);
}

class TreeWalker {
  readonly anchors = new Map<string, unknown>();
  /** Collections being written (originals and copies), to stop an alias inside its own anchor. */
  private readonly expanding = new Set<unknown>();
  private copyDepth = 0;
  private copyBudget: number;
  private budgetReported = false;

  constructor(private readonly b: TapeBuilder, private readonly text: string) {
    this.copyBudget = 100_000 + text.length;
  }

  private problem(start: number, end: number, message: string): void {
    this.b.problems.add(start, end, message);
  }

  private span(node: unknown): [number, number] {
    const r = (node as { range?: [number, number, number] } | null)?.range;
    return r ? [r[0], r[1]] : [0, 0];
  }

  /** Resolve an alias to its anchored node (or undefined), reporting what cannot be copied. */
  private target(alias: Alias): unknown {
    const node = this.anchors.get(alias.source);
    const [s, e] = this.span(alias);
    if (node === undefined) {
      this.problem(s, e, `Unresolved alias *${alias.source} (the anchor must come before the alias)`);
      return undefined;
    }
    if (this.expanding.has(node)) {
      this.problem(s, e, `Alias *${alias.source} refers to a node that contains it`);
      return undefined;
    }
    return node;
  }

  emit(node: unknown, kid: number, ks: number, ke: number, via: [number, number] | null): void {
    const b = this.b;
    if (isAlias(node)) {
      const target = this.target(node);
      const sp = via ?? this.span(node);
      if (target === undefined || !this.spend(sp)) {
        b.add(KIND_NULL, sp[0], sp[1], kid, ks, ke);
        this.storeKey(b.len - 1, ks, ke);
        return;
      }
      this.copyDepth++;
      this.emit(target, kid, ks, ke, sp);
      this.copyDepth--;
      return;
    }
    this.register(node);
    if (isScalar(node)) {
      const [s, e0] = via ?? this.span(node);
      let e = e0;
      const type = node.type;
      if (!via && (type === 'BLOCK_LITERAL' || type === 'BLOCK_FOLDED')) e = blockScalarEnd(this.text, s, e);
      const v: unknown = node.value;
      let kind: number;
      let str: string;
      if (typeof v === 'string') { kind = KIND_STRING; str = v; }
      else if (typeof v === 'number' || typeof v === 'bigint') {
        kind = KIND_NUMBER;
        str = this.sourceOf(node);
      } else if (typeof v === 'boolean') { kind = v ? KIND_TRUE : KIND_FALSE; str = this.sourceOf(node); }
      else if (v === null || v === undefined) { kind = KIND_NULL; str = this.sourceOf(node); }
      else if (typeof v === 'symbol') { kind = KIND_STRING; str = v.description ?? ''; }
      else { kind = KIND_STRING; str = this.sourceOf(node); }
      const i = b.add(kind, s, e, kid, ks, ke);
      b.strs.set(i, str);
      if (kind === KIND_NUMBER) b.nums.set(i, Number(v));
      this.storeKey(i, ks, ke);
      return;
    }
    if (isMap(node)) {
      const [s, e] = via ?? this.span(node);
      const i = b.add(KIND_OBJECT, s, e, kid, ks, ke);
      this.storeKey(i, ks, ke);
      let last = -1;
      this.expanding.add(node);
      for (const m of this.members(node, via)) {
        last = b.len;
        this.keyText = m.key;
        this.emit(m.value, keyIdOf(m.key), m.keyStart, m.keyEnd, m.via);
      }
      this.expanding.delete(node);
      this.finishCollection(i, node, last, via);
      return;
    }
    if (isSeq(node)) {
      const [s, e] = via ?? this.span(node);
      const i = b.add(KIND_ARRAY, s, e, kid, ks, ke);
      this.storeKey(i, ks, ke);
      let last = -1;
      this.expanding.add(node);
      for (const item of node.items) {
        last = b.len;
        this.keyText = undefined;
        if (isPair(item)) this.emitPairAsMap(item, via);
        else this.emit(item, KEY_NONE, -1, -1, via);
      }
      this.expanding.delete(node);
      this.finishCollection(i, node, last, via);
      return;
    }
    if (isPair(node)) {
      this.emitPairAsMap(node, via);
      return;
    }
    // No node (an absent value): zero-width null.
    const at = via ?? [ke >= 0 ? ke : 0, ke >= 0 ? ke : 0];
    const i = b.add(KIND_NULL, at[0], at[1], kid, ks, ke);
    b.strs.set(i, '');
    this.storeKey(i, ks, ke);
  }

  /** Key text for the next node added with a key (set by the caller just before emit). */
  private keyText: string | undefined = undefined;

  private storeKey(i: number, ks: number, ke: number): void {
    if (ks >= 0 && this.keyText !== undefined) this.b.keys.set(i, this.keyText);
    this.b.keyEnd[i] = ke;
    this.keyText = undefined;
  }

  private emitPairAsMap(pair: Pair, via: [number, number] | null): void {
    const [ks] = this.span(pair.key);
    const [, ve] = this.span(pair.value);
    const sp = via ?? [ks, Math.max(ks, ve)];
    const i = this.b.add(KIND_OBJECT, sp[0], sp[1], KEY_NONE, -1, -1);
    this.storeKey(i, -1, -1);
    const key = this.keyString(pair.key);
    const [kStart, kEnd] = via ?? this.span(pair.key);
    this.keyText = key;
    this.emit(pair.value, keyIdOf(key), kStart, kEnd, via);
    this.b.next[i] = this.b.len;
  }

  private finishCollection(i: number, node: { flow?: boolean; range?: [number, number, number] | null }, last: number,
    via: [number, number] | null): void {
    const b = this.b;
    if (!via && !node.flow && last >= 0) b.end[i] = b.end[last];
    b.next[i] = b.len;
  }

  private spend(sp: [number, number]): boolean {
    if (this.copyBudget > 0) return true;
    if (!this.budgetReported) {
      this.problem(sp[0], sp[1], 'Too many alias copies; further aliases are left empty');
      this.budgetReported = true;
    }
    return false;
  }

  private register(node: unknown): void {
    if (this.copyDepth > 0) { this.copyBudget--; return; }
    const a = (node as { anchor?: string } | null)?.anchor;
    if (a) this.anchors.set(a, node);
  }

  private sourceOf(node: { range?: [number, number, number] | null; source?: unknown }): string {
    const r = node.range;
    if (r) return this.text.slice(r[0], r[1]);
    return typeof node.source === 'string' ? node.source : '';
  }

  /** The JS object key yaml.parse makes of a key node. */
  private keyString(key: unknown): string {
    if (key === null || key === undefined) return '';
    if (isAlias(key)) {
      const t = this.anchors.get(key.source);
      return t === undefined || t === key ? '' : this.keyString(t);
    }
    if (isScalar(key)) {
      const v: unknown = key.value;
      if (v === null || v === undefined) return '';
      if (typeof v === 'symbol') return v.description ?? '';
      if (typeof v === 'object') return this.sourceOf(key);
      return String(v);
    }
    // A collection as a key: yaml.parse uses its flow-style YAML text. Making that text costs more than linear time
    // in the key's nesting (a 600-deep key took seconds), so only small, shallow keys get it; any other key (which
    // can name nothing Envoy reads) is its source text with white space runs as one space, at most 1,024 characters.
    if (!smallCollection(key)) {
      const src = this.sourceOf(key as { range?: [number, number, number] }).replace(/\s+/g, ' ');
      return src.length > MAX_IMPLICIT_KEY ? `${src.slice(0, MAX_IMPLICIT_KEY)}…` : src;
    }
    try {
      const d = new Document();
      const copy = (key as YamlNode).clone() as YamlNode;
      copy.commentBefore = undefined;
      copy.comment = undefined;
      copy.anchor = undefined;
      d.contents = copy;
      return d.toString({ collectionStyle: 'flow' }).trimEnd();
    } catch {
      return this.sourceOf(key as { range?: [number, number, number] });
    }
  }

  private isMergeKey(key: unknown): boolean {
    if (!isScalar(key) || (key.type && key.type !== 'PLAIN')) return false;
    const v: unknown = key.value;
    return v === '<<' || (typeof v === 'symbol' && v.description === '<<');
  }

  /** The members of a map as yaml.parse sees them: merge keys expanded (explicit keys win, earlier sources win).
   *  Lazy, so that anchors on earlier values of the same map are known when a merge key refers to them. */
  private *members(map: YAMLMap, via: [number, number] | null): Generator<Member> {
    const items = map.items as Pair[];
    let explicit: Set<string> | null = null;
    for (const p of items) {
      if (this.isMergeKey(p.key)) { explicit = new Set(); break; }
    }
    if (explicit) for (const p of items) if (!this.isMergeKey(p.key)) explicit.add(this.keyString(p.key));
    const merged = new Set<string>();
    for (const p of items) {
      if (explicit && this.isMergeKey(p.key)) {
        for (const [source, sourceVia] of this.mergeSources(p.value, via)) {
          for (const m of this.members(source, sourceVia)) {
            if (explicit.has(m.key) || merged.has(m.key)) continue;
            merged.add(m.key);
            yield m;
          }
        }
        continue;
      }
      this.registerAll(p.key);
      const key = this.keyString(p.key);
      const [ks, ke] = via ?? (p.key ? this.span(p.key) : this.span(p.value));
      yield { key, value: p.value, keyStart: ks, keyEnd: p.key ? ke : ks, via };
    }
  }

  /** Anchors inside a key (keys are not walked into the tape). Iterative: a key may nest deeply. */
  private registerAll(root: unknown): void {
    if (this.copyDepth > 0) return;
    const stack: unknown[] = [root];
    while (stack.length > 0) {
      const node = stack.pop();
      if (node === null || node === undefined || isAlias(node)) continue;
      const a = (node as { anchor?: string }).anchor;
      if (a) this.anchors.set(a, node);
      // Pushed in reverse, so anchors register in document order (a later anchor of the same name wins).
      if (isMap(node)) {
        const items = node.items as Pair[];
        for (let i = items.length - 1; i >= 0; i--) stack.push(items[i].value, items[i].key);
      } else if (isSeq(node)) {
        for (let i = node.items.length - 1; i >= 0; i--) stack.push(node.items[i]);
      }
    }
  }

  private mergeSources(value: unknown, via: [number, number] | null): Array<[YAMLMap, [number, number] | null]> {
    const out: Array<[YAMLMap, [number, number] | null]> = [];
    const one = (v: unknown, outerVia: [number, number] | null) => {
      let node = v;
      let sv = outerVia;
      if (isAlias(v)) {
        node = this.target(v);
        sv = outerVia ?? this.span(v);
        if (node === undefined) return; // reported already
      }
      if (isMap(node)) out.push([node, sv]);
      else {
        const [s, e] = outerVia ?? this.span(v);
        this.problem(s, e, 'Merge sources must be maps or map aliases');
      }
    };
    let v = value;
    let seqVia = via;
    if (isAlias(value)) {
      const t = this.target(value);
      if (isSeq(t)) { v = t; seqVia = via ?? this.span(value); }
    }
    if (isSeq(v)) for (const it of v.items) one(it, seqVia);
    else one(value, via);
    return out;
  }
}

/** Whether a collection used as a key is small and shallow enough (64 nodes, 8 levels) to be stringified as YAML. */
function smallCollection(root: unknown): boolean {
  const stack: Array<[unknown, number]> = [[root, 1]];
  let count = 0;
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (++count > 64 || depth > 8) return false;
    if (isMap(node)) for (const p of node.items as Pair[]) stack.push([p.key, depth + 1], [p.value, depth + 1]);
    else if (isSeq(node)) for (const it of node.items) stack.push([it, depth + 1]);
  }
  return true;
}

function isBlank(c: number): boolean {
  return c === SP || c === TAB || c === LF || c === CR;
}

/** End of the block scalar whose token is text[s, e): its last non-blank content, or its header when it has none. */
function blockScalarEnd(text: string, s: number, e: number): number {
  let h = s + 1;
  for (let k = 0; k < 2; k++) {
    const c = text.charCodeAt(h);
    if (c === DASH || c === PLUS || (c >= 0x31 && c <= 0x39)) h++;
  }
  const nl = text.indexOf('\n', h);
  if (nl < 0 || nl >= e) return h;
  while (e > nl && isBlank(text.charCodeAt(e - 1))) e--;
  return e > nl ? e : h;
}

// ---------------------------------------------------------------------------------------------------------------
// Depth limit for the general path

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
