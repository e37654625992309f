/**
 * How long dump work holds the extension host's main thread. Every piece of main-thread work on a dump (indexing,
 * receiving a worker's result, checks, hover, trace, graph, …) runs through `slice`, which times it with
 * performance.now and keeps, per document, the longest slice and what it was. Slices over the 50 ms budget are logged
 * to the Envoy Lens output channel; the test API (extension.ts) reads the records.
 */
import { performance } from 'node:perf_hooks';
import { log } from './log';

/** The target for one slice of main-thread dump work. */
export const SLICE_BUDGET_MS = 50;

export interface SliceRecord {
  /** What the slice did: `analyze`, `receive`, `check`, `hover`, … */
  what: string;
  ms: number;
}

export interface DocumentSlices {
  /** The longest slice on this document so far. */
  longest: SliceRecord;
  /** The longest slice of each kind. */
  byWhat: Record<string, number>;
  count: number;
}

const records = new Map<string, DocumentSlices>();

function record(uri: string, what: string, ms: number): void {
  let r = records.get(uri);
  if (!r) records.set(uri, (r = { longest: { what, ms }, byWhat: {}, count: 0 }));
  r.count++;
  if (ms > r.longest.ms) r.longest = { what, ms };
  if (ms > (r.byWhat[what] ?? 0)) r.byWhat[what] = ms;
  if (ms > SLICE_BUDGET_MS) log().warn(`[main-thread] ${what} on ${uri} held the extension host for ${ms.toFixed(1)} ms (budget ${SLICE_BUDGET_MS} ms)`);
}

/** Runs synchronous dump work for `uri` and records how long it held the main thread. */
export function slice<T>(uri: string, what: string, fn: () => T): T {
  const t0 = performance.now();
  try {
    return fn();
  } finally {
    record(uri, what, performance.now() - t0);
  }
}

/** The records of one document, or of every document. */
export function sliceRecords(uri?: string): Record<string, DocumentSlices> {
  const out: Record<string, DocumentSlices> = {};
  for (const [k, v] of records) if (uri === undefined || k === uri) out[k] = { ...v, byWhat: { ...v.byWhat } };
  return out;
}

/** Forgets the records (of one document, or all). */
export function resetSlices(uri?: string): void {
  if (uri === undefined) records.clear();
  else records.delete(uri);
}
