/**
 * The one positioned shape every input format is parsed into.
 *
 * A tape is a flat, pre-order list of nodes held in typed arrays (in the manner of simdjson's tape):
 * no JS object per value, so a 50 MB dump costs a few bytes a node while it is being indexed and
 * nothing afterwards. JSON (src/core/parse/jsonScanner.ts) and YAML (src/core/parse/yamlTape.ts) both
 * produce it, so nothing downstream branches on the file format (the yaml-language-server lesson in STYLE.md).
 *
 * Node i:
 * - kind[i]: one of the KIND_* constants.
 * - start[i], end[i]: the value's span in the source, end exclusive (for a string: including its quotes).
 * - next[i]: index of the node after i's whole subtree (i + 1 for a scalar or an empty container),
 *   so children of container c are c + 1, next[c + 1], ... while < next[c].
 * - keyId[i]: when i is an object member, the KeyId of its key (see keys.ts; KEY_UNKNOWN when the key is not in the
 *   vocabulary); KEY_NONE for array items and roots.
 * - keyStart[i]: offset of the key's first character (the opening quote in JSON), -1 when not a member.
 *
 * Offsets are in `units`: 'utf16' when parsed from a JS string (what the editor counts), 'utf8' when scanned
 * from bytes; `toUtf16` converts the latter, see offsets.ts.
 */

export const KIND_OBJECT = 1;
export const KIND_ARRAY = 2;
export const KIND_STRING = 3;
export const KIND_NUMBER = 4;
export const KIND_TRUE = 5;
export const KIND_FALSE = 6;
export const KIND_NULL = 7;

/** A problem found while parsing, with its source span in the tape's units. */
export interface ParseProblem {
  start: number;
  end: number;
  message: string;
}

export interface Tape {
  /** Number of nodes. */
  readonly length: number;
  readonly kind: Uint8Array;
  readonly keyId: Uint16Array;
  readonly keyStart: Int32Array;
  readonly start: Int32Array;
  readonly end: Int32Array;
  readonly next: Int32Array;
  /** Root nodes: one per JSON text or YAML document (a JSON file has at most one). */
  readonly roots: number[];
  /** Units of every offset on this tape. */
  readonly units: 'utf16' | 'utf8';
  /** Syntax problems; the tape still holds whatever could be recovered. */
  readonly problems: ParseProblem[];
  /** Decoded value of a string node (or the source text of any other scalar). */
  str(i: number): string;
  /** Numeric value of a number node (NaN for anything else). */
  num(i: number): number;
  /** The key text of member node i, or undefined when i is not a member. */
  keyText(i: number): string | undefined;
}

/**
 * Deepest nesting of objects and arrays a reader puts on a tape. A container that would sit deeper is kept as an
 * empty container over its whole source span, its contents are not read, and a problem says so; so no reader (nor
 * anything walking a tape) can run out of stack on hostile input. Envoy itself refuses deeper configuration long
 * before this: protobuf's JSON parser stops at 100 levels.
 */
export const MAX_DEPTH = 256;

/** Problem message for a container cut at MAX_DEPTH. */
export const MSG_TOO_DEEP = `Nested deeper than ${MAX_DEPTH} levels: the contents are not read (Envoy refuses nesting over 100 levels).`;

/** Problem message for a file with no value at all (JSON and YAML alike, so both formats answer the same). */
export const MSG_EMPTY = 'The file is empty: nothing but white space and comments.';

/** How many problems one parse keeps; the rest are counted in one final problem. */
export const MAX_PARSE_PROBLEMS = 100;

/** Message of the final problem that counts the problems not kept. */
export function moreProblemsMessage(n: number): string {
  return `${n} more parse error${n === 1 ? '' : 's'} not shown (the first ${MAX_PARSE_PROBLEMS} are).`;
}

/**
 * Collects a parse's problems, keeping the first MAX_PARSE_PROBLEMS and counting the rest, so hostile input (an
 * alias to a missing anchor copied a million times) cannot make a million findings.
 */
export class ProblemSink {
  readonly list: ParseProblem[] = [];
  private omitted = 0;
  private omittedStart = 0;
  private omittedEnd = 0;
  /** Start of the last problem added (kept or not), or -1. */
  lastStart = -1;

  add(start: number, end: number, message: string): void {
    this.lastStart = start;
    if (this.list.length < MAX_PARSE_PROBLEMS) {
      this.list.push({ start, end, message });
      return;
    }
    if (this.omitted === 0) {
      this.omittedStart = start;
      this.omittedEnd = end;
    }
    this.omitted++;
  }

  get size(): number {
    return this.list.length + this.omitted;
  }

  /**
   * The kept problems sorted by position, every span clamped into [0, length], then the count of the others (at
   * the span of the first one not kept).
   */
  finish(length: number): ParseProblem[] {
    const out = this.list;
    for (const p of out) clampSpan(p, length);
    out.sort((x, y) => x.start - y.start);
    if (this.omitted > 0) {
      const p = { start: this.omittedStart, end: this.omittedEnd, message: moreProblemsMessage(this.omitted) };
      clampSpan(p, length);
      out.push(p);
    }
    return out;
  }
}

function clampSpan(p: ParseProblem, length: number): void {
  p.start = Math.max(0, Math.min(p.start, length));
  p.end = Math.max(p.start, Math.min(p.end, length));
}
