/**
 * Tape storage for YAML: the growable column arrays both parse paths write nodes into (TapeBuilder), and the finished
 * Tape they yield (YamlTape), which decodes string, number and key values lazily from the source text unless a path
 * stored them. Also the cancellation error both paths throw.
 */

import { CancellationError } from '../../cancel';
import { KIND_NUMBER, KIND_STRING, MSG_EMPTY, ProblemSink, type ParseProblem, type Tape } from '../tape';
import { DQ, SQ, numberValue } from './schema';

export function cancellationError(): Error {
  return new CancellationError('The scan was cancelled.');
}

const CANCEL_CHECK_MASK = 4095;

export class TapeBuilder {
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
