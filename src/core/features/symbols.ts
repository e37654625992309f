/** Document symbols (a hierarchical outline) and workspace symbols (go to any resource by name). */
import { KIND_LABEL } from '../describe';
import type { Analysis, DefKind, Span } from '../model/types';
import type { Workspace } from '../workspace';

export interface SymbolNode {
  name: string;
  detail: string;
  kind: DefKind;
  span: Span;
  nameSpan: Span;
  children: SymbolNode[];
}

function detailOf(a: Analysis, i: number): string {
  const d = a.defs[i];
  const info = d.info;
  const parts: string[] = [];
  if (info.address) parts.push(info.address);
  if (info.clusterType) parts.push(info.clusterType);
  if (info.chainMatch && info.chainMatch !== d.name) parts.push(info.chainMatch);
  if (info.action) parts.push(`→ ${info.action}`);
  if (info.endpoints) parts.push(`${info.endpoints.total} endpoints · ${info.endpoints.healthy} healthy`);
  if (d.state !== 'active' && d.state !== 'inline') parts.push(d.state);
  return parts.join(' · ');
}

/** The outline: listeners › filter chains › inline route configs, route configs › virtual hosts › routes, clusters, … */
export function documentSymbols(a: Analysis): SymbolNode[] {
  const nodes: SymbolNode[] = a.defs.map((d, i) => ({
    name: d.name,
    detail: detailOf(a, i),
    kind: d.kind,
    span: d.span,
    nameSpan: d.nameSpan,
    children: [],
  }));
  const roots: SymbolNode[] = [];
  a.defs.forEach((d, i) => {
    if (d.parent >= 0 && d.parent < nodes.length) nodes[d.parent].children.push(nodes[i]);
    else roots.push(nodes[i]);
  });
  return roots;
}

export interface WorkspaceSymbol {
  name: string;
  kind: DefKind;
  container: string;
  uri: string;
  span: Span;
}

/** Case-insensitive match of every query character in order (what editors call fuzzy). */
function matches(name: string, query: string): boolean {
  if (!query) return true;
  const n = name.toLowerCase();
  let j = 0;
  for (let i = 0; i < n.length && j < query.length; i++) if (n[i] === query[j]) j++;
  return j === query.length;
}

/** Definitions across the workspace whose name matches the query; routes and filter chains are left to the outline. */
export function workspaceSymbols(ws: Workspace, query: string, limit = 2000): WorkspaceSymbol[] {
  const q = query.toLowerCase();
  const out: WorkspaceSymbol[] = [];
  for (const a of ws.all()) {
    for (const d of a.defs) {
      if (d.kind === 'route' || d.kind === 'filterChain' || d.group !== 'main') continue;
      if (!matches(d.name, q)) continue;
      const parent = d.parent >= 0 ? a.defs[d.parent] : undefined;
      out.push({
        name: d.name,
        kind: d.kind,
        container: parent ? `${KIND_LABEL[parent.kind]} ${parent.name}` : KIND_LABEL[d.kind],
        uri: a.uri,
        span: d.nameSpan,
      });
      if (out.length >= limit) return out;
    }
  }
  return out;
}
