/**
 * The "Envoy Traffic" tree of the active dump: listeners › filter chains › route configuration › virtual hosts ›
 * routes › clusters › endpoints, built lazily from the Analysis (parent links and references' `from`), so a dump with
 * thousands of clusters costs only what is expanded. Each node reveals its definition; listeners and routes have
 * "Trace from here".
 */
import * as vscode from 'vscode';
import { takesTraffic, type Analysis, type DefHandle, type Definition, type Reference } from '../core/facade';
import type { DumpIndex } from './dumpIndex';
import { registerCommand } from './log';
import { slice } from './mainThread';
import type { TraceArgs } from './trace';

/** A node: a definition (uri + index), a name that resolves nowhere, or one endpoint address. */
export interface TrafficNode {
  uri: string;
  index: number;
  kind: Definition['kind'] | 'missing' | 'address';
  label: string;
  /** The listener this node was reached from (for "Trace from here"). */
  listener?: number;
  /** missing: the kind of the name that resolves nowhere; address: its health. */
  extra?: string;
  via?: string;
}

interface Tables {
  children: Map<number, number[]>;
  refsFrom: Map<number, Reference[]>;
}

const tables = new WeakMap<Analysis, Tables>();

function tablesOf(a: Analysis): Tables {
  let t = tables.get(a);
  if (t) return t;
  const children = new Map<number, number[]>();
  a.defs.forEach((d, i) => {
    if (d.parent < 0) return;
    let l = children.get(d.parent);
    if (!l) children.set(d.parent, (l = []));
    l.push(i);
  });
  const refsFrom = new Map<number, Reference[]>();
  for (const r of a.refs) {
    if (r.from < 0) continue;
    let l = refsFrom.get(r.from);
    if (!l) refsFrom.set(r.from, (l = []));
    l.push(r);
  }
  t = { children, refsFrom };
  tables.set(a, t);
  return t;
}

const ICONS: Record<string, string> = {
  listener: 'plug',
  filterChain: 'filter',
  routeConfig: 'list-tree',
  virtualHost: 'globe',
  route: 'arrow-right',
  cluster: 'server',
  endpoints: 'server-environment',
  missing: 'warning',
  address: 'circle-filled',
};

/** Whether a listener takes traffic into the pod (Istio's virtualInbound, or named inbound…). */
export function isInboundListener(name: string): boolean {
  return /^virtualInbound$|^inbound/i.test(name);
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

  private analysis(uri: string): Analysis | undefined {
    return this.index.get(uri);
  }

  private defNode(h: DefHandle, listener?: number, via?: string): TrafficNode {
    return { uri: h.uri, index: h.index, kind: h.def.kind, label: h.def.name, listener, via };
  }

  getChildren(node?: TrafficNode): TrafficNode[] {
    const uri = node?.uri ?? this.uri;
    return uri ? slice(uri, 'traffic', () => this.children(node)) : [];
  }

  private children(node?: TrafficNode): TrafficNode[] {
    if (!node) {
      const a = this.uri ? this.analysis(this.uri) : undefined;
      if (!a) return [];
      const out: TrafficNode[] = [];
      a.defs.forEach((d, i) => {
        if (d.kind === 'listener' && d.group === 'main') out.push({ uri: a.uri, index: i, kind: 'listener', label: d.name, listener: i });
      });
      return out;
    }
    const a = this.analysis(node.uri);
    if (!a || node.index < 0) return [];
    const t = tablesOf(a);
    const def = a.defs[node.index];
    const own = (t.children.get(node.index) ?? []).map((i) => ({ uri: a.uri, index: i, def: a.defs[i] }));
    const refs = t.refsFrom.get(node.index) ?? [];
    const resolved = (r: Reference): TrafficNode[] => {
      const hs = this.index.workspace.resolve(a.uri, r.kind, r.name).filter((h) => h.def.group === 'main');
      if (hs.length === 0) return [{ uri: a.uri, index: -1, kind: 'missing', label: r.name, extra: r.kind, listener: node.listener, via: r.via }];
      return [this.defNode(hs[0], node.listener, r.via)];
    };
    switch (def.kind) {
      case 'listener':
        return own.filter((h) => h.def.kind === 'filterChain').map((h) => this.defNode(h, node.listener));
      case 'filterChain':
        return [
          ...own.filter((h) => h.def.kind === 'routeConfig').map((h) => this.defNode(h, node.listener)),
          ...refs.filter((r) => r.kind === 'routeConfig' || (r.kind === 'cluster' && r.via.startsWith('tcp'))).flatMap(resolved),
        ];
      case 'routeConfig':
        return own.filter((h) => h.def.kind === 'virtualHost').map((h) => this.defNode(h, node.listener));
      case 'virtualHost':
        return own.filter((h) => h.def.kind === 'route').map((h) => this.defNode(h, node.listener));
      case 'route':
        return refs.filter((r) => r.kind === 'cluster').flatMap(resolved);
      case 'cluster': {
        const eds = refs.filter((r) => r.kind === 'endpoints').flatMap(resolved);
        return eds.length > 0 ? eds : this.addresses(node, def);
      }
      case 'endpoints':
        return this.addresses(node, def);
      default:
        return [];
    }
  }

  private addresses(node: TrafficNode, def: Definition): TrafficNode[] {
    const e = def.info.endpoints;
    if (!e) return [];
    const out = e.sample.map((addr, i) => ({ uri: node.uri, index: -1, kind: 'address' as const, label: addr, extra: e.sampleStatus[i] }));
    if (e.total > e.sample.length) out.push({ uri: node.uri, index: -1, kind: 'address', label: `… ${e.total - e.sample.length} more`, extra: '' });
    return out;
  }

  getTreeItem(node: TrafficNode): vscode.TreeItem {
    const a = this.analysis(node.uri);
    const def = node.index >= 0 ? a?.defs[node.index] : undefined;
    const leaf = node.kind === 'missing' || node.kind === 'address' || (node.kind === 'endpoints' && !def?.info.endpoints?.total);
    const item = new vscode.TreeItem(node.label, leaf ? vscode.TreeItemCollapsibleState.None : vscode.TreeItemCollapsibleState.Collapsed);
    item.iconPath = new vscode.ThemeIcon(ICONS[node.kind] ?? 'symbol-misc');
    item.id = `${node.uri}#${node.index}#${node.kind}#${node.label}#${node.listener ?? ''}#${node.via ?? ''}`;
    item.contextValue = node.kind === 'listener' || node.kind === 'route' ? `envoyTraffic.${node.kind}` : `envoyTraffic.other`;
    if (node.kind === 'missing') {
      item.description = `not in the dump (${node.extra})`;
      item.tooltip = `${node.extra} "${node.label}" is referenced but not defined in this dump`;
      return item;
    }
    if (node.kind === 'address') {
      item.description = node.extra;
      if (node.extra && !takesTraffic(node.extra)) item.iconPath = new vscode.ThemeIcon('circle-filled', new vscode.ThemeColor('errorForeground'));
      else if (node.extra) item.iconPath = new vscode.ThemeIcon('circle-filled', new vscode.ThemeColor('testing.iconPassed'));
      return item;
    }
    if (!def) return item;
    item.description = describe(def, node.via);
    item.tooltip = `${def.kind} ${def.name}${item.description ? `\n${item.description}` : ''}\n${def.section}`;
    item.command = { title: 'Reveal Definition', command: 'envoyLens.traffic.reveal', arguments: [node] };
    return item;
  }

  getParent(): undefined {
    return undefined;
  }

  /** A request that goes through this listener or route. */
  traceArgs(node: TrafficNode): TraceArgs | undefined {
    const a = this.analysis(node.uri);
    if (!a || node.index < 0) return undefined;
    const def = a.defs[node.index];
    const listener = node.listener !== undefined ? a.defs[node.listener] : undefined;
    const port = /:(\d+)$/.exec(listener?.info.address ?? '')?.[1];
    const inbound = listener ? isInboundListener(listener.name) : false;
    if (def.kind === 'listener') {
      if (!port) return undefined;
      const host = /^(.*):\d+$/.exec(def.info.address ?? '')?.[1];
      const ip = host && host !== '0.0.0.0' && host !== '::' && host !== '[::]' ? host : '10.0.0.1';
      // An HTTP listener gets an HTTP request (a TCP one would end at "not_http"); otherwise a plain connection.
      const http = a.defs.some((d) => d.kind === 'filterChain' && d.parent === node.index && d.info.filters?.some((f) => /http_connection_manager/.test(f)));
      return { to: `${http ? 'http' : 'tcp'}://${ip}:${port}${http ? '/' : ''}`, inbound, uri: a.uri };
    }
    if (def.kind === 'route') {
      const vh = def.parent >= 0 ? a.defs[def.parent] : undefined;
      let domain = vh?.info.domains?.find((d) => d !== '*') ?? 'example.com';
      domain = domain.replace(/^\*\.?/, 'www.').replace(/\.\*$/, '');
      const m = /^(prefix|path|path_separated_prefix) (\S+)/.exec(def.info.match ?? '');
      const p = m ? m[2] : '/';
      const hostPort = /:\d+$/.test(domain) ? domain : `${domain}:${port ?? 80}`;
      return { to: `http://${hostPort}${p.startsWith('/') ? p : `/${p}`}`, inbound, headers: { host: domain }, uri: a.uri };
    }
    return undefined;
  }
}

function describe(def: Definition, via?: string): string {
  const i = def.info;
  const parts: string[] = [];
  if (via && via !== 'route' && via !== 'rds' && via !== 'eds') parts.push(via);
  switch (def.kind) {
    case 'listener':
      if (i.address) parts.push(i.address);
      if (isInboundListener(def.name)) parts.push('inbound');
      if (i.errorDetails) parts.push('error');
      break;
    case 'filterChain':
      if (i.chainMatch) parts.push(i.chainMatch);
      break;
    case 'virtualHost':
      if (i.domains) parts.push(i.domains.slice(0, 3).join(', ') + (i.domains.length > 3 ? ', …' : ''));
      break;
    case 'route':
      if (i.match && i.match !== def.name) parts.push(i.match);
      if (i.action) parts.push(`→ ${i.action}`);
      break;
    case 'cluster':
      if (i.clusterType) parts.push(i.clusterType);
      if (i.endpoints) parts.push(`${i.endpoints.healthy}/${i.endpoints.total} healthy`);
      break;
    case 'endpoints':
      if (i.endpoints) parts.push(`${i.endpoints.healthy}/${i.endpoints.total} healthy`);
      break;
    default:
      break;
  }
  if (def.state !== 'active' && def.state !== 'static' && def.state !== 'inline') parts.push(def.state);
  return parts.join(' · ');
}

export function registerTraffic(context: vscode.ExtensionContext, index: DumpIndex, trace: (arg: TraceArgs) => Promise<unknown>): TrafficProvider {
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
      if (uri === provider.uri) provider.refresh();
      else follow();
    }),
    registerCommand('envoyLens.traffic.refresh', () => {
      provider.uri = undefined;
      follow();
      provider.refresh();
    }),
    registerCommand('envoyLens.traffic.reveal', async (node: TrafficNode) => {
      const def = index.get(node.uri)?.defs[node.index];
      if (!def) return;
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(node.uri));
      const range = new vscode.Range(doc.positionAt(def.nameSpan.start), doc.positionAt(def.nameSpan.end));
      await vscode.window.showTextDocument(doc, { selection: range, preserveFocus: true, preview: false });
    }),
    registerCommand('envoyLens.traffic.traceFromHere', async (node?: TrafficNode) => {
      const args = node ? provider.traceArgs(node) : undefined;
      if (!args) {
        void vscode.window.showInformationMessage('Trace from here works on listeners and routes of the Envoy Traffic view.');
        return undefined;
      }
      return trace(args);
    }),
    /** Test hook: the labels of the children at a path of labels from the root (the root when the path is empty). */
    registerCommand('envoyLens.traffic.labels', (pathLabels: string[] = [], uri?: string) => {
      if (uri) provider.refresh(uri);
      let nodes = provider.getChildren();
      for (const l of pathLabels) {
        const n = nodes.find((x) => x.label === l);
        if (!n) return undefined;
        nodes = provider.getChildren(n);
      }
      return nodes.map((n) => ({ label: n.label, kind: n.kind, description: provider.getTreeItem(n).description, traceArgs: provider.traceArgs(n) }));
    }),
  );
  return provider;
}
