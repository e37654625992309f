/**
 * `npm run bench`: how fast and how lean indexing is, measured against JSON.parse of the same text.
 *
 *   node --expose-gc --max-old-space-size=8192 out/bench/bench.js [--sizes 1,10,50,150] [--json FILE] [--runs N] [--no-process]
 *
 * For each size (MB) a seeded Istio sidecar dump is generated (bench/generateDump.ts), snake_case, plus a camelCase
 * twin and a YAML twin at 10 MB. Then, in this process:
 * - time: after warm-up, the median of N interleaved runs of JSON.parse(text), analyze(uri, bytes) and
 *   analyze(uri, text) (N adapts to the size), each reported as a ratio to JSON.parse;
 * - memory: heap retained by one Analysis per input byte (global.gc() is called only here, never between timed runs,
 *   because a full GC also throws away optimized code and would make every timed run partly cold);
 * - latency: workspace.definitionAt at up to 10,000 reference positions, each timed alone;
 * - a cross-check: check() must report exactly the dangling route references the generator planted;
 * - check() warm, timed in the same rounds as JSON.parse;
 * - whole processes, once per run (at 50 MB, else the largest size; `--no-process` skips them): after building dist/,
 *   `envoy-lens --help` against `node -e ''`, and `envoy-lens check --format json DUMP` against a process that reads
 *   the dump and JSON.parses it, in alternating pairs;
 * - diff (once per run, at the size of the whole-process figures): analyze + analyze + diffDumps of the dump and a second fetch of it with planted
 *   edits (plantDiff), against JSON.parse of both texts; the changes found must be exactly the planted ones;
 * - YAML (10 MB): analyze(uri, yamlText, { languageId: 'yaml' }) against JSON.parse of the JSON twin.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyze, check, diffDumps, DumpSplitter, hoverAt, Workspace, type Analysis } from '../src/core/facade';
import { DEFAULT_SIZE_OPTIONS, generateDumpWithStats, plantDiff, sizeToServices, toYaml, type Casing, type DumpStats, type PlantedEdit } from './generateDump';

// ---------------------------------------------------------------------------------------------------------------
// Targets (printed beside the figures).

const TARGETS = {
  bufferRatio: 0.75,
  stringRatio: 1.0,
  checkRatio: 0.2,
  cliStartRatio: 1.5,
  checkProcessRatio: 1.0,
  retainedPerByte: 0.5,
  lookupP99Ms: 1,
  yamlRatio: 15,
  diffRatio: 1.5,
  firstProblemsRatio: 2,
  openDocMs: 100,
  resourceLookupP99Ms: 5,
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
  /** Skip the whole-process figures (CLI start, `envoy-lens check` against read + JSON.parse). */
  noProcess?: boolean;
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
    } else if (a === '--no-process') {
      args.noProcess = true;
    } else if (a === '--help' || a === '-h') {
      console.log('usage: node --expose-gc --max-old-space-size=8192 out/bench/bench.js [--sizes 1,10,50,150] [--json FILE] [--runs N] [--no-process]');
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
// Whole processes: what a user waits for, start-up, reading and output included.

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');

interface ProcessTiming {
  medianMs: number;
  /** Median over rounds of this command's time over its baseline's time in the same round. */
  pairedRatio: number;
  ratio: number;
  runs: number;
  samplesMs: number[];
}

interface ProcessFigures {
  sizeMB: number;
  /** `node -e ''`. */
  bareNode: ProcessTiming;
  /** `envoy-lens --help` against bareNode. */
  cliStart: ProcessTiming;
  /** A process that reads the dump and JSON.parses it. */
  readParse: ProcessTiming;
  /** `envoy-lens check --format json DUMP` against readParse. */
  cliCheck: ProcessTiming;
}

/** Wall time of one child process, output discarded; throws when it cannot run or dies of a signal. */
function runProcess(argv: string[]): number {
  const t0 = now();
  const r = spawnSync(process.execPath, argv, { stdio: 'ignore', env: { ...process.env, NO_COLOR: '1' } });
  const t1 = now();
  if (r.error) throw r.error;
  if (r.signal) throw new Error(`${argv.join(' ')} died of ${r.signal}`);
  // `check` exits 1 when it has findings at or above --fail-on; 2 and up is a usage or input error.
  if ((r.status ?? 0) > 1) throw new Error(`${argv.join(' ')} exited ${r.status}`);
  return ms(t0, t1);
}

/** One warm-up each, then `runs` rounds of [baseline, subject] alternating which goes first. */
function pairProcesses(base: string[], subject: string[], runs: number): { base: ProcessTiming; subject: ProcessTiming } {
  runProcess(base);
  runProcess(subject);
  const b: number[] = [];
  const x: number[] = [];
  for (let r = 0; r < runs; r++) {
    if (r % 2 === 0) {
      b.push(runProcess(base));
      x.push(runProcess(subject));
    } else {
      x.push(runProcess(subject));
      b.push(runProcess(base));
    }
  }
  const bm = median(b);
  const xm = median(x);
  return {
    base: { medianMs: bm, pairedRatio: 1, ratio: 1, runs, samplesMs: b },
    subject: { medianMs: xm, pairedRatio: median(x.map((v, i) => v / b[i])), ratio: xm / bm, runs, samplesMs: x },
  };
}

/** Builds dist/ (so the CLI measured is this source), writes the dump to a temp file, times the processes. */
function processFigures(text: string, sizeMB: number, forcedRuns: number | undefined): ProcessFigures {
  const build = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('node scripts/build.mjs failed');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'envoy-lens-bench-'));
  const file = path.join(dir, 'dump.json');
  const reader = path.join(dir, 'read-parse.js');
  try {
    fs.writeFileSync(file, text);
    fs.writeFileSync(reader, "JSON.parse(require('node:fs').readFileSync(process.argv[2], 'utf8'));\n");
    const start = pairProcesses(['-e', ''], [CLI, '--help'], forcedRuns ?? 21);
    const whole = pairProcesses([reader, file], [CLI, 'check', '--format', 'json', file], forcedRuns ?? 9);
    return { sizeMB, bareNode: start.base, cliStart: start.subject, readParse: whole.base, cliCheck: whole.subject };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
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
  /** check() on an indexed file, warm, against JSON.parse in the same rounds. */
  check: Timing & { ratio: number };
  /** Whole processes (the 50 MB case, or the largest size run). */
  process?: ProcessFigures;
  processError?: string;
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
  /** diff of this dump against a second fetch with planted edits (the 50 MB case, or the largest size run). */
  diff?: DiffFigures;
  diffError?: string;
  /** The dump opened as its resource documents (issue 12; the 50 and 150 MB cases). */
  resources?: ResourceFigures;
  resourcesError?: string;
}

interface ResourceFigures {
  docs: number;
  findings: number;
  /** Index + check of the whole dump + the documents that hold findings, findings placed: what the Problems panel needs. */
  firstProblems: Timing & { ratio: number };
  /** Every document made (information; made in the worker after the first Problems). */
  allDocsMs: number;
  /** Rendering one document again (what reading it from the file system costs in the worker). */
  openDoc: { p50Ms: number; p99Ms: number; maxMs: number; samples: number };
  /** hoverAt and definitionAt at references inside resource documents, resolving across them. */
  lookup: { p50Ms: number; p99Ms: number; maxMs: number; samples: number };
  /** What the editor's main thread keeps: every document's analysis, per byte of the dump. */
  heapPerByte: number;
}

interface DiffFigures {
  /** JSON.parse of both texts, the baseline. */
  parseBoth: Timing;
  /** analyze(A) + analyze(B) + diffDumps, from Buffers as the CLI reads them. */
  diff: Timing & { ratio: number };
  /** Changes expected from the planted edits (located with the index) and found. */
  expected: number;
  found: number;
  exact: boolean;
}

/** `kind name change` lines the planted edits must produce, told by the index of A (which resource holds each edit). */
function expectedChanges(a: Analysis, edits: PlantedEdit[]): string[] {
  const innermost = (offset: number, kinds: string[]): number => {
    let best = -1;
    a.defs.forEach((d, i) => {
      if (d.group !== 'main' || !kinds.includes(d.kind) || d.span.start > offset || d.span.end <= offset) return;
      if (best < 0 || d.span.start >= a.defs[best].span.start) best = i;
    });
    return best;
  };
  const out = new Set<string>();
  for (const e of edits) {
    if (e.what === 'weight') {
      const r = innermost(e.offset, ['route']);
      const vh = a.defs[r].parent;
      const rc = a.defs[vh].parent;
      out.add(`route ${a.defs[rc].name}/${a.defs[vh].name}/${a.defs[r].name} changed`);
    } else if (e.what === 'health') {
      out.add(`cluster_load_assignment ${a.defs[innermost(e.offset, ['endpoints'])].name} changed`);
    } else if (e.what === 'timeout') {
      out.add(`cluster ${a.defs[innermost(e.offset, ['cluster'])].name} changed`);
    } else {
      const name = a.defs[innermost(e.offset, ['cluster'])].name;
      out.add(`cluster ${name} removed`);
      out.add(`cluster renamed-${name} added`);
    }
  }
  return [...out].sort();
}

function diffFigures(text: string, bytes: Buffer, tag: string, args: Args): DiffFigures {
  const planted = plantDiff(text);
  const textB = planted.text;
  const bytesB = Buffer.from(textB);
  const run = () => diffDumps(
    { analysis: analyze(freshUri(tag, 'json'), bytes), source: bytes },
    { analysis: analyze(freshUri(tag, 'json'), bytesB), source: bytesB },
  );
  const expected = expectedChanges(analyze(freshUri(tag, 'json'), bytes), planted.edits);
  const found = run().changes.map((c) => `${c.kind} ${c.name} ${c.change}`).sort();
  const t = measure([
    { id: 'parse', fn: () => [JSON.parse(text), JSON.parse(textB)] },
    { id: 'diff', fn: run },
  ], 2 * bytes.length, args.runs === undefined ? undefined : Math.min(args.runs, 7), 30_000);
  const parseBoth = t.get('parse')!;
  const d = t.get('diff')!;
  return {
    parseBoth, diff: { ...d, ratio: d.medianMs / parseBoth.medianMs },
    expected: expected.length, found: found.length, exact: JSON.stringify(expected) === JSON.stringify(found),
  };
}

function resourceFigures(text: string, bytes: Buffer, tag: string, args: Args): ResourceFigures {
  const base = `envoy-dump://bench/${tag}/`;
  let made: DumpSplitter | undefined;
  let firstDocs = 0;
  let findings = 0;
  const t = measure([
    { id: 'parse', fn: () => JSON.parse(text) },
    {
      id: 'first',
      fn: () => {
        made = new DumpSplitter(freshUri(tag, 'json'), bytes, base);
        const f = made.first();
        firstDocs = f.docs.length;
        findings = f.diagnostics.length;
        return f;
      },
    },
  ], bytes.length, args.runs === undefined ? 5 : Math.min(args.runs, 7), 60_000);
  const parse = t.get('parse')!;
  const first = t.get('first')!;
  // Every document, then what the main thread keeps of them.
  const splitter = new DumpSplitter(freshUri(tag, 'json'), bytes, base);
  const docs: Analysis[] = [];
  const a0 = now();
  docs.push(...splitter.first().docs);
  for (let b = splitter.next(); b.docs.length > 0; b = splitter.next()) docs.push(...b.docs);
  const allDocsMs = ms(a0, now());
  gc?.();
  const h0 = process.memoryUsage().heapUsed;
  const ws = new Workspace();
  for (const d of docs) ws.set(d);
  gc?.();
  const heapPerByte = (process.memoryUsage().heapUsed - h0) / bytes.length;
  // Rendering documents again, and lookups inside them.
  const sorted = (xs: number[]) => xs.sort((x, y) => x - y);
  const renders: number[] = [];
  const step = Math.max(1, Math.floor(splitter.all.length / 300));
  for (let i = 0; i < splitter.all.length; i += step) {
    const def = splitter.defs.get(splitter.all[i].uri)!;
    const r0 = now();
    consume(splitter.render(def));
    renders.push(ms(r0, now()));
  }
  const looks: number[] = [];
  const dstep = Math.max(1, Math.floor(docs.length / 500));
  for (let i = 0; i < docs.length; i += dstep) {
    const d = docs[i];
    const r = d.refs[0];
    if (!r) continue;
    const l0 = now();
    consume(hoverAt(ws, d.uri, r.span.start + 1));
    consume(ws.definitionAt(d.uri, r.span.start + 1));
    looks.push(ms(l0, now()));
  }
  const stat = (xs: number[]) => {
    const s = sorted(xs);
    return { p50Ms: percentile(s, 50), p99Ms: percentile(s, 99), maxMs: s[s.length - 1] ?? 0, samples: s.length };
  };
  consume(made);
  return {
    docs: splitter.all.length, findings: findings || firstDocs, firstProblems: { ...first, ratio: first.medianMs / parse.medianMs },
    allDocsMs, openDoc: stat(renders), lookup: stat(looks), heapPerByte,
  };
}

let uriCounter = 0;
const freshUri = (tag: string, ext: string): string => `file:///bench/${tag}-${++uriCounter}.${ext}`;

function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

async function runCase(sizeMB: number, casing: Casing, args: Args, withYaml: boolean, withProcess = false, withDiff = false): Promise<CaseResult> {
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
  const checkWs = new Workspace();
  const checked = analyze(freshUri(tag, 'json'), bytes);
  checkWs.set(checked);
  const t = measure([
    { id: 'parse', fn: () => JSON.parse(text) },
    { id: 'buffer', fn: () => analyze(freshUri(tag, 'json'), bytes) },
    { id: 'string', fn: () => analyze(freshUri(tag, 'json'), text) },
    { id: 'check', fn: () => check(checkWs, checked.uri) },
  ], stats.bytes, args.runs, budget);
  checkWs.remove(checked.uri);
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
    parse, buffer: ratio(t.get('buffer')!), string: ratio(t.get('string')!), check: ratio(t.get('check')!),
    retained: { buffer: rBuffer, string: rString },
    lookup,
  };

  if (withProcess) {
    log(`[${tag}] whole processes…`);
    try {
      result.process = processFigures(text, sizeMB, args.runs);
    } catch (e) {
      result.processError = e instanceof Error ? e.message : String(e);
      log(`[${tag}] whole processes failed: ${result.processError}`);
    }
  }

  if (withDiff) {
    log(`[${tag}] diff against a second fetch with planted edits…`);
    try {
      result.diff = diffFigures(text, bytes, tag, args);
    } catch (e) {
      result.diffError = e instanceof Error ? e.message : String(e);
      log(`[${tag}] diff failed: ${result.diffError}`);
    }
  }

  if (sizeMB >= 50 && casing === 'snake') {
    log(`[${tag}] the dump as its resource documents…`);
    try {
      result.resources = resourceFigures(text, bytes, tag, args);
    } catch (e) {
      result.resourcesError = e instanceof Error ? e.message : String(e);
      log(`[${tag}] resources failed: ${result.resourcesError}`);
    }
  }

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
    lines.push(row(['', 'check() warm', `${fmtMs(r.check.medianMs)} = ${r.check.ratio.toFixed(2)}× (paired ${r.check.pairedRatio.toFixed(2)}×)`, `≤ ${TARGETS.checkRatio}×`,
      verdict(r.check.ratio <= TARGETS.checkRatio)]));
    if (r.processError) lines.push(row(['', 'whole processes', `failed: ${r.processError}`, '', 'MISS']));
    if (r.process) {
      const p = r.process;
      lines.push(row(['', 'CLI start (--help)', `${fmtMs(p.cliStart.medianMs)} = ${p.cliStart.ratio.toFixed(2)}× node -e '' ${fmtMs(p.bareNode.medianMs)} (paired ${p.cliStart.pairedRatio.toFixed(2)}×)`,
        `≤ ${TARGETS.cliStartRatio}×`, verdict(p.cliStart.ratio <= TARGETS.cliStartRatio)]));
      lines.push(row(['', 'check --format json', `${fmtMs(p.cliCheck.medianMs)} = ${p.cliCheck.ratio.toFixed(2)}× read+JSON.parse ${fmtMs(p.readParse.medianMs)} (paired ${p.cliCheck.pairedRatio.toFixed(2)}×)`,
        `≤ ${TARGETS.checkProcessRatio}×`, verdict(p.cliCheck.ratio <= TARGETS.checkProcessRatio)]));
    }
    if (r.diffError) lines.push(row(['', 'diff A B', `failed: ${r.diffError}`, '', 'MISS']));
    if (r.diff) {
      const d = r.diff;
      lines.push(row(['', 'diff: planted changes', `${d.found} found of ${d.expected} expected${d.exact ? ', exactly' : ', NOT the same set'}`, '', d.exact ? 'ok' : 'MISS']));
      lines.push(row(['', 'diff A B (index both + diff)', `${fmtMs(d.diff.medianMs)} = ${d.diff.ratio.toFixed(2)}× JSON.parse of both ${fmtMs(d.parseBoth.medianMs)} (paired ${d.diff.pairedRatio.toFixed(2)}×)`,
        `≤ ${TARGETS.diffRatio}×`, verdict(d.diff.ratio <= TARGETS.diffRatio)]));
    }
    if (r.resourcesError) lines.push(row(['', 'as resource documents', `failed: ${r.resourcesError}`, '', 'MISS']));
    if (r.resources) {
      const x = r.resources;
      lines.push(row(['', 'resources: first Problems', `${fmtMs(x.firstProblems.medianMs)} = ${x.firstProblems.ratio.toFixed(2)}× JSON.parse (${x.findings} findings placed)`,
        `≤ ${TARGETS.firstProblemsRatio}×`, verdict(x.firstProblems.ratio <= TARGETS.firstProblemsRatio)]));
      lines.push(row(['', 'resources: every document', `${x.docs} documents in ${fmtMs(x.allDocsMs)} (after the first Problems)`, '', '']));
      lines.push(row(['', 'resources: open a document', `p50 ${fmtMs(x.openDoc.p50Ms)}, p99 ${fmtMs(x.openDoc.p99Ms)} (${x.openDoc.samples} rendered)`,
        `< ${TARGETS.openDocMs} ms`, verdict(x.openDoc.p99Ms < TARGETS.openDocMs)]));
      lines.push(row(['', 'resources: hover+definition', `p50 ${fmtMs(x.lookup.p50Ms)}, p99 ${fmtMs(x.lookup.p99Ms)} (${x.lookup.samples} references)`,
        `p99 < ${TARGETS.resourceLookupP99Ms} ms`, verdict(x.lookup.p99Ms < TARGETS.resourceLookupP99Ms)]));
      lines.push(row(['', 'resources: editor heap', `${x.heapPerByte.toFixed(3)} B/B (every document's analysis)`, `≤ ${TARGETS.retainedPerByte}`,
        verdict(x.heapPerByte <= TARGETS.retainedPerByte)]));
    }
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
  const sizes = [...args.sizes].sort((a, b) => a - b);
  // Whole processes once per run: at 50 MB, else at the largest size asked for.
  const processSize = args.noProcess ? undefined : sizes.includes(50) ? 50 : sizes[sizes.length - 1];
  // diff once per run too, at the same size (also with --no-process).
  const diffSize = sizes.includes(50) ? 50 : sizes[sizes.length - 1];
  for (const size of sizes) {
    results.push(await runCase(size, 'snake', args, size === 10, size === processSize, size === diffSize));
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
