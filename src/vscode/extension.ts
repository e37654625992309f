/**
 * Envoy Lens for VS Code: the only layer that knows the editor. It wires the core (through DumpIndex) to providers,
 * diagnostics, a status bar item and commands; every registration goes to context.subscriptions.
 */
import * as vscode from 'vscode';
import { registerCommand } from './commands';
import { DiagnosticsController } from './diagnostics';
import { DumpIndex, type OpenedDump } from './dumpIndex';
import { registerFetchCommands } from './fetchCommand';
import { registerGraph } from './graph';
import { registerSummary } from './summary';
import { registerCompare } from './compare';
import { registerCheckPods } from './checkPods';
import { registerDumpResources } from './dumpResources';
import { registerTraceFeatures } from './trace';
import { registerTraffic } from './traffic';
import { log } from './log';
import { resetSlices, sliceRecords, type DocumentSlices } from './mainThread';
import { REVEAL_COMMAND, registerProviders } from './providers';

/**
 * What `activate` returns, for the integration tests (extensions.getExtension(…).exports): how long dump work held
 * the main thread per document, and the graph webview's message handler.
 */
export interface EnvoyLensApi {
  mainThreadSlices(uri?: string): Record<string, DocumentSlices>;
  resetMainThreadSlices(uri?: string): void;
  graphMessage(message: unknown): Promise<boolean>;
  /** Each refresh of an open dump's Problems: whether its findings changed (false: the panel was left alone). */
  onDidRefreshDiagnostics: vscode.Event<{ uri: string; changed: boolean }>;
  /** The labels of the Envoy Traffic view's top rows (its listeners), as the view lists them now. */
  trafficListeners(): string[];
  /**
   * Sets placed findings of a dump opened as its resources as the worker's batches do (`replace` true: the
   * replacements of a later batch), so a test can send one while the dump closes, or after.
   */
  setPlacedFindings(base: string, placed: OpenedDump['diagnostics'], replace: boolean): Promise<void>;
}

async function reveal(uri: string, offset: number): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
  const pos = doc.positionAt(offset);
  await vscode.window.showTextDocument(doc, { selection: new vscode.Range(pos, pos) });
}

function statusBar(index: DumpIndex, diagnostics: DiagnosticsController): vscode.Disposable[] {
  const item = vscode.window.createStatusBarItem('envoyLens.status', vscode.StatusBarAlignment.Left, 10);
  item.name = 'Envoy Lens';
  item.command = { command: 'envoyLens.showSummary', title: 'Show Dump Summary', arguments: [{ kind: 'all' }] };
  const update = () => {
    const doc = vscode.window.activeTextEditor?.document;
    const a = doc ? index.get(doc.uri) : undefined;
    if (!doc || !a) {
      item.hide();
      return;
    }
    const count = (k: string) => a.defs.filter((d) => d.kind === k && d.group === 'main').length;
    const { errors, warnings } = diagnostics.counts(doc.uri);
    const problems = errors + warnings ? ` · ${errors ? `${errors} $(error) ` : ''}${warnings ? `${warnings} $(warning)` : ''}`.trimEnd() : '';
    // A resource document holds one resource: name its dump instead of counting.
    item.text = doc.uri.scheme === 'envoy-dump'
      ? `$(type-hierarchy) Envoy: a resource of ${doc.uri.path.split('/')[1] ?? 'a dump'}${problems}`
      : `$(type-hierarchy) Envoy: ${count('listener')} listeners · ${count('cluster')} clusters${problems}`;
    item.tooltip = `Envoy ${a.shape} — click for a summary of listeners, routes, clusters and endpoints`;
    item.show();
  };
  return [
    item,
    vscode.window.onDidChangeActiveTextEditor(update),
    vscode.languages.onDidChangeDiagnostics(update),
    index.onDidChange(update),
  ];
}

export function activate(context: vscode.ExtensionContext): EnvoyLensApi {
  const out = log();
  const index = new DumpIndex(context.extensionUri);
  const diagnostics = new DiagnosticsController(index, context.extensionUri);
  context.subscriptions.push(out, index, diagnostics, ...registerProviders(index), ...statusBar(index, diagnostics));
  registerDumpResources(context, index, diagnostics);
  const fetched = registerFetchCommands(context, index);
  registerCompare(context, index, fetched);
  registerCheckPods(context, fetched);
  const trace = registerTraceFeatures(context, index);
  const traffic = registerTraffic(context, index, trace);
  const graph = registerGraph(context, index);

  registerCommand(context, REVEAL_COMMAND, (uri: string, offset: number) => reveal(uri, offset));
  registerCommand(context, 'envoyLens.showReferences', async (uri: string, offset: number) => {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
    const pos = doc.positionAt(offset);
    const locs = await vscode.commands.executeCommand<vscode.Location[]>('vscode.executeReferenceProvider', doc.uri, pos);
    await vscode.commands.executeCommand('editor.action.showReferences', doc.uri, pos, locs ?? []);
  });
  registerCommand(context, 'envoyLens.treatAsDump', async () => {
    const doc = vscode.window.activeTextEditor?.document;
    if (!doc) {
      void vscode.window.showInformationMessage('Open the dump file first, then run "Envoy: Treat File as Envoy Dump".');
      return;
    }
    index.force(doc.uri);
    diagnostics.schedule(doc, 0);
    const a = await index.analysisFor(doc);
    if (a?.shape === 'unknown') void vscode.window.showWarningMessage(`${vscode.workspace.asRelativePath(doc.uri)} has no Envoy listeners, routes, clusters, endpoints or secrets.`);
  });
  registerSummary(context, index);
  registerCommand(context, 'envoyLens.indexWorkspace', async () => {
    const exclude = '{**/node_modules/**,**/.git/**}';
    const files = await vscode.workspace.findFiles('**/*.{json,yaml,yml}', exclude, 10000);
    const found = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Envoy: indexing dump files', cancellable: true },
      (progress, token) => index.indexFiles(files, progress, token),
    );
    out.info(`[index] workspace: ${found} dump files among ${files.length} JSON/YAML files`);
    void vscode.window.showInformationMessage(`Envoy Lens indexed ${found} dump file${found === 1 ? '' : 's'} of the workspace.`);
  });
  out.info('[activate] Envoy Lens is ready');
  return {
    mainThreadSlices: sliceRecords,
    resetMainThreadSlices: resetSlices,
    graphMessage: (m) => graph.receive(m),
    onDidRefreshDiagnostics: diagnostics.onDidRefresh,
    trafficListeners: () => traffic.getChildren().map((n) => n.label),
    setPlacedFindings: (base, placed, replace) => diagnostics.setPlaced(base, placed, replace),
  };
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
