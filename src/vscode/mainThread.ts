/**
 * How long dump work holds the extension host's main thread. Every piece of main-thread work on a dump (indexing,
 * receiving a worker's result, checks, hover, trace, graph, …) runs through `slice`, which times it with
 * performance.now and keeps, per document, the longest slice and what it was. Slices over the 50 ms budget are logged
 * to the Envoy Lens output channel; the test API (extension.ts) reads the records.
 *
 * Wall time alone says little on a loaded machine: the thread may have been waiting for a core, or paused for a
 * garbage collection of the whole extension host's heap. So a slice over the budget also keeps the main thread's own
 * CPU time (`process.threadCpuUsage`, Node 23.9+; code-server ships Node 24) and the garbage-collection pauses that
 * fell inside it (from a `gc` performance observer), and `work` is the CPU time less those pauses: what our code cost.
 */
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { log } from './log';

/** The target for one slice of main-thread dump work. */
export const SLICE_BUDGET_MS = 50;

export interface SliceRecord {
  /** What the slice did: `analyze`, `receive`, `check`, `hover`, … */
  what: string;
  /** Wall time. */
  ms: number;
  /** Main-thread CPU time, when the runtime reports it (else the wall time). */
  cpuMs: number;
  /** Garbage-collection pauses inside the slice. */
  gcMs: number;
  /** CPU time less garbage collection: the cost of the work itself. */
  workMs: number;
}

export interface DocumentSlices {
  /** The longest slice on this document so far, by wall time. */
  longest: SliceRecord;
  /** The slice whose own work (`workMs`) was the longest. */
  longestWork: SliceRecord;
  /** The longest slice of each kind (wall time). */
  byWhat: Record<string, number>;
  count: number;
}

interface Over extends SliceRecord {
  start: number;
  end: number;
}

interface Kept {
  longest: Over;
  /** Slices over the budget (the last 64), whose GC share is settled when the records are read. */
  over: Over[];
  /** The longest slice within the budget (its work is at most its wall time). */
  under: Over | undefined;
  byWhat: Record<string, number>;
  count: number;
}

const records = new Map<string, Kept>();

/** Recent garbage-collection pauses [start, end] on this thread (performance.now time). */
const pauses: Array<[number, number]> = [];
let observer: PerformanceObserver | undefined;

function watchGc(): void {
  if (observer) return;
  try {
    observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) pauses.push([e.startTime, e.startTime + e.duration]);
      if (pauses.length > 512) pauses.splice(0, pauses.length - 512);
    });
    observer.observe({ entryTypes: ['gc'] });
  } catch {
    observer = undefined;
  }
}

const threadCpu = (process as { threadCpuUsage?: () => { user: number; system: number } }).threadCpuUsage;

function cpuNow(): number | undefined {
  if (!threadCpu) return undefined;
  const u = threadCpu.call(process);
  return (u.user + u.system) / 1000;
}

function gcWithin(start: number, end: number): number {
  let ms = 0;
  for (const [s, e] of pauses) if (e > start && s < end) ms += Math.min(e, end) - Math.max(s, start);
  return ms;
}

function settle(o: Over): Over {
  const gcMs = Math.min(o.ms, gcWithin(o.start, o.end));
  return { ...o, gcMs, workMs: Math.max(0, Math.min(o.cpuMs, o.ms) - gcMs) };
}

function record(uri: string, what: string, start: number, end: number, cpuMs: number | undefined): void {
  const ms = end - start;
  const o: Over = { what, ms, cpuMs: cpuMs ?? ms, gcMs: 0, workMs: cpuMs ?? ms, start, end };
  let r = records.get(uri);
  if (!r) records.set(uri, (r = { longest: o, over: [], under: undefined, byWhat: {}, count: 0 }));
  r.count++;
  if (ms > r.longest.ms) r.longest = o;
  if (!(what in r.byWhat) || ms > r.byWhat[what]) r.byWhat[what] = ms;
  if (ms > SLICE_BUDGET_MS) {
    r.over.push(o);
    if (r.over.length > 64) r.over.sort((x, y) => y.ms - x.ms).pop();
    log().warn(`[main-thread] ${what} on ${uri} held the extension host for ${ms.toFixed(1)} ms (CPU ${o.cpuMs.toFixed(1)} ms; budget ${SLICE_BUDGET_MS} ms)`);
  } else if (!r.under || ms > r.under.ms) r.under = o;
}

/** Runs synchronous dump work for `uri` and records how long it held the main thread. */
export function slice<T>(uri: string, what: string, fn: () => T): T {
  watchGc();
  const c0 = cpuNow();
  const t0 = performance.now();
  try {
    return fn();
  } finally {
    const t1 = performance.now();
    const c1 = cpuNow();
    record(uri, what, t0, t1, c0 === undefined || c1 === undefined ? undefined : c1 - c0);
  }
}

function plain(o: Over): SliceRecord {
  return { what: o.what, ms: o.ms, cpuMs: o.cpuMs, gcMs: o.gcMs, workMs: o.workMs };
}

/** The records of one document, or of every document. */
export function sliceRecords(uri?: string): Record<string, DocumentSlices> {
  const out: Record<string, DocumentSlices> = {};
  for (const [k, v] of records) {
    if (uri !== undefined && k !== uri) continue;
    const candidates = [...v.over.map(settle), ...(v.under ? [v.under] : [])];
    const longestWork = candidates.sort((x, y) => y.workMs - x.workMs)[0] ?? v.longest;
    out[k] = { longest: plain(settle(v.longest)), longestWork: plain(longestWork), byWhat: { ...v.byWhat }, count: v.count };
  }
  return out;
}

/** Forgets the records (of one document, or all). */
export function resetSlices(uri?: string): void {
  if (uri === undefined) records.clear();
  else records.delete(uri);
}
