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
