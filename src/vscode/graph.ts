/**
 * "Envoy: Show Traffic Graph": a webview drawing listener → route configuration → cluster → endpoint for the active
 * dump, inbound and outbound apart. The extension sends the graph as plain data; media/graph.js lays it out as SVG
 * (columns per kind), filters by name and shows at most ~200 nodes. Clicking a node reveals its definition: the page
 * sends the node's id, and only a location of the graph drawn is opened (graphModel.ts).
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { Analysis } from '../core/facade';
import type { DumpIndex } from './dumpIndex';
import { parseGraphMessage, revealTarget, type GraphData, type GraphNode } from './graphModel';
import { log, registerCommand } from './log';
import { slice } from './mainThread';
import { isInboundListener } from './traffic';

export type { GraphData, GraphNode } from './graphModel';

/** The graph of one dump: every listener, the route configurations and clusters they reach, every cluster, endpoints. */
export function buildGraph(index: DumpIndex, a: Analysis, title: string): GraphData {
  const nodes: GraphNode[] = [];
  const edges: Array<[number, number]> = [];
  const edgeSet = new Set<string>();
  const byKey = new Map<string, number>();
  const sideOfDef = new Map<number, 'inbound' | 'outbound'>();
  const add = (key: string, n: Omit<GraphNode, 'id'>): number => {
    const have = byKey.get(key);
    if (have !== undefined) return have;
    const id = nodes.length;
    nodes.push({ id, ...n });
    byKey.set(key, id);
    return id;
  };
  const edge = (from: number, to: number) => {
    const k = `${from}>${to}`;
    if (edgeSet.has(k)) return;
    edgeSet.add(k);
    edges.push([from, to]);
  };
  const children = new Map<number, number[]>();
  a.defs.forEach((d, i) => {
    if (d.parent >= 0) (children.get(d.parent) ?? children.set(d.parent, []).get(d.parent)!).push(i);
  });
  const refsFrom = new Map<number, typeof a.refs>();
  for (const r of a.refs) if (r.from >= 0) (refsFrom.get(r.from) ?? refsFrom.set(r.from, []).get(r.from)!).push(r);

  const defNode = (uri: string, i: number, d: Analysis['defs'][number], side: 'inbound' | 'outbound'): number => {
    const kind = d.kind === 'endpoints' ? 'endpoint' : (d.kind as GraphNode['kind']);
    const id = add(`${kind}:${d.name}:${uri === a.uri ? i : `${uri}#${i}`}`, { kind, name: d.name, side, uri, start: d.nameSpan.start, end: d.nameSpan.end });
    if (uri === a.uri) sideOfDef.set(i, sideOfDef.get(i) ?? side);
    return id;
  };
  const clusterNode = (name: string, side: 'inbound' | 'outbound'): number => {
    const hs = index.workspace.resolve(a.uri, 'cluster', name).filter((h) => h.def.group === 'main');
    if (hs.length === 0) return add(`cluster:${name}`, { kind: 'cluster', name, side, missing: true, detail: 'not in the dump' });
    const h = hs[0];
    const key = `cluster:${name}`;
    const have = byKey.get(key);
    if (have !== undefined) return have;
    const id = defNode(h.uri, h.index, h.def, name.startsWith('inbound|') ? 'inbound' : side);
    byKey.set(key, id);
    return id;
  };
  const routeConfigTargets = (rc: number, rcNode: number, side: 'inbound' | 'outbound') => {
    for (const vh of children.get(rc) ?? []) {
      for (const route of children.get(vh) ?? []) {
        for (const r of refsFrom.get(route) ?? []) if (r.kind === 'cluster') edge(rcNode, clusterNode(r.name, side));
      }
    }
  };

  a.defs.forEach((d, li) => {
    if (d.kind !== 'listener' || d.group !== 'main') return;
    const side = isInboundListener(d.name) ? 'inbound' : 'outbound';
    const ln = defNode(a.uri, li, d, side);
    nodes[ln].detail = d.info.address;
    for (const fc of children.get(li) ?? []) {
      for (const inner of children.get(fc) ?? []) {
        if (a.defs[inner].kind !== 'routeConfig') continue;
        const rn = add(`routeConfig:inline:${inner}`, {
          kind: 'routeConfig',
          name: `${d.name} (inline)`,
          side,
          uri: a.uri,
          start: a.defs[inner].nameSpan.start,
          end: a.defs[inner].nameSpan.end,
        });
        edge(ln, rn);
        routeConfigTargets(inner, rn, side);
      }
      for (const r of refsFrom.get(fc) ?? []) {
        if (r.kind === 'routeConfig') {
          const hs = index.workspace.resolve(a.uri, 'routeConfig', r.name).filter((h) => h.def.group === 'main');
          if (hs.length === 0) {
            edge(ln, add(`routeConfig:${r.name}`, { kind: 'routeConfig', name: r.name, side, missing: true, detail: 'not in the dump' }));
            continue;
          }
          const h = hs[0];
          const key = `routeConfig:${r.name}`;
          let rn = byKey.get(key);
          if (rn === undefined) {
            rn = defNode(h.uri, h.index, h.def, side);
            byKey.set(key, rn);
            const ha = index.get(h.uri);
            if (h.uri === a.uri) routeConfigTargets(h.index, rn, side);
            else if (ha) {
              // A route configuration of another file (istioctl's per-type outputs): its routes' clusters.
              for (const r2 of ha.refs) {
                if (r2.kind !== 'cluster' || r2.from < 0) continue;
                let p = r2.from;
                while (p >= 0 && p !== h.index) p = ha.defs[p].parent;
                if (p === h.index) edge(rn, clusterNode(r2.name, side));
              }
            }
          }
          edge(ln, rn);
        } else if (r.kind === 'cluster' && r.via.startsWith('tcp')) {
          edge(ln, clusterNode(r.name, side));
        }
      }
    }
  });
  // Every cluster, reached or not, and its endpoints.
  a.defs.forEach((d, ci) => {
    if (d.kind !== 'cluster' || d.group !== 'main') return;
    const cn = clusterNode(d.name, d.name.startsWith('inbound|') ? 'inbound' : 'outbound');
    let counts = d.info.endpoints;
    for (const r of refsFrom.get(ci) ?? []) {
      if (r.kind !== 'endpoints') continue;
      const h = index.workspace.resolve(a.uri, 'endpoints', r.name)[0];
      if (h) counts = h.def.info.endpoints;
    }
    if (counts) {
      nodes[cn].detail = `${counts.healthy}/${counts.total} healthy`;
      counts.sample.forEach((addr, k) => {
        const en = add(`endpoint:${addr}`, { kind: 'endpoint', name: addr, side: nodes[cn].side, detail: counts.sampleStatus[k] });
        edge(cn, en);
      });
    }
  });
  return { title, nodes, edges };
}

function nonce(): string {
  return randomBytes(16).toString('base64').replace(/[^A-Za-z0-9]/g, '');
}

export function graphHtml(webview: vscode.Webview, extensionUri: vscode.Uri): string {
  const n = nonce();
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'graph.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'graph.css'));
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${webview.cspSource}; img-src ${webview.cspSource}; script-src 'nonce-${n}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}">
<title>Envoy Traffic Graph</title>
</head>
<body>
<header>
  <input id="filter" type="search" placeholder="Filter by name (listener, route configuration, cluster, endpoint)" aria-label="Filter by name">
  <span id="status" role="status"></span>
</header>
<div id="graph"></div>
<script nonce="${n}" src="${script.toString()}"></script>
</body>
</html>`;
}

/** What registerGraph gives the extension's test API: the panel's message handler, as the page reaches it. */
export interface GraphHandle {
  /** Handles one message as if the page sent it; true when it was accepted (and done). */
  receive(message: unknown): Promise<boolean>;
}

export function registerGraph(context: vscode.ExtensionContext, index: DumpIndex): GraphHandle {
  let panel: vscode.WebviewPanel | undefined;
  let shownUri: string | undefined;
  /** The graph last sent to the page: the only places a reveal may lead to. */
  let drawn: GraphData | undefined;

  const post = (uri: string) => {
    const a = index.get(uri);
    if (!panel || !a) return;
    shownUri = uri;
    const title = vscode.workspace.asRelativePath(vscode.Uri.parse(uri));
    panel.title = `Envoy Graph: ${title.split('/').pop()}`;
    drawn = slice(uri, 'graph', () => buildGraph(index, a, title));
    void panel.webview.postMessage({ type: 'graph', graph: drawn });
  };

  const receive = async (message: unknown): Promise<boolean> => {
    const m = parseGraphMessage(message);
    if (!m) {
      log().warn('[graph] ignored a message the graph page does not send');
      return false;
    }
    if (m.type === 'ready') {
      if (shownUri) post(shownUri);
      return true;
    }
    const target = revealTarget(drawn, m, (uri) => index.get(uri)?.length);
    if (!target) {
      log().warn(`[graph] refused to reveal node ${m.id}: not a location of the graph shown`);
      return false;
    }
    const d = await vscode.workspace.openTextDocument(vscode.Uri.parse(target.uri));
    const range = new vscode.Range(d.positionAt(target.start), d.positionAt(target.end));
    await vscode.window.showTextDocument(d, { selection: range, viewColumn: vscode.ViewColumn.One, preview: false });
    return true;
  };

  context.subscriptions.push(
    registerCommand('envoyLens.showGraph', async () => {
      const doc = vscode.window.activeTextEditor?.document;
      const a = doc ? await index.analysisFor(doc) : undefined;
      if (!doc || !a) {
        void vscode.window.showInformationMessage('The active editor is not an Envoy dump; open one first.');
        return false;
      }
      if (!panel) {
        panel = vscode.window.createWebviewPanel('envoyLens.graph', 'Envoy Graph', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
          enableScripts: true,
          retainContextWhenHidden: true,
          // The page loads media/graph.js and media/graph.css, nothing else.
          localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'media')],
        });
        panel.iconPath = new vscode.ThemeIcon('type-hierarchy');
        panel.webview.html = graphHtml(panel.webview, context.extensionUri);
        panel.onDidDispose(() => {
          panel = undefined;
          shownUri = undefined;
          drawn = undefined;
        });
        panel.webview.onDidReceiveMessage((m: unknown) => receive(m).catch((e: Error) => log().error('[graph]', e)));
      } else panel.reveal(undefined, true);
      shownUri = doc.uri.toString();
      post(shownUri);
      return true;
    }),
    index.onDidChange((uri) => {
      if (uri === shownUri) post(uri);
    }),
  );
  return { receive };
}
