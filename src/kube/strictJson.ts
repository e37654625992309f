// What JSON.parse rejects and the project's scanner accepts on purpose. The scanner tolerates what hand-kept files
// have (a BOM, an HTTP status line, comments, trailing commas), but a fetched dump is Envoy's own output, which is
// strict JSON: anything else means the bytes were damaged on the way, so the fetch must not keep them. This is a
// lexical pass (strings, escapes, comments, trailing commas, UTF-8); the scanner checks the structure and numbers.
import { isUtf8 } from 'node:buffer';

export interface StrictProblem {
  /** Byte offset of the problem. */
  readonly offset: number;
  readonly message: string;
}

const HEX = new Uint8Array(256);
for (const c of '0123456789abcdefABCDEF') HEX[c.charCodeAt(0)] = 1;
// After a backslash: " \ / b f n r t u.
const ESCAPE = new Uint8Array(256);
for (const c of '"\\/bfnrtu') ESCAPE[c.charCodeAt(0)] = 1;

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** The first thing in `b` that JSON.parse would refuse at the lexical level, or undefined. */
export function strictJsonProblem(b: Uint8Array): StrictProblem | undefined {
  if (!isUtf8(b)) return { offset: firstBadUtf8(b), message: 'invalid UTF-8' };
  let i = 0;
  while (i < b.length && isSpace(b[i])) i++;
  if (i < b.length && b[i] !== 0x7b && b[i] !== 0x5b) {
    return { offset: i, message: b[i] === 0xef ? 'a byte-order mark before the JSON value' : 'text before the JSON value' };
  }
  let lastComma = -1;
  const n = b.length;
  while (i < n) {
    const c = b[i];
    if (c === 0x22) { // a string: up to the closing quote
      i++;
      for (;;) {
        if (i >= n) return undefined; // unterminated: the scanner reports it
        const s = b[i];
        if (s === 0x22) break;
        if (s < 0x20) return { offset: i, message: 'a raw control character in a string' };
        if (s === 0x5c) {
          const e = b[i + 1];
          if (e === undefined || !ESCAPE[e]) return { offset: i, message: 'an invalid escape in a string' };
          if (e === 0x75 && !(HEX[b[i + 2]] && HEX[b[i + 3]] && HEX[b[i + 4]] && HEX[b[i + 5]])) {
            return { offset: i, message: 'an invalid \\u escape in a string' };
          }
          i += e === 0x75 ? 6 : 2;
          continue;
        }
        i++;
      }
      lastComma = -1;
      i++;
      continue;
    }
    if (c === 0x2f) return { offset: i, message: 'a comment' };
    if (c === 0x2c) lastComma = i;
    else if ((c === 0x7d || c === 0x5d) && lastComma >= 0) return { offset: lastComma, message: 'a trailing comma' };
    else if (!isSpace(c)) lastComma = -1;
    i++;
  }
  return undefined;
}

function firstBadUtf8(b: Uint8Array): number {
  // Binary search on the longest valid prefix (isUtf8 is native; a prefix cut inside a character reads as invalid,
  // so the answer lands within 3 bytes of the bad one, which is close enough for a message).
  let lo = 0;
  let hi = b.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (isUtf8(b.subarray(0, mid))) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
