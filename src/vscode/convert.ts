/** Core spans (UTF-16 offsets) ↔ editor ranges, and core kinds ↔ editor kinds. */
import * as vscode from 'vscode';
import type { DefKind, Severity, Span } from '../core/facade';

export function toRange(doc: vscode.TextDocument, span: Span): vscode.Range {
  return new vscode.Range(doc.positionAt(span.start), doc.positionAt(span.end));
}

/** Opens (in memory, not in an editor) the document of another file to convert its offsets. */
export async function toLocation(uri: string, span: Span, current?: vscode.TextDocument): Promise<vscode.Location> {
  const doc = current && current.uri.toString() === uri ? current : await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
  return new vscode.Location(doc.uri, toRange(doc, span));
}

export const SEVERITY: Readonly<Record<Severity, vscode.DiagnosticSeverity>> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

export const SYMBOL_KIND: Readonly<Record<DefKind, vscode.SymbolKind>> = {
  listener: vscode.SymbolKind.Interface,
  filterChain: vscode.SymbolKind.Struct,
  routeConfig: vscode.SymbolKind.Module,
  virtualHost: vscode.SymbolKind.Namespace,
  route: vscode.SymbolKind.Method,
  cluster: vscode.SymbolKind.Class,
  endpoints: vscode.SymbolKind.Array,
  clusterStatus: vscode.SymbolKind.Array,
  secret: vscode.SymbolKind.Key,
  ecdsFilter: vscode.SymbolKind.Function,
  scopedRoute: vscode.SymbolKind.Module,
};
