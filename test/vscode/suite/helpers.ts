/** Shared helpers of the integration tests: fixture documents, positions, and waiting on the extension's events. */
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';

export const EXTENSION_ID = 'envoy-lens.envoy-lens';
export const SOURCE = 'envoy-lens';

/** Activates the extension (activation is async: call it in suiteSetup). */
export async function activate(): Promise<void> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
  await ext.activate();
  assert.equal(ext.isActive, true);
}

/** The workspace folder the runner opened: a copy of test/fixtures plus a package.json. */
export function fixtureUri(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the runner opens a workspace folder');
  return vscode.Uri.joinPath(folder.uri, name);
}

export async function open(name: string, show = false): Promise<vscode.TextDocument> {
  const doc = await vscode.workspace.openTextDocument(fixtureUri(name));
  if (show) await vscode.window.showTextDocument(doc, { preview: false });
  return doc;
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Position inside NAME where it is the value of KEY (`"key": "NAME"` in JSON, `key: NAME` in YAML), nth occurrence,
 * one character into the name (as a cursor inside it).
 */
export function at(doc: vscode.TextDocument, key: string, name: string, nth = 0): vscode.Position {
  const text = doc.getText();
  const re = new RegExp(`(?:^|[\\s{,"])${esc(key)}"?\\s*:\\s*"?(${esc(name)})`, 'gm');
  let m: RegExpExecArray | null;
  let i = 0;
  while ((m = re.exec(text))) {
    if (i++ === nth) return doc.positionAt(m.index + m[0].length - name.length + 1);
  }
  throw new Error(`${key}: ${name} (#${nth}) not found in ${doc.uri.path}`);
}

/** The text of a range without JSON quotes. */
export function textOf(doc: vscode.TextDocument, range: vscode.Range): string {
  return doc.getText(range).replace(/^"|"$/g, '');
}

/** The extension's diagnostics of a document. */
export function ours(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === SOURCE);
}

/**
 * Waits until the extension's diagnostics of `uri` satisfy `ready` (default: there are some), listening to
 * languages.onDidChangeDiagnostics; fails after timeoutMs with what it saw.
 */
export function waitForDiagnostics(
  uri: vscode.Uri,
  ready: (d: vscode.Diagnostic[]) => boolean = (d) => d.length > 0,
  timeoutMs = 30_000,
): Promise<vscode.Diagnostic[]> {
  return new Promise((resolve, reject) => {
    const now = ours(uri);
    if (ready(now)) return resolve(now);
    const key = uri.toString();
    const sub = vscode.languages.onDidChangeDiagnostics((e) => {
      if (!e.uris.some((u) => u.toString() === key)) return;
      const d = ours(uri);
      if (!ready(d)) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(d);
    });
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`diagnostics of ${uri.path} not ready after ${timeoutMs} ms: ${JSON.stringify(describe(uri, ours(uri)))}`));
    }, timeoutMs);
  });
}

const SEVERITY_NAME: Record<vscode.DiagnosticSeverity, string> = {
  [vscode.DiagnosticSeverity.Error]: 'error',
  [vscode.DiagnosticSeverity.Warning]: 'warning',
  [vscode.DiagnosticSeverity.Information]: 'information',
  [vscode.DiagnosticSeverity.Hint]: 'hint',
};

export function codeOf(d: vscode.Diagnostic): string {
  const c = d.code;
  return typeof c === 'object' && c !== null ? String(c.value) : String(c);
}

/** `code severity text` per diagnostic, sorted, as the core tests write their expectations. */
export function describe(uri: vscode.Uri, diags: vscode.Diagnostic[]): string[] {
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  return diags.map((d) => `${codeOf(d)} ${SEVERITY_NAME[d.severity]} ${doc ? textOf(doc, d.range) : '?'}`).sort();
}

/** Markdown text of every hover at a position. */
export async function hoverText(doc: vscode.TextDocument, pos: vscode.Position): Promise<string[]> {
  const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, pos)) ?? [];
  return hovers.map((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value)).join('\n'));
}

/** Our hovers only: they name the kind in bold (`**Cluster** …`). */
export async function ourHover(doc: vscode.TextDocument, pos: vscode.Position): Promise<string | undefined> {
  return (await hoverText(doc, pos)).find((t) => OUR_HOVER.test(t));
}

export const OUR_HOVER = /\*\*(Listener|Filter chain|Route configuration|Virtual host|Route|Cluster|Endpoints|Cluster status|Secret|Extension config|Scoped route|Cluster chosen at request time)\b/;

export async function definitions(doc: vscode.TextDocument, pos: vscode.Position): Promise<vscode.Location[]> {
  const r = (await vscode.commands.executeCommand<Array<vscode.Location | vscode.LocationLink>>('vscode.executeDefinitionProvider', doc.uri, pos)) ?? [];
  return r.map((l) => ('targetUri' in l ? new vscode.Location(l.targetUri, l.targetSelectionRange ?? l.targetRange) : l));
}

export async function references(doc: vscode.TextDocument, pos: vscode.Position): Promise<vscode.Location[]> {
  return (await vscode.commands.executeCommand<vscode.Location[]>('vscode.executeReferenceProvider', doc.uri, pos)) ?? [];
}

export async function documentSymbols(doc: vscode.TextDocument): Promise<vscode.DocumentSymbol[]> {
  return (await vscode.commands.executeCommand<vscode.DocumentSymbol[]>('vscode.executeDocumentSymbolProvider', doc.uri)) ?? [];
}

export async function workspaceSymbols(query: string): Promise<vscode.SymbolInformation[]> {
  return (await vscode.commands.executeCommand<vscode.SymbolInformation[]>('vscode.executeWorkspaceSymbolProvider', query)) ?? [];
}

/** The text of a location, opening its document. */
export async function locationText(l: vscode.Location): Promise<string> {
  const doc = await vscode.workspace.openTextDocument(l.uri);
  return textOf(doc, l.range);
}

export function basename(uri: vscode.Uri): string {
  return uri.path.slice(uri.path.lastIndexOf('/') + 1);
}
