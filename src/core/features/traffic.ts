/**
 * The "Envoy Traffic" tree as plain data: listeners › filter chains › route configuration › virtual hosts › routes ›
 * clusters › endpoints, built lazily from the Analysis (parent links and references' `from`), so a dump with
 * thousands of clusters costs only what is expanded. The editor adapter turns nodes into tree items and nothing more.
 */
import { isUsableStatus } from '../describe';
import { EDGES, carriesRequests } from '../model/edges';
import type { DefKind, Definition, RefVia, Reference } from '../model/types';
import type { DefHandle, Workspace } from '../workspace';

/** A node: a definition (uri + index), a name that resolves nowhere, or one endpoint address. */
export interface TrafficNode {
  uri: string;
  /** The definition's index in its analysis; -1 for `missing` and `address`. */
  index: number;
  kind: DefKind | 'missing' | 'address';
  label: string;
  /** The listener this node was reached from (for "Trace from here"). */
  listener?: number;
  /** missing: the kind of the name that resolves nowhere; address: its health. */
  extra?: string;
  via?: RefVia;
}

/** What a tree row shows beyond its label. */
export interface TrafficItem {
  /** No children to expand. */
  leaf: boolean;
  description?: string;
  tooltip?: string;
  /** For addresses: whether the endpoint takes traffic (undefined when its status is not known). */
  usable?: boolean;
  /** Whether the node has a definition to reveal. */
  revealable: boolean;
}

/** A request that goes through a listener or route: the argument of the trace command. */
export interface TraceTarget {
  to: string;
  inbound?: boolean;
  headers?: Record<string, string>;
  /** The dump to trace through (default: the active editor's document). */
  uri?: string;
}

/** Whether a listener takes traffic into the pod (Istio's virtualInbound, or named inbound…). */
export function isInboundListener(name: string): boolean {
  return /^virtualInbound$|^inbound/i.test(name);
}

function defNode(h: DefHandle, listener?: number, via?: RefVia): TrafficNode {
  return { uri: h.uri, index: h.index, kind: h.def.kind, label: h.def.name, listener, via };
}

/** The children of `node`, or the listeners of `uri` when no node is given. */
export function trafficChildren(workspace: Workspace, uri: string, node?: TrafficNode): TrafficNode[] {
  if (!node) {
    const a = workspace.get(uri);
    if (!a) return [];
    const out: TrafficNode[] = [];
    a.defs.forEach((d, i) => {
      if (d.kind === 'listener' && d.group === 'main') out.push({ uri: a.uri, index: i, kind: 'listener', label: d.name, listener: i });
    });
    return out;
  }
  const a = workspace.get(node.uri);
  if (!a || node.index < 0) return [];
  const def = a.defs[node.index];
  const own = workspace.childrenOf(a.uri, node.index).map((i) => ({ uri: a.uri, index: i, def: a.defs[i] }));
  const refs = workspace.refsFrom(a.uri, node.index).map((i) => a.refs[i]);
  const resolved = (r: Reference): TrafficNode[] => {
    const hs = workspace.resolve(a.uri, r.kind, r.name).filter((h) => h.def.group === 'main');
    if (hs.length === 0) return [{ uri: a.uri, index: -1, kind: 'missing', label: r.name, extra: r.kind, listener: node.listener, via: r.via }];
    return [defNode(hs[0], node.listener, r.via)];
  };
  switch (def.kind) {
    case 'listener':
      return own.filter((h) => h.def.kind === 'filterChain').map((h) => defNode(h, node.listener));
    case 'filterChain':
      return [
        ...own.filter((h) => h.def.kind === 'routeConfig').map((h) => defNode(h, node.listener)),
        ...refs.filter((r) => EDGES[r.via].role === 'routing' || EDGES[r.via].role === 'connection').flatMap(resolved),
      ];
    case 'routeConfig':
      return own.filter((h) => h.def.kind === 'virtualHost').map((h) => defNode(h, node.listener));
    case 'virtualHost':
      return own.filter((h) => h.def.kind === 'route').map((h) => defNode(h, node.listener));
    case 'route':
      return refs.filter((r) => carriesRequests(r.via)).flatMap(resolved);
    case 'cluster': {
      const eds = refs.filter((r) => EDGES[r.via].role === 'endpoints').flatMap(resolved);
      return eds.length > 0 ? eds : addresses(node, def);
    }
    case 'endpoints':
      return addresses(node, def);
    default:
      return [];
  }
}

function addresses(node: TrafficNode, def: Definition): TrafficNode[] {
  const e = def.info.endpoints;
  if (!e) return [];
  const out: TrafficNode[] = e.sample.map((addr, i) => ({ uri: node.uri, index: -1, kind: 'address', label: addr, extra: e.sampleStatus[i] }));
  if (e.total > e.sample.length) out.push({ uri: node.uri, index: -1, kind: 'address', label: `… ${e.total - e.sample.length} more`, extra: '' });
  return out;
}

/** What the row of `node` shows: description, tooltip, whether it expands. */
export function trafficItem(workspace: Workspace, node: TrafficNode): TrafficItem {
  const def = node.index >= 0 ? workspace.get(node.uri)?.defs[node.index] : undefined;
  const leaf = node.kind === 'missing' || node.kind === 'address' || (node.kind === 'endpoints' && !def?.info.endpoints?.total);
  if (node.kind === 'missing') {
    return { leaf, revealable: false, description: `not in the dump (${node.extra})`, tooltip: `${node.extra} "${node.label}" is referenced but not defined in this dump` };
  }
  if (node.kind === 'address') return { leaf, revealable: false, description: node.extra, usable: node.extra ? isUsableStatus(node.extra) : undefined };
  if (!def) return { leaf, revealable: false };
  const description = describe(def, node.via);
  return { leaf, revealable: true, description, tooltip: `${def.kind} ${def.name}${description ? `\n${description}` : ''}\n${def.section}` };
}

function describe(def: Definition, via?: RefVia): string {
  const i = def.info;
  const parts: string[] = [];
  const tag = via && EDGES[via].tag;
  if (tag) parts.push(tag);
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

/** A request that goes through this listener or route ("Trace from here"), or undefined for other nodes. */
export function trafficTraceTarget(workspace: Workspace, node: TrafficNode): TraceTarget | undefined {
  const a = workspace.get(node.uri);
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
    const chains = workspace.childrenOf(a.uri, node.index);
    const http = chains.some((c) => a.defs[c].kind === 'filterChain' && a.defs[c].info.filters?.some((f) => /http_connection_manager/.test(f)));
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
