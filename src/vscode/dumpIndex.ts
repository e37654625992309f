/**
 * Owns the core Workspace for the editor: which documents are Envoy dumps, their analyses cached by version, large
 * documents indexed in a worker thread, and dump files of the workspace indexed on request.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as vscode from 'vscode';
import { analyze, looksLikeEnvoy, SNIFF_BYTES, Workspace, type Analysis } from '../core/facade';
import { log } from './log';

/** Documents longer than this (UTF-16 units) are indexed in the worker thread. */
const WORKER_THRESHOLD = 512 * 1024;
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

class IndexWorker {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (a: Analysis) => void; reject: (e: Error) => void }>();

  constructor(private readonly script: string) {}

  run(uri: string, text: string | Uint8Array, languageId: string, token?: vscode.CancellationToken): Promise<Analysis> {
    const w = this.ensure();
    const id = this.nextId++;
    return new Promise<Analysis>((resolve, reject) => {
      // Cancellation ends the worker: the core polls no token in there, and a new worker starts in ~30 ms.
      const sub = token?.onCancellationRequested(() => this.restart(new CancelledError()));
      const done = () => sub?.dispose();
      this.waiting.set(id, {
        resolve: (a) => (done(), resolve(a)),
        reject: (e) => (done(), reject(e)),
      });
      w.postMessage({ id, uri, text, languageId });
    });
  }

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(this.script);
    w.on('message', (m: { id: number; analysis?: Analysis; error?: string }) => {
      const p = this.waiting.get(m.id);
      if (!p) return;
      this.waiting.delete(m.id);
      if (m.analysis) p.resolve(m.analysis);
      else p.reject(new Error(m.error ?? 'indexing failed'));
    });
    w.on('error', (e) => this.restart(e));
    w.unref();
    this.worker = w;
    return w;
  }

  private restart(reason: Error): void {
    const w = this.worker;
    this.worker = undefined;
    void w?.terminate();
    for (const p of this.waiting.values()) p.reject(reason);
    this.waiting.clear();
  }

  dispose(): void {
    this.restart(new CancelledError());
  }
}

class CancelledError extends Error {
  override name = 'CancellationError';
  constructor() {
    super('cancelled');
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
    if (this.forced.has(key)) return true;
    if (!LANGUAGES.has(doc.languageId)) return false;
    if (this.entries.get(key)?.version === doc.version) return true;
    const cached = this.sniffed.get(key);
    if (cached && cached.version === doc.version) return cached.envoy;
    // By offset, not by lines: a minified dump is one line of many megabytes.
    const envoy = looksLikeEnvoy(doc.getText(new vscode.Range(doc.positionAt(0), doc.positionAt(SNIFF_BYTES))));
    this.sniffed.set(key, { version: doc.version, envoy });
    return envoy;
  }

  /** The latest analysis of a URI, whatever its version. */
  get(uri: vscode.Uri | string): Analysis | undefined {
    return this.entries.get(uri.toString())?.analysis;
  }

  /** The document version the current analysis was made from (-1 for files indexed from disk). */
  versionOf(uri: vscode.Uri | string): number | undefined {
    return this.entries.get(uri.toString())?.version;
  }

  /** All analyses currently known. */
  uris(): string[] {
    return [...this.entries.keys()];
  }

  /** The analysis of this version of the document, indexing it when needed; undefined when it is not a dump. */
  async analysisFor(doc: vscode.TextDocument, token?: vscode.CancellationToken): Promise<Analysis | undefined> {
    if (!this.isEnvoy(doc)) return undefined;
    const key = doc.uri.toString();
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
          this.workspace.set(a);
          this.changed.fire(key);
        }
        return a;
      },
      (err: Error) => {
        if (this.pending.get(key)?.version === version) this.pending.delete(key);
        if (err.name !== 'CancellationError') log().error(`[index] ${doc.uri.fsPath}:`, err);
        return undefined;
      },
    );
    this.pending.set(key, { version, promise });
    return promise;
  }

  private async index(doc: vscode.TextDocument, token?: vscode.CancellationToken): Promise<Analysis> {
    const text = doc.getText();
    const uri = doc.uri.toString();
    const languageId = doc.languageId === 'yaml' ? 'yaml' : 'json';
    const t0 = Date.now();
    let a: Analysis;
    if (text.length > WORKER_THRESHOLD) {
      a = await this.worker.run(uri, text, languageId, token);
    } else {
      a = analyze(uri, text, { languageId, isCancelled: token ? () => token.isCancellationRequested : undefined });
    }
    log().info(`[index] ${doc.uri.fsPath} v${doc.version}: ${a.shape}, ${a.defs.length} definitions, ${a.refs.length} references in ${Date.now() - t0} ms`);
    return a;
  }

  /** Forgets an open document (on close), unless it was indexed from disk too. */
  remove(uri: vscode.Uri): void {
    const key = uri.toString();
    this.sniffed.delete(key);
    if (this.entries.get(key)?.source === 'document') {
      this.entries.delete(key);
      this.workspace.remove(key);
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
        this.workspace.set(a);
        found++;
        this.changed.fire(key);
      } catch (e) {
        if ((e as Error).name === 'CancellationError') break;
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
