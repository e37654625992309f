/**
 * Worker thread that indexes documents off the extension host's main thread (the core is pure, so it runs here
 * unchanged), and checks them. One request at a time: { id, uri, text, languageId, cancelled } indexes, { kind: 'check',
 * id, uri, analysisId } checks, { kind: 'remove', uri } forgets. Out, the result as v8-serialized, transferred chunks
 * (dumpIndex.ts reads one per task): `head` (the result with its long arrays emptied), a `chunk` per CHUNK_ITEMS items
 * of each long array, then `done`; or `error`.
 */
import { readFileSync } from 'node:fs';
import * as v8 from 'node:v8';
import { parentPort } from 'node:worker_threads';
import {
  analyze,
  changeDocument,
  check,
  diffDumps,
  isCancellation,
  DumpSplitter,
  type SplitBatch,
  pcParts,
  readValue,
  summaryView,
  scrubDump,
  traceRequest,
  Workspace,
  type PcFilters,
  type PcKind,
  type Analysis,
  type DiffKind,
  type PcParts,
  type TraceRequest,
} from '../core/facade';

const CHUNK_ITEMS = 500;

interface Request {
  id: number;
  uri: string;
  text: string | Uint8Array;
  languageId: string;
  /** Shared with the main thread: slot id % length holds id once the request is cancelled. */
  cancelled?: Int32Array;
}

function post(message: Record<string, unknown>, value?: unknown): void {
  if (value === undefined) {
    parentPort?.postMessage(message);
    return;
  }
  const bytes = v8.serialize(value);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  parentPort?.postMessage({ ...message, bytes: buffer }, [buffer]);
}

/**
 * Every analysis made here stays here too, so the checks (which resolve names across every open dump) run here as
 * well: `held` says which request made the analysis of each URI, and a check names the one it expects.
 */
const ws = new Workspace();
const held = new Map<string, number>();
/** The text each held analysis was made from: a trace re-reads resources from it. */
const sources = new Map<string, string>();

type Message =
  | ({ kind?: 'index' } & Request)
  | { kind: 'remove'; uri: string }
  | { kind: 'check'; id: number; uri: string; analysisId: number }
  | { kind: 'trace'; id: number; uri: string; analysisId: number; request: TraceRequest }
  | { kind: 'pc'; id: number; uri: string; analysisId: number; pcKind: PcKind; filters: PcFilters; title: string }
  | Extra;

/** The other dump of a comparison: held here (an open document) or sent whole (a file, another pod, a previous fetch). */
interface OtherDump {
  uri: string;
  text?: string | Uint8Array;
  languageId?: string;
}

/**
 * Dumps opened as folders of resources (Open as Dump Resources), by the base URI of their documents: each one's
 * splitter, which renders a document again from the file's text (the dump's own analysis goes once all are made).
 */
const splits = new Map<string, DumpSplitter>();

/** The text of a held document, or of a resource document (rendered again). */
function sourceText(uri: string): string | undefined {
  const own = sources.get(uri);
  if (own !== undefined) return own;
  for (const s of splits.values()) {
    if (!uri.startsWith(s.base)) continue;
    const def = s.defs.get(uri);
    return def ? s.render(def) : undefined;
  }
  return undefined;
}

/** A batch of documents joins the workspace here (the checks and traces resolve across them). */
function hold(batch: SplitBatch, id: number): void {
  for (const d of batch.docs) {
    ws.set(d);
    held.set(d.uri, id);
  }
}

/**
 * Documents per `splitMore` batch: the worker answers one message at a time, so a document asked for meanwhile (a
 * Problems entry clicked) waits for at most one batch (~100 ms of work at this size).
 */
const SPLIT_BATCH = 400;

/** A dump opened as its resources goes: its documents leave the workspace, its file's bytes are let go. */
function forgetSplit(base: string): void {
  const old = splits.get(base);
  if (!old) return;
  for (const u of old.defs.keys()) {
    ws.remove(u);
    held.delete(u);
  }
  splits.delete(base);
}

/**
 * Reads a dump file from disk (a Buffer: the fast path), indexes and checks it as a whole, and makes the resource
 * documents that hold findings (what the Problems panel needs first); `splitMore` makes the rest in batches.
 */
function openDump(m: { id: number; file: string; uri: string; base: string; languageId: string; cancelled?: Int32Array }): Record<string, unknown> {
  const flags = m.cancelled;
  const isCancelled = flags ? () => Atomics.load(flags, m.id % flags.length) === m.id : undefined;
  const t0 = Date.now();
  const bytes = readFileSync(m.file);
  forgetSplit(m.base);
  const splitter = new DumpSplitter(m.uri, bytes, m.base, { languageId: m.languageId, isCancelled });
  const first = splitter.first();
  splits.set(m.base, splitter);
  hold(first, m.id);
  return { ...first, all: splitter.all, format: splitter.format, bytes: bytes.length, indexMs: splitter.indexMs, totalMs: Date.now() - t0 };
}

type Extra =
  | { kind: 'diff'; id: number; uri: string; analysisId: number; other: OtherDump; otherFirst: boolean }
  | { kind: 'changeDoc'; id: number; side: 'a' | 'b'; change: DiffKind; name: string }
  | { kind: 'scrub'; id: number; uri: string; analysisId: number; pseudonymize: boolean }
  | { kind: 'openDump'; id: number; file: string; uri: string; base: string; languageId: string; cancelled?: Int32Array }
  | { kind: 'renderDoc'; id: number; doc: string }
  | { kind: 'splitMore'; id: number; base: string; heldAs: number }
  | { kind: 'closeDump'; base: string };

/**
 * The last comparison: both sides' analyses and sources, kept so the diff editor can ask for each changed resource's
 * document. A side sent whole is indexed here privately (never added to the workspace the checks resolve in).
 */
let comparison: { a: { analysis: Analysis; source: string | Uint8Array }; b: { analysis: Analysis; source: string | Uint8Array } } | undefined;

function compare(m: Extract<Extra, { kind: 'diff' }>): Record<string, unknown> {
  const held = { analysis: ws.get(m.uri)!, source: sources.get(m.uri)! };
  let other: { analysis: Analysis; source: string | Uint8Array };
  if (m.other.text === undefined) {
    const analysis = ws.get(m.other.uri);
    const source = sources.get(m.other.uri);
    if (!analysis || source === undefined) throw new Error(`${m.other.uri} is no longer open`);
    other = { analysis, source };
  } else {
    other = { analysis: analyze(m.other.uri, m.other.text, { languageId: m.other.languageId }), source: m.other.text };
  }
  comparison = m.otherFirst ? { a: other, b: held } : { a: held, b: other };
  const r = diffDumps(comparison.a, comparison.b);
  return { changes: r.changes, notCompared: r.notCompared };
}

/**
 * The value of the last file a `pc` table was asked for, so the kind picker, the filter picker and the table read
 * the file once. Dropped after a minute: a 50 MB dump's value is a few hundred MB of objects.
 */
let lastValue: { uri: string; analysisId: number; value: unknown; parts: PcParts; timer: NodeJS.Timeout } | undefined;
const VALUE_KEPT_MS = 60_000;

function valueOf(uri: string, analysisId: number): { value: unknown; parts: PcParts } {
  if (lastValue && lastValue.uri === uri && lastValue.analysisId === analysisId) {
    lastValue.timer.refresh();
    return lastValue;
  }
  if (lastValue) clearTimeout(lastValue.timer);
  const value = readValue(sources.get(uri) ?? '');
  const timer = setTimeout(() => (lastValue = undefined), VALUE_KEPT_MS);
  timer.unref();
  lastValue = { uri, analysisId, value, parts: pcParts(value), timer };
  return lastValue;
}

/** `pc KIND` of a held file: the table (with a title line) and the filters its values offer. */
function proxyConfig(m: Extract<Message, { kind: 'pc' }>): { text: string; choices: unknown[] } {
  const { value, parts } = valueOf(m.uri, m.analysisId);
  return summaryView(ws, ws.get(m.uri)!, value, parts, m.pcKind, m.filters, m.title);
}

function sendChunked(id: number, value: Record<string, unknown>): void {
  const head: Record<string, unknown> = { ...value };
  const long: Array<[string, unknown[]]> = [];
  for (const [key, v] of Object.entries(value)) {
    if (Array.isArray(v) && v.length > CHUNK_ITEMS) {
      long.push([key, v]);
      head[key] = [];
    }
  }
  post({ id, kind: 'head' }, head);
  for (const [key, items] of long) {
    for (let i = 0; i < items.length; i += CHUNK_ITEMS) post({ id, kind: 'chunk', key }, items.slice(i, i + CHUNK_ITEMS));
  }
  post({ id, kind: 'done' });
}

parentPort?.on('message', (m: Message) => {
  if (m.kind === 'remove') {
    if (lastValue?.uri === m.uri) lastValue = undefined;
    ws.remove(m.uri);
    held.delete(m.uri);
    sources.delete(m.uri);
    return;
  }
  if (m.kind === 'trace') {
    try {
      const text = held.get(m.uri) === m.analysisId ? sourceText(m.uri) : undefined;
      if (text === undefined) post({ id: m.id, kind: 'error', error: 'stale' });
      else sendChunked(m.id, { trace: traceRequest(ws, m.uri, text, m.request, { sourceOf: sourceText }) });
    } catch (e) {
      post({ id: m.id, kind: 'error', error: (e as Error)?.message ?? String(e) });
    }
    return;
  }
  if (m.kind === 'closeDump') {
    forgetSplit(m.base);
    return;
  }
  if (m.kind === 'openDump' || m.kind === 'renderDoc' || m.kind === 'splitMore') {
    try {
      if (m.kind === 'openDump') sendChunked(m.id, openDump(m));
      else if (m.kind === 'splitMore') {
        const splitter = splits.get(m.base);
        const batch = splitter ? splitter.next(SPLIT_BATCH) : undefined;
        if (batch) hold(batch, m.heldAs);
        sendChunked(m.id, { ...(batch ?? { entries: [], docs: [], diagnostics: [], remaining: 0 }) });
      }
      else sendChunked(m.id, { text: sourceText(m.doc) ?? null });
    } catch (e) {
      post({ id: m.id, kind: 'error', error: isCancellation(e) || (e as Error)?.message === 'CancellationError' ? 'CancellationError' : ((e as Error)?.message ?? String(e)) });
    }
    return;
  }
  if (m.kind === 'diff' || m.kind === 'changeDoc' || m.kind === 'scrub') {
    try {
      if (m.kind === 'changeDoc') {
        const side = comparison?.[m.side];
        sendChunked(m.id, { text: side ? (changeDocument(side, m.change, m.name) ?? '') : '' });
      } else if (held.get(m.uri) !== m.analysisId || !sources.has(m.uri)) post({ id: m.id, kind: 'error', error: 'stale' });
      else if (m.kind === 'diff') sendChunked(m.id, compare(m));
      else {
        const r = scrubDump(sources.get(m.uri)!, { languageId: ws.get(m.uri)?.format, pseudonymize: m.pseudonymize });
        sendChunked(m.id, { text: r.text, counts: r.counts });
      }
    } catch (e) {
      post({ id: m.id, kind: 'error', error: (e as Error)?.message ?? String(e) });
    }
    return;
  }
  if (m.kind === 'pc') {
    try {
      if (held.get(m.uri) !== m.analysisId || !sources.has(m.uri)) post({ id: m.id, kind: 'error', error: 'stale' });
      else sendChunked(m.id, proxyConfig(m));
    } catch (e) {
      post({ id: m.id, kind: 'error', error: (e as Error)?.message ?? String(e) });
    }
    return;
  }
  if (m.kind === 'check') {
    try {
      if (held.get(m.uri) !== m.analysisId) post({ id: m.id, kind: 'error', error: 'stale' });
      else sendChunked(m.id, { diagnostics: check(ws, m.uri) });
    } catch (e) {
      post({ id: m.id, kind: 'error', error: (e as Error)?.message ?? String(e) });
    }
    return;
  }
  index(m);
});

function index(req: Request): void {
  const flags = req.cancelled;
  const isCancelled = flags ? () => Atomics.load(flags, req.id % flags.length) === req.id : undefined;
  try {
    const analysis = analyze(req.uri, req.text, { languageId: req.languageId, isCancelled });
    ws.set(analysis);
    held.set(req.uri, req.id);
    // Bytes (a file read from disk) are decoded as the core decodes them: UTF-8, a BOM kept so offsets line up.
    sources.set(req.uri, typeof req.text === 'string' ? req.text : new TextDecoder('utf-8', { ignoreBOM: true }).decode(req.text));
    sendChunked(req.id, analysis as unknown as Record<string, unknown>);
  } catch (e) {
    const err = e as Error;
    post({ id: req.id, kind: 'error', error: isCancellation(e) ? 'CancellationError' : (err?.message ?? String(e)) });
  }
}
