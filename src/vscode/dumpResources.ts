/**
 * Dumps of any size (issue 12): a read-only file system (scheme `envoy-dump`) that presents one dump file as a folder
 * of small documents, one per resource: `envoy-dump://<id>/<file>/clusters/outbound|9080||ratings….json`. The file is
 * read from disk and split in the index worker (DumpIndex.openDump): the editor never holds the dump's text, only its
 * resources' analyses (so every feature resolves across the documents) and the whole dump's findings placed on them.
 * A document's text is rendered again by the worker each time it is read.
 *
 * Ways in: **Envoy: Open as Dump Resources** (active file, Explorer context menu), an offer when a file over
 * `envoyLens.largeDump.thresholdMB` opens (VS Code hands no file over 50 MB to extensions, but its tab is seen), and
 * Fetch Config Dump from Pod for a large dump. **Envoy: Go to Resource…** picks any resource of the opened dumps.
 */
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { looksLikeEnvoy, SNIFF_BYTES } from '../core/facade';
import { registerCommand } from './commands';
import type { DiagnosticsController } from './diagnostics';
import { RESOURCE_SCHEME, type DumpIndex, type OpenedDump } from './dumpIndex';
import { log } from './log';

export const OPEN_AS_RESOURCES = 'envoyLens.openAsResources';
const KNOWN_DUMPS_KEY = 'envoyLens.resourceDumps';
const MB = 1024 * 1024;

interface OpenDump {
  id: string;
  source: vscode.Uri;
  /** `envoy-dump://<id>/<file name>/`, as Uri.toString() writes it. */
  base: string;
  entries: OpenedDump['all'];
  byPath: Map<string, OpenedDump['all'][number]>;
  folders: Set<string>;
  mtime: number;
}

/** The stable id of a dump file: the same file gets the same URIs across reloads. */
function idOf(source: vscode.Uri): string {
  return createHash('sha256').update(source.toString()).digest('hex').slice(0, 12);
}

function baseOf(id: string, source: vscode.Uri): vscode.Uri {
  return vscode.Uri.from({ scheme: RESOURCE_SCHEME, authority: id, path: `/${path.basename(source.fsPath)}/` });
}

export class DumpResources implements vscode.FileSystemProvider, vscode.Disposable {
  private readonly dumps = new Map<string, OpenDump>();
  private readonly opening = new Map<string, Promise<OpenDump | undefined>>();
  private readonly changed = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.changed.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly index: DumpIndex,
    private readonly diagnostics: DiagnosticsController,
  ) {}

  /** Every resource of every dump opened this way. */
  all(): Array<{ dump: OpenDump; entry: OpenedDump['all'][number] }> {
    return [...this.dumps.values()].flatMap((dump) => dump.entries.map((entry) => ({ dump, entry })));
  }

  /** Opens (or opens again) a dump file as its resources, with a cancellable progress notification. */
  async open(source: vscode.Uri, quiet = false): Promise<OpenDump | undefined> {
    const id = idOf(source);
    const pending = this.opening.get(id);
    if (pending) return pending;
    const p = this.doOpen(source, id, quiet).finally(() => this.opening.delete(id));
    this.opening.set(id, p);
    return p;
  }

  private async doOpen(source: vscode.Uri, id: string, quiet: boolean): Promise<OpenDump | undefined> {
    if (source.scheme !== 'file') throw new Error(`only a file on disk can be opened as its resources; save ${path.basename(source.path)} first`);
    const name = path.basename(source.fsPath);
    const size = (await fsp.stat(source.fsPath)).size;
    const base = baseOf(id, source).toString();
    const t0 = Date.now();
    const r = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Envoy: reading ${name} (${(size / MB).toFixed(1)} MB) as its resources`, cancellable: true },
      (_progress, token) => this.index.openDump(source, base, token, (moved) => void this.diagnostics.setPlaced(base, moved, true)),
    );
    await this.diagnostics.setPlaced(base, r.diagnostics);
    const dump: OpenDump = {
      id,
      source,
      base,
      entries: r.all,
      byPath: new Map(r.all.map((e) => [e.path, e])),
      folders: new Set(r.all.map((e) => e.path.split('/')[0])),
      mtime: Date.now(),
    };
    this.dumps.set(id, dump);
    void vscode.commands.executeCommand('setContext', 'envoyLens.hasResourceDumps', true);
    const known = this.context.workspaceState.get<Record<string, string>>(KNOWN_DUMPS_KEY, {});
    await this.context.workspaceState.update(KNOWN_DUMPS_KEY, { ...known, [id]: source.toString() });
    this.changed.fire([{ type: vscode.FileChangeType.Changed, uri: vscode.Uri.parse(base) }]);
    const firstProblems = Date.now() - t0;
    log().info(`[resources] ${source.fsPath}: ${r.all.length} resources, ${r.diagnostics.length} findings; indexed in ${r.indexMs} ms, ${r.totalMs} ms in the worker, ${firstProblems} ms to the Problems panel`);
    void r.complete.then(() => log().info(`[resources] ${source.fsPath}: all ${r.all.length} documents indexed, ${Date.now() - t0} ms after the command`));
    if (!quiet) {
      void vscode.window.showInformationMessage(
        `${name}: ${r.all.length} resources as documents, ${r.diagnostics.length} finding${r.diagnostics.length === 1 ? '' : 's'} in the Problems panel (${((Date.now() - t0) / 1000).toFixed(1)} s).`,
        'Go to Resource…',
      ).then((choice) => (choice ? vscode.commands.executeCommand('envoyLens.goToResource') : undefined));
    }
    return dump;
  }

  /** The open dump a URI belongs to: one of its resource documents, or its file on disk. */
  find(uri: vscode.Uri): OpenDump | undefined {
    return uri.scheme === RESOURCE_SCHEME ? this.dumps.get(uri.authority) : this.dumps.get(idOf(uri));
  }

  /**
   * Closes a dump opened as its resources: its documents' tabs close, its findings leave the Problems panel, its
   * analyses leave the workspace (here and in the worker), and a window reload no longer opens it again.
   */
  async close(dump: OpenDump): Promise<void> {
    const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString().startsWith(dump.base));
    if (tabs.length > 0) await vscode.window.tabGroups.close(tabs);
    this.dumps.delete(dump.id);
    void vscode.commands.executeCommand('setContext', 'envoyLens.hasResourceDumps', this.dumps.size > 0);
    const known = { ...this.context.workspaceState.get<Record<string, string>>(KNOWN_DUMPS_KEY, {}) };
    delete known[dump.id];
    await this.context.workspaceState.update(KNOWN_DUMPS_KEY, known);
    this.diagnostics.closePlaced(dump.base);
    this.index.closeDump(dump.base);
    this.changed.fire([{ type: vscode.FileChangeType.Deleted, uri: vscode.Uri.parse(dump.base) }]);
    log().info(`[resources] ${dump.source.fsPath}: closed (${dump.entries.length} resources)`);
  }

  /** Every dump open as its resources. */
  opened(): OpenDump[] {
    return [...this.dumps.values()];
  }

  /** The dump of a resource URI, opened again from disk when only its id is known (a window reload). */
  private async dumpOf(uri: vscode.Uri): Promise<OpenDump> {
    const known = this.dumps.get(uri.authority);
    if (known) return known;
    const source = this.context.workspaceState.get<Record<string, string>>(KNOWN_DUMPS_KEY, {})[uri.authority];
    const opened = source ? await this.open(vscode.Uri.parse(source), true) : undefined;
    if (!opened) throw vscode.FileSystemError.FileNotFound(uri);
    return opened;
  }

  /** `['', file, folder, name]` → the entry path `folder/name`, or a folder. */
  private place(dump: OpenDump, uri: vscode.Uri): { type: 'root' | 'folder' | 'file'; path: string } {
    const parts = uri.path.split('/').filter((x) => x !== '');
    if (parts.length <= 1) return { type: 'root', path: '' };
    if (parts.length === 2 && dump.folders.has(parts[1])) return { type: 'folder', path: parts[1] };
    const p = parts.slice(1).join('/');
    if (dump.byPath.has(p)) return { type: 'file', path: p };
    throw vscode.FileSystemError.FileNotFound(uri);
  }

  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    const dump = await this.dumpOf(uri);
    const at = this.place(dump, uri);
    return {
      type: at.type === 'file' ? vscode.FileType.File : vscode.FileType.Directory,
      ctime: dump.mtime,
      mtime: dump.mtime,
      size: 0,
      permissions: vscode.FilePermission.Readonly,
    };
  }

  async readDirectory(uri: vscode.Uri): Promise<Array<[string, vscode.FileType]>> {
    const dump = await this.dumpOf(uri);
    const at = this.place(dump, uri);
    if (at.type === 'root') return [...dump.folders].map((f) => [f, vscode.FileType.Directory]);
    if (at.type === 'folder') return dump.entries.filter((e) => e.path.startsWith(`${at.path}/`)).map((e) => [e.path.slice(at.path.length + 1), vscode.FileType.File]);
    throw vscode.FileSystemError.FileNotADirectory(uri);
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    const dump = await this.dumpOf(uri);
    const at = this.place(dump, uri);
    if (at.type !== 'file') throw vscode.FileSystemError.FileIsADirectory(uri);
    let text = await this.index.renderDoc(uri.toString());
    if (text === undefined) {
      // The worker was restarted (a file that kept it busy too long): split the dump again.
      this.dumps.delete(dump.id);
      await this.open(dump.source, true);
      text = await this.index.renderDoc(uri.toString());
    }
    if (text === undefined) throw vscode.FileSystemError.FileNotFound(uri);
    return new TextEncoder().encode(text);
  }

  watch(): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  }

  createDirectory(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  writeFile(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  delete(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  rename(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** Whether a file on disk over the threshold looks like an Envoy dump (its first bytes only are read). */
async function largeDump(uri: vscode.Uri, thresholdBytes: number): Promise<number | undefined> {
  if (uri.scheme !== 'file' || !/\.(json|ya?ml)$/i.test(uri.fsPath)) return undefined;
  const st = await fsp.stat(uri.fsPath).catch(() => undefined);
  if (!st || st.size < thresholdBytes) return undefined;
  const fh = await fsp.open(uri.fsPath, 'r');
  try {
    const head = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await fh.read(head, 0, SNIFF_BYTES, 0);
    return looksLikeEnvoy(head.subarray(0, bytesRead).toString('utf8')) ? st.size : undefined;
  } finally {
    await fh.close();
  }
}

export function registerDumpResources(context: vscode.ExtensionContext, index: DumpIndex, diagnostics: DiagnosticsController): DumpResources {
  const resources = new DumpResources(context, index, diagnostics);
  context.subscriptions.push(resources, vscode.workspace.registerFileSystemProvider(RESOURCE_SCHEME, resources, { isCaseSensitive: true, isReadonly: true }));

  registerCommand(context, OPEN_AS_RESOURCES, async (arg?: vscode.Uri) => {
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    let source = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri ?? (tab instanceof vscode.TabInputText ? tab.uri : undefined);
    if (!source || source.scheme !== 'file') {
      const picked = await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Open as Dump Resources', filters: { 'Envoy dumps': ['json', 'yaml', 'yml'] } });
      source = picked?.[0];
    }
    if (!source) return undefined;
    const dump = await resources.open(source);
    return dump ? { base: dump.base, resources: dump.entries.length } : undefined;
  });

  registerCommand(context, 'envoyLens.closeResources', async (arg?: vscode.Uri) => {
    const open = resources.opened();
    if (open.length === 0) {
      void vscode.window.showInformationMessage('No dump is open as its resources.');
      return undefined;
    }
    const active = vscode.window.activeTextEditor?.document.uri;
    let dump = (arg instanceof vscode.Uri ? resources.find(arg) : undefined) ?? (active ? resources.find(active) : undefined);
    if (!dump && open.length === 1) dump = open[0];
    if (!dump) {
      const picked = await vscode.window.showQuickPick(
        open.map((d) => ({ label: path.basename(d.source.fsPath), description: `${d.entries.length} resources`, detail: d.source.fsPath, d })),
        { title: 'Envoy: Close Dump Resources', placeHolder: 'Which dump to close' },
      );
      dump = picked?.d;
    }
    if (!dump) return undefined;
    await resources.close(dump);
    return dump.source.toString();
  });

  registerCommand(context, 'envoyLens.goToResource', async () => {
    const all = resources.all();
    if (all.length === 0) {
      void vscode.window.showInformationMessage('No dump is open as its resources; run "Envoy: Open as Dump Resources" on a dump first.');
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      all.map(({ dump, entry }) => ({
        label: entry.name,
        description: `${entry.path.split('/')[0]}${entry.state === 'active' || entry.state === 'static' ? '' : ` · ${entry.state}`}`,
        detail: path.basename(dump.source.fsPath),
        uri: entry.uri,
      })),
      { title: 'Envoy: Go to Resource', placeHolder: 'Type a listener, route configuration, cluster, endpoint or secret name', matchOnDescription: true },
    );
    if (!picked) return undefined;
    await vscode.window.showTextDocument(vscode.Uri.parse(picked.uri), { preview: true });
    return picked.uri;
  });

  // A large dump opened in a tab (VS Code hands files over 50 MB to no extension, but the tab is there): offer it.
  const offered = new Set<string>();
  const offer = async (uri: vscode.Uri): Promise<void> => {
    const key = uri.toString();
    if (offered.has(key)) return;
    const threshold = vscode.workspace.getConfiguration('envoyLens').get<number>('largeDump.thresholdMB', 20) * MB;
    const size = await largeDump(uri, threshold).catch(() => undefined);
    if (size === undefined) return;
    offered.add(key);
    const choice = await vscode.window.showInformationMessage(
      `${path.basename(uri.fsPath)} is ${(size / MB).toFixed(0)} MB${size > 50 * MB ? ', more than VS Code hands to extensions' : ''}: open it as its resources (one small document per listener, route, cluster …) to get every Envoy Lens feature?`,
      'Open as Dump Resources',
    );
    if (choice) await vscode.commands.executeCommand(OPEN_AS_RESOURCES, uri);
  };
  context.subscriptions.push(
    vscode.window.tabGroups.onDidChangeTabs((e) => {
      for (const t of e.opened) if (t.input instanceof vscode.TabInputText) void offer(t.input.uri);
    }),
  );
  return resources;
}
