/**
 * `npm run bench`: how fast and how lean indexing is, measured against JSON.parse of the same text.
 *
 *   node --expose-gc --max-old-space-size=8192 out/bench/bench.js [--sizes 1,10,50,150] [--json FILE] [--runs N]
 *
 * For each size (MB) a seeded Istio sidecar dump is generated (bench/generateDump.ts), snake_case, plus a camelCase
 * twin and a YAML twin at 10 MB. Then, in this process:
 * - time: after warm-up, the median of N interleaved runs of JSON.parse(text), analyze(uri, bytes) and
 *   analyze(uri, text) (N adapts to the size), each reported as a ratio to JSON.parse;
 * - memory: heap retained by one Analysis per input byte (global.gc() is called only here, never between timed runs,
 *   because a full GC also throws away optimized code and would make every timed run partly cold);
 * - latency: workspace.definitionAt at up to 10,000 reference positions, each timed alone;
 * - a cross-check: check() must report exactly the dangling route references the generator planted;
 * - YAML (10 MB): analyze(uri, yamlText, { languageId: 'yaml' }) against JSON.parse of the JSON twin.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { analyze, check, Workspace, type Analysis } from '../src/core/facade';
import { DEFAULT_SIZE_OPTIONS, generateDumpWithStats, sizeToServices, toYaml, type Casing, type DumpStats } from './generateDump';

// ---------------------------------------------------------------------------------------------------------------
// Targets (printed beside the figures).

const TARGETS = {
  bufferRatio: 0.75,
  stringRatio: 1.25,
  retainedPerByte: 0.5,
  lookupP99Ms: 1,
  yamlRatio: 15,
};

const ALL_SIZES = [1, 10, 50, 150];
const DANGLING_RATE = 0.005;
const SEED = 42;

// ---------------------------------------------------------------------------------------------------------------
// Arguments.

interface Args {
  sizes: number[];
  json?: string;
  runs?: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { sizes: ALL_SIZES };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const eq = a.indexOf('=');
      if (eq >= 0) return a.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--sizes' || a.startsWith('--sizes=')) {
      args.sizes = value().split(',').map((s) => Number(s.trim()));
      if (args.sizes.some((n) => !(n > 0))) throw new Error('--sizes takes positive numbers of MB, e.g. --sizes 1,10');
    } else if (a === '--json' || a.startsWith('--json=')) {
      args.json = value();
    } else if (a === '--runs' || a.startsWith('--runs=')) {
      args.runs = Math.max(1, Math.floor(Number(value())));
    } else if (a === '--help' || a === '-h') {
      console.log('usage: node --expose-gc --max-old-space-size=8192 out/bench/bench.js [--sizes 1,10,50,150] [--json FILE] [--runs N]');
      process.exit(0);
    } else {
      throw new Error(`unknown argument ${a}`);
    }
  }
  return args;
}

// ---------------------------------------------------------------------------------------------------------------
// Timing.

/** Keeps results observable so no call can be optimized away. */
let sink = 0;

function consume(r: unknown): void {
  if (r && typeof r === 'object' && 'refs' in r) sink += (r as Analysis).refs.length;
  else sink += typeof r === 'object' ? 1 : 0;
}

function now(): bigint {
  return process.hrtime.bigint();
}

function ms(t0: bigint, t1: bigint): number {
  return Number(t1 - t0) / 1e6;
}

function timeOnce(fn: () => unknown): number {
  const t0 = now();
  const r = fn();
  const t1 = now();
  consume(r);
  return ms(t0, t1);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

interface Subject {
  id: string;
  fn: () => unknown;
}

interface Timing {
  medianMs: number;
  /** Median over rounds of this subject's time over JSON.parse's time in the same round (1 for JSON.parse itself). */
  pairedRatio: number;
  minMs: number;
  maxMs: number;
  runs: number;
  samplesMs: number[];
}

/**
 * Warm-up, then N rounds; each round runs every subject once, starting at a different subject each round, so drift
 * in machine load (2 noisy cores) hits all subjects alike. No gc() in here.
 */
function measure(subjects: Subject[], bytes: number, forcedRuns: number | undefined, budgetMs: number): Map<string, Timing> {
  const warm = bytes < 5e6 ? 5 : bytes < 20e6 ? 2 : 1;
  let lastRound = 0;
  for (let w = 0; w < warm; w++) {
    lastRound = 0;
    for (const s of subjects) lastRound += timeOnce(s.fn);
  }
  let runs = forcedRuns ?? Math.floor(budgetMs / Math.max(lastRound, 0.001));
  if (forcedRuns === undefined) {
    runs = Math.max(3, Math.min(41, runs));
    if (runs % 2 === 0) runs--;
  }
  const samples = new Map<string, number[]>(subjects.map((s) => [s.id, []]));
  for (let r = 0; r < runs; r++) {
    for (let k = 0; k < subjects.length; k++) {
      const s = subjects[(r + k) % subjects.length];
      samples.get(s.id)!.push(timeOnce(s.fn));
    }
  }
  const out = new Map<string, Timing>();
  const base = samples.get('parse');
  for (const [id, xs] of samples) {
    const paired = base ? median(xs.map((x, r) => x / base[r])) : NaN;
    out.set(id, {
      medianMs: median(xs), pairedRatio: paired, minMs: Math.min(...xs), maxMs: Math.max(...xs), runs: xs.length, samplesMs: xs,
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Memory.

const gc = (globalThis as { gc?: () => void }).gc;
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Full GC, with event-loop turns in between so ArrayBuffer backing stores freed by background sweeping are gone. */
async function settle(): Promise<void> {
  if (!gc) return;
  gc();
  await tick();
  gc();
  await tick();
}

interface Retained {
  heapBytes: number;
  heapPerByte: number;
  externalBytes: number;
  arrayBuffersBytes: number;
}

/**
 * Heap held by what `make` returns, per input byte: heapUsed after a full GC with the result alive, minus heapUsed
 * after a full GC before. One throwaway measurement first, then the median of `reps` (an allocation from an earlier
 * call is sometimes released late and shows up as a negative delta). The last result is handed to `keep`.
 */
async function retained<T>(bytes: number, make: () => T, keep: (t: T) => void, reps = 5): Promise<Retained> {
  const deltas: Retained[] = [];
  let last: T | undefined;
  for (let i = 0; i <= reps; i++) {
    last = undefined;
    await settle();
    const m0 = process.memoryUsage();
    last = make();
    await settle();
    const m1 = process.memoryUsage();
    consume(last);
    if (i === 0) continue;
    const heap = m1.heapUsed - m0.heapUsed;
    deltas.push({
      heapBytes: heap,
      heapPerByte: heap / bytes,
      externalBytes: m1.external - m0.external,
      arrayBuffersBytes: m1.arrayBuffers - m0.arrayBuffers,
    });
  }
  keep(last as T);
  deltas.sort((a, b) => a.heapBytes - b.heapBytes);
  return deltas[deltas.length >> 1];
}

// ---------------------------------------------------------------------------------------------------------------
// Lookups.

interface Lookup {
  /** check() on the file: findings by code, and how long it took (information, no target). */
  diagnostics: Record<string, number>;
  checkMs: number;
  positions: number;
  resolved: number;
  workspaceSetMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

function lookups(a: Analysis): Lookup {
  const ws = new Workspace();
  const t0 = now();
  ws.set(a);
  const workspaceSetMs = ms(t0, now());
  const c0 = now();
  const found = check(ws, a.uri);
  const checkMs = ms(c0, now());
  const diagnostics: Record<string, number> = {};
  for (const d of found) diagnostics[d.code] = (diagnostics[d.code] ?? 0) + 1;
  const refs = a.refs;
  const count = Math.min(10_000, refs.length);
  const at = (i: number): number => {
    const s = refs[Math.min(refs.length - 1, Math.floor(i))].span;
    return s.start + ((s.end - s.start) >> 1);
  };
  const step = refs.length / Math.max(count, 1);
  // Warm-up on other positions (between the measured ones), so the measured calls are not replays.
  for (let i = 0; i < Math.min(count, 2000); i++) consume(ws.definitionAt(a.uri, at(i * step + step / 2)));
  const times: number[] = [];
  let resolved = 0;
  for (let i = 0; i < count; i++) {
    const offset = at(i * step);
    const t1 = now();
    const locs = ws.definitionAt(a.uri, offset);
    const t2 = now();
    times.push(ms(t1, t2));
    if (locs.length > 0) resolved++;
  }
  times.sort((x, y) => x - y);
  ws.remove(a.uri);
  return { diagnostics, checkMs, positions: count, resolved, workspaceSetMs, p50Ms: percentile(times, 50), p99Ms: percentile(times, 99), maxMs: times[times.length - 1] ?? NaN };
}

// ---------------------------------------------------------------------------------------------------------------
// One case: a size and a casing.

interface CaseResult {
  sizeMB: number;
  casing: Casing;
  bytes: number;
  services: number;
  generateMs: number;
  dump: DumpStats;
  analysis: { defs: number; refs: number; problems: number; format: string; shape: string };
  parse: Timing;
  buffer: Timing & { ratio: number };
  string: Timing & { ratio: number };
  retained: { buffer: Retained; string: Retained };
  lookup: Lookup;
  yaml?: {
    bytes: number;
    convertMs: number;
    parseJson: Timing;
    analyze: Timing & { ratio: number };
    sameAsJson: boolean;
  };
  yamlError?: string;
}

let uriCounter = 0;
const freshUri = (tag: string, ext: string): string => `file:///bench/${tag}-${++uriCounter}.${ext}`;

function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

async function runCase(sizeMB: number, casing: Casing, args: Args, withYaml: boolean): Promise<CaseResult> {
  const tag = `${sizeMB}mb-${casing}`;
  const services = sizeToServices(sizeMB * 1e6, { casing });
  const g0 = now();
  const { text, stats } = generateDumpWithStats({
    ...DEFAULT_SIZE_OPTIONS, casing, services, danglingRate: DANGLING_RATE, seed: SEED,
  });
  const generateMs = ms(g0, now());
  const bytes = Buffer.from(text);
  log(`[${tag}] ${services} services, ${(stats.bytes / 1e6).toFixed(2)} MB generated in ${generateMs.toFixed(0)} ms; timing…`);

  const budget = 12_000 + sizeMB * 200;
  const t = measure([
    { id: 'parse', fn: () => JSON.parse(text) },
    { id: 'buffer', fn: () => analyze(freshUri(tag, 'json'), bytes) },
    { id: 'string', fn: () => analyze(freshUri(tag, 'json'), text) },
  ], stats.bytes, args.runs, budget);
  const parse = t.get('parse')!;
  const ratio = (x: Timing): Timing & { ratio: number } => ({ ...x, ratio: x.medianMs / parse.medianMs });

  log(`[${tag}] memory and lookups…`);
  let kept: Analysis | undefined;
  const rString = await retained(stats.bytes, () => analyze(freshUri(tag, 'json'), text), (a) => consume(a));
  const rBuffer = await retained(stats.bytes, () => analyze(freshUri(tag, 'json'), bytes), (a) => (kept = a));
  const a = kept!;
  const lookup = lookups(a);

  const result: CaseResult = {
    sizeMB, casing, bytes: stats.bytes, services, generateMs, dump: stats,
    analysis: { defs: a.defs.length, refs: a.refs.length, problems: a.problems.length, format: a.format, shape: a.shape },
    parse, buffer: ratio(t.get('buffer')!), string: ratio(t.get('string')!),
    retained: { buffer: rBuffer, string: rString },
    lookup,
  };

  if (withYaml) {
    log(`[${tag}] YAML twin…`);
    try {
      const y0 = now();
      const yamlText = toYaml(text);
      const convertMs = ms(y0, now());
      const ya = analyze(freshUri(tag, 'yaml'), yamlText, { languageId: 'yaml' });
      const sameAsJson = ya.format === 'yaml' && ya.defs.length === a.defs.length && ya.refs.length === a.refs.length;
      const ty = measure([
        { id: 'parse', fn: () => JSON.parse(text) },
        { id: 'yaml', fn: () => analyze(freshUri(tag, 'yaml'), yamlText, { languageId: 'yaml' }) },
      ], stats.bytes, args.runs === undefined ? undefined : Math.min(args.runs, 5), 20_000);
      const pj = ty.get('parse')!;
      const yt = ty.get('yaml')!;
      result.yaml = {
        bytes: Buffer.byteLength(yamlText), convertMs, parseJson: pj, analyze: { ...yt, ratio: yt.medianMs / pj.medianMs }, sameAsJson,
      };
    } catch (e) {
      result.yamlError = e instanceof Error ? e.message : String(e);
      log(`[${tag}] YAML failed: ${result.yamlError}`);
    }
  }
  return result;
}

// ---------------------------------------------------------------------------------------------------------------
// Report.

const fmtMs = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3)) + ' ms';
const fmtMB = (b: number): string => `${(b / 1e6).toFixed(2)} MB`;
const verdict = (ok: boolean): string => (ok ? 'ok' : 'MISS');

function row(cols: string[]): string {
  const widths = [14, 26, 44, 14, 5];
  return cols.map((c, i) => (i < widths.length ? c.padEnd(widths[i]) : c)).join(' ').trimEnd();
}

function report(results: CaseResult[]): string {
  const lines: string[] = [];
  lines.push(row(['case', 'measure', 'value', 'target', '']));
  lines.push('-'.repeat(106));
  for (const r of results) {
    const name = `${r.sizeMB} MB ${r.casing}`;
    lines.push(row([name, 'input', `${fmtMB(r.bytes)}, ${r.services} services`, '', '']));
    lines.push(row(['', 'analysis', `${r.analysis.defs} defs, ${r.analysis.refs} refs`, '', '']));
    const unknown = r.lookup.diagnostics['unknown-cluster'] ?? 0;
    lines.push(row(['', 'check()', `${fmtMs(r.lookup.checkMs)}, unknown-cluster ${unknown} of ${r.dump.danglingRefs} planted`, '',
      unknown === r.dump.danglingRefs ? 'ok' : 'MISS']));
    lines.push(row(['', 'JSON.parse', `${fmtMs(r.parse.medianMs)} (median of ${r.parse.runs})`, '', '']));
    lines.push(row(['', 'index from Buffer', `${fmtMs(r.buffer.medianMs)} = ${r.buffer.ratio.toFixed(2)}× (paired ${r.buffer.pairedRatio.toFixed(2)}×)`, `≤ ${TARGETS.bufferRatio}×`,
      verdict(r.buffer.ratio <= TARGETS.bufferRatio)]));
    lines.push(row(['', 'index from string', `${fmtMs(r.string.medianMs)} = ${r.string.ratio.toFixed(2)}× (paired ${r.string.pairedRatio.toFixed(2)}×)`, `≤ ${TARGETS.stringRatio}×`,
      verdict(r.string.ratio <= TARGETS.stringRatio)]));
    for (const [label, m] of [['retained (Buffer input)', r.retained.buffer], ['retained (string input)', r.retained.string]] as const) {
      lines.push(row(['', label, `${m.heapPerByte.toFixed(3)} B/B heap (${fmtMB(m.heapBytes)})`, `≤ ${TARGETS.retainedPerByte}`,
        verdict(m.heapPerByte <= TARGETS.retainedPerByte)]));
      lines.push(row(['', '', `external ${fmtMB(m.externalBytes)}, arrayBuffers ${fmtMB(m.arrayBuffersBytes)}`, '', '']));
    }
    const l = r.lookup;
    lines.push(row(['', `definitionAt ×${l.positions}`, `p50 ${fmtMs(l.p50Ms)}, p99 ${fmtMs(l.p99Ms)}`, `p99 < ${TARGETS.lookupP99Ms} ms`,
      verdict(l.p99Ms < TARGETS.lookupP99Ms)]));
    lines.push(row(['', '', `max ${fmtMs(l.maxMs)}, ${l.resolved} resolved, set() ${fmtMs(l.workspaceSetMs)}`, '', '']));
    if (r.yamlError) lines.push(row(['', 'YAML twin', `failed: ${r.yamlError}`, `≤ ${TARGETS.yamlRatio}×`, 'MISS']));
    if (r.yaml) {
      const y = r.yaml;
      lines.push(row(['', 'YAML twin', `${fmtMB(y.bytes)}${y.sameAsJson ? ', same defs/refs as JSON' : ', DIFFERENT defs/refs'}`, '', '']));
      lines.push(row(['', 'index YAML vs JSON.parse', `${fmtMs(y.analyze.medianMs)} = ${y.analyze.ratio.toFixed(2)}× (paired ${y.analyze.pairedRatio.toFixed(2)}×)`,
        `≤ ${TARGETS.yamlRatio}×`, verdict(y.analyze.ratio <= TARGETS.yamlRatio)]));
    }
    lines.push('');
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (!gc) log('warning: run with --expose-gc; without it the memory figures are not meaningful');
  const cpus = os.cpus();
  log(`envoy-lens bench: node ${process.version}, ${cpus.length} × ${cpus[0]?.model ?? 'cpu'}, sizes ${args.sizes.join(', ')} MB`);
  const results: CaseResult[] = [];
  for (const size of [...args.sizes].sort((a, b) => a - b)) {
    results.push(await runCase(size, 'snake', args, size === 10));
    await settle();
    if (size === 10) {
      results.push(await runCase(size, 'camel', args, false));
      await settle();
    }
  }
  console.log('');
  console.log(report(results));
  if (args.json) {
    const out = {
      date: new Date().toISOString(),
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      cpus: cpus.length,
      cpuModel: cpus[0]?.model,
      seed: SEED,
      danglingRate: DANGLING_RATE,
      targets: TARGETS,
      results,
      sink,
    };
    fs.writeFileSync(args.json, JSON.stringify(out, null, 2) + '\n');
    log(`results written to ${args.json}`);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
