/** Offsets ↔ line/column (0-based, columns in UTF-16 code units, as the editor counts). */
import { isAsciiBytes, utf8ToUtf16Offsets } from './parse/offsets';

/** Line starts of UTF-8 bytes in UTF-16 units: counted first, so no growing list is built (ASCII: byte offsets). */
function utf8LineStarts(bytes: Uint8Array): Int32Array {
  let n = 1;
  for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, i + 1)) n++;
  const starts = new Int32Array(n);
  let k = 1;
  for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, i + 1)) starts[k++] = i + 1;
  if (!isAsciiBytes(bytes)) starts.set(utf8ToUtf16Offsets(bytes, starts));
  return starts;
}

/** Line starts of a text, for converting offsets to positions. */
export class LineIndex {
  private readonly starts: Int32Array;

  /** From the text, or from its UTF-8 bytes (positions then still count UTF-16 units, as spans do). */
  constructor(text: string | Uint8Array) {
    if (typeof text !== 'string') {
      this.starts = utf8LineStarts(text);
      return;
    }
    const starts: number[] = [0];
    let i = text.indexOf('\n');
    while (i >= 0) {
      starts.push(i + 1);
      i = text.indexOf('\n', i + 1);
    }
    this.starts = Int32Array.from(starts);
  }

  /** Number of lines. */
  get lineCount(): number {
    return this.starts.length;
  }

  /** 0-based line and UTF-16 column of an offset. */
  positionAt(offset: number): { line: number; character: number } {
    const s = this.starts;
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: offset - s[lo] };
  }

  /** Offset of a 0-based line and column. */
  offsetAt(line: number, character: number): number {
    const l = Math.max(0, Math.min(line, this.starts.length - 1));
    return this.starts[l] + character;
  }
}
