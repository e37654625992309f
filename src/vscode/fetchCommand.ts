/**
 * "Envoy: Fetch Config Dump from Pod…" and "Envoy: Refresh Config Dump": the editor side of src/kube.
 * Pickers (or a `{ context, namespace, pod }` argument, or a pod node of the Kubernetes extension's Cluster
 * Explorer) → a cancellable progress notification counting bytes → the dump in an editor, as an untitled document
 * named `<pod>.<namespace>.<UTC time>.config_dump.json` in the workspace folder (Ctrl+S saves it there) or as a file
 * in `envoyLens.fetch.saveTo`. Each document remembers its pod, so Refresh can fetch it again.
 *
 * Both commands refuse to run in an untrusted workspace: the kubeconfig can name credential plugins, which are
 * programs this would run.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { stringify } from 'yaml';
import {
  KubeConfigError, SETTING_OPTION_NAMES, fileTimestamp, formatBytes, isKubeError, loadKubeConfig, writeFileAtomic,
  type FetchMethod, type FetchResult, type KubeAccess,
} from '../kube';
import type { DumpIndex } from './dumpIndex';
import { pickTarget, type FetchTarget } from './fetchPickers';
import { explorerKubeconfig, explorerPod } from './kubernetesExplorer';
import { log } from './log';
import { registerCommand } from './commands';
import { OPEN_AS_RESOURCES } from './dumpResources';

export const FETCH_COMMAND = 'envoyLens.fetchDump';
export const REFRESH_COMMAND = 'envoyLens.refreshDump';
/** True once a refresh kept a previous content (enables Compare with Previous Fetch in the palette). */
export const PREVIOUS_CONTEXT_KEY = 'envoyLens.hasPreviousFetch';
/** True while the active editor holds a document fetched from a pod (enables Refresh in the palette). */
export const FETCHED_CONTEXT_KEY = 'envoyLens.fetchedDump';

/** Optional argument of envoyLens.fetchDump: skips the pickers. Missing context/namespace: the current ones. */
export interface FetchDumpArgs {
  readonly pod: string;
  readonly namespace?: string;
  readonly context?: string;
}

/** What a command run did (its return value, for tests and other commands). */
export interface FetchOutcome {
  readonly status: 'opened' | 'refreshed' | 'failed' | 'cancelled' | 'dismissed' | 'untrusted';
  /** The documents opened or refreshed: the dump, then /clusters when asked for. */
  readonly uris?: readonly string[];
  /** The kube layer's error code and one-sentence message, when status is "failed". */
  readonly code?: string;
  readonly message?: string;
}

type Part = 'config_dump' | 'clusters';

/** A fetched text in an editor; no TextDocument when it is too large to reach extensions. */
interface Opened {
  readonly uri: vscode.Uri;
  readonly doc?: vscode.TextDocument;
  /** A large dump opened as its resources: the base of their documents. */
  readonly resources?: string;
}

/** Where a document came from. */
interface Origin {
  readonly uri: vscode.Uri;
  readonly target: FetchTarget;
  readonly part: Part;
  /** The kubeconfig path the fetch used (undefined: KUBECONFIG or ~/.kube/config). */
  readonly kubeconfig: string | undefined;
}

interface FetchSettings {
  readonly kubeconfig: string | undefined;
  readonly method: FetchMethod;
  readonly adminPort: number | undefined;
  readonly includeEds: boolean;
  readonly includeClusters: boolean;
  /** config_dump?resource= and ?mask= (undefined: the whole dump). */
  readonly resource: string | undefined;
  readonly mask: string | undefined;
  readonly maxBytes: number;
  readonly timeoutMs: number;
  readonly format: 'json' | 'yaml';
  readonly saveTo: string | undefined;
}

const LAST_TARGET_KEY = 'envoyLens.fetch.last';
/** VS Code does not hand documents above this many characters to extensions (TextModel._MODEL_SYNC_LIMIT). */
const MODEL_SYNC_LIMIT = 50 * 1024 * 1024;
const MAX_ORIGINS = 500;
const PROGRESS_INTERVAL_MS = 200;

/** Registers envoyLens.fetchDump and envoyLens.refreshDump; everything goes to context.subscriptions. */
export function registerFetchCommands(context: vscode.ExtensionContext, index: DumpIndex): FetchedDumps {
  const commands = new FetchCommands(context, index);
  context.subscriptions.push(commands);
  registerCommand(context, FETCH_COMMAND, (arg?: unknown) => commands.fetch(arg));
  registerCommand(context, REFRESH_COMMAND, (arg?: unknown) => commands.refresh(arg));
  return commands;
}

/** What other features ask of fetched documents: the content a refresh replaced, and the dumps of replicas. */
export interface FetchedDumps {
  /** The pod a document was fetched from, as `pod.namespace`. */
  podOf(uri: vscode.Uri): string | undefined;
  /** The content a Refresh Config Dump replaced (the last one), if any. */
  previousOf(uri: vscode.Uri): string | undefined;
  /** Picks another pod with the same owner as the document's pod and fetches its dump; undefined when dismissed. */
  fetchReplica(uri: vscode.Uri): Promise<{ text: string; pod: string; languageId: string } | undefined>;
  /**
   * The kubeconfig loaded afresh (its new warnings logged), a context and a namespace picked as the fetch picks them,
   * and the fetch settings' timeout; undefined when the workspace is untrusted or the user closed a picker.
   */
  pickNamespace(title: string): Promise<{ kube: KubeAccess; context: string; namespace: string; timeoutMs: number } | undefined>;
}

class FetchCommands implements vscode.Disposable, FetchedDumps {
  /** Document URI → the pod it was fetched from. Kept after a close (a language change closes and reopens). */
  private readonly origins = new Map<string, Origin>();
  /** Document URI → the content the last refresh replaced (Compare with Previous Fetch). */
  private readonly previous = new Map<string, string>();
  /** Kubeconfig warnings already shown this session. */
  private readonly warned = new Set<string>();
  private readonly disposables: vscode.Disposable[];

  constructor(private readonly context: vscode.ExtensionContext, private readonly index: DumpIndex) {
    this.disposables = [
      vscode.window.onDidChangeActiveTextEditor((e) => this.updateContextKey(e)),
      // Ctrl+S on an untitled dump saves it to its suggested path: the file keeps the pod.
      vscode.workspace.onDidSaveTextDocument((doc) => {
        if (this.origins.has(doc.uri.toString())) return;
        const from = [...this.origins.values()].find((o) => o.uri.scheme === 'untitled' && o.uri.path === doc.uri.path);
        if (from) this.track({ ...from, uri: doc.uri });
      }),
    ];
    this.updateContextKey();
  }

  async fetch(arg?: unknown): Promise<FetchOutcome> {
    if (!trusted()) return { status: 'untrusted' };
    const settings = readSettings();
    try {
      const direct = asFetchArgs(arg);
      const fromExplorer = direct ? undefined : await explorerPod(arg);
      // From the explorer, "current context" means the one it shows: read the kubeconfig it uses.
      const kubeconfig = settings.kubeconfig ?? (fromExplorer ? await explorerKubeconfig() : undefined);
      const kube = await this.load(kubeconfig);
      let target: FetchTarget | undefined;
      const given = direct ?? fromExplorer;
      if (given) {
        const ctx = ('context' in given ? given.context : undefined) ?? kube.currentContext;
        if (!ctx) {
          throw new KubeConfigError('unknown-context',
            `The kubeconfig (${kube.files.join(', ') || kube.source}) sets no current context; pick a context with "kubectl config use-context" or run the command from the palette.`);
        }
        const namespace = given.namespace ?? kube.listContexts().find((c) => c.name === ctx)?.namespace ?? 'default';
        target = { context: ctx, namespace, pod: given.pod };
      } else {
        target = await pickTarget(kube, this.context.workspaceState.get<FetchTarget>(LAST_TARGET_KEY), settings.timeoutMs);
        if (!target) return { status: 'dismissed' };
      }
      await this.context.workspaceState.update(LAST_TARGET_KEY, target);

      const result = await this.download(kube, target, settings, settings.includeClusters);
      const when = new Date();
      const opened: Opened[] = [];
      const parts: Array<[Part, string | undefined]> = [['config_dump', result.text], ['clusters', result.clusters]];
      for (const [part, text] of parts) {
        if (text === undefined) continue;
        const body = render(text, settings.format, target, result, when, part);
        const o = await this.open(body, (n) => fileName(target, when, part, settings.format, n), settings);
        this.track({ uri: o.uri, target, part, kubeconfig });
        opened.push(o);
      }
      // The dump in front; /clusters in the background.
      const front = opened[0];
      if (front.doc) await vscode.window.showTextDocument(front.doc, { preview: false });
      else if (!front.resources) await vscode.commands.executeCommand('vscode.open', front.uri, { preview: false });
      this.updateContextKey();
      this.announce(target, result, front);
      return { status: 'opened', uris: opened.map((o) => o.uri.toString()) };
    } catch (e) {
      return this.failed(e);
    }
  }

  async refresh(arg?: unknown): Promise<FetchOutcome> {
    if (!trusted()) return { status: 'untrusted' };
    const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
    const origin = uri ? this.origins.get(uri.toString()) : undefined;
    if (!uri || !origin) {
      void vscode.window.showInformationMessage('The active editor was not fetched from a pod; use "Envoy: Fetch Config Dump from Pod…" first.');
      return { status: 'dismissed' };
    }
    const settings = readSettings();
    try {
      const kube = await this.load(origin.kubeconfig);
      const result = await this.download(kube, origin.target, settings, origin.part === 'clusters');
      const text = origin.part === 'clusters' ? result.clusters : result.text;
      if (text === undefined) throw new Error('the pod answered without /clusters');
      // A closed untitled document reopens empty under the same name; replacing everything then fills it.
      const doc = await vscode.workspace.openTextDocument(uri);
      const before = doc.getText();
      const body = render(text, doc.languageId === 'yaml' ? 'yaml' : 'json', origin.target, result, new Date(), origin.part);
      const edit = new vscode.WorkspaceEdit();
      edit.replace(uri, doc.validateRange(new vscode.Range(0, 0, doc.lineCount + 1, 0)), body);
      if (!(await vscode.workspace.applyEdit(edit))) throw new Error('the editor refused the new content');
      if (before.trim() !== '') this.previous.set(uri.toString(), before);
      void vscode.commands.executeCommand('setContext', PREVIOUS_CONTEXT_KEY, true);
      this.analyze(doc);
      await vscode.window.showTextDocument(doc, { preview: false });
      log().info(`[fetch] refreshed ${uri.toString()} from ${describe(origin.target)}`);
      void vscode.window.showInformationMessage(
        `Refreshed from pod "${origin.target.pod}" in namespace "${origin.target.namespace}" (${formatBytes(result.bytes)}, ${result.method}); Undo brings the previous dump back.`);
      return { status: 'refreshed', uris: [uri.toString()] };
    } catch (e) {
      return this.failed(e);
    }
  }

  podOf(uri: vscode.Uri): string | undefined {
    const o = this.origins.get(uri.toString());
    return o ? `${o.target.pod}.${o.target.namespace}` : undefined;
  }

  async pickNamespace(title: string): Promise<{ kube: KubeAccess; context: string; namespace: string; timeoutMs: number } | undefined> {
    if (!trusted()) return undefined;
    const settings = readSettings();
    const kube = await this.load(settings.kubeconfig);
    const last = this.context.workspaceState.get<FetchTarget>(LAST_TARGET_KEY);
    const t = await pickTarget(kube, last, settings.timeoutMs, { title, namespaceOnly: true });
    return t ? { kube, context: t.context, namespace: t.namespace, timeoutMs: settings.timeoutMs } : undefined;
  }

  previousOf(uri: vscode.Uri): string | undefined {
    return this.previous.get(uri.toString());
  }

  async fetchReplica(uri: vscode.Uri): Promise<{ text: string; pod: string; languageId: string } | undefined> {
    const origin = this.origins.get(uri.toString());
    if (!origin) throw new Error('the dump was not fetched from a pod; fetch it with "Envoy: Fetch Config Dump from Pod…" first');
    const settings = readSettings();
    const kube = await this.load(origin.kubeconfig);
    const { context: ctx, namespace, pod } = origin.target;
    const pods = await kube.listEnvoyPods(ctx, namespace, { timeoutMs: settings.timeoutMs });
    const self = pods.find((p) => p.name === pod);
    if (!self) throw new Error(`pod "${pod}" is no longer in namespace "${namespace}"; fetch a pod that runs now`);
    const owner = self.owner;
    if (!owner) throw new Error(`pod "${pod}" has no owner, so it has no replicas to compare with`);
    const ownerName = `${owner.kind} ${owner.name}`;
    const replicas = pods.filter((p) => p.owner?.kind === owner.kind && p.owner.name === owner.name && p.name !== pod);
    if (replicas.length === 0) throw new Error(`${ownerName} has no other pod in namespace "${namespace}"`);
    const picked = await vscode.window.showQuickPick(
      replicas.map((p) => ({ label: p.name, description: p.fetchable ? p.phase : `cannot fetch: ${p.reason ?? p.phase}`, pod: p })),
      { title: `Envoy: Compare with another pod of ${ownerName}`, placeHolder: 'Pick the replica to compare with' },
    );
    if (!picked) return undefined;
    const target = { context: ctx, namespace, pod: picked.pod.name };
    const result = await this.download(kube, target, settings, false);
    const languageId = uri.path.endsWith('.yaml') ? 'yaml' : 'json';
    return { text: render(result.text, languageId, target, result, new Date(), 'config_dump'), pod: picked.pod.name, languageId };
  }

  /** Loads the kubeconfig afresh (people log in and switch contexts between fetches); new warnings shown once. */
  private async load(kubeconfig: string | undefined): Promise<KubeAccess> {
    const kube = await loadKubeConfig({ kubeconfigPath: kubeconfig, names: SETTING_OPTION_NAMES });
    log().info(`[fetch] kubeconfig from ${kube.source}: ${kube.files.join(path.delimiter) || '(in-cluster service account)'}`);
    const fresh = kube.warnings.filter((w) => !this.warned.has(w.message));
    for (const w of fresh) {
      this.warned.add(w.message);
      log().warn(`[fetch] ${w.message}${w.detail ? ` ${w.detail}` : ''}`);
    }
    if (fresh.length > 0) {
      const more = fresh.length > 1 ? ` (${fresh.length - 1} more kubeconfig warning${fresh.length > 2 ? 's are' : ' is'} in the log)` : '';
      void vscode.window.showWarningMessage(`${fresh[0].message.replace(/\.$/, '')}${more}.`, 'Show Log')
        .then((choice) => { if (choice) log().show(); });
    }
    return kube;
  }

  /** The fetch under a cancellable progress notification that counts the bytes received. */
  private download(kube: KubeAccess, t: FetchTarget, s: FetchSettings, clusters: boolean): Promise<FetchResult> {
    return Promise.resolve(vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Envoy: fetching the config dump of pod "${t.pod}"`, cancellable: true },
      async (progress, token) => {
        const abort = new AbortController();
        const sub = token.onCancellationRequested(() => abort.abort());
        let reportedAt = 0;
        progress.report({ message: `namespace "${t.namespace}", context "${t.context}"…` });
        try {
          const result = await kube.fetchConfigDump({
            ...t,
            method: s.method,
            adminPort: s.adminPort,
            includeEds: s.includeEds,
            resource: s.resource,
            mask: s.mask,
            names: SETTING_OPTION_NAMES,
            clusters,
            maxBytes: s.maxBytes,
            timeoutMs: s.timeoutMs,
            signal: abort.signal,
            onProgress: (bytes) => {
              const now = Date.now();
              if (now - reportedAt < PROGRESS_INTERVAL_MS) return;
              reportedAt = now;
              progress.report({ message: `${formatBytes(bytes)} received` });
            },
          });
          log().info(`[fetch] ${describe(t)}: ${formatBytes(result.bytes)} by ${result.method} in ${result.elapsedMs} ms (${result.command})`);
          for (const a of result.attempts) log().info(`[fetch]   before that: ${a}`);
          progress.report({ message: `${formatBytes(result.bytes)} received; opening…` });
          return result;
        } finally {
          sub.dispose();
        }
      },
    ));
  }

  /**
   * Opens the text: a file in envoyLens.fetch.saveTo, else an untitled document with the suggested name in the
   * workspace folder. Above VS Code's sync limit there can be no TextDocument (untitled or not), so the text is saved
   * to a file either way and shown in a plain editor.
   */
  private async open(text: string, nameFor: (n: number) => string, s: FetchSettings): Promise<Opened> {
    const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file')?.uri ?? vscode.Uri.file(os.homedir());
    // A large dump opens as its resources (dumpResources.ts): never a multi-hundred-MB document.
    const threshold = vscode.workspace.getConfiguration('envoyLens').get<number>('largeDump.thresholdMB', 20) * 1024 * 1024;
    const tooLarge = text.length > Math.min(MODEL_SYNC_LIMIT, threshold);
    if (s.saveTo || tooLarge) {
      const dir = s.saveTo ? vscode.Uri.file(s.saveTo) : folder;
      await vscode.workspace.fs.createDirectory(dir);
      const uri = await freeName(dir, nameFor);
      // A temporary file renamed into place: a full disk or a crash never leaves half a dump under the name.
      await writeFileAtomic(uri.fsPath, text);
      if (tooLarge) {
        log().info(`[fetch] ${uri.fsPath}: ${formatBytes(text.length)}, opened as its resources`);
        const opened = await vscode.commands.executeCommand<{ base: string } | undefined>(OPEN_AS_RESOURCES, uri);
        return { uri, resources: opened?.base };
      }
      const doc = await vscode.workspace.openTextDocument(uri);
      this.analyze(doc);
      return { uri, doc };
    }
    // An untitled document with a path: its tab shows the name, and Save writes there without asking.
    const uri = (await freeName(folder, nameFor)).with({ scheme: 'untitled' });
    let doc = await vscode.workspace.openTextDocument(uri);
    const language = uri.path.endsWith('.yaml') ? 'yaml' : 'json';
    if (doc.languageId !== language) doc = await vscode.languages.setTextDocumentLanguage(doc, language);
    const edit = new vscode.WorkspaceEdit();
    edit.insert(uri, new vscode.Position(0, 0), text);
    if (!(await vscode.workspace.applyEdit(edit))) throw new Error(`the editor refused to fill ${path.posix.basename(uri.path)}`);
    this.analyze(doc);
    return { uri, doc };
  }

  /** It is a dump whatever its first lines look like: index it now, which publishes its diagnostics. */
  private analyze(doc: vscode.TextDocument): void {
    this.index.force(doc.uri);
    void this.index.analysisFor(doc);
  }

  private announce(t: FetchTarget, result: FetchResult, { uri, doc }: Opened): void {
    const what = `${formatBytes(result.bytes)} from pod "${t.pod}" in namespace "${t.namespace}" (${result.method}, ${(result.elapsedMs / 1000).toFixed(1)} s)`;
    if (!doc || doc.uri.scheme !== 'untitled') {
      void vscode.window.showInformationMessage(`Fetched ${what} and saved it to ${vscode.workspace.asRelativePath(uri)}.`);
      return;
    }
    void vscode.window.showInformationMessage(`Fetched ${what}.`, 'Save As…').then(async (choice) => {
      if (choice !== 'Save As…' || doc.isClosed) return;
      const origin = this.origins.get(doc.uri.toString());
      await vscode.window.showTextDocument(doc);
      // VS Code's own dialog, which starts from the document's suggested path and swaps the editor to the file.
      await vscode.commands.executeCommand('workbench.action.files.saveAs');
      const saved = vscode.window.activeTextEditor?.document;
      if (origin && saved && saved.uri.scheme !== 'untitled' && !this.origins.has(saved.uri.toString())) {
        this.track({ ...origin, uri: saved.uri });
        this.updateContextKey();
      }
    }, (e: unknown) => log().error('[fetch] Save As failed:', e as Error));
  }

  private failed(e: unknown): FetchOutcome {
    if (isKubeError(e)) {
      if (e.code === 'cancelled') {
        log().info(`[fetch] ${e.message}`);
        return { status: 'cancelled', code: e.code, message: e.message };
      }
      log().error(`[fetch] ${e.code}: ${e.message}${e.detail ? `\n${e.detail}` : ''}`);
      showError(e.message);
      return { status: 'failed', code: e.code, message: e.message };
    }
    const reason = e instanceof Error ? e.message : String(e);
    const message = `Fetching the config dump failed (${reason.split('\n')[0].slice(0, 160)}); see the log for details.`;
    log().error('[fetch]', e instanceof Error ? e : new Error(reason));
    showError(message);
    return { status: 'failed', code: 'internal', message };
  }

  private track(origin: Origin): void {
    const key = origin.uri.toString();
    this.origins.delete(key);
    this.origins.set(key, origin);
    if (this.origins.size > MAX_ORIGINS) this.origins.delete(this.origins.keys().next().value!);
  }

  private updateContextKey(editor = vscode.window.activeTextEditor): void {
    const fetched = !!editor && this.origins.has(editor.document.uri.toString());
    void vscode.commands.executeCommand('setContext', FETCHED_CONTEXT_KEY, fetched);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}

function trusted(): boolean {
  if (vscode.workspace.isTrusted) return true;
  void vscode.window.showWarningMessage('Fetching from a cluster is turned off in an untrusted workspace, because a kubeconfig can run credential plugins; trust the workspace to use it.');
  return false;
}

function showError(message: string): void {
  void vscode.window.showErrorMessage(message, 'Show Log').then((choice) => { if (choice) log().show(); });
}

function asFetchArgs(arg: unknown): FetchDumpArgs | undefined {
  if (typeof arg !== 'object' || arg === null) return undefined;
  const a = arg as Record<string, unknown>;
  if (typeof a.pod !== 'string') return undefined;
  const opt = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  return { pod: a.pod, namespace: opt(a.namespace), context: opt(a.context) };
}

function readSettings(): FetchSettings {
  const c = vscode.workspace.getConfiguration('envoyLens');
  const method = c.get<string>('fetch.method', 'auto');
  // Left at its default, the port comes from the pod's proxyAdminPort annotation (else 15000), as with istioctl.
  const port = c.inspect<number>('fetch.adminPort');
  const portSet = port !== undefined && [port.globalValue, port.workspaceValue, port.workspaceFolderValue].some((v) => v !== undefined);
  const maxMB = c.get<number>('fetch.maxSizeMB', 256);
  const filter = (key: string): string | undefined => {
    const v = c.get<string>(key, '').trim();
    return v === '' ? undefined : v;
  };
  const timeout = c.get<number>('fetch.timeoutSeconds', 120);
  return {
    kubeconfig: resolvePathList(c.get<string>('kubeconfig', '')),
    method: method === 'exec' || method === 'port-forward' ? method : 'auto',
    adminPort: portSet ? c.get<number>('fetch.adminPort') : undefined,
    includeEds: c.get<boolean>('fetch.includeEds', true),
    includeClusters: c.get<boolean>('fetch.includeClusters', false),
    // Checked by the kube layer, whose invalid-option message names the setting.
    resource: filter('fetch.resource'),
    mask: filter('fetch.mask'),
    // Decimal megabytes, as the kube layer's messages print sizes.
    maxBytes: (maxMB > 0 ? maxMB : 256) * 1_000_000,
    // 0: no deadline.
    timeoutMs: timeout >= 0 ? timeout * 1000 : 120_000,
    format: c.get<string>('fetch.format', 'json') === 'yaml' ? 'yaml' : 'json',
    saveTo: resolvePath(c.get<string>('fetch.saveTo', '')),
  };
}

/** "~" and paths relative to the first workspace folder (the extension host's working folder means nothing). */
function resolvePath(value: string | undefined): string | undefined {
  const p = value?.trim();
  if (!p) return undefined;
  if (p === '~' || p.startsWith('~/') || p.startsWith('~\\')) return path.join(os.homedir(), p.slice(1));
  const base = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file')?.uri.fsPath ?? os.homedir();
  return path.resolve(base, p);
}

/** A list of paths like KUBECONFIG, each resolved as above. */
function resolvePathList(value: string | undefined): string | undefined {
  const list = (value ?? '').split(path.delimiter).map(resolvePath).filter((p): p is string => p !== undefined);
  return list.length ? list.join(path.delimiter) : undefined;
}

/** `<pod>.<namespace>.<UTC time>.config_dump.json` (or .clusters.json, or .yaml); "-2", "-3" … after the time when taken. */
function fileName(t: FetchTarget, when: Date, part: Part, format: 'json' | 'yaml', n: number): string {
  const stamp = fileTimestamp(when);
  return `${t.pod}.${t.namespace}.${stamp}${n > 1 ? `-${n}` : ''}.${part}.${format}`;
}

/** The first name in `dir` that neither a file nor an open document has. */
async function freeName(dir: vscode.Uri, nameFor: (n: number) => string): Promise<vscode.Uri> {
  for (let i = 1; ; i++) {
    const candidate = vscode.Uri.joinPath(dir, nameFor(i));
    const open = vscode.workspace.textDocuments.some((d) => d.uri.path === candidate.path);
    if (!open && !(await exists(candidate))) return candidate;
  }
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

/** The text to show: the dump exactly as Envoy sent it, or as YAML under a comment saying where it came from. */
function render(text: string, format: 'json' | 'yaml', t: FetchTarget, result: FetchResult, when: Date, part: Part): string {
  if (format === 'json') return text;
  const what = part === 'clusters' ? '/clusters' : 'config dump';
  const header = `# Envoy ${what} of pod "${t.pod}" in namespace "${t.namespace}" (context "${t.context}"), fetched ${when.toISOString()}\n# ${result.command}\n`;
  return header + stringify(JSON.parse(text), { lineWidth: 0 });
}

function describe(t: FetchTarget): string {
  return `${t.context}/${t.namespace}/${t.pod}`;
}
