/**
 * The listener stage of a trace: which serving listener takes the connection (by address, or handed over by Istio's
 * virtualOutbound / virtualInbound by original destination), what the listener filters detect, and which filter chain
 * matches; its terminal filter hands over to route.ts (HTTP connection manager or tcp_proxy).
 */
import { closest } from './closest';
import { chainMatch, selectFilterChain, strs, type ConnectionInfo } from './filterChain';
import { isAnyAddress, parseIp, sameIp } from './ip';
import { isObj, type Obj } from './resources';
import { routeHttp, routeTcpProxy } from './route';
import type { Handle, ListenerRef, Result, TraceContext } from './context';
import { bool, objs, socketAddress, str } from './values';

const SERVING = new Set(['static', 'active', 'inline']);

/** The config of a filter: `typed_config` (unwrapping a TypedStruct's `value`) or the v2 `config`. */
function filterConfig(f: Obj): Obj {
  const tc = f.typed_config;
  if (isObj(tc)) {
    if (String(tc['@type'] ?? '').endsWith('TypedStruct') && isObj(tc.value)) return tc.value;
    return tc;
  }
  return isObj(f.config) ? f.config : {};
}

function filterIs(f: Obj, name: string, type: string): boolean {
  const n = str(f.name) ?? '';
  const t = String(isObj(f.typed_config) ? (f.typed_config['@type'] ?? f.typed_config.type_url ?? '') : '');
  return n.includes(name) || t.endsWith(type) || t.endsWith(`.${type}`);
}

const isHcm = (f: Obj) => filterIs(f, 'http_connection_manager', 'HttpConnectionManager');
const isTcpProxy = (f: Obj) => filterIs(f, 'tcp_proxy', 'TcpProxy');

/** Whether a filter chain terminates TLS (a DownstreamTlsContext transport socket, or the v2 `tls_context`). */
function terminatesTls(chain: Obj): boolean {
  if (isObj(chain.tls_context)) return true;
  const ts = chain.transport_socket;
  if (!isObj(ts)) return false;
  const t = isObj(ts.typed_config) ? String(ts.typed_config['@type'] ?? '') : '';
  return t.endsWith('DownstreamTlsContext') || (str(ts.name) ?? '').endsWith('tls');
}

/** `sidecar~10.4.1.7~pod.ns~ns.svc.cluster.local`: the pod IP from an Istio node id in the bootstrap. */
export function nodeIpOf(text: string): string | undefined {
  const m = /(?:sidecar|router|waypoint)~([0-9A-Fa-f.:]+)~[^\s"']*/.exec(text);
  return m && parseIp(m[1]) ? m[1] : undefined;
}

function servingListeners(cx: TraceContext): { serving: ListenerRef[]; idle: Handle[] } {
  const files = [cx.uri, ...cx.ws.all().map((a) => a.uri).filter((u) => u !== cx.uri)];
  for (const u of files) {
    const a = cx.ws.get(u);
    if (!a || !a.defs.some((d) => d.kind === 'listener')) continue;
    const main = a.defs.some((d) => d.kind === 'listener' && d.group === 'main');
    const serving: ListenerRef[] = [];
    const idle: Handle[] = [];
    a.defs.forEach((def, index) => {
      if (def.kind !== 'listener' || (main && def.group !== 'main')) return;
      if (!SERVING.has(def.state)) {
        idle.push({ uri: u, index, def });
        return;
      }
      const value = cx.reader.resource(u, def);
      if (!value) return;
      const sa = socketAddress(value.address);
      const addrs: ListenerRef['addrs'] = [];
      for (const a of [sa, ...objs(value.additional_addresses).map((x) => socketAddress(x.address))]) {
        if (a?.ip !== undefined && a.port !== undefined) addrs.push({ ip: a.ip, port: a.port });
      }
      serving.push({ uri: u, index, def, value, ip: sa?.ip, port: sa?.port, addrs });
    });
    return { serving, idle };
  }
  return { serving: [], idle: [] };
}

function addr(l: ListenerRef): string {
  return `${l.ip ?? '?'}:${l.port ?? '?'}`;
}

function useOriginalDst(l: ListenerRef): boolean {
  return bool(l.value.use_original_dst);
}

/** Envoy's lookup of the listener for an address: exact address first, then a wildcard address on the port. */
function byAddress(
  cx: TraceContext,
  all: ListenerRef[],
  ip: string | undefined,
  port: number,
  exclude?: ListenerRef,
): { l?: ListenerRef; how?: string; ambiguous?: ListenerRef[] } {
  const onPort = all.filter((l) => l !== exclude && l.addrs.some((a) => a.port === port));
  const ips = (l: ListenerRef) => l.addrs.filter((a) => a.port === port).map((a) => a.ip);
  if (ip !== undefined) {
    const exact = onPort.find((l) => ips(l).some((x) => sameIp(x, ip)));
    if (exact) return { l: exact, how: `bound to ${ip}:${port} exactly` };
  }
  const wild = onPort.find((l) => ips(l).some(isAnyAddress));
  if (wild) return { l: wild, how: `bound to any address on port ${port}` };
  if (ip === undefined) {
    if (onPort.length === 1) {
      cx.note(`The destination IP is unknown; ${onPort[0].def.name} is the only listener on port ${port}, so the trace assumes the destination is ${ips(onPort[0])[0]}.`);
      return { l: onPort[0], how: `the only listener on port ${port} (destination IP assumed)` };
    }
    if (onPort.length > 1) return { ambiguous: onPort };
  }
  return {};
}

export function traceFromListener(cx: TraceContext): Result {
  const { serving, idle } = servingListeners(cx, );
  const req = cx.req;
  if (serving.length === 0) {
    return { ok: false, code: 'listener_not_found', text: 'the given files hold no listener that serves connections' };
  }
  cx.dstIp = req.address;
  if (cx.dstIp === undefined) {
    if (req.direction === 'inbound') {
      const ip = nodeIpOf(cx.reader.text(cx.uri) ?? '');
      if (ip) {
        cx.dstIp = ip;
        cx.note(`Inbound destination IP taken from the Istio node id: ${ip} (the pod's IP).`);
      }
    }
    if (cx.dstIp === undefined) {
      cx.note('The destination IP is unknown (a host name was given): only listeners and filter chains for any address match it.');
    }
  }
  const port = req.port;
  const named = (name: string, p: number) =>
    serving.find((l) => l.def.name === name) ?? serving.find((l) => l.port === p && useOriginalDst(l));
  if (req.direction === 'outbound') {
    const vo = named('virtualOutbound', 15001) ?? serving.find((l) => useOriginalDst(l));
    if (vo) return handOff(cx, serving, vo);
  } else {
    const vi = serving.find((l) => l.def.name === 'virtualInbound') ?? serving.find((l) => l.port === 15006);
    if (vi) {
      if (useOriginalDst(vi)) return handOff(cx, serving, vi);
      cx.hop('listener', vi.def.name, vi, `(${addr(vi)}) picks a filter chain by the original destination ${cx.dstText()} (inbound traffic redirected by iptables)`);
      return throughListener(cx, vi);
    }
    // Istio before 1.4 sent inbound traffic through virtualOutbound (15001) too, to the pod-IP listeners.
    const vo = named('virtualOutbound', 15001);
    if (vo) return handOff(cx, serving, vo, 'inbound traffic redirected by iptables to 15001, as before Istio 1.4');
  }
  const found = byAddress(cx, serving, cx.dstIp, port);
  if (found.ambiguous) return ambiguous(cx, found.ambiguous);
  if (!found.l) return noListener(cx, serving, idle, port);
  cx.hop('listener', found.l.def.name, found.l, `(${addr(found.l)}) ${found.how}`);
  return throughListener(cx, found.l);
}

function ambiguous(cx: TraceContext, list: ListenerRef[]): Result {
  return {
    ok: false,
    code: 'ambiguous',
    text: `several listeners take port ${cx.req.port} on specific addresses (${list.slice(0, 5).map((l) => l.def.name).join(', ')}${list.length > 5 ? ', …' : ''}): give the destination IP`,
  };
}

function noListener(cx: TraceContext, serving: ListenerRef[], idle: Handle[], port: number): Result {
  const idleOnPort = idle.filter((h) => (h.def.info.address ?? '').endsWith(`:${port}`));
  const why = idleOnPort.length
    ? `; listener ${idleOnPort[0].def.name} is ${idleOnPort[0].def.state} and does not serve connections`
    : '';
  const intercept = cx.req.direction === 'outbound'
    ? ' and there is no virtualOutbound (use_original_dst) listener: the connection is not intercepted by this Envoy'
    : '';
  const names = serving.map((l) => `${l.def.name} (${addr(l)})`);
  return {
    ok: false,
    code: 'listener_not_found',
    text: `no listener takes connections to ${cx.dstText()}${intercept}${why}`,
    closest: closest(`${cx.dstIp ?? '0.0.0.0'}_${port}`, serving.map((l) => l.def.name), 3).map(
      (n) => names.find((x) => x.startsWith(`${n} (`)) ?? n,
    ),
  };
}

function handOff(cx: TraceContext, serving: ListenerRef[], vo: ListenerRef, why?: string): Result {
  const also = why ? ` (${why})` : '';
  const found = byAddress(cx, serving, cx.dstIp, cx.req.port, vo);
  if (found.ambiguous) {
    cx.hop('listener', vo.def.name, vo, `(${addr(vo)}) use_original_dst: the original destination ${cx.dstText()} has several candidate listeners${also}`);
    return ambiguous(cx, found.ambiguous);
  }
  if (found.l) {
    cx.hop('listener', vo.def.name, vo, `(${addr(vo)}) → hands off to ${found.l.def.name} (use_original_dst: original destination ${cx.dstText()})${also}`);
    cx.hop('listener', found.l.def.name, found.l, `(${addr(found.l)}) ${found.how}`);
    return throughListener(cx, found.l);
  }
  cx.hop('listener', vo.def.name, vo, `(${addr(vo)}) keeps the connection: no listener for the original destination ${cx.dstText()}${also}`);
  return throughListener(cx, vo);
}

function connection(cx: TraceContext, l: ListenerRef): { info: ConnectionInfo; detected: string[] } {
  const req = cx.req;
  const lf = objs(l.value.listener_filters);
  const has = (name: string, type: string) => lf.some((f) => filterIs(f, name, type));
  const chains = objs(l.value.filter_chains).map(chainMatch);
  let tlsInspector = has('tls_inspector', 'TlsInspector');
  let injected = false;
  if (!tlsInspector) {
    // Envoy adds a TLS inspector by itself when a filter chain matches on what only it can detect.
    injected = chains.some(
      (m) => m.transport_protocol === 'tls' || (!m.transport_protocol && (strs(m.server_names).length > 0 || strs(m.application_protocols).length > 0)),
    );
    tlsInspector = injected;
  }
  const tlsLabel = injected ? 'TLS inspector (added by Envoy: a filter chain matches on tls, SNI or ALPN)' : 'TLS inspector';
  const detected: string[] = [];
  const httpInspector = has('http_inspector', 'HttpInspector');
  const tls = req.transport === 'tls';
  const info: ConnectionInfo = {
    destinationPort: req.port,
    destinationIp: cx.dstIp,
    transportProtocol: tls && tlsInspector ? 'tls' : 'raw_buffer',
    applicationProtocols: [],
    sourceIp: req.sourceAddress,
    sourcePort: req.sourcePort,
    // The application sits in the same pod as its sidecar; inbound clients are remote.
    sourceLocal: req.direction === 'outbound',
  };
  if (tls && tlsInspector) {
    if (req.sni) info.serverName = req.sni;
    info.applicationProtocols = req.applicationProtocols ?? [];
    detected.push(`${tlsLabel}: tls${req.sni ? `, SNI ${req.sni}` : ', no SNI'}${info.applicationProtocols.length ? `, ALPN ${info.applicationProtocols.join(', ')}` : ''}`);
  } else if (tls) {
    detected.push('no TLS inspector: the TLS connection is seen as raw_buffer without SNI');
  } else {
    if (tlsInspector) detected.push(`${tlsLabel}: not TLS`);
    if (httpInspector && req.http) {
      info.applicationProtocols = req.applicationProtocols ?? [];
      detected.push(`HTTP inspector: ${info.applicationProtocols.join(', ') || 'nothing'}`);
    } else if (httpInspector) detected.push('HTTP inspector: not HTTP');
  }
  return { info, detected };
}

function chainLabel(chains: Obj[], i: number, defs: Handle[]): string {
  const c = chains[i];
  const name = str(c?.name);
  if (name) return `"${name}"`;
  const d = defs[i]?.def;
  return `#${i + 1} (${d?.info.chainMatch ?? 'any connection'})`;
}

function throughListener(cx: TraceContext, l: ListenerRef): Result {
  const chains = objs(l.value.filter_chains);
  const dflt = isObj(l.value.default_filter_chain) ? l.value.default_filter_chain : undefined;
  const { info, detected } = connection(cx, l);
  const listenerHop = cx.hops[cx.hops.length - 1];
  if (detected.length) listenerHop.detail += ` · ${detected.join('; ')}`;
  const choice = selectFilterChain(chains, !!dflt, info);
  const chainDefs = cx.childrenOf(l, 'filterChain');
  // filter_chains first, then the default chain, in extraction order.
  const defFor = (i: number): Handle | undefined =>
    chainDefs.length === chains.length + (dflt ? 1 : 0) ? chainDefs[i < 0 ? chains.length : i] : undefined;
  const rejected = choice.rejected.map((r) => `${chainLabel(chains, r.index, chainDefs)}: ${r.reason}`);
  if (choice.index === undefined) {
    listenerHop.rejected = rejected;
    return {
      ok: false,
      code: 'filter_chain_not_found',
      flag: 'NR',
      text: `${choice.decidedBy} among the ${chains.length} filter chain${chains.length === 1 ? '' : 's'} of listener ${l.def.name}, which has no default filter chain; Envoy closes the connection`,
      closest: choice.closest?.slice(0, 3).map((i) => chainLabel(chains, i, chainDefs)),
    };
  }
  const chain = choice.index < 0 ? dflt! : chains[choice.index];
  const h = defFor(choice.index);
  const name = str(chain.name) ?? (choice.index < 0 ? 'default filter chain' : `#${choice.index + 1}`);
  const why = choice.index < 0
    ? `default filter chain: ${choice.decidedBy}`
    : chains.length === 1 && !choice.matchedOn.length
      ? 'the only filter chain, matching any connection'
      : `matched on ${choice.matchedOn.length ? choice.matchedOn.join(', ') : 'any connection'}${chains.length > 1 ? ` (decided by ${choice.decidedBy})` : ''}`;
  const filters = objs(chain.filters);
  const terminal = filters.find((f) => isHcm(f) || isTcpProxy(f));
  const chainHop = cx.hop('filterChain', name, h, why, { rejected });
  if (terminatesTls(chain) && cx.req.transport !== 'tls') {
    chainHop.detail += ' · terminates TLS';
    return {
      ok: false,
      code: 'tls_required',
      text: `filter chain ${name} of listener ${l.def.name} terminates TLS, but the connection is plaintext: the TLS handshake fails and Envoy closes the connection`,
    };
  }
  if (!terminal) {
    const last = filters.length ? str(filters[filters.length - 1].name) ?? 'an unnamed filter' : 'no filter';
    chainHop.detail += ` → ${last}`;
    return { ok: false, code: 'not_traced', text: `filter chain ${name} ends in ${last}, which the trace does not follow` };
  }
  const cfg = filterConfig(terminal);
  if (isHcm(terminal)) {
    if (cx.req.transport === 'tls' && !terminatesTls(chain)) {
      chainHop.detail += ' → HTTP connection manager';
      return {
        ok: false,
        code: 'not_http',
        text: `the connection carries TLS, but filter chain ${name} does not terminate it: the HTTP connection manager cannot read the request and closes the connection`,
      };
    }
    return routeHttp(cx, cfg, h ?? l, l, chainHop);
  }
  return routeTcpProxy(cx, cfg, h ?? l, chainHop);
}
