/**
 * A purpose-built JSON scanner that produces a Tape (see tape.ts) without building a JS value.
 *
 * Everything is scanned as bytes: a Buffer read from disk directly (UTF-8; offsets in bytes), a JS string after a
 * native copy to one byte per UTF-16 unit (offsets in UTF-16 units, see scanJson). The hot loop touches only
 * structural characters, whitespace, member keys, numbers and literals; string bodies are skipped with the native
 * Buffer#indexOf. Member keys are hashed on (length, first, middle, last byte) and confirmed byte by byte against the
 * vocabulary of keys.ts, so the indexer gets an integer per member without a string being made.
 *
 * Tolerated without a problem: a UTF-8 BOM, a leading HTTP status line (`200`, or `HTTP/1.1 200 OK` and headers)
 * before the first line that opens an object or array, trailing commas, and `//` and block comments.
 * Anything else is recorded in `problems` and recovered from locally; the scanner never throws, except the
 * CancellationError raised when `options.isCancelled()` returns true (polled about every megabyte).
 */

import { KEY_NONE, KEY_UNKNOWN, keyIdOf, keySpellings } from './keys';
import { isAsciiBytes } from './offsets';
import {
  KIND_ARRAY, KIND_FALSE, KIND_NULL, KIND_NUMBER, KIND_OBJECT, KIND_STRING, KIND_TRUE, MAX_DEPTH, MSG_EMPTY, MSG_TOO_DEEP,
  ProblemSink, type ParseProblem, type Tape,
} from './tape';

export interface ScanOptions {
  /** Polled about every megabyte; when it returns true the scan throws a CancellationError. */
  isCancelled?: () => boolean;
}

/** Thrown by scanJson when `options.isCancelled()` returns true: the project's one cancellation error. */
import { CancellationError } from '../cancel';

export { CancellationError };

/** Problem messages (one short sentence each), exported for tests and callers that match on them. */
export const MSG = {
  eof: 'Unexpected end of input.',
  value: 'Expected a value.',
  rootValue: 'Expected a JSON value.',
  commaBrace: 'Expected a comma or closing brace.',
  commaBracket: 'Expected a comma or closing bracket.',
  property: 'Expected a double-quoted property name.',
  colon: 'Expected a colon.',
  number: 'Invalid number.',
  string: 'Unterminated string.',
  comment: 'Unterminated comment.',
  trailing: 'Unexpected text after the end of the JSON value.',
  prefix: 'Skipped text before the JSON value.',
  control: 'Control character in a string: it must be written as an escape (\\n, \\t, \\u0000).',
  escape: 'Invalid escape in a string.',
  utf8: 'The file is not valid UTF-8.',
  empty: MSG_EMPTY,
  tooDeep: MSG_TOO_DEEP,
} as const;

// ---------------------------------------------------------------------------------------------------------------
// Key vocabulary: open-addressing table over the byte spellings of keySpellings().

const KT_BITS = 11;
const KT_SIZE = 1 << KT_BITS;
const KT_SHIFT = 32 - KT_BITS;
const GOLDEN = 0x9e3779b1 | 0;

/** Hash of a key from its length and first, middle and last bytes (the scanner inlines the same formula). */
function keyHash(len: number, first: number, middle: number, last: number): number {
  return Math.imul((len << 24) ^ (first << 16) ^ (middle << 8) ^ last, GOLDEN);
}

/** Slots of four words: hash, key id (0 = empty), length, offset of the spelling in ktBytes. */
const ktSlots = new Int32Array(KT_SIZE * 4);
const KT_SLOTS_MASK = KT_SIZE * 4 - 1;
let ktMaxLen = 0;
const ktBytes: Uint8Array = (() => {
  const spellings = keySpellings();
  let total = 0;
  for (const [text] of spellings) total += text.length;
  const bytes = new Uint8Array(total);
  let off = 0;
  for (const [text, id] of spellings) {
    const len = text.length;
    for (let j = 0; j < len; j++) bytes[off + j] = text.charCodeAt(j);
    const h = keyHash(len, bytes[off], bytes[off + (len >> 1)], bytes[off + len - 1]);
    let slot = (h >>> KT_SHIFT) << 2;
    while (ktSlots[slot + 1] !== 0) slot = (slot + 4) & KT_SLOTS_MASK;
    ktSlots[slot] = h;
    ktSlots[slot + 1] = id;
    ktSlots[slot + 2] = len;
    ktSlots[slot + 3] = off;
    if (len > ktMaxLen) ktMaxLen = len;
    off += len;
  }
  return bytes;
})();
const ktView = new DataView(ktBytes.buffer, ktBytes.byteOffset, ktBytes.byteLength);

// ---------------------------------------------------------------------------------------------------------------
// Byte-level helpers (small; inlined by the optimizing compiler).

interface FastBuffer extends Buffer {
  latin1Slice?(start: number, end: number): string;
  utf8Slice?(start: number, end: number): string;
}

const S_VALUE = 0;
const S_AFTER = 1;
const S_KEY = 2;

const CANCEL_STRIDE = 1 << 20;

/** Eight spaces read as one float64 (every byte equal, so endianness does not matter; not NaN, not zero). */
const SPACES8 = new Float64Array(new Uint8Array(8).fill(0x20).buffer)[0];

function addProblem(problems: ProblemSink, start: number, end: number, message: string): void {
  // One problem per position: recovery may look at the same character from more than one state.
  if (problems.lastStart === start && problems.size > 0) return;
  problems.add(start, end, message);
}

/** End of the garbage token at pos: a run of bytes that are not whitespace or JSON punctuation (at least one). */
function tokenEnd(b: Uint8Array, pos: number, len: number): number {
  let p = pos + 1;
  const c = b[pos];
  if (c <= 0x20 || c === 0x22 || c === 0x2c || c === 0x3a || c === 0x5b || c === 0x5d || c === 0x7b || c === 0x7d) {
    return p;
  }
  while (p < len) {
    const d = b[p];
    if (d <= 0x20 || d === 0x22 || d === 0x2c || d === 0x3a || d === 0x5b || d === 0x5d || d === 0x7b || d === 0x7d) {
      break;
    }
    p++;
  }
  return p;
}

/** Can byte c start a JSON value? */
function isValueStart(c: number): boolean {
  return c === 0x22 || c === 0x7b || c === 0x5b || c === 0x2d || (c >= 0x30 && c <= 0x39) || c === 0x74 ||
    c === 0x66 || c === 0x6e;
}

/** Skips a comment at pos (b[pos] is '/'); returns pos itself when there is none. */
function skipComment(b: Buffer, pos: number, len: number, problems: ProblemSink): number {
  if (pos + 1 >= len) return pos;
  const d = b[pos + 1];
  if (d === 0x2f) {
    const nl = b.indexOf(0x0a, pos + 2);
    return nl < 0 ? len : nl + 1;
  }
  if (d === 0x2a) {
    const e = b.indexOf('*/', pos + 2, 'latin1');
    if (e < 0) {
      addProblem(problems, pos, len, MSG.comment);
      return len;
    }
    return e + 2;
  }
  return pos;
}

/** Skips whitespace and comments (cold paths; the main loop has its own copy). */
function skipWs(b: Buffer, pos: number, len: number, problems: ProblemSink): number {
  while (pos < len) {
    const c = b[pos];
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
      pos++;
    } else if (c === 0x2f) {
      const q = skipComment(b, pos, len, problems);
      if (q === pos) break;
      pos = q;
    } else {
      break;
    }
  }
  return pos;
}

/** Index of the quote closing the string opened at `open`, or -1. */
function closingQuote(b: Buffer, open: number): number {
  let q = b.indexOf(0x22, open + 1);
  while (q > 0 && b[q - 1] === 0x5c) {
    let k = q - 2;
    while (b[k] === 0x5c) k--;
    if (((q - 1 - k) & 1) === 0) break; // an even run of backslashes escapes itself, not the quote
    q = b.indexOf(0x22, q + 1);
  }
  return q;
}

function digitsEnd(b: Uint8Array, p: number, len: number): number {
  while (p < len) {
    const d = b[p];
    if (d < 0x30 || d > 0x39) break;
    p++;
  }
  return p;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);
}

/**
 * Checks a string body [a, q) as JSON.parse would: no raw control characters (U+0000-U+001F) and only the escapes
 * `\" \\ \/ \b \f \n \r \t \uXXXX`. Four bytes at a time until a backslash or a control byte shows up (the
 * lowest flag of each classic SWAR test is exact), then byte by byte.
 */
function checkStringBody(b: Uint8Array, dv: DataView, a: number, q: number, problems: ProblemSink): void {
  let p = a;
  const last8 = q - 8;
  while (p <= last8) {
    const w = dv.getInt32(p, true);
    const v = dv.getInt32(p + 4, true);
    const xw = w ^ 0x5c5c5c5c;
    const xv = v ^ 0x5c5c5c5c;
    if (((((xw - 0x01010101) & ~xw) | ((w - 0x20202020) & ~w) | ((xv - 0x01010101) & ~xv) | ((v - 0x20202020) & ~v))
      & 0x80808080) !== 0) break;
    p += 8;
  }
  while (p < q) {
    const c = b[p];
    if (c === 0x5c) {
      const e = b[p + 1];
      if (e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
        p += 2;
      } else if (e === 0x75 && p + 5 < q && isHex(b[p + 2]) && isHex(b[p + 3]) && isHex(b[p + 4]) && isHex(b[p + 5])) {
        p += 6;
      } else {
        addProblem(problems, p, Math.min(q, p + 2), MSG.escape);
        p += 2;
      }
    } else {
      if (c < 0x20) addProblem(problems, p, p + 1, MSG.control);
      p++;
    }
  }
}

/**
 * The end of the container opening at pos (just past its closer, or len when it is not closed), counting brackets
 * of both kinds and skipping strings: how a container nested deeper than MAX_DEPTH is stepped over unread.
 */
function skipNested(b: Buffer, pos: number, len: number): number {
  let depth = 0;
  let p = pos;
  while (p < len) {
    const c = b[p];
    if (c === 0x22) {
      const q = closingQuote(b, p);
      if (q < 0) return len;
      p = q + 1;
      continue;
    }
    if (c === 0x5b || c === 0x7b) depth++;
    else if ((c === 0x5d || c === 0x7d) && --depth === 0) return p + 1;
    p++;
  }
  return len;
}

/** Offset of the first byte of `b` that is not part of a well-formed UTF-8 sequence, or -1. */
function firstInvalidUtf8(b: Uint8Array): number {
  const len = b.length;
  let p = 0;
  while (p < len) {
    const c = b[p];
    if (c < 0x80) { p++; continue; }
    let need: number;
    let min: number;
    if (c >= 0xc2 && c <= 0xdf) { need = 1; min = 0x80; }
    else if (c >= 0xe0 && c <= 0xef) { need = 2; min = 0x800; }
    else if (c >= 0xf0 && c <= 0xf4) { need = 3; min = 0x10000; }
    else return p;
    if (p + need >= len) return p;
    let cp = c & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const d = b[p + k];
      if (d === undefined || (d & 0xc0) !== 0x80) return p;
      cp = (cp << 6) | (d & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return p;
    p += need + 1;
  }
  return -1;
}

/** Decodes a JSON string body (between the quotes) that contains backslashes; never throws. */
function unescapeBody(body: string): string {
  try {
    return JSON.parse('"' + body + '"') as string;
  } catch {
    return unescapeLenient(body);
  }
}

function unescapeLenient(body: string): string {
  let out = '';
  let i = 0;
  const n = body.length;
  while (i < n) {
    const bs = body.indexOf('\\', i);
    if (bs < 0) {
      out += body.slice(i);
      break;
    }
    out += body.slice(i, bs);
    const e = body.charCodeAt(bs + 1);
    i = bs + 2;
    switch (e) {
      case 0x62: out += '\b'; break;
      case 0x66: out += '\f'; break;
      case 0x6e: out += '\n'; break;
      case 0x72: out += '\r'; break;
      case 0x74: out += '\t'; break;
      case 0x75: {
        const hex = body.slice(bs + 2, bs + 6);
        if (/^[0-9a-fA-F]{4}$/.test(hex)) {
          out += String.fromCharCode(parseInt(hex, 16));
          i = bs + 6;
        } else {
          out += 'u';
        }
        break;
      }
      default:
        if (bs + 1 < n) out += body[bs + 1];
    }
  }
  return out;
}

/** Node's native UTF-8 check (Node >= 18.14), else the JS walk. */
const isUtf8: (input: Uint8Array) => boolean = (() => {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const fn = (require('node:buffer') as { isUtf8?: (input: Uint8Array) => boolean }).isUtf8;
    if (typeof fn === 'function') return fn;
  } catch {
    // fall through
  }
  return (input: Uint8Array) => firstInvalidUtf8(input) < 0;
})();

function cancelled(): never {
  throw new CancellationError('The scan was cancelled.');
}

// ---------------------------------------------------------------------------------------------------------------
// Leading junk: BOM, HTTP status line and headers.

const STATUS_CODE = /^\d{3}$/;
const STATUS_LINE = /^HTTP\/\d(?:\.\d)?\s+\d{3}\b/;
const HEADER_LINE = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+:/;

/** Offset where the JSON value starts: after a BOM and, when the text does not open with `{` or `[`, after the
 * leading lines up to the first line that does. Skipped lines other than a status line and headers are reported. */
function jsonStart(b: Buffer, len: number, problems: ProblemSink): number {
  let p = 0;
  if (len >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) p = 3;
  const q = skipWs(b, p, len, problems);
  if (q >= len || b[q] === 0x7b || b[q] === 0x5b) return q;
  let from = q;
  for (;;) {
    const nl = b.indexOf(0x0a, from);
    if (nl < 0) return q; // no line opens a container: scan from here and report what is wrong
    let x = nl + 1;
    while (x < len && (b[x] === 0x20 || b[x] === 0x09 || b[x] === 0x0d)) x++;
    if (x < len && (b[x] === 0x7b || b[x] === 0x5b)) {
      reportSkipped(b, q, nl, problems);
      return x;
    }
    from = nl + 1;
  }
}

function reportSkipped(b: Buffer, from: number, to: number, problems: ProblemSink): void {
  // latin1 keeps one character per byte, so string indices below are byte offsets.
  const text = b.toString('latin1', from, to);
  let inHeaders = false;
  let lineStart = 0;
  while (lineStart <= text.length) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd < 0) lineEnd = text.length;
    const line = text.slice(lineStart, lineEnd).trim();
    if (line === '') {
      inHeaders = false;
    } else if (STATUS_LINE.test(line)) {
      inHeaders = true;
    } else if (!(STATUS_CODE.test(line) || (inHeaders && HEADER_LINE.test(line)))) {
      const lead = text.slice(lineStart, lineEnd).search(/\S/);
      const start = from + lineStart + lead;
      addProblem(problems, start, start + line.length, MSG.prefix);
      return;
    }
    lineStart = lineEnd + 1;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The scanner.

interface RawTape {
  n: number;
  kind: Uint8Array;
  keyId: Uint16Array;
  keyStart: Int32Array;
  start: Int32Array;
  end: Int32Array;
  next: Int32Array;
}

function growU8(a: Uint8Array, cap: number): Uint8Array {
  const b = new Uint8Array(cap);
  b.set(a);
  return b;
}
function growU16(a: Uint16Array, cap: number): Uint16Array {
  const b = new Uint16Array(cap);
  b.set(a);
  return b;
}
function growI32(a: Int32Array, cap: number): Int32Array {
  const b = new Int32Array(cap);
  b.set(a);
  return b;
}

/**
 * Decodes key bytes for a vocabulary lookup (keys with escapes, recovered unquoted keys). For a string input the
 * bytes are Latin-1-ish, so non-ASCII text decodes wrongly, but then it cannot be in the (ASCII) vocabulary either way.
 */
function decodeBytes(b: Buffer, from: number, to: number): string {
  return b.toString('utf8', from, to);
}

/**
 * Initial tape capacity (grown by doubling when short). Config dumps run about 25 bytes of non-blank text a node,
 * while indentation varies from none (minified) to over half the file (deep pretty-printing): sample the blanks.
 */
function estimateNodes(b: Uint8Array, len: number): number {
  const sample = Math.min(len, 1 << 16);
  let blank = 0;
  for (let i = 0; i < sample; i++) {
    const c = b[i];
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) blank++;
  }
  const solid = sample === 0 ? 1 : 1 - blank / sample;
  return Math.max(64, Math.ceil((len * solid) / 22));
}

function scanBytes(b: Buffer, isCancelled: (() => boolean) | undefined, problems: ProblemSink): RawTape {
  const len = b.length;
  let cap = estimateNodes(b, len);
  let kind: Uint8Array = new Uint8Array(cap);
  let keyId: Uint16Array = new Uint16Array(cap);
  let keyStart: Int32Array = new Int32Array(cap);
  let start: Int32Array = new Int32Array(cap);
  let end: Int32Array = new Int32Array(cap);
  let next: Int32Array = new Int32Array(cap);
  let n = 0;

  // Open containers (at most MAX_DEPTH: deeper ones are stepped over), and for each level the nearest level at or
  // below it holding an object (an array), so a mismatched closer finds the container it closes in one step.
  const stack = new Int32Array(MAX_DEPTH);
  const nearObj = new Int32Array(MAX_DEPTH);
  const nearArr = new Int32Array(MAX_DEPTH);
  let top = -1;
  let inObj = false;

  let curKey = KEY_NONE;
  let curKeyStart = -1;
  let state = S_VALUE;
  let rootGarbage = false;

  const kt = ktSlots;
  const tBytes = ktBytes;
  const maxKeyLen = ktMaxLen;

  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const last16 = len - 16;
  const last8 = len - 8;
  const last4 = len - 4;
  const last2 = len - 2;
  const tView = ktView;

  let pos = jsonStart(b, len, problems);
  let nextCheck = pos; // polled once at the start, then every CANCEL_STRIDE bytes

  for (;;) {
    // Whitespace and comments.
    let c = -1;
    while (pos < len) {
      c = b[pos];
      if (c === 0x0a) {
        // A new line, then (in pretty-printed text) its indentation: compare eight spaces at a time.
        pos++;
        while (pos <= last16 && dv.getFloat64(pos, true) === SPACES8 && dv.getFloat64(pos + 8, true) === SPACES8) pos += 16;
        if (pos <= last8 && dv.getFloat64(pos, true) === SPACES8) pos += 8;
        if (pos <= last4 && dv.getInt32(pos, true) === 0x20202020) pos += 4;
        if (pos <= last2 && dv.getInt16(pos, true) === 0x2020) pos += 2;
        c = -1;
        continue;
      }
      if (c === 0x20 || c === 0x0d || c === 0x09) {
        pos++;
        c = -1;
        continue;
      }
      if (c === 0x2f) {
        const q = skipComment(b, pos, len, problems);
        if (q !== pos) {
          pos = q;
          c = -1;
          continue;
        }
      }
      break;
    }

    if (pos >= nextCheck) {
      nextCheck = pos + CANCEL_STRIDE;
      if (isCancelled !== undefined && isCancelled()) cancelled();
    }

    if (state === S_AFTER) {
      if (top < 0) break; // the root value is complete
      if (c === 0x2c) {
        pos++;
        state = inObj ? S_KEY : S_VALUE;
        continue;
      }
      if (c === (inObj ? 0x7d : 0x5d)) {
        const ci = stack[top--];
        end[ci] = pos + 1;
        next[ci] = n;
        pos++;
        inObj = top >= 0 && kind[stack[top]] === KIND_OBJECT;
        continue;
      }
      if (c === -1) break;
      // Recovery.
      const msg = inObj ? MSG.commaBrace : MSG.commaBracket;
      if (c === 0x7d || c === 0x5d) {
        // A closer that does not match the innermost container: close containers up to the one it matches.
        const k = c === 0x7d ? nearObj[top] : nearArr[top];
        addProblem(problems, pos, pos + 1, msg);
        if (k < 0) {
          pos++;
        } else {
          // Every container above the matching one ends here, before the closer; then the closer closes that one.
          while (top > k) {
            const ci = stack[top--];
            end[ci] = pos;
            next[ci] = n;
          }
          inObj = kind[stack[top]] === KIND_OBJECT;
        }
        continue;
      }
      if (isValueStart(c)) {
        // Most likely a missing comma.
        addProblem(problems, pos, pos + 1, msg);
        state = inObj ? S_KEY : S_VALUE;
        continue;
      }
      const te = tokenEnd(b, pos, len);
      addProblem(problems, pos, te, msg);
      pos = te;
      continue;
    }

    if (state === S_KEY) {
      if (c === 0x22) {
        // Member key: find its end while looking out for backslashes, then look it up.
        const a = pos + 1;
        let p = a;
        // Four bytes at a time: flag bytes equal to '"' or '\\' (the classic has-zero-byte test on w ^ pattern;
        // the lowest flag is exact, which is all we need).
        while (p <= last4) {
          const w = dv.getInt32(p, true);
          const xq = w ^ 0x22222222;
          const xb = w ^ 0x5c5c5c5c;
          const t = (((xq - 0x01010101) & ~xq) | ((xb - 0x01010101) & ~xb) | ((w - 0x20202020) & ~w)) & 0x80808080;
          if (t !== 0) {
            p += (31 - Math.clz32(t & -t)) >> 3;
            break;
          }
          p += 4;
        }
        if (p > last4) {
          while (p < len && b[p] !== 0x22 && b[p] !== 0x5c && b[p] >= 0x20) p++;
        }
        if (p < len && b[p] === 0x22) {
          const klen = p - a;
          let id = KEY_UNKNOWN;
          if (klen <= maxKeyLen && klen !== 0) {
            const h = Math.imul((klen << 24) ^ (b[a] << 16) ^ (b[a + (klen >> 1)] << 8) ^ b[p - 1], GOLDEN);
            let slot = (h >>> KT_SHIFT) << 2;
            for (;;) {
              const sid = kt[slot + 1];
              if (sid === 0) break;
              if (kt[slot] === h && kt[slot + 2] === klen) {
                const off = kt[slot + 3];
                let eq = true;
                if (klen >= 4) {
                  const lim = klen - 4;
                  for (let j = 0; j < lim; j += 4) {
                    if (dv.getInt32(a + j, true) !== tView.getInt32(off + j, true)) {
                      eq = false;
                      break;
                    }
                  }
                  eq = eq && dv.getInt32(a + lim, true) === tView.getInt32(off + lim, true);
                } else {
                  for (let j = 0; j < klen; j++) {
                    if (b[a + j] !== tBytes[off + j]) {
                      eq = false;
                      break;
                    }
                  }
                }
                if (eq) {
                  id = sid;
                  break;
                }
              }
              slot = (slot + 4) & KT_SLOTS_MASK;
            }
          }
          curKey = id;
          curKeyStart = pos;
          pos = p + 1;
        } else {
          const q = p < len ? closingQuote(b, pos) : -1;
          if (q < 0) {
            addProblem(problems, pos, len, MSG.string);
            pos = len;
            continue;
          }
          checkStringBody(b, dv, a, q, problems);
          curKey = keyIdOf(unescapeBody(decodeBytes(b, a, q)));
          curKeyStart = pos;
          pos = q + 1;
        }
        // The colon, normally right after the key.
        if (pos < len && b[pos] === 0x3a) {
          pos++;
          if (pos < len && b[pos] === 0x20) pos++;
        } else {
          pos = skipWs(b, pos, len, problems);
          if (pos < len && b[pos] === 0x3a) {
            pos++;
          } else if (pos < len) {
            addProblem(problems, pos, pos + 1, MSG.colon);
            if (!isValueStart(b[pos])) {
              curKey = KEY_NONE;
              curKeyStart = -1;
              state = S_AFTER;
              continue;
            }
          }
        }
        state = S_VALUE;
        // Usually the value follows at once: go straight on to it.
        c = pos < len ? b[pos] : -1;
        if (c <= 0x20 || c === 0x2f || pos >= nextCheck) continue;
      } else if (c === 0x7d) {
        // Empty object, or a trailing comma.
        const ci = stack[top--];
        end[ci] = pos + 1;
        next[ci] = n;
        pos++;
        inObj = top >= 0 && kind[stack[top]] === KIND_OBJECT;
        state = S_AFTER;
        continue;
      } else {
        if (c === -1) break;
        // Recovery.
        if (c === 0x5d) {
          addProblem(problems, pos, pos + 1, MSG.property);
          state = S_AFTER; // handled there as a mismatched closer
          continue;
        }
        if (c === 0x2c) {
          addProblem(problems, pos, pos + 1, MSG.property);
          pos++;
          continue;
        }
        if (c === 0x7b || c === 0x5b || c === 0x3a) {
          // A value without a key: keep it as a keyless member.
          addProblem(problems, pos, pos + 1, MSG.property);
          if (c === 0x3a) pos++;
          curKey = KEY_NONE;
          curKeyStart = -1;
          state = S_VALUE;
          continue;
        }
        // An unquoted word: when a colon follows, take it as the key.
        const te = tokenEnd(b, pos, len);
        addProblem(problems, pos, te, MSG.property);
        const q = skipWs(b, te, len, problems);
        if (q < len && b[q] === 0x3a) {
          curKey = keyIdOf(decodeBytes(b, pos, te));
          curKeyStart = pos;
          pos = q + 1;
          state = S_VALUE;
        } else {
          pos = te;
        }
        continue;
      }
    }

    // S_VALUE
    if (n === cap) {
      cap *= 2;
      kind = growU8(kind, cap);
      keyId = growU16(keyId, cap);
      keyStart = growI32(keyStart, cap);
      start = growI32(start, cap);
      end = growI32(end, cap);
      next = growI32(next, cap);
    }
    if (c === 0x22) {
      // The body, eight bytes at a time up to the first '"', '\\' or control byte (as for keys, below): a body
      // with neither a backslash nor a control byte, nearly every one, needs no other check.
      let q = pos + 1;
      while (q <= last8) {
        const w = dv.getInt32(q, true);
        const v = dv.getInt32(q + 4, true);
        const xq = w ^ 0x22222222;
        const xb = w ^ 0x5c5c5c5c;
        const yq = v ^ 0x22222222;
        const yb = v ^ 0x5c5c5c5c;
        if (((((xq - 0x01010101) & ~xq) | ((xb - 0x01010101) & ~xb) | ((w - 0x20202020) & ~w)
          | ((yq - 0x01010101) & ~yq) | ((yb - 0x01010101) & ~yb) | ((v - 0x20202020) & ~v)) & 0x80808080) !== 0) break;
        q += 8;
      }
      while (q < len) {
        const d = b[q];
        if (d === 0x22 || d === 0x5c || d < 0x20) break;
        q++;
      }
      if (q >= len || b[q] !== 0x22) {
        q = closingQuote(b, pos);
        if (q >= 0) checkStringBody(b, dv, pos + 1, q, problems);
      }
      kind[n] = KIND_STRING;
      keyId[n] = curKey;
      keyStart[n] = curKeyStart;
      start[n] = pos;
      next[n] = n + 1;
      if (q < 0) {
        addProblem(problems, pos, len, MSG.string);
        end[n] = len;
        pos = len;
      } else {
        end[n] = q + 1;
        pos = q + 1;
      }
      n++;
      curKey = KEY_NONE;
      curKeyStart = -1;
      state = S_AFTER;
      continue;
    }
    if (c === 0x7b || c === 0x5b) {
      kind[n] = c === 0x7b ? KIND_OBJECT : KIND_ARRAY;
      keyId[n] = curKey;
      keyStart[n] = curKeyStart;
      start[n] = pos;
      if (top + 1 === MAX_DEPTH) {
        // Too deep: an empty container over the whole span, contents unread.
        addProblem(problems, pos, pos + 1, MSG.tooDeep);
        const e = skipNested(b, pos, len);
        end[n] = e;
        next[n] = n + 1;
        n++;
        pos = e;
        curKey = KEY_NONE;
        curKeyStart = -1;
        state = S_AFTER;
        continue;
      }
      stack[++top] = n;
      nearObj[top] = c === 0x7b ? top : top > 0 ? nearObj[top - 1] : -1;
      nearArr[top] = c === 0x5b ? top : top > 0 ? nearArr[top - 1] : -1;
      n++;
      pos++;
      curKey = KEY_NONE;
      curKeyStart = -1;
      inObj = c === 0x7b;
      state = inObj ? S_KEY : S_VALUE;
      continue;
    }
    if ((c >= 0x30 && c <= 0x39) || c === 0x2d) {
      let p = c === 0x2d ? pos + 1 : pos;
      let q = digitsEnd(b, p, len);
      let ok = q > p && (b[p] !== 0x30 || q === p + 1);
      p = q;
      if (ok && p < len && b[p] === 0x2e) {
        q = digitsEnd(b, p + 1, len);
        ok = q > p + 1;
        p = q;
      }
      if (ok && p < len && (b[p] | 0x20) === 0x65) {
        p++;
        if (p < len && (b[p] === 0x2b || b[p] === 0x2d)) p++;
        q = digitsEnd(b, p, len);
        ok = q > p;
        p = q;
      }
      if (ok) {
        kind[n] = KIND_NUMBER;
        keyId[n] = curKey;
        keyStart[n] = curKeyStart;
        start[n] = pos;
        end[n] = p;
        next[n] = n + 1;
        n++;
      } else {
        const te = Math.max(p, tokenEnd(b, pos, len));
        addProblem(problems, pos, te, MSG.number);
        p = te;
      }
      pos = p;
      curKey = KEY_NONE;
      curKeyStart = -1;
      state = S_AFTER;
      continue;
    }
    let lit = 0;
    let litLen = 0;
    if (c === 0x74) {
      if (pos + 3 < len && b[pos + 1] === 0x72 && b[pos + 2] === 0x75 && b[pos + 3] === 0x65) {
        lit = KIND_TRUE;
        litLen = 4;
      }
    } else if (c === 0x66) {
      if (pos + 4 < len && b[pos + 1] === 0x61 && b[pos + 2] === 0x6c && b[pos + 3] === 0x73 && b[pos + 4] === 0x65) {
        lit = KIND_FALSE;
        litLen = 5;
      }
    } else if (c === 0x6e) {
      if (pos + 3 < len && b[pos + 1] === 0x75 && b[pos + 2] === 0x6c && b[pos + 3] === 0x6c) {
        lit = KIND_NULL;
        litLen = 4;
      }
    }
    if (lit !== 0) {
      kind[n] = lit;
      keyId[n] = curKey;
      keyStart[n] = curKeyStart;
      start[n] = pos;
      end[n] = pos + litLen;
      next[n] = n + 1;
      n++;
      pos += litLen;
      curKey = KEY_NONE;
      curKeyStart = -1;
      state = S_AFTER;
      continue;
    }
    if (c === 0x5d && !inObj && top >= 0) {
      // Empty array, or a trailing comma.
      const ci = stack[top--];
      end[ci] = pos + 1;
      next[ci] = n;
      pos++;
      inObj = top >= 0 && kind[stack[top]] === KIND_OBJECT;
      state = S_AFTER;
      continue;
    }
    if (c === -1) break;
    // Recovery.
    if (top < 0) {
      // Junk before the root value: report it once and look further.
      const te = tokenEnd(b, pos, len);
      if (!rootGarbage) addProblem(problems, pos, te, MSG.rootValue);
      rootGarbage = true;
      pos = te;
      continue;
    }
    if (c === 0x3a) {
      addProblem(problems, pos, pos + 1, MSG.value);
      pos++;
      continue;
    }
    curKey = KEY_NONE;
    curKeyStart = -1;
    if (c === 0x2c || c === 0x7d || c === 0x5d) {
      addProblem(problems, pos, pos + 1, MSG.value);
      state = S_AFTER; // handled there without consuming
      continue;
    }
    const te = tokenEnd(b, pos, len);
    addProblem(problems, pos, te, MSG.value);
    pos = te;
    state = S_AFTER;
  }

  if (pos >= len) {
    // End of input: anything still open is closed here.
    if (n === 0 && problems.size === 0) addProblem(problems, 0, 0, MSG.empty);
    else if (top >= 0 || n === 0 || state !== S_AFTER) addProblem(problems, len, len, MSG.eof);
    while (top >= 0) {
      const ci = stack[top--];
      end[ci] = len;
      next[ci] = n;
    }
  } else {
    addProblem(problems, pos, tokenEnd(b, pos, len), MSG.trailing);
  }

  if (n < cap >>> 1) {
    // Give back memory when the estimate was far off; otherwise views are enough.
    kind = kind.slice(0, n);
    keyId = keyId.slice(0, n);
    keyStart = keyStart.slice(0, n);
    start = start.slice(0, n);
    end = end.slice(0, n);
    next = next.slice(0, n);
  } else {
    kind = kind.subarray(0, n);
    keyId = keyId.subarray(0, n);
    keyStart = keyStart.subarray(0, n);
    start = start.subarray(0, n);
    end = end.subarray(0, n);
    next = next.subarray(0, n);
  }
  return { n, kind, keyId, keyStart, start, end, next };
}

// ---------------------------------------------------------------------------------------------------------------
// Tapes.

abstract class ScannedTape implements Tape {
  readonly length: number;
  readonly kind: Uint8Array;
  readonly keyId: Uint16Array;
  readonly keyStart: Int32Array;
  readonly start: Int32Array;
  readonly end: Int32Array;
  readonly next: Int32Array;
  readonly roots: number[];
  abstract readonly units: 'utf16' | 'utf8';

  constructor(raw: RawTape, readonly problems: ParseProblem[]) {
    this.length = raw.n;
    this.kind = raw.kind;
    this.keyId = raw.keyId;
    this.keyStart = raw.keyStart;
    this.start = raw.start;
    this.end = raw.end;
    this.next = raw.next;
    this.roots = raw.n > 0 ? [0] : [];
  }

  /** Source text of [from, to). */
  protected abstract text(from: number, to: number): string;
  /** Character (code unit or byte) at offset p. */
  protected abstract codeAt(p: number): number;
  /** Offset of the quote closing the string opened at p, or -1. */
  protected abstract closeQuote(p: number): number;
  protected abstract readonly srcLength: number;

  str(i: number): string {
    const s = this.start[i];
    const e = this.end[i];
    if (this.kind[i] !== KIND_STRING) return this.text(s, e);
    // Only a string cut off by the end of input lacks its closing quote.
    const close = e < this.srcLength || (e - s >= 2 && this.closeQuote(s) === e - 1) ? e - 1 : e;
    const body = this.text(s + 1, close);
    return body.indexOf('\\') < 0 ? body : unescapeBody(body);
  }

  num(i: number): number {
    return this.kind[i] === KIND_NUMBER ? Number(this.text(this.start[i], this.end[i])) : NaN;
  }

  keyText(i: number): string | undefined {
    const ks = this.keyStart[i];
    if (ks < 0) return undefined;
    if (this.codeAt(ks) !== 0x22) {
      // Recovered unquoted key.
      let p = ks;
      while (p < this.srcLength) {
        const d = this.codeAt(p);
        if (d <= 0x20 || d === 0x3a || d === 0x22 || d === 0x2c || d === 0x7b || d === 0x7d || d === 0x5b || d === 0x5d) {
          break;
        }
        p++;
      }
      return this.text(ks, p);
    }
    const q = this.closeQuote(ks);
    const body = this.text(ks + 1, q < 0 ? this.srcLength : q);
    return body.indexOf('\\') < 0 ? body : unescapeBody(body);
  }
}

class ByteTape extends ScannedTape {
  readonly units = 'utf8' as const;
  private ascii: boolean | undefined;
  protected readonly srcLength: number;

  constructor(raw: RawTape, problems: ParseProblem[], private readonly src: FastBuffer) {
    super(raw, problems);
    this.srcLength = src.length;
  }

  protected text(from: number, to: number): string {
    const src = this.src;
    if (this.ascii === undefined) this.ascii = isAsciiBytes(src);
    if (this.ascii) return src.latin1Slice !== undefined ? src.latin1Slice(from, to) : src.toString('latin1', from, to);
    return src.utf8Slice !== undefined ? src.utf8Slice(from, to) : src.toString('utf8', from, to);
  }

  protected codeAt(p: number): number {
    return this.src[p];
  }

  protected closeQuote(p: number): number {
    return closingQuote(this.src, p);
  }
}

class StringTape extends ScannedTape {
  readonly units = 'utf16' as const;
  protected readonly srcLength: number;

  constructor(raw: RawTape, problems: ParseProblem[], private readonly src: string) {
    super(raw, problems);
    this.srcLength = src.length;
  }

  protected text(from: number, to: number): string {
    return this.src.slice(from, to);
  }

  protected codeAt(p: number): number {
    return this.src.charCodeAt(p);
  }

  protected closeQuote(p: number): number {
    const s = this.src;
    let q = s.indexOf('"', p + 1);
    while (q > 0 && s.charCodeAt(q - 1) === 0x5c) {
      let k = q - 2;
      while (s.charCodeAt(k) === 0x5c) k--;
      if (((q - 1 - k) & 1) === 0) break;
      q = s.indexOf('"', q + 1);
    }
    return q;
  }
}

const NOT_LATIN1 = /[^\u0000-\u00ff]+/g;

/** The bytes as a Buffer, without a copy (a Buffer is returned as it is). */
export function asBuffer(input: Uint8Array): FastBuffer {
  return Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
}

/**
 * A small text that takes every path a well-formed dump takes through scanBytes (pretty and compact layout, CRLF and
 * tabs, every value kind and number form, each escape, multi-byte UTF-8, known and unknown keys, empty and nested
 * containers, a trailing comma and a comment). V8 optimizes the scan loop while it runs and throws the optimized code
 * away at the first branch it has not seen yet; on a 50 MB file that happened 4 times, ~30 ms of compiling and slower
 * code each time. Scanning this first, once per process, gives every branch its feedback.
 */
export const SCANNER_PRIMER = [
  '{\r\n\t"configs": [\n  {\n    "@type": "type.googleapis.com/envoy.admin.v3.ClustersConfigDump",',
  '    "version_info": "2024-05-01T07:50:42Z/20", "name": "outbound|9080||r.default.svc.cluster.local",',
  '    "dynamic_active_clusters": [ { "cluster": { "connect_timeout": "10s", "type": "EDS", "lb_policy": "ROUND_ROBIN",',
  '      "port_value": 15006, "weight": -1, "value": 1.5, "x": 2e10, "y": -2.5E-3, "z": 0.25e+2, "zero": 0,',
  '      "b": true, "c": false, "d": null, "e": {}, "f": [], "g": [[], {}, [1, "a", true, null, {"k": [ ]}]],',
  '      "escapes": "\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 \\ud83d\\ude00", "utf8": "caf\u00e9 \u65e5\u672c \ud83d\ude00",',
  '      "unknown_key_of_some_length": "v", "k": "", "": 1, "trailing": [1, 2,], // a comment',
  '      /* a block comment */ "last": {"a":{"b":{"c":[{"d":"e"}]}}}',
  '    } } ]\n  },\n  {"@type":"x","a":[1,2.5,-3,"s",{"t":true,"f":false,"n":null}],"b":{}}\n]\n}\n',
].join('\n');
const PRIME_ABOVE = 1 << 20;
let primed = false;

function prime(): void {
  primed = true;
  // As bytes read from disk (UTF-8) and as a string copied one byte per unit (scanJson).
  for (const encoding of ['utf8', 'latin1'] as const) scanBytes(Buffer.from(SCANNER_PRIMER, encoding), undefined, new ProblemSink());
}

/**
 * Scans JSON text into a Tape. From bytes (UTF-8) offsets are byte offsets (`units: 'utf8'`); from a string they are
 * UTF-16 code units (`units: 'utf16'`). Never throws on bad input (see `problems`); throws a CancellationError when
 * `options.isCancelled()` returns true.
 */
export function scanJson(input: Uint8Array | string, options?: ScanOptions): Tape {
  const isCancelled = options?.isCancelled;
  if (!primed && input.length >= PRIME_ABOVE) prime();
  const problems = new ProblemSink();
  if (typeof input !== 'string') {
    const b = asBuffer(input);
    if (!isAsciiBytes(b) && !isUtf8(b)) {
      const bad = firstInvalidUtf8(b);
      if (bad >= 0) problems.add(bad, bad + 1, MSG.utf8);
    }
    const raw = scanBytes(b, isCancelled, problems);
    return new ByteTape(raw, problems.finish(b.length), b);
  }
  // One byte per UTF-16 unit, so byte offsets are the editor's offsets and nothing needs converting. Latin-1
  // encoding is that (a plain copy for V8's one-byte strings), except that a unit above U+00FF keeps only its low
  // byte, which could pass for a quote or a bracket: such units (rare in dumps; the search is nearly free on
  // one-byte strings) are overwritten with 0x80, a byte the scanner treats like any other non-ASCII text.
  const bytes = Buffer.from(input, 'latin1');
  NOT_LATIN1.lastIndex = 0;
  for (let m = NOT_LATIN1.exec(input); m !== null; m = NOT_LATIN1.exec(input)) {
    bytes.fill(0x80, m.index, m.index + m[0].length);
  }
  if (input.charCodeAt(0) === 0xfeff) bytes[0] = 0x20; // a BOM is whitespace here
  const raw = scanBytes(bytes, isCancelled, problems);
  return new StringTape(raw, problems.finish(input.length), input);
}
