/**
 * The traffic graph as plain data (listener → route configuration → cluster → endpoint, inbound and outbound apart),
 * and the check on what its webview asks for.
 *
 * The webview is a page that draws dump text, so nothing it sends is trusted: it asks to reveal a node by its id,
 * and the extension answers only with a location it put in the graph it drew itself (a definition in an indexed
 * dump), never with a URI or a range of the page's choosing.
 */
import { EDGES, carriesRequests } from '../model/edges';
import type { Analysis, Definition, Reference } from '../model/types';
import type { Workspace } from '../workspace';
import { isInboundListener } from './traffic';

export interface GraphNode {
  id: number;
  kind: 'listener' | 'routeConfig' | 'cluster' | 'endpoint';
  name: string;
  side: 'inbound' | 'outbound';
  /** Where to reveal it (absent for endpoint addresses and names that resolve nowhere). */
  uri?: string;
  start?: number;
  end?: number;
  detail?: string;
  missing?: boolean;
}

export interface GraphData {
  title: string;
  nodes: GraphNode[];
  edges: Array<[number, number]>;
}

/** A place to reveal: a span of a document the extension has indexed. */
export interface RevealTarget {
  uri: string;
  start: number;
  end: number;
}

/** The messages the page may send. */
export type GraphMessage = { type: 'ready' } | { type: 'reveal'; id: number };

/** The message as the page may send it, or undefined for anything else (other types, extra keys, wrong types). */
export function parseGraphMessage(m: unknown): GraphMessage | undefined {
  if (!m || typeof m !== 'object' || Array.isArray(m)) return undefined;
  const o = m as Record<string, unknown>;
  const keys = Object.keys(o);
  if (o.type === 'ready' && keys.length === 1) return { type: 'ready' };
  if (o.type === 'reveal' && keys.length === 2 && Number.isSafeInteger(o.id) && (o.id as number) >= 0) return { type: 'reveal', id: o.id as number };
  return undefined;
}

/**
 * Where a reveal message may lead: the location of node `id` of the graph the panel shows, when that node has one,
 * it lies within its document (`lengthOf` gives the length of an indexed document, undefined for any other URI)
 * and the graph is still the one drawn. Anything else: undefined, and nothing opens.
 */
export function revealTarget(graph: GraphData | undefined, message: unknown, lengthOf: (uri: string) => number | undefined): RevealTarget | undefined {
  const m = parseGraphMessage(message);
  if (!graph || m?.type !== 'reveal') return undefined;
  const n = graph.nodes[m.id];
  if (!n || n.id !== m.id || n.uri === undefined || n.start === undefined) return undefined;
  const end = n.end ?? n.start;
  const length = lengthOf(n.uri);
  if (length === undefined || n.start < 0 || end < n.start || end > length) return undefined;
  return { uri: n.uri, start: n.start, end };
}

/** The graph of one dump: every listener, the route configurations and clusters they reach, every cluster, endpoints. */
export function buildGraph(workspace: Workspace, uri: string, title: string): GraphData {
  const a = workspace.get(uri);
  if (!a) return { title, nodes: [], edges: [] };
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
  // The workspace's per-file lookups, built once per file: a definition's children, the references it holds.
  const children = (i: number): number[] => workspace.childrenOf(a.uri, i);
  const refsFrom = (i: number): Reference[] => workspace.refsFrom(a.uri, i).map((r) => a.refs[r]);

  const defNode = (uri: string, i: number, d: Definition, side: 'inbound' | 'outbound'): number => {
    const kind = d.kind === 'endpoints' ? 'endpoint' : (d.kind as GraphNode['kind']);
    const id = add(`${kind}:${d.name}:${uri === a.uri ? i : `${uri}#${i}`}`, { kind, name: d.name, side, uri, start: d.nameSpan.start, end: d.nameSpan.end });
    if (uri === a.uri) sideOfDef.set(i, sideOfDef.get(i) ?? side);
    return id;
  };
  const clusterNode = (name: string, side: 'inbound' | 'outbound'): number => {
    const hs = workspace.resolve(a.uri, 'cluster', name).filter((h) => h.def.group === 'main');
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
    for (const vh of children(rc)) {
      for (const route of children(vh)) {
        for (const r of refsFrom(route)) if (carriesRequests(r.via)) edge(rcNode, clusterNode(r.name, side));
      }
    }
  };

  a.defs.forEach((d, li) => {
    if (d.kind !== 'listener' || d.group !== 'main') return;
    const side = isInboundListener(d.name) ? 'inbound' : 'outbound';
    const ln = defNode(a.uri, li, d, side);
    nodes[ln].detail = d.info.address;
    for (const fc of children(li)) {
      for (const inner of children(fc)) {
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
      for (const r of refsFrom(fc)) {
        if (EDGES[r.via].role === 'routing') {
          const hs = workspace.resolve(a.uri, 'routeConfig', r.name).filter((h) => h.def.group === 'main');
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
            const ha: Analysis | undefined = workspace.get(h.uri);
            if (h.uri === a.uri) routeConfigTargets(h.index, rn, side);
            else if (ha) {
              // A route configuration of another file (istioctl's per-type outputs): its routes' clusters.
              for (const r2 of ha.refs) {
                if (!carriesRequests(r2.via) || r2.from < 0) continue;
                let p = r2.from;
                while (p >= 0 && p !== h.index) p = ha.defs[p].parent;
                if (p === h.index) edge(rn, clusterNode(r2.name, side));
              }
            }
          }
          edge(ln, rn);
        } else if (EDGES[r.via].role === 'connection') {
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
    for (const r of refsFrom(ci)) {
      if (EDGES[r.via].role !== 'endpoints') continue;
      const h = workspace.resolve(a.uri, 'endpoints', r.name)[0];
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
