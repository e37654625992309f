/**
 * Worker thread that indexes documents off the extension host's main thread (the core is pure, so it runs here
 * unchanged), and checks them. One request at a time: { id, uri, text, languageId, cancelled } indexes, { kind: 'check',
 * id, uri, analysisId } checks, { kind: 'remove', uri } forgets. Out, the result as v8-serialized, transferred chunks
 * (dumpIndex.ts reads one per task): `head` (the result with its long arrays emptied), a `chunk` per CHUNK_ITEMS items
 * of each long array, then `done`; or `error`.
 */
import * as v8 from 'node:v8';
import { parentPort } from 'node:worker_threads';
import {
  analyze,
  check,
  isCancellation,
  pcFilterChoices,
  pcParts,
  readValue,
  renderProxyConfig,
  renderSummary,
  traceRequest,
  Workspace,
  type PcFilters,
  type PcKind,
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
  | { kind: 'pc'; id: number; uri: string; analysisId: number; pcKind: PcKind; filters: PcFilters; title: string };

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
  const a = ws.get(m.uri)!;
  const { value, parts } = valueOf(m.uri, m.analysisId);
  if (m.pcKind === 'all') return { text: renderSummary(ws, a, value, m.title), choices: [] };
  const text = `== ${m.title}\n` + renderProxyConfig(m.pcKind, { parts, ws, analysis: a }, m.filters);
  return { text, choices: pcFilterChoices(m.pcKind, parts) };
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
      const text = sources.get(m.uri);
      if (held.get(m.uri) !== m.analysisId || text === undefined) post({ id: m.id, kind: 'error', error: 'stale' });
      else sendChunked(m.id, { trace: traceRequest(ws, m.uri, text, m.request, { sourceOf: (u) => sources.get(u) }) });
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
