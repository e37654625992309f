/**
 * UTF-8 byte offsets → UTF-16 code-unit offsets.
 *
 * The JSON scanner works on bytes (a file read from disk is never decoded just to be indexed), while the
 * editor counts UTF-16 code units. A UTF-8 sequence of 1, 2 or 3 bytes is one UTF-16 unit and a 4-byte sequence
 * (outside the BMP) is two, so the UTF-16 offset of byte offset `o` is the number of non-continuation bytes
 * before `o` plus the number of 4-byte lead bytes before `o`. Invalid bytes are counted the way decoders replace
 * them (one U+FFFD each), except for stray continuation bytes, which count nothing.
 *
 * Config dumps are nearly always pure ASCII, where both offsets are equal: every function here checks that first,
 * eight bytes at a time.
 */

const HIGH_BITS = 0x80808080 | 0;

/** Node's native check (SIMD; Node ≥ 18.15), when the runtime has one. */
const nativeIsAscii: ((input: Uint8Array) => boolean) | undefined = (() => {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const fn = (require('node:buffer') as { isAscii?: (input: Uint8Array) => boolean }).isAscii;
    return typeof fn === 'function' ? fn : undefined;
  } catch {
    return undefined;
  }
})();

/** Whole-buffer answers, so the scanner's string reader and the span conversion share one pass. */
const wholeAnswers = new WeakMap<Uint8Array, boolean>();

/** True when every byte is below 0x80 (then UTF-8 offsets equal UTF-16 offsets). */
export function isAsciiBytes(bytes: Uint8Array, from = 0, to = bytes.length): boolean {
  const whole = from === 0 && to === bytes.length;
  if (whole) {
    const known = wholeAnswers.get(bytes);
    if (known !== undefined) return known;
  }
  const answer = nativeIsAscii ? nativeIsAscii(whole ? bytes : bytes.subarray(from, to)) : firstNonAscii(bytes, from, to) === to;
  if (whole) wholeAnswers.set(bytes, answer);
  return answer;
}

/** Index of the first byte ≥ 0x80 in [from, to), or `to` when there is none. */
export function firstNonAscii(bytes: Uint8Array, from: number, to: number): number {
  let p = from;
  if (to - p >= 16) {
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const stop = to - 8;
    while (p <= stop) {
      if (((dv.getInt32(p, true) | dv.getInt32(p + 4, true)) & HIGH_BITS) !== 0) break;
      p += 8;
    }
  }
  while (p < to && bytes[p] < 0x80) p++;
  return p;
}

/** UTF-16 units of the UTF-8 bytes [from, to). */
function unitsBetween(bytes: Uint8Array, from: number, to: number): number {
  let units = 0;
  let p = from;
  while (p < to) {
    const q = firstNonAscii(bytes, p, to);
    units += q - p;
    p = q;
    // Walk the non-ASCII stretch byte by byte until ASCII resumes.
    while (p < to) {
      const c = bytes[p];
      if (c < 0x80) break;
      if ((c & 0xc0) !== 0x80) units += c >= 0xf0 ? 2 : 1;
      p++;
    }
  }
  return units;
}

/**
 * Converts an ascending list of UTF-8 byte offsets to UTF-16 offsets in one forward pass over `bytes`.
 * Offsets past the end are clamped to the end. An offset smaller than its predecessor restarts the walk,
 * so an unsorted list is still converted correctly, only more slowly.
 */
export function utf8ToUtf16Offsets(bytes: Uint8Array, sortedOffsets: ArrayLike<number>): number[] {
  const n = sortedOffsets.length;
  const out = new Array<number>(n);
  const len = bytes.length;
  if (isAsciiBytes(bytes)) {
    for (let i = 0; i < n; i++) out[i] = Math.min(sortedOffsets[i], len);
    return out;
  }
  let bytePos = 0;
  let units = 0;
  for (let i = 0; i < n; i++) {
    const target = Math.min(sortedOffsets[i], len);
    if (target < bytePos) {
      bytePos = 0;
      units = 0;
    }
    units += unitsBetween(bytes, bytePos, target);
    bytePos = target;
    out[i] = units;
  }
  return out;
}

/** UTF-16 offset of a single UTF-8 byte offset (walks from the start: use utf8ToUtf16Offsets for many). */
export function utf8ToUtf16Offset(bytes: Uint8Array, offset: number): number {
  return unitsBetween(bytes, 0, Math.min(offset, bytes.length));
}

/** The name tape.ts refers to: convert a tape's byte offsets for the editor. */
export const toUtf16 = utf8ToUtf16Offsets;

/**
 * Random-access UTF-8 → UTF-16 offset map for offsets that do not come in order (a tape's `end` array).
 * It records, for every multi-byte sequence, where it ends and how many more bytes than units precede that point,
 * then converts an offset by binary search from the last answer; for ASCII input it is the identity.
 */
export class Utf8OffsetMap {
  /** Byte offset just after each multi-byte sequence, ascending. */
  private readonly after: Int32Array;
  /** (bytes - units) accumulated up to and including that sequence. */
  private readonly excess: Int32Array;
  private readonly count: number;
  private hint = 0;

  constructor(bytes: Uint8Array) {
    const len = bytes.length;
    let after = new Int32Array(16);
    let excess = new Int32Array(16);
    let count = 0;
    let total = 0;
    let p = firstNonAscii(bytes, 0, len);
    while (p < len) {
      const c = bytes[p];
      if (c < 0x80) {
        p = firstNonAscii(bytes, p, len);
        continue;
      }
      // A run of bytes >= 0x80 starting at p: count the units it decodes to.
      let q = p;
      let units = 0;
      while (q < len && bytes[q] >= 0x80) {
        if ((bytes[q] & 0xc0) !== 0x80) units += bytes[q] >= 0xf0 ? 2 : 1;
        q++;
      }
      total += q - p - units;
      if (count === after.length) {
        const a = new Int32Array(count * 2);
        a.set(after);
        after = a;
        const e = new Int32Array(count * 2);
        e.set(excess);
        excess = e;
      }
      after[count] = q;
      excess[count] = total;
      count++;
      p = q;
    }
    this.after = after;
    this.excess = excess;
    this.count = count;
  }

  /** True when no conversion is needed. */
  get identity(): boolean {
    return this.count === 0;
  }

  /**
   * UTF-16 offset of byte offset `o`, which must lie on a character boundary outside any run of non-ASCII bytes
   * (the scanner only records offsets of ASCII syntax, or the end of input); other offsets map approximately.
   */
  map(o: number): number {
    const count = this.count;
    if (count === 0 || o < 0) return o;
    const after = this.after;
    // Index of the last run ending at or before o, or -1.
    let k = this.hint;
    if (k >= count) k = count - 1;
    if (after[k] <= o) {
      if (k + 1 < count && after[k + 1] <= o) k = this.search(o, k + 1, count - 1);
    } else {
      k = k > 0 && after[k - 1] <= o ? k - 1 : this.search(o, 0, k - 1);
    }
    this.hint = k < 0 ? 0 : k;
    return k < 0 ? o : o - this.excess[k];
  }

  /** Largest k in [lo, hi] with after[k] <= o, or lo - 1 when there is none. */
  private search(o: number, lo: number, hi: number): number {
    const after = this.after;
    let ans = lo - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (after[mid] <= o) {
        ans = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return ans;
  }

  /** Maps every element of `a` in place (values < 0 are left alone). */
  mapInPlace(a: Int32Array, n: number): void {
    if (this.count === 0) return;
    for (let i = 0; i < n; i++) {
      const v = a[i];
      if (v >= 0) a[i] = this.map(v);
    }
  }
}
