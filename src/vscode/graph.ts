/**
 * "Envoy: Show Traffic Graph": a webview drawing listener → route configuration → cluster → endpoint for the active
 * dump, inbound and outbound apart. The extension sends the graph as plain data; media/graph.js lays it out as SVG
 * (columns per kind), filters by name and shows at most ~200 nodes. Clicking a node reveals its definition: the page
 * sends the node's id, and only a location of the graph drawn is opened. The graph itself is built in the core
 * (core/features/graph.ts); this module only hosts the page.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { buildGraph, parseGraphMessage, revealTarget, type GraphData } from '../core/facade';
import { registerCommand } from './commands';
import type { DumpIndex } from './dumpIndex';
import { log } from './log';
import { slice } from './mainThread';

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
    drawn = slice(uri, 'graph', () => buildGraph(index.workspace, a.uri, title));
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

  registerCommand(context, 'envoyLens.showGraph', async () => {
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
  });
  context.subscriptions.push(
    index.onDidChange((uri) => {
      if (uri === shownUri) post(uri);
    }),
  );
  return { receive };
}
