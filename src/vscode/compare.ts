/**
 * Comparing dumps in the editor (issue 13 §2): **Compare with…** (another open dump, a file, another pod of the same
 * workload, the previous fetch), **Compare with Previous Fetch**, the **Dump Changes** tree, and each change opened in
 * VS Code's diff editor on the two resources, normalized as the diff compares them. **Save Scrubbed Copy…** writes
 * `envoy-lens scrub`'s copy of the active dump. The diff and the scrub run in the index worker, which holds the text.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Analysis, DiffKind, DumpChange, ScrubKind } from '../core/facade';
import { registerCommand } from './commands';
import type { DumpIndex } from './dumpIndex';
import type { FetchedDumps } from './fetchCommand';

export const CHANGES_VIEW = 'envoyLens.changes';
const HAS_CHANGES_KEY = 'envoyLens.hasChanges';
const SCHEME = 'envoy-lens-change';

/** One comparison: what its two sides are called, and the changes. */
interface Comparison {
  id: number;
  a: string;
  b: string;
  changes: DumpChange[];
  notCompared: DiffKind[];
}

type Node = { type: 'kind'; kind: DiffKind; changes: DumpChange[] } | { type: 'change'; change: DumpChange } | { type: 'empty'; text: string };

const KIND_TITLE: Record<DiffKind, string> = {
  bootstrap: 'Bootstrap',
  listener: 'Listeners',
  route_configuration: 'Route configurations',
  virtual_host: 'Virtual hosts',
  route: 'Routes',
  cluster: 'Clusters',
  cluster_load_assignment: 'Endpoints (load assignments)',
  cluster_status: 'Cluster statuses (/clusters)',
  secret: 'Secrets',
  ecds_filter: 'ECDS filters',
  scoped_route: 'Scoped routes',
};

const CHANGE_ICON: Record<DumpChange['change'], string> = { added: 'diff-added', removed: 'diff-removed', changed: 'diff-modified' };

/** Short text for a value in a tooltip. */
function brief(v: unknown): string {
  const s = v === undefined ? '(absent)' : JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}…` : s;
}

class ChangesTree implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  current: Comparison | undefined;

  show(c: Comparison | undefined): void {
    this.current = c;
    void vscode.commands.executeCommand('setContext', HAS_CHANGES_KEY, !!c);
    this.changed.fire(undefined);
  }

  getChildren(node?: Node): Node[] {
    const c = this.current;
    if (!c) return [];
    if (!node) {
      if (c.changes.length === 0) return [{ type: 'empty', text: `No differences between ${c.a} and ${c.b}` }];
      const byKind = new Map<DiffKind, DumpChange[]>();
      for (const ch of c.changes) byKind.set(ch.kind, [...(byKind.get(ch.kind) ?? []), ch]);
      return [...byKind].map(([kind, changes]) => ({ type: 'kind', kind, changes }));
    }
    return node.type === 'kind' ? node.changes.map((change) => ({ type: 'change', change })) : [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.type === 'empty') return new vscode.TreeItem(node.text);
    if (node.type === 'kind') {
      const item = new vscode.TreeItem(KIND_TITLE[node.kind], vscode.TreeItemCollapsibleState.Expanded);
      item.description = String(node.changes.length);
      item.contextValue = 'envoyChanges.kind';
      return item;
    }
    const ch = node.change;
    const item = new vscode.TreeItem(ch.name, vscode.TreeItemCollapsibleState.None);
    const fields = ch.fields?.length ? ` · ${ch.fields.length} field${ch.fields.length === 1 ? '' : 's'}` : '';
    item.description = `${ch.change}${fields}${ch.note ? ` — ${ch.note}` : ''}`;
    item.iconPath = new vscode.ThemeIcon(CHANGE_ICON[ch.change]);
    const tip = new vscode.MarkdownString();
    tip.appendText(`${ch.kind} ${ch.name}: ${ch.change}\n`);
    if (ch.note) tip.appendText(`${ch.note}\n`);
    for (const f of (ch.fields ?? []).slice(0, 12)) tip.appendText(`\n${f.path}: ${brief(f.a)} → ${brief(f.b)}`);
    if ((ch.fields?.length ?? 0) > 12) tip.appendText(`\n… ${ch.fields!.length - 12} more`);
    item.tooltip = tip;
    item.contextValue = 'envoyChanges.change';
    item.command = { command: 'envoyLens.openChange', title: 'Open Change', arguments: [ch] };
    return item;
  }
}

/** `envoy-lens-change:/<comparison>/<a|b>/<kind>/<name>.json`: one side of one change, rendered by the worker. */
function changeUri(c: Comparison, side: 'a' | 'b', ch: DumpChange): vscode.Uri {
  const label = side === 'a' ? c.a : c.b;
  return vscode.Uri.from({
    scheme: SCHEME,
    path: `/${c.id}/${side}/${ch.kind}/${encodeURIComponent(ch.name)}.json`,
    query: new URLSearchParams({ of: label }).toString(),
  });
}

function scrubSummary(counts: Partial<Record<ScrubKind, number>>): string {
  const parts = Object.entries(counts).map(([k, n]) => `${k}: ${n}`);
  return parts.length ? parts.join(', ') : 'nothing secret found';
}

/** Registers the Dump Changes view, its document provider and the compare and scrub commands. */
export function registerCompare(context: vscode.ExtensionContext, index: DumpIndex, fetched: FetchedDumps): { tree: ChangesTree } {
  const tree = new ChangesTree();
  let nextId = 1;
  const view = vscode.window.createTreeView(CHANGES_VIEW, { treeDataProvider: tree, showCollapseAll: true });
  context.subscriptions.push(view);

  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(SCHEME, {
      provideTextDocumentContent: async (uri) => {
        const [, id, side, kind, file] = uri.path.split('/');
        const c = tree.current;
        const name = decodeURIComponent(file.replace(/\.json$/, ''));
        if (!c || String(c.id) !== id) return '// This comparison was replaced by a newer one: open the change again from the Dump Changes view.\n';
        const r = await index.callOffThread<{ text: string }>(undefined, 'changeDoc', { side, change: kind as DiffKind, name });
        if (!r) return '// The comparison is no longer held (the index worker restarted): run the comparison again.\n';
        // A resource one side lacks is an empty document: the diff shows it all added or removed.
        return r.text;
      },
    }),
  );

  /** Runs the diff of the active dump against `other` in the worker and shows the changes. */
  const run = async (doc: vscode.TextDocument, a: Analysis, other: { uri: string; label: string; text?: string | Uint8Array; languageId?: string }, otherFirst: boolean): Promise<Comparison | undefined> => {
    const here = doc.uri.scheme === 'untitled' ? path.basename(doc.uri.path) : vscode.workspace.asRelativePath(doc.uri);
    const mb = other.text === undefined ? 0 : (typeof other.text === 'string' ? other.text.length : other.text.byteLength) / 1e6;
    const r = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Envoy: comparing ${here} with ${other.label}` },
      () => index.callOffThread<{ changes: DumpChange[]; notCompared: DiffKind[] }>(a, 'diff', { other: { uri: other.uri, text: other.text, languageId: other.languageId }, otherFirst }, mb),
    );
    if (!r) {
      void vscode.window.showWarningMessage(`${here} changed while it was compared; run the comparison again.`);
      return undefined;
    }
    const c: Comparison = { id: nextId++, a: otherFirst ? other.label : here, b: otherFirst ? here : other.label, changes: r.changes, notCompared: r.notCompared };
    tree.show(c);
    await vscode.commands.executeCommand(`${CHANGES_VIEW}.focus`);
    const skipped = c.notCompared.length ? ` (not compared: ${c.notCompared.join(', ')}, in one side only)` : '';
    void vscode.window.showInformationMessage(
      c.changes.length === 0 ? `No differences between ${c.a} and ${c.b}${skipped}.` : `${c.changes.length} change${c.changes.length === 1 ? '' : 's'} from ${c.a} to ${c.b}${skipped}: see the Dump Changes view.`,
    );
    return c;
  };

  const activeDump = async (): Promise<{ doc: vscode.TextDocument; a: Analysis } | undefined> => {
    const doc = vscode.window.activeTextEditor?.document;
    const a = doc ? await index.analysisFor(doc) : undefined;
    if (!doc || !a) {
      void vscode.window.showInformationMessage('The active editor is not an Envoy dump; open one first.');
      return undefined;
    }
    return { doc, a };
  };

  registerCommand(context, 'envoyLens.compareWith', async (arg?: vscode.Uri) => {
    const active = await activeDump();
    if (!active) return undefined;
    const { doc, a } = active;
    type Pick = vscode.QuickPickItem & { run: () => Promise<Comparison | undefined> };
    const picks: Pick[] = [];
    const readFile = async (uri: vscode.Uri): Promise<Comparison | undefined> => {
      const bytes = await vscode.workspace.fs.readFile(uri);
      const languageId = /\.ya?ml$/i.test(uri.path) ? 'yaml' : 'json';
      return run(doc, a, { uri: uri.toString(), label: vscode.workspace.asRelativePath(uri), text: bytes, languageId }, false);
    };
    if (arg instanceof vscode.Uri) return readFile(arg);
    for (const other of vscode.workspace.textDocuments) {
      if (other === doc || !index.get(other.uri)) continue;
      const label = vscode.workspace.asRelativePath(other.uri);
      picks.push({
        label: path.basename(other.uri.path),
        description: label,
        detail: 'an open dump',
        run: async () => {
          const oa = await index.analysisFor(other);
          return oa ? run(doc, a, { uri: oa.uri, label }, false) : undefined;
        },
      });
    }
    const previous = fetched.previousOf(doc.uri);
    if (previous !== undefined) {
      picks.push({ label: 'Previous fetch', detail: 'what this document held before its last refresh', run: () => run(doc, a, { uri: `${doc.uri.toString()}#previous`, label: 'the previous fetch', text: previous, languageId: doc.languageId }, true) });
    }
    const pod = fetched.podOf(doc.uri);
    if (pod) {
      picks.push({
        label: 'Another pod of the same workload…',
        detail: `a replica of ${pod}, fetched now`,
        run: async () => {
          const r = await fetched.fetchReplica(doc.uri);
          return r ? run(doc, a, { uri: `envoy-lens-replica:${r.pod}`, label: `pod ${r.pod}`, text: r.text, languageId: r.languageId }, false) : undefined;
        },
      });
    }
    picks.push({
      label: 'Browse for a file…',
      detail: 'a dump on disk, any shape envoy-lens reads',
      run: async () => {
        const files = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Compare', filters: { 'Envoy dumps': ['json', 'yaml', 'yml'] } });
        return files?.[0] ? readFile(files[0]) : undefined;
      },
    });
    const picked = await vscode.window.showQuickPick(picks, { title: `Envoy: Compare ${vscode.workspace.asRelativePath(doc.uri)} with…`, placeHolder: 'Pick the dump to compare with', matchOnDetail: true });
    return picked ? picked.run() : undefined;
  });

  registerCommand(context, 'envoyLens.compareWithPreviousFetch', async () => {
    const active = await activeDump();
    if (!active) return undefined;
    const previous = fetched.previousOf(active.doc.uri);
    if (previous === undefined) {
      void vscode.window.showInformationMessage('This dump has not been refreshed yet: run "Envoy: Refresh Config Dump" first, then compare.');
      return undefined;
    }
    return run(active.doc, active.a, { uri: `${active.doc.uri.toString()}#previous`, label: 'the previous fetch', text: previous, languageId: active.doc.languageId }, true);
  });

  registerCommand(context, 'envoyLens.openChange', async (ch?: DumpChange) => {
    const c = tree.current;
    if (!c || !ch) return;
    const left = changeUri(c, 'a', ch);
    const right = changeUri(c, 'b', ch);
    await vscode.commands.executeCommand('vscode.diff', left, right, `${ch.name} (${c.a} ↔ ${c.b})`, { preview: true });
  });

  registerCommand(context, 'envoyLens.clearChanges', () => tree.show(undefined));

  registerCommand(context, 'envoyLens.saveScrubbedCopy', async () => {
    const active = await activeDump();
    if (!active) return undefined;
    const { doc, a } = active;
    const mode = await vscode.window.showQuickPick(
      [
        { label: 'Remove secrets', description: 'certificate and key bytes, tokens, passwords, credential headers', pseudonymize: false },
        { label: 'Remove secrets and pseudonymize names', description: 'also IPs, hosts, namespaces, services, SPIFFE IDs', pseudonymize: true },
      ],
      { title: 'Envoy: Save Scrubbed Copy', placeHolder: 'What should the copy leave out?' },
    );
    if (!mode) return undefined;
    const ext = a.format === 'yaml' ? 'yaml' : 'json';
    const base = doc.uri.scheme === 'file' ? doc.uri : vscode.Uri.joinPath(vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(path.dirname(doc.uri.path)), path.basename(doc.uri.path));
    const suggested = vscode.Uri.joinPath(base, '..', `${path.basename(base.path).replace(/\.(json|ya?ml)$/i, '')}.scrubbed.${ext}`);
    const target = await vscode.window.showSaveDialog({ defaultUri: suggested, saveLabel: 'Save Scrubbed Copy', filters: { [ext.toUpperCase()]: [ext] } });
    if (!target) return undefined;
    if (target.toString() === doc.uri.toString()) {
      void vscode.window.showErrorMessage('The scrubbed copy cannot replace the dump itself; pick another file name.');
      return undefined;
    }
    const r = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Envoy: scrubbing the dump' },
      () => index.callOffThread<{ text: string; counts: Partial<Record<ScrubKind, number>> }>(a, 'scrub', { pseudonymize: mode.pseudonymize }),
    );
    if (!r) {
      void vscode.window.showWarningMessage('The dump changed while it was scrubbed; save the scrubbed copy again.');
      return undefined;
    }
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(r.text));
    const summary = scrubSummary(r.counts);
    const open = await vscode.window.showInformationMessage(`Saved a scrubbed copy to ${vscode.workspace.asRelativePath(target)} (${summary}).`, 'Open');
    if (open === 'Open') await vscode.window.showTextDocument(target);
    return { uri: target.toString(), counts: r.counts };
  });

  return { tree };
}
