/**
 * Problems-panel diagnostics from the core's checks: re-computed on edit (debounced, keyed by document version),
 * for every open dump when one changes (a fix in one istioctl file resolves references in another), cleared when
 * a document closes. Settings: envoyLens.diagnostics.enabled and envoyLens.diagnostics.severity (per-code override).
 */
import { readdirSync } from 'node:fs';
import * as vscode from 'vscode';
import { check, type Diagnostic as CoreDiagnostic, type Severity } from '../core/facade';
import { SEVERITY, toRange } from './convert';
import { RESOURCE_SCHEME, type DumpIndex, type OpenedDump } from './dumpIndex';
import { log } from './log';
import { slice } from './mainThread';

const DEBOUNCE_MS = 300;
/**
 * Index changes come in bursts (a dump opened as its resources adds a batch of documents every few hundred ms): the
 * open dumps are checked again at most this often, not once per batch.
 */
const REFRESH_ALL_MS = 250;
/** Diagnostics VS Code keeps per file (ExtHostDiagnostics drops the rest). */
const MAX_PER_FILE = 1000;
/** Findings converted to editor diagnostics per main-thread step. */
const CONVERT_STEP = 250;
const RANK: Record<Severity, number> = { error: 0, warning: 1, information: 2, hint: 3 };
type Override = Severity | 'off';

/** At most MAX_PER_FILE findings: every `too-many-findings` count, then the rest by severity, listed by position. */
function keepMostSevere<T extends { d: CoreDiagnostic; level: Severity }>(found: T[]): T[] {
  const counts = found.filter((x) => x.d.code === 'too-many-findings');
  const rest = found.filter((x) => x.d.code !== 'too-many-findings').sort((x, y) => RANK[x.level] - RANK[y.level] || x.d.span.start - y.d.span.start);
  return [...rest.slice(0, MAX_PER_FILE - counts.length).sort((x, y) => x.d.span.start - y.d.span.start), ...counts];
}

/**
 * The README's name in the extension folder: vsce stores README.md as readme.md, so an installed extension has only
 * that name, and on a case-sensitive file system no README.md (issue 8).
 */
function readmeName(extensionUri: vscode.Uri): string {
  try {
    return readdirSync(extensionUri.fsPath).find((n) => /^readme\.md$/i.test(n)) ?? 'readme.md';
  } catch {
    return 'readme.md';
  }
}

export class DiagnosticsController implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('envoy-lens');
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly docsUri: vscode.Uri;
  /** README line of each code's table row, so the code links straight to its explanation (`README.md#L140`). */
  private readonly docLines = new Map<string, number>();
  /** The latest refresh of each document: an older one stops at its next step. */
  private readonly generations = new Map<string, number>();

  constructor(
    private readonly index: DumpIndex,
    extensionUri: vscode.Uri,
  ) {
    this.docsUri = vscode.Uri.joinPath(extensionUri, readmeName(extensionUri));
    void vscode.workspace.fs.readFile(this.docsUri).then(
      (bytes) => {
        new TextDecoder().decode(bytes).split('\n').forEach((line, i) => {
          const m = /^\| `([a-z-]+)` \|/.exec(line);
          if (m && !this.docLines.has(m[1])) this.docLines.set(m[1], i + 1);
        });
      },
      (e: Error) => log().warn(`[diagnostics] README not found for code links: ${e.message}`),
    );
    this.disposables.push(
      this.collection,
      vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d, 0)),
      vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document, DEBOUNCE_MS)),
      vscode.workspace.onDidCloseTextDocument((d) => this.closed(d)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('envoyLens.diagnostics')) this.refreshAll();
      }),
      index.onDidChange(() => this.refreshAllSoon()),
      { dispose: () => clearTimeout(this.refreshTimer) },
      this.refreshed,
    );
    for (const d of vscode.workspace.textDocuments) this.schedule(d, 0);
  }

  /** Indexes a document soon; the analysis update then refreshes every open dump's diagnostics. */
  schedule(doc: vscode.TextDocument, delay: number): void {
    // Resource documents carry their dump's findings (setPlaced), not checks of their own.
    if (doc.uri.scheme === RESOURCE_SCHEME || !this.index.isEnvoy(doc)) return;
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        // Re-read the live document: the version may have moved on while we waited.
        const live = vscode.workspace.textDocuments.find((d) => d.uri.toString() === key);
        if (live) void this.index.analysisFor(live);
      }, delay),
    );
  }

  private closed(doc: vscode.TextDocument): void {
    if (doc.uri.scheme === RESOURCE_SCHEME) return;
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this.collection.delete(doc.uri);
    this.index.remove(doc.uri);
  }

  private refreshTimer: NodeJS.Timeout | undefined;
  private readonly refreshed = new vscode.EventEmitter<{ uri: string; changed: boolean }>();
  /** Each refresh of an open dump's findings that ran to its end: whether they changed (else the panel was left alone). */
  readonly onDidRefresh = this.refreshed.event;

  /** refreshAll, once for every change that comes within REFRESH_ALL_MS of the first. */
  private refreshAllSoon(): void {
    if (this.refreshTimer) return;
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.refreshAll();
    }, REFRESH_ALL_MS);
  }

  /** Recomputes diagnostics of every open document that has an analysis (each in tasks of its own). */
  refreshAll(): void {
    for (const doc of vscode.workspace.textDocuments) {
      if (doc.uri.scheme !== RESOURCE_SCHEME && this.index.get(doc.uri)) void this.refresh(doc);
    }
  }

  /**
   * The checks, then the conversion to editor diagnostics in steps of CONVERT_STEP with a yield between them, so a file
   * with thousands of findings never holds the main thread in one piece. A newer refresh of the same document
   * supersedes this one at the next step.
   */
  private async refresh(doc: vscode.TextDocument): Promise<void> {
    const key = doc.uri.toString();
    const generation = (this.generations.get(key) ?? 0) + 1;
    this.generations.set(key, generation);
    const current = () => this.generations.get(key) === generation && this.index.versionOf(doc.uri) === doc.version;
    try {
      const config = vscode.workspace.getConfiguration('envoyLens.diagnostics', doc);
      if (!config.get<boolean>('enabled', true)) {
        this.collection.delete(doc.uri);
        return;
      }
      const overrides = config.get<Record<string, Override>>('severity', {});
      const a = this.index.get(doc.uri);
      if (!a) return;
      // Offsets belong to the version that was analyzed; a stale analysis waits for its successor.
      if (this.index.versionOf(doc.uri) !== doc.version) return;
      // The checks run in the worker, which holds the same analyses; on the main thread only when it lost them.
      const offThread = await this.index.checkOffThread(a);
      if (offThread === null || !current() || this.index.get(doc.uri) !== a) return;
      const found = (offThread ?? slice(key, 'check', () => check(this.index.workspace, a.uri)))
        .map((d) => ({ d, level: overrides[d.code] ?? d.severity }))
        .filter((x): x is { d: CoreDiagnostic; level: Severity } => x.level !== 'off');
      // The core lists at most 1,000 findings and one `too-many-findings` counting the rest; VS Code keeps MAX_PER_FILE
      // per file and drops the others, so make room for that count first, then the most severe.
      const shown = found.length > MAX_PER_FILE ? keepMostSevere(found) : found;
      const out: vscode.Diagnostic[] = [];
      for (let i = 0; i < shown.length; i += CONVERT_STEP) {
        await new Promise((r) => setImmediate(r));
        if (!current()) return;
        slice(key, 'diagnostics', () => {
          for (const { d, level } of shown.slice(i, i + CONVERT_STEP)) out.push(this.convert(doc, d, level));
        });
      }
      await new Promise((r) => setImmediate(r));
      if (!current()) return;
      // The same findings again (another file changed, not this one's checks): the Problems panel is left as it is.
      const changed = !sameDiagnostics(this.collection.get(doc.uri), out);
      if (changed) slice(key, 'problems', () => this.collection.set(doc.uri, out));
      this.refreshed.fire({ uri: key, changed });
    } catch (e) {
      log().error(`[diagnostics] ${doc.uri.fsPath}:`, e as Error);
    }
  }

  private convert(doc: vscode.TextDocument, d: CoreDiagnostic, level: Severity): vscode.Diagnostic {
    const diag = new vscode.Diagnostic(toRange(doc, d.span), d.message, SEVERITY[level] ?? SEVERITY[d.severity]);
    diag.source = 'envoy-lens';
    const line = this.docLines.get(d.code);
    diag.code = { value: d.code, target: line ? this.docsUri.with({ fragment: `L${line}` }) : this.docsUri };
    if (d.tags?.includes('unnecessary')) diag.tags = [vscode.DiagnosticTag.Unnecessary];
    if (d.related?.length) {
      diag.relatedInformation = d.related
        .filter((r) => r.uri === doc.uri.toString())
        .map((r) => new vscode.DiagnosticRelatedInformation(new vscode.Location(doc.uri, toRange(doc, r.span)), r.message));
    }
    return diag;
  }

  /**
   * Takes the findings of a dump opened as its resources off the Problems panel when it closes, for good: a set still
   * converting does not put its rows back, and replacements that arrive later (a batch the worker had already sent)
   * are dropped, until the dump is opened again (a whole set).
   */
  closePlaced(base: string): void {
    this.closedBases.add(base);
    this.placeEpochs.set(base, (this.placeEpochs.get(base) ?? 0) + 1);
    this.clearPlaced(base);
  }

  /** Dumps closed since their findings were last set whole. */
  private readonly closedBases = new Set<string>();
  /** Per dump, the number of times it was closed: a set started before a close sees the number change and stops. */
  private readonly placeEpochs = new Map<string, number>();

  private clearPlaced(base: string): void {
    const gone: vscode.Uri[] = [];
    this.collection.forEach((uri) => {
      if (uri.toString().startsWith(base)) gone.push(uri);
    });
    for (const uri of gone) this.collection.delete(uri);
  }

  /**
   * The findings of a dump opened as its resources, each already placed in its resource document (none of which needs
   * to be open), converted in steps with yields between them; severity overrides and `enabled` apply as to any dump.
   * `replace` false sets the whole dump's (the documents not named lose theirs), true replaces those of the documents
   * named only (places checked later); a replacement for a closed dump is dropped.
   */
  setPlaced(base: string, placed: OpenedDump['diagnostics'], replace = false): Promise<void> {
    if (replace && this.closedBases.has(base)) return Promise.resolve();
    if (!replace) this.closedBases.delete(base);
    const epoch = this.placeEpochs.get(base) ?? 0;
    // One at a time per dump: a later replacement must not be overwritten by an earlier set still converting.
    const run = (this.placing.get(base) ?? Promise.resolve()).then(() => this.placeNow(base, placed, replace, epoch));
    const tail = run.catch(() => undefined);
    this.placing.set(base, tail);
    void tail.then(() => {
      if (this.placing.get(base) === tail) this.placing.delete(base);
    });
    return run;
  }

  private readonly placing = new Map<string, Promise<unknown>>();

  private async placeNow(base: string, placed: OpenedDump['diagnostics'], replace: boolean, epoch: number): Promise<void> {
    const closed = (): boolean => (this.placeEpochs.get(base) ?? 0) !== epoch;
    if (closed()) return;
    if (!replace) this.clearPlaced(base);
    else for (const uri of new Set(placed.map((p) => p.uri))) this.collection.delete(vscode.Uri.parse(uri));
    const config = vscode.workspace.getConfiguration('envoyLens.diagnostics');
    if (!config.get<boolean>('enabled', true)) return;
    const overrides = config.get<Record<string, Override>>('severity', {});
    const byUri = new Map<string, vscode.Diagnostic[]>();
    for (let i = 0; i < placed.length; i += CONVERT_STEP) {
      slice(base, 'diagnostics', () => {
        for (const p of placed.slice(i, i + CONVERT_STEP)) {
          const level = overrides[p.code] ?? p.severity;
          if (level === 'off') continue;
          const d = new vscode.Diagnostic(new vscode.Range(p.range[0], p.range[1], p.range[2], p.range[3]), p.message, SEVERITY[level as Severity] ?? SEVERITY[p.severity]);
          d.source = 'envoy-lens';
          const line = this.docLines.get(p.code);
          d.code = { value: p.code, target: line ? this.docsUri.with({ fragment: `L${line}` }) : this.docsUri };
          if (p.tags?.includes('unnecessary')) d.tags = [vscode.DiagnosticTag.Unnecessary];
          if (p.related?.length) {
            d.relatedInformation = p.related.map(
              (r) => new vscode.DiagnosticRelatedInformation(new vscode.Location(vscode.Uri.parse(r.uri), new vscode.Range(r.range[0], r.range[1], r.range[2], r.range[3])), r.message),
            );
          }
          const list = byUri.get(p.uri);
          if (list) list.push(d);
          else byUri.set(p.uri, [d]);
        }
      });
      await new Promise((r) => setImmediate(r));
      if (closed()) return;
    }
    slice(base, 'diagnostics', () => {
      for (const [uri, list] of byUri) this.collection.set(vscode.Uri.parse(uri), list.slice(0, MAX_PER_FILE));
    });
  }

  /** Problem counts of a document: errors and warnings. */
  counts(uri: vscode.Uri): { errors: number; warnings: number } {
    let errors = 0;
    let warnings = 0;
    for (const d of this.collection.get(uri) ?? []) {
      if (d.severity === vscode.DiagnosticSeverity.Error) errors++;
      else if (d.severity === vscode.DiagnosticSeverity.Warning) warnings++;
    }
    return { errors, warnings };
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const d of this.disposables) d.dispose();
  }
}

/** Whether two lists of diagnostics say the same things at the same places, in the same order. */
export function sameDiagnostics(a: readonly vscode.Diagnostic[] | undefined, b: readonly vscode.Diagnostic[]): boolean {
  if (!a || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    const cx = typeof x.code === 'object' ? x.code.value : x.code;
    const cy = typeof y.code === 'object' ? y.code.value : y.code;
    if (!x.range.isEqual(y.range) || x.message !== y.message || x.severity !== y.severity || cx !== cy) return false;
    if (String(x.tags ?? '') !== String(y.tags ?? '')) return false;
    const rx = x.relatedInformation ?? [];
    const ry = y.relatedInformation ?? [];
    if (rx.length !== ry.length || rx.some((r, k) => r.message !== ry[k].message || !r.location.range.isEqual(ry[k].location.range))) return false;
  }
  return true;
}
