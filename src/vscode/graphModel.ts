/**
 * The traffic graph as plain data, and the check on what its webview asks for. No `vscode` import: the unit tests
 * load this file.
 *
 * The webview is a page that draws dump text, so nothing it sends is trusted: it asks to reveal a node by its id,
 * and the extension answers only with a location it put in the graph it drew itself (a definition in an indexed
 * dump), never with a URI or a range of the page's choosing.
 */

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
