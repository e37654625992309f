/**
 * Owns the core Workspace for the editor: which documents are Envoy dumps, their analyses cached by version, large
 * every document indexed in a worker thread, and dump files of the workspace indexed on request.
 */
import * as path from 'node:path';
import * as v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import * as vscode from 'vscode';
import {
  CancellationError,
  isCancellation,
  looksLikeEnvoy,
  SNIFF_BYTES,
  Workspace,
  type Analysis,
  type Diagnostic,
  type PcFilterChoice,
  type PcFilters,
  type PcKind,
  type Trace,
  type TraceRequest,
  type SplitBatch,
} from '../core/facade';
import { log } from './log';
import { slice } from './mainThread';

const LANGUAGES = new Set(['json', 'jsonc', 'yaml']);

interface Entry {
  version: number;
  analysis: Analysis;
  /** 'document': an open editor document; 'disk': a workspace file indexed on request. */
  source: 'document' | 'disk';
}

interface Pending {
  version: number;
  promise: Promise<Analysis | undefined>;
}

/** The scheme of resource documents (dumpResources.ts): a dump opened as a folder of its resources. */
export const RESOURCE_SCHEME = 'envoy-dump';

/** A request the worker has not answered after this long (plus per MB) ends the worker: a hostile file cannot stall indexing. */
const GIVE_UP_MS = 60_000;
const GIVE_UP_MS_PER_MB = 2_000;
/** Slots of the shared cancellation ring: request id % CANCEL_SLOTS holds the id once it is cancelled. */
const CANCEL_SLOTS = 256;

interface Request {
  id: number;
  uri: string;
  text: string | Uint8Array;
  languageId: string;
}

interface CheckRequest {
  kind: 'check';
  id: number;
  uri: string;
  analysisId: number;
}

/** A trace, run where the analyses and their sources are: the worker. */
interface TraceWorkerRequest {
  kind: 'trace';
  id: number;
  uri: string;
  analysisId: number;
  request: TraceRequest;
}

/** Any other request the worker answers from what it holds (indexWorker.ts): a `pc` table, a diff, a scrub. */
interface CallRequest {
  kind: string;
  id: number;
  uri: string;
  analysisId?: number;
  /** Megabytes of input carried, for the time limit. */
  mb: number;
}

/** What a `pc` request answers: the table and the filter values the file offers for its kind. */
export interface PcAnswer {
  text: string;
  choices: PcFilterChoice[];
}

type WorkerRequest = Request | CheckRequest | TraceWorkerRequest | CallRequest;

interface Waiting {
  req: WorkerRequest;
  resolve: (a: Analysis) => void;
  reject: (e: Error) => void;
  /** The analysis being assembled from the worker's messages. */
  parts?: Record<string, unknown>;
  timer?: NodeJS.Timeout;
}

/** A batch of resource documents made by the worker (indexWorker.ts openDump, splitMore): the core's SplitBatch. */
export type SplitBatchAnswer = SplitBatch;

/** A dump opened as its resources: the first batch (the documents with findings), and every document's place. */
export interface OpenedDump extends SplitBatchAnswer {
  all: SplitBatchAnswer['entries'];
  format: 'json' | 'yaml';
  bytes: number;
  indexMs: number;
  totalMs: number;
  /** Resolves when every document's analysis has joined the workspace. */
  complete: Promise<void>;
}

/** What the worker sends: the analysis without its long arrays, then the arrays in chunks, then `done`. */
type Reply =
  | { id: number; kind: 'head'; bytes: ArrayBuffer }
  | { id: number; kind: 'chunk'; key: string; bytes: ArrayBuffer }
  | { id: number; kind: 'done' }
  | { id: number; kind: 'error'; error: string };

/**
 * Every document is indexed here, off the extension host's main thread: parsing and extraction cost what the file
 * makes them cost, and a hostile file can make that seconds. The answer comes back in v8-serialized chunks of at most
 * 500 items (indexWorker.ts), each transferred and read in its own task, so receiving a large analysis never holds the main
 * thread for long either. Cancelling a request flags it in shared memory (the core polls it); a request that runs
 * past its time limit ends the worker and the others are sent again to a new one.
 */
class IndexWorker {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();
  private readonly cancelled = new Int32Array(new SharedArrayBuffer(4 * CANCEL_SLOTS));
  /** The request that made each analysis: the worker holds it under that id (until it restarts). */
  private readonly ids = new WeakMap<Analysis, number>();
  /** Analyses made by requests below this id were lost with a worker that ended. */
  private lostBelow = 0;

  constructor(private readonly script: string) {}

  run(uri: string, text: string | Uint8Array, languageId: string, token?: vscode.CancellationToken): Promise<Analysis> {
    return this.cancellable(token, (id) => ({ id, uri, text, languageId }), (a, id) => {
      this.ids.set(a, id);
      return a;
    });
  }

  /**
   * Sends the request `make(id)` makes; a cancellation of `token` flags it for the worker (which polls the flag) and
   * rejects it at once. `adopt` turns the worker's answer into the result, knowing the request's id.
   */
  private cancellable<T>(token: vscode.CancellationToken | undefined, make: (id: number) => WorkerRequest, adopt: (answer: Analysis, id: number) => T): Promise<T> {
    const id = this.nextId++;
    const req = make(id);
    return new Promise<T>((resolve, reject) => {
      const sub = token?.onCancellationRequested(() => {
        Atomics.store(this.cancelled, id % CANCEL_SLOTS, id);
        const w = this.waiting.get(id);
        if (w) this.finish(id, w, () => w.reject(new CancellationError()));
      });
      this.waiting.set(id, {
        req,
        resolve: (answer) => {
          sub?.dispose();
          resolve(adopt(answer, id));
        },
        reject: (e) => {
          sub?.dispose();
          reject(e);
        },
      });
      this.send(req);
    });
  }

  /**
   * The checks of an analysis, run in the worker against its copy of the workspace; null when the worker already
   * holds a newer analysis of that document, undefined when it no longer holds it (it restarted, or failed), for the
   * caller to check it itself.
   */
  async check(a: Analysis): Promise<Diagnostic[] | null | undefined> {
    const analysisId = this.ids.get(a);
    if (analysisId === undefined || analysisId < this.lostBelow) return undefined;
    const id = this.nextId++;
    const req: CheckRequest = { kind: 'check', id, uri: a.uri, analysisId };
    try {
      const r = await new Promise<Analysis>((resolve, reject) => {
        this.waiting.set(id, { req, resolve, reject });
        this.send(req);
      });
      return (r as unknown as { diagnostics: Diagnostic[] }).diagnostics;
    } catch (e) {
      // 'stale': the worker already holds a newer analysis, whose own refresh follows.
      return (e as Error).message === 'stale' ? null : undefined;
    }
  }

  /**
   * A request traced in the worker, through the analyses and sources it holds (a trace re-reads resources from the
   * source text: on a large dump that is more than a main-thread slice may take). null when the worker holds a newer
   * analysis of the document, undefined when it no longer holds it, for the caller to trace it itself.
   */
  async trace(a: Analysis, request: TraceRequest): Promise<Trace | null | undefined> {
    const analysisId = this.ids.get(a);
    if (analysisId === undefined || analysisId < this.lostBelow) return undefined;
    const id = this.nextId++;
    const req: TraceWorkerRequest = { kind: 'trace', id, uri: a.uri, analysisId, request };
    let r: Analysis;
    try {
      r = await new Promise<Analysis>((resolve, reject) => {
        this.waiting.set(id, { req, resolve, reject });
        this.send(req);
      });
    } catch (e) {
      const message = (e as Error).message;
      if (message === 'stale') return null;
      if (message === 'lost') return undefined;
      if (message.startsWith('indexing took longer')) throw new Error('the trace took too long and was stopped');
      throw e; // the trace itself failed: the same error it would raise on the main thread
    }
    return (r as unknown as { trace: Trace }).trace;
  }

  /**
   * A dump file opened as its resources (indexWorker.ts openDump): read from disk and split in the worker, which then
   * holds every resource document's analysis under this request's id.
   */
  /** The next batch of a dump's documents, held by the worker under the opening request's id. */
  async splitMore(base: string, heldAs: number): Promise<SplitBatchAnswer | undefined> {
    if (heldAs < this.lostBelow) return undefined;
    const r = await this.call<SplitBatchAnswer>(undefined, 'splitMore', { base, heldAs });
    if (!r) return undefined;
    for (const d of r.docs) this.ids.set(d, heldAs);
    return r;
  }

  openDump(file: string, uri: string, base: string, languageId: string, token?: vscode.CancellationToken): Promise<OpenedDump & { id: number }> {
    return this.cancellable(token, (id) => ({ kind: 'openDump', id, uri, file, base, languageId, mb: 0 }) as CallRequest, (answer, id) => {
      const opened = answer as unknown as OpenedDump;
      for (const d of opened.docs) this.ids.set(d, id);
      return { ...opened, id };
    });
  }

  /**
   * A request answered by the worker from what it holds, about an analysis' file (`a`; the worker checks it still holds
   * that analysis) or about nothing it holds (`a` undefined). null: the worker holds a newer analysis; undefined: the
   * worker no longer holds it (or was restarted), for the caller to do the work itself.
   */
  async call<T>(a: Analysis | undefined, kind: string, payload: Record<string, unknown>, mb = 0): Promise<T | null | undefined> {
    let analysisId: number | undefined;
    if (a) {
      analysisId = this.ids.get(a);
      if (analysisId === undefined || analysisId < this.lostBelow) return undefined;
    }
    const id = this.nextId++;
    const req = { ...payload, kind, id, uri: a?.uri ?? '', analysisId, mb } as CallRequest;
    try {
      const r = await new Promise<Analysis>((resolve, reject) => {
        this.waiting.set(id, { req, resolve, reject });
        this.send(req);
      });
      return r as unknown as T;
    } catch (e) {
      const message = (e as Error).message;
      if (message === 'stale') return null;
      if (message === 'lost') return undefined;
      throw e;
    }
  }

  /** The worker forgets a dump opened as its resources. */
  closeDump(base: string): void {
    this.worker?.postMessage({ kind: 'closeDump', base });
  }

  /** The worker forgets a document. */
  remove(uri: string): void {
    this.worker?.postMessage({ kind: 'remove', uri });
  }

  private send(req: WorkerRequest): void {
    const w = this.waiting.get(req.id);
    if (!w) return;
    if ('kind' in req && req.kind !== 'openDump' && this.worker === undefined) {
      // A check needs the analyses of the worker it was asked of; opening a dump file needs nothing held before.
      this.finish(req.id, w, () => w.reject(new Error('lost')));
      return;
    }
    const mb = 'text' in req ? (typeof req.text === 'string' ? req.text.length : req.text.byteLength) / 1e6 : 'mb' in req ? req.mb : 0;
    clearTimeout(w.timer);
    w.timer = setTimeout(() => this.giveUp(req.id), GIVE_UP_MS + GIVE_UP_MS_PER_MB * mb);
    w.timer.unref?.();
    this.ensure().postMessage('text' in req || req.kind === 'openDump' ? { ...req, cancelled: this.cancelled } : req);
  }

  private finish(id: number, w: Waiting, settle: () => void): void {
    clearTimeout(w.timer);
    this.waiting.delete(id);
    settle();
  }

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(this.script);
    w.on('message', (m: Reply) => this.receive(m));
    w.on('error', (e) => {
      log().error('[index] the indexing worker failed:', e);
      this.restart();
    });
    w.unref();
    this.worker = w;
    return w;
  }

  private receive(m: Reply): void {
    const w = this.waiting.get(m.id);
    if (!w) return;
    const uri = w.req.uri;
    switch (m.kind) {
      case 'head':
        w.parts = slice(uri, 'receive', () => v8.deserialize(new Uint8Array(m.bytes)) as Record<string, unknown>);
        break;
      case 'chunk': {
        const items = slice(uri, 'receive', () => v8.deserialize(new Uint8Array(m.bytes)) as unknown[]);
        const into = w.parts?.[m.key] as unknown[] | undefined;
        if (into) for (const item of items) into.push(item);
        break;
      }
      case 'done':
        this.finish(m.id, w, () => w.resolve(w.parts as unknown as Analysis));
        break;
      case 'error':
        this.finish(m.id, w, () => w.reject(m.error === 'CancellationError' ? new CancellationError() : new Error(m.error)));
        break;
    }
  }

  /** A request ran too long: it fails, the worker ends, and the other requests go to a new worker. */
  private giveUp(id: number): void {
    const w = this.waiting.get(id);
    if (!w) return;
    const r = w.req;
    const s = Math.round((GIVE_UP_MS + GIVE_UP_MS_PER_MB * ('text' in r ? (typeof r.text === 'string' ? r.text.length : r.text.byteLength) / 1e6 : 0)) / 1000);
    this.finish(id, w, () => w.reject(new Error(`indexing took longer than ${s} s; gave up on this file`)));
    this.restart();
  }

  /** A new worker for the requests still waiting. */
  private restart(): void {
    const old = this.worker;
    this.worker = undefined;
    void old?.terminate();
    this.lostBelow = this.nextId;
    for (const w of [...this.waiting.values()]) {
      w.parts = undefined;
      this.send(w.req);
    }
  }

  dispose(): void {
    const old = this.worker;
    this.worker = undefined;
    void old?.terminate();
    for (const [id, w] of [...this.waiting]) this.finish(id, w, () => w.reject(new CancellationError()));
  }
}

/** The editor's view of the core workspace. */
export class DumpIndex implements vscode.Disposable {
  readonly workspace = new Workspace();
  private readonly entries = new Map<string, Entry>();
  private readonly pending = new Map<string, Pending>();
  private readonly forced = new Set<string>();
  private readonly sniffed = new Map<string, { version: number; envoy: boolean }>();
  private readonly worker: IndexWorker;
  private readonly changed = new vscode.EventEmitter<string>();
  /** Dumps whose documents are still being made, by base: a document opened meanwhile waits for its analysis. */
  private readonly loading = new Map<string, Promise<void>>();
  /** Dumps open as their resources: base → the opening request's id (a closed or reopened dump stops its batches). */
  private readonly openBases = new Map<string, number>();
  /** Every resource document's URI of each open dump, by kind, in the dump's own order. */
  private readonly resourceOrder = new Map<string, Map<string, string[]>>();
  /** Fires with a document URI whenever its analysis was replaced or removed. */
  readonly onDidChange = this.changed.event;

  constructor(extensionUri: vscode.Uri) {
    this.worker = new IndexWorker(path.join(extensionUri.fsPath, 'dist', 'indexWorker.js'));
  }

  /** Treat a document as a dump whatever its content (the "Treat as Envoy Dump" command). */
  force(uri: vscode.Uri): void {
    this.forced.add(uri.toString());
  }

  /** Whether language features attach to this document: JSON/YAML whose first KB look like Envoy, or forced. */
  isEnvoy(doc: vscode.TextDocument): boolean {
    const key = doc.uri.toString();
    if (doc.uri.scheme === RESOURCE_SCHEME) return this.entries.has(key);
    if (this.forced.has(key)) return true;
    if (!LANGUAGES.has(doc.languageId)) return false;
    if (this.entries.get(key)?.version === doc.version) return true;
    const cached = this.sniffed.get(key);
    if (cached && cached.version === doc.version) return cached.envoy;
    // By offset, not by lines: a minified dump is one line of many megabytes.
    const envoy = slice(key, 'sniff', () => looksLikeEnvoy(doc.getText(new vscode.Range(doc.positionAt(0), doc.positionAt(SNIFF_BYTES)))));
    this.sniffed.set(key, { version: doc.version, envoy });
    return envoy;
  }

  /** The latest analysis of a URI, whatever its version. */
  get(uri: vscode.Uri | string): Analysis | undefined {
    return this.entries.get(uri.toString())?.analysis;
  }

  /** The document version the current analysis was made from (-1 for files indexed from disk). */
  versionOf(uri: vscode.Uri | string): number | undefined {
    const e = this.entries.get(uri.toString());
    // A resource document never changes: every version of it is the one analyzed.
    if (e && typeof uri !== 'string' && uri.scheme === RESOURCE_SCHEME) {
      return vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString())?.version ?? e.version;
    }
    return e?.version;
  }

  /** The resource documents of kind `kind` of the dump opened at `base`, in the dump's order, those indexed so far. */
  resourcesOf(base: string, kind: string): string[] {
    return (this.resourceOrder.get(base)?.get(kind) ?? []).filter((u) => this.entries.has(u));
  }

  /** All analyses currently known. */
  uris(): string[] {
    return [...this.entries.keys()];
  }

  /** The analysis of this version of the document, indexing it when needed; undefined when it is not a dump. */
  async analysisFor(doc: vscode.TextDocument, token?: vscode.CancellationToken): Promise<Analysis | undefined> {
    const key = doc.uri.toString();
    // A resource document (read-only, rendered from its dump) is the analysis its dump was split into.
    if (doc.uri.scheme === RESOURCE_SCHEME) {
      const known = this.entries.get(key)?.analysis;
      if (known) return known;
      // Its dump is still being split (the Problems panel points into documents before they are all made).
      const pending = [...this.loading].find(([base]) => key.startsWith(base))?.[1];
      if (!pending) return undefined;
      await new Promise<void>((resolve) => {
        const sub = this.changed.event(() => {
          if (this.entries.has(key)) done();
        });
        const done = () => {
          sub.dispose();
          resolve();
        };
        void pending.then(done, done);
      });
      return this.entries.get(key)?.analysis;
    }
    if (!this.isEnvoy(doc)) return undefined;
    const e = this.entries.get(key);
    if (e && e.version === doc.version) return e.analysis;
    const p = this.pending.get(key);
    if (p && p.version === doc.version) return p.promise;
    const version = doc.version;
    const promise = this.index(doc, token).then(
      (a) => {
        if (this.pending.get(key)?.version === version) this.pending.delete(key);
        // A newer version may have been indexed meanwhile: keep the newest.
        const cur = this.entries.get(key);
        if (!cur || cur.version <= version) {
          this.entries.set(key, { version, analysis: a, source: 'document' });
          slice(key, 'workspace', () => this.workspace.set(a));
          this.changed.fire(key);
        }
        return a;
      },
      (err: Error) => {
        if (this.pending.get(key)?.version === version) this.pending.delete(key);
        if (!isCancellation(err)) log().error(`[index] ${doc.uri.fsPath}:`, err);
        return undefined;
      },
    );
    this.pending.set(key, { version, promise });
    return promise;
  }

  private async index(doc: vscode.TextDocument, token?: vscode.CancellationToken): Promise<Analysis> {
    const uri = doc.uri.toString();
    const languageId = doc.languageId === 'yaml' ? 'yaml' : 'json';
    const text = slice(uri, 'getText', () => doc.getText());
    const t0 = Date.now();
    // Whatever its size: a 4 KB file can be hostile enough to take seconds (see IndexWorker).
    const a = await this.worker.run(uri, text, languageId, token);
    log().info(`[index] ${doc.uri.fsPath} v${doc.version}: ${a.shape}, ${a.defs.length} definitions, ${a.refs.length} references in ${Date.now() - t0} ms`);
    return a;
  }

  /** The checks of an analysis, run in the worker; null: a newer analysis is coming; undefined: check it yourself. */
  checkOffThread(a: Analysis): Promise<Diagnostic[] | null | undefined> {
    return this.worker.check(a);
  }

  /** The trace of a request through an analysis, run in the worker (see IndexWorker.trace). */
  traceOffThread(a: Analysis, request: TraceRequest): Promise<Trace | null | undefined> {
    return this.worker.trace(a, request);
  }

  /** `pc KIND` of an analysis' file, made in the worker (see IndexWorker.proxyConfig). */
  proxyConfigOffThread(a: Analysis, pcKind: PcKind, filters: PcFilters, title: string): Promise<PcAnswer | null | undefined> {
    return this.worker.call<PcAnswer>(a, 'pc', { pcKind, filters, title });
  }

  /**
   * Opens a dump file as its resource documents (read and split in the worker); their analyses join the workspace
   * as files indexed from disk, so every feature resolves across them.
   */
  async openDump(file: vscode.Uri, base: string, token?: vscode.CancellationToken, onPlaced?: (placed: OpenedDump['diagnostics']) => void): Promise<OpenedDump> {
    const ext = path.extname(file.fsPath).toLowerCase();
    const r = await this.worker.openDump(file.fsPath, file.toString(), base, ext === '.yaml' || ext === '.yml' ? 'yaml' : 'json', token);
    // An earlier opening of the same dump: its documents go (paths can change when the file did).
    for (const key of [...this.entries.keys()]) {
      if (key.startsWith(base)) {
        this.entries.delete(key);
        this.workspace.remove(key);
      }
    }
    this.openBases.set(base, r.id);
    const byKind = new Map<string, string[]>();
    for (const e of r.all) {
      const list = byKind.get(e.kind);
      if (list) list.push(e.uri);
      else byKind.set(e.kind, [e.uri]);
    }
    this.resourceOrder.set(base, byKind);
    await this.adopt(base, r.docs);
    this.changed.fire(base);
    // The other documents follow in batches, each joining the workspace as it comes (features resolve into them then).
    const complete = (async () => {
      for (let left = r.remaining; left > 0; ) {
        const batch = await this.worker.splitMore(base, r.id);
        if (!batch || batch.docs.length === 0 || this.openBases.get(base) !== r.id) break;
        await this.adopt(base, batch.docs);
        if (batch.diagnostics.length > 0) onPlaced?.(batch.diagnostics);
        this.changed.fire(base);
        left = batch.remaining;
      }
    })();
    const loaded = complete.finally(() => {
      if (this.loading.get(base) === loaded) this.loading.delete(base);
    });
    this.loading.set(base, loaded);
    return { ...r, complete };
  }

  /** Analyses of resource documents join the workspace, 500 per main-thread slice. */
  private async adopt(base: string, docs: Analysis[]): Promise<void> {
    for (let i = 0; i < docs.length; i += 500) {
      slice(base, 'workspace', () => {
        for (const a of docs.slice(i, i + 500)) {
          this.entries.set(a.uri, { version: -1, analysis: a, source: 'disk' });
          this.workspace.set(a);
        }
      });
      await new Promise((res) => setImmediate(res));
    }
  }

  /** A resource document's text, rendered again in the worker (undefined when the worker no longer holds its dump). */
  async renderDoc(uri: string): Promise<string | undefined> {
    const r = await this.worker.call<{ text: string | null }>(undefined, 'renderDoc', { doc: uri });
    return r?.text ?? undefined;
  }

  /** Any other request the worker answers from what it holds (see IndexWorker.call). */
  callOffThread<T>(a: Analysis | undefined, kind: string, payload: Record<string, unknown>, mb = 0): Promise<T | null | undefined> {
    return this.worker.call<T>(a, kind, payload, mb);
  }

  /** Forgets a dump opened as its resources: its documents leave the workspace here and in the worker. */
  closeDump(base: string): void {
    this.openBases.delete(base);
    this.resourceOrder.delete(base);
    for (const key of [...this.entries.keys()]) {
      if (key.startsWith(base)) {
        this.entries.delete(key);
        this.workspace.remove(key);
      }
    }
    this.worker.closeDump(base);
    this.changed.fire(base);
  }

  /** Forgets an open document (on close), unless it was indexed from disk too. */
  remove(uri: vscode.Uri): void {
    const key = uri.toString();
    this.sniffed.delete(key);
    if (this.entries.get(key)?.source === 'document') {
      this.entries.delete(key);
      this.workspace.remove(key);
      this.worker.remove(key);
      this.changed.fire(key);
    }
    this.pending.delete(key);
  }

  /** Indexes dump files from disk (Explorer workspace), in the worker, with progress and cancellation. */
  async indexFiles(files: vscode.Uri[], progress: vscode.Progress<{ message?: string; increment?: number }>, token: vscode.CancellationToken): Promise<number> {
    let found = 0;
    for (const [i, uri] of files.entries()) {
      if (token.isCancellationRequested) break;
      progress.report({ message: `${path.basename(uri.fsPath)} (${i + 1}/${files.length})`, increment: 100 / files.length });
      const key = uri.toString();
      if (this.entries.get(key)?.source === 'document') continue;
      try {
        const bytes = await vscode.workspace.fs.readFile(uri);
        if (!looksLikeEnvoy(new TextDecoder().decode(bytes.subarray(0, 8192)))) continue;
        const ext = path.extname(uri.fsPath).toLowerCase();
        const a = await this.worker.run(key, bytes, ext === '.yaml' || ext === '.yml' ? 'yaml' : 'json', token);
        this.entries.set(key, { version: -1, analysis: a, source: 'disk' });
        slice(key, 'workspace', () => this.workspace.set(a));
        found++;
        this.changed.fire(key);
      } catch (e) {
        if (isCancellation(e)) break;
        log().warn(`[index] skipped ${uri.fsPath}: ${(e as Error).message}`);
      }
    }
    return found;
  }

  dispose(): void {
    this.worker.dispose();
    this.changed.dispose();
  }
}
