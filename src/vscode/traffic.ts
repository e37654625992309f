/**
 * The "Envoy Traffic" tree view of the active dump. The tree itself (children, labels, descriptions, trace targets)
 * is the core's (core/features/traffic.ts); this adapter follows the active editor and turns nodes into tree items.
 * Each node reveals its definition; listeners and routes have "Trace from here".
 */
import * as vscode from 'vscode';
import { trafficChildren, trafficItem, trafficTraceTarget, type TraceTarget, type TrafficNode } from '../core/facade';
import { RESOURCE_SCHEME, type DumpIndex } from './dumpIndex';
import { registerCommand } from './commands';
import { KIND_ICONS } from './icons';
import { slice } from './mainThread';

/** The base of a resource document's dump (`envoy-dump://id/file/`), or undefined for any other document. */
function resourceBase(uri: string): string | undefined {
  return uri.startsWith(`${RESOURCE_SCHEME}://`) ? /^([^/]*\/\/[^/]+\/[^/]+\/)/.exec(uri)?.[1] : undefined;
}

export class TrafficProvider implements vscode.TreeDataProvider<TrafficNode> {
  private readonly changed = new vscode.EventEmitter<TrafficNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  /** The dump shown: the active editor's, kept while a non-dump editor is active. */
  uri: string | undefined;

  constructor(private readonly index: DumpIndex) {}

  refresh(uri?: string): void {
    if (uri !== undefined) this.uri = uri;
    this.changed.fire(undefined);
  }

  getChildren(node?: TrafficNode): TrafficNode[] {
    const uri = node?.uri ?? this.uri;
    if (!uri) return [];
    // A resource document of a dump opened as its resources: the listeners of the whole dump, from their documents.
    const base = node ? undefined : resourceBase(uri);
    if (base) return slice(uri, 'traffic', () => this.index.resourcesOf(base, 'listener').flatMap((u) => trafficChildren(this.index.workspace, u)));
    return slice(uri, 'traffic', () => trafficChildren(this.index.workspace, uri, node));
  }

  getTreeItem(node: TrafficNode): vscode.TreeItem {
    const t = trafficItem(this.index.workspace, node);
    const item = new vscode.TreeItem(node.label, t.leaf ? vscode.TreeItemCollapsibleState.None : vscode.TreeItemCollapsibleState.Collapsed);
    item.iconPath = new vscode.ThemeIcon(KIND_ICONS[node.kind] ?? 'symbol-misc');
    item.id = `${node.uri}#${node.index}#${node.kind}#${node.label}#${node.listener ?? ''}#${node.via ?? ''}`;
    item.contextValue = node.kind === 'listener' || node.kind === 'route' ? `envoyTraffic.${node.kind}` : `envoyTraffic.other`;
    item.description = t.description;
    item.tooltip = t.tooltip;
    if (t.usable === false) item.iconPath = new vscode.ThemeIcon('circle-filled', new vscode.ThemeColor('errorForeground'));
    else if (t.usable === true) item.iconPath = new vscode.ThemeIcon('circle-filled', new vscode.ThemeColor('testing.iconPassed'));
    if (t.revealable) item.command = { title: 'Reveal Definition', command: 'envoyLens.traffic.reveal', arguments: [node] };
    return item;
  }

  getParent(): undefined {
    return undefined;
  }
}

export function registerTraffic(context: vscode.ExtensionContext, index: DumpIndex, trace: (arg: TraceTarget) => Promise<unknown>): TrafficProvider {
  const provider = new TrafficProvider(index);
  const view = vscode.window.createTreeView('envoyLens.traffic', { treeDataProvider: provider, showCollapseAll: true });
  const follow = () => {
    const doc = vscode.window.activeTextEditor?.document;
    if (doc && index.get(doc.uri)) {
      if (provider.uri !== doc.uri.toString()) provider.refresh(doc.uri.toString());
    } else if (doc && index.isEnvoy(doc)) {
      void index.analysisFor(doc).then(() => follow());
    }
  };
  follow();
  context.subscriptions.push(
    view,
    vscode.window.onDidChangeActiveTextEditor(follow),
    index.onDidChange((uri) => {
      // A dump opened as its resources changes by its base: the view of any of its documents lists more listeners.
      if (uri === provider.uri || (provider.uri !== undefined && resourceBase(provider.uri) === uri)) provider.refresh();
      else follow();
    }),
  );
  registerCommand(context, 'envoyLens.traffic.refresh', () => {
    provider.uri = undefined;
    follow();
    provider.refresh();
  });
  registerCommand(context, 'envoyLens.traffic.reveal', async (node: TrafficNode) => {
    const def = index.get(node.uri)?.defs[node.index];
    if (!def) return;
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(node.uri));
    const range = new vscode.Range(doc.positionAt(def.nameSpan.start), doc.positionAt(def.nameSpan.end));
    await vscode.window.showTextDocument(doc, { selection: range, preserveFocus: true, preview: false });
  });
  registerCommand(context, 'envoyLens.traffic.traceFromHere', async (node?: TrafficNode) => {
    const target = node ? trafficTraceTarget(index.workspace, node) : undefined;
    if (!target) {
      void vscode.window.showInformationMessage('Trace from here works on listeners and routes of the Envoy Traffic view.');
      return undefined;
    }
    return trace(target);
  });
  return provider;
}
