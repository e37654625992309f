/**
 * Walks one request through a proxy's configuration the way Envoy does: the listener of the destination address
 * (Istio's virtualOutbound / virtualInbound hand connections over by their original destination), the filter chain,
 * the HTTP connection manager's route configuration, virtual host and route, or tcp_proxy, then the cluster and its
 * endpoints. Every hop says what matched and why; a dead end says what Envoy answers and what came closest.
 */
import type { Definition, Span } from '../model/types';
import { istioBuiltin } from '../istio';
import type { Workspace } from '../workspace';
import { closest } from './closest';
import { chainMatch, num, selectFilterChain, strs, type ConnectionInfo } from './filterChain';
import {
  matchRoute,
  normalizePath,
  parseQuery,
  regexRewrite,
  selectVirtualHost,
  splitHostPort,
  type RouteRequest,
} from './http';
import { isAnyAddress, parseIp, sameIp } from './ip';
import { isObj, ResourceReader, type Obj } from './resources';
import { isUsableStatus } from '../describe';
import type { Trace, TraceHop, TraceOptions, TraceOutcome, TraceRequest } from './types';

/** A definition in a file of the workspace. */
interface Handle {
  uri: string;
  index: number;
  def: Definition;
}

/** A serving listener with its materialized value and bound addresses (`address`, then `additional_addresses`). */
interface ListenerRef extends Handle {
  value: Obj;
  ip?: string;
  port?: number;
  addrs: Array<{ ip: string; port: number }>;
}

/** How one branch (or the whole request) ends, before it is phrased as the outcome. */
interface Result {
  ok: boolean;
  code?: string;
  status?: number;
  flag?: string;
  /** The message without the `→ ` / status head. */
  text: string;
  /** Which share of requests the result is about (`for 20% of requests (weight 20 of 100)`). */
  scope?: string;
  /** A short form for summaries of weighted branches. */
  short?: string;
  closest?: string[];
}

const SERVING = new Set(['static', 'active', 'inline']);

const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const objs = (v: unknown): Obj[] => arr(v).filter(isObj);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

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

function socketAddress(v: unknown): { ip?: string; port?: number; text: string } | undefined {
  if (!isObj(v)) return undefined;
  const sa = v.socket_address;
  if (isObj(sa)) {
    const ip = str(sa.address);
    const port = num(sa.port_value);
    return { ip, port, text: `${ip ?? ''}${port !== undefined ? `:${port}` : ''}` };
  }
  if (isObj(v.pipe)) return { text: str(v.pipe.path) ?? 'pipe' };
  return undefined;
}

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

const STATUS_OF: Record<string, number> = { SERVICE_UNAVAILABLE: 503, NOT_FOUND: 404, INTERNAL_SERVER_ERROR: 500 };
const REDIRECT_CODE: Record<string, number> = {
  MOVED_PERMANENTLY: 301,
  FOUND: 302,
  SEE_OTHER: 303,
  TEMPORARY_REDIRECT: 307,
  PERMANENT_REDIRECT: 308,
};

/** Traces a request through the proxy configuration of `uri` (other files of `ws` resolve names it lacks). */
export function traceRequest(
  ws: Workspace,
  uri: string,
  source: string | Uint8Array,
  req: TraceRequest,
  options: TraceOptions = {},
): Trace {
  return new Tracer(ws, uri, source, req, options).run();
}

class Tracer {
  private readonly hops: TraceHop[] = [];
  private readonly notes: string[] = [];
  private readonly reader: ResourceReader;
  private readonly children = new Map<string, Map<number, number[]>>();
  private readonly req: TraceRequest;
  private dstIp: string | undefined;
  /** The route configuration is inline and validates its clusters (validate_clusters defaults to true there). */
  private validatesClusters = false;

  constructor(
    private readonly ws: Workspace,
    private readonly uri: string,
    source: string | Uint8Array,
    req: TraceRequest,
    options: TraceOptions,
  ) {
    this.reader = new ResourceReader(
      (u) => ws.get(u),
      (u) => (u === uri ? source : options.sourceOf?.(u)),
    );
    const transport = req.transport ?? (req.sni ? 'tls' : 'raw_buffer');
    const http = req.http
      ? {
          ...req.http,
          path: req.http.path ?? '/',
          method: (req.http.method ?? 'GET').toUpperCase(),
          scheme: req.http.scheme ?? (transport === 'tls' ? ('https' as const) : ('http' as const)),
          headers: req.http.headers ?? {},
        }
      : undefined;
    const applicationProtocols = req.applicationProtocols ?? (http && transport === 'raw_buffer' ? ['http/1.1'] : []);
    this.req = { ...req, transport, applicationProtocols, ...(http ? { http } : {}) };
  }

  run(): Trace {
    const outcome = this.phrase(this.walk());
    return { request: this.req, hops: this.hops, outcome, notes: this.notes };
  }

  private note(s: string): void {
    if (!this.notes.includes(s)) this.notes.push(s);
  }

  private phrase(r: Result): TraceOutcome {
    const out: TraceOutcome = { ok: r.ok, message: '' };
    if (r.code) out.code = r.code;
    if (r.status !== undefined) out.status = r.status;
    if (r.flag) out.flag = r.flag;
    if (r.closest?.length) out.closest = r.closest;
    if (r.ok) out.message = `→ ${r.text}`;
    else {
      const head = [r.status, r.flag, r.code].filter((x) => x !== undefined && x !== '').join(' ');
      out.message = `${head}${r.scope ? ` ${r.scope}` : ''}: ${r.text}${r.closest?.length ? `; closest: ${r.closest.join(', ')}` : ''}`;
    }
    return out;
  }

  // ------------------------------------------------------------------ definitions

  private childrenOf(h: { uri: string; index: number }, kind: Definition['kind']): Handle[] {
    const a = this.ws.get(h.uri);
    if (!a) return [];
    let map = this.children.get(h.uri);
    if (!map) {
      map = new Map();
      a.defs.forEach((d, i) => {
        if (d.parent < 0) return;
        const list = map!.get(d.parent);
        if (list) list.push(i);
        else map!.set(d.parent, [i]);
      });
      this.children.set(h.uri, map);
    }
    return (map.get(h.index) ?? []).filter((i) => a.defs[i].kind === kind).map((i) => ({ uri: h.uri, index: i, def: a.defs[i] }));
  }

  private hop(kind: TraceHop['kind'], name: string, h: Handle | undefined, detail: string, extra: Partial<TraceHop> = {}): TraceHop {
    const hop: TraceHop = { kind, name, uri: h?.uri ?? '', detail };
    if (h) hop.span = { ...h.def.nameSpan } as Span;
    if (extra.rejected?.length) hop.rejected = extra.rejected;
    if (extra.branch) hop.branch = extra.branch;
    this.hops.push(hop);
    return hop;
  }

  // ------------------------------------------------------------------ listeners

  private listeners(): { serving: ListenerRef[]; idle: Handle[] } {
    const files = [this.uri, ...this.ws.all().map((a) => a.uri).filter((u) => u !== this.uri)];
    for (const u of files) {
      const a = this.ws.get(u);
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
        const value = this.reader.resource(u, def);
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

  private static addr(l: ListenerRef): string {
    return `${l.ip ?? '?'}:${l.port ?? '?'}`;
  }

  private static useOriginalDst(l: ListenerRef): boolean {
    const v = l.value.use_original_dst;
    return v === true || (isObj(v) && v.value === true);
  }

  /** Envoy's lookup of the listener for an address: exact address first, then a wildcard address on the port. */
  private byAddress(
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
        this.note(`The destination IP is unknown; ${onPort[0].def.name} is the only listener on port ${port}, so the trace assumes the destination is ${ips(onPort[0])[0]}.`);
        return { l: onPort[0], how: `the only listener on port ${port} (destination IP assumed)` };
      }
      if (onPort.length > 1) return { ambiguous: onPort };
    }
    return {};
  }

  private walk(): Result {
    const { serving, idle } = this.listeners();
    const req = this.req;
    if (serving.length === 0) {
      return { ok: false, code: 'listener_not_found', text: 'the given files hold no listener that serves connections' };
    }
    this.dstIp = req.address;
    if (this.dstIp === undefined) {
      if (req.direction === 'inbound') {
        const ip = nodeIpOf(this.reader.text(this.uri) ?? '');
        if (ip) {
          this.dstIp = ip;
          this.note(`Inbound destination IP taken from the Istio node id: ${ip} (the pod's IP).`);
        }
      }
      if (this.dstIp === undefined) {
        this.note('The destination IP is unknown (a host name was given): only listeners and filter chains for any address match it.');
      }
    }
    const port = req.port;
    const named = (name: string, p: number) =>
      serving.find((l) => l.def.name === name) ?? serving.find((l) => l.port === p && Tracer.useOriginalDst(l));
    if (req.direction === 'outbound') {
      const vo = named('virtualOutbound', 15001) ?? serving.find((l) => Tracer.useOriginalDst(l));
      if (vo) return this.handOff(serving, vo);
    } else {
      const vi = serving.find((l) => l.def.name === 'virtualInbound') ?? serving.find((l) => l.port === 15006);
      if (vi) {
        if (Tracer.useOriginalDst(vi)) return this.handOff(serving, vi);
        this.hop('listener', vi.def.name, vi, `(${Tracer.addr(vi)}) picks a filter chain by the original destination ${this.dstText()} (inbound traffic redirected by iptables)`);
        return this.throughListener(vi);
      }
      // Istio before 1.4 sent inbound traffic through virtualOutbound (15001) too, to the pod-IP listeners.
      const vo = named('virtualOutbound', 15001);
      if (vo) return this.handOff(serving, vo, 'inbound traffic redirected by iptables to 15001, as before Istio 1.4');
    }
    const found = this.byAddress(serving, this.dstIp, port);
    if (found.ambiguous) return this.ambiguous(found.ambiguous);
    if (!found.l) return this.noListener(serving, idle, port);
    this.hop('listener', found.l.def.name, found.l, `(${Tracer.addr(found.l)}) ${found.how}`);
    return this.throughListener(found.l);
  }

  private dstText(): string {
    return `${this.dstIp ?? '(unknown IP)'}:${this.req.port}`;
  }

  private ambiguous(list: ListenerRef[]): Result {
    return {
      ok: false,
      code: 'ambiguous',
      text: `several listeners take port ${this.req.port} on specific addresses (${list.slice(0, 5).map((l) => l.def.name).join(', ')}${list.length > 5 ? ', …' : ''}): give the destination IP`,
    };
  }

  private noListener(serving: ListenerRef[], idle: Handle[], port: number): Result {
    const idleOnPort = idle.filter((h) => (h.def.info.address ?? '').endsWith(`:${port}`));
    const why = idleOnPort.length
      ? `; listener ${idleOnPort[0].def.name} is ${idleOnPort[0].def.state} and does not serve connections`
      : '';
    const intercept = this.req.direction === 'outbound'
      ? ' and there is no virtualOutbound (use_original_dst) listener: the connection is not intercepted by this Envoy'
      : '';
    const names = serving.map((l) => `${l.def.name} (${Tracer.addr(l)})`);
    return {
      ok: false,
      code: 'listener_not_found',
      text: `no listener takes connections to ${this.dstText()}${intercept}${why}`,
      closest: closest(`${this.dstIp ?? '0.0.0.0'}_${port}`, serving.map((l) => l.def.name), 3).map(
        (n) => names.find((x) => x.startsWith(`${n} (`)) ?? n,
      ),
    };
  }

  private handOff(serving: ListenerRef[], vo: ListenerRef, why?: string): Result {
    const also = why ? ` (${why})` : '';
    const found = this.byAddress(serving, this.dstIp, this.req.port, vo);
    if (found.ambiguous) {
      this.hop('listener', vo.def.name, vo, `(${Tracer.addr(vo)}) use_original_dst: the original destination ${this.dstText()} has several candidate listeners${also}`);
      return this.ambiguous(found.ambiguous);
    }
    if (found.l) {
      this.hop('listener', vo.def.name, vo, `(${Tracer.addr(vo)}) → hands off to ${found.l.def.name} (use_original_dst: original destination ${this.dstText()})${also}`);
      this.hop('listener', found.l.def.name, found.l, `(${Tracer.addr(found.l)}) ${found.how}`);
      return this.throughListener(found.l);
    }
    this.hop('listener', vo.def.name, vo, `(${Tracer.addr(vo)}) keeps the connection: no listener for the original destination ${this.dstText()}${also}`);
    return this.throughListener(vo);
  }

  // ------------------------------------------------------------------ filter chains

  private connection(l: ListenerRef): { info: ConnectionInfo; detected: string[] } {
    const req = this.req;
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
      destinationIp: this.dstIp,
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

  private chainLabel(chains: Obj[], i: number, defs: Handle[]): string {
    const c = chains[i];
    const name = str(c?.name);
    if (name) return `"${name}"`;
    const d = defs[i]?.def;
    return `#${i + 1} (${d?.info.chainMatch ?? 'any connection'})`;
  }

  private throughListener(l: ListenerRef): Result {
    const chains = objs(l.value.filter_chains);
    const dflt = isObj(l.value.default_filter_chain) ? l.value.default_filter_chain : undefined;
    const { info, detected } = this.connection(l);
    const listenerHop = this.hops[this.hops.length - 1];
    if (detected.length) listenerHop.detail += ` · ${detected.join('; ')}`;
    const choice = selectFilterChain(chains, !!dflt, info);
    const chainDefs = this.childrenOf(l, 'filterChain');
    // filter_chains first, then the default chain, in extraction order.
    const defFor = (i: number): Handle | undefined =>
      chainDefs.length === chains.length + (dflt ? 1 : 0) ? chainDefs[i < 0 ? chains.length : i] : undefined;
    const rejected = choice.rejected.map((r) => `${this.chainLabel(chains, r.index, chainDefs)}: ${r.reason}`);
    if (choice.index === undefined) {
      listenerHop.rejected = rejected;
      return {
        ok: false,
        code: 'filter_chain_not_found',
        flag: 'NR',
        text: `${choice.decidedBy} among the ${chains.length} filter chain${chains.length === 1 ? '' : 's'} of listener ${l.def.name}, which has no default filter chain; Envoy closes the connection`,
        closest: choice.closest?.slice(0, 3).map((i) => this.chainLabel(chains, i, chainDefs)),
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
    const chainHop = this.hop('filterChain', name, h, why, { rejected });
    if (terminatesTls(chain) && this.req.transport !== 'tls') {
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
      if (this.req.transport === 'tls' && !terminatesTls(chain)) {
        chainHop.detail += ' → HTTP connection manager';
        return {
          ok: false,
          code: 'not_http',
          text: `the connection carries TLS, but filter chain ${name} does not terminate it: the HTTP connection manager cannot read the request and closes the connection`,
        };
      }
      return this.http(cfg, h ?? l, l, chainHop);
    }
    return this.tcp(cfg, h ?? l, chainHop);
  }

  // ------------------------------------------------------------------ HTTP

  private http(hcm: Obj, chain: Handle, l: ListenerRef, chainHop: TraceHop): Result {
    const req = this.req;
    let rc: Obj | undefined;
    let rcHandle: Handle | undefined;
    let rcName: string;
    if (isObj(hcm.rds)) {
      rcName = str(hcm.rds.route_config_name) ?? '';
      chainHop.detail += ` → HTTP connection manager, RDS "${rcName}"`;
      if (!req.http) return this.notHttp(chainHop.name);
      const defs = this.ws.resolve(chain.uri, 'routeConfig', rcName);
      const pick = defs.find((d) => d.def.state !== 'inline' && d.def.group === 'main') ?? defs.find((d) => d.def.state !== 'inline') ?? defs[0];
      if (!pick) {
        this.hop('routeConfig', rcName, undefined, 'RDS: not in the dump');
        if (!this.ws.isChecked(chain.uri, 'routeConfig')) {
          return { ok: false, code: 'not_traced', text: `route configuration "${rcName}" is not in the given files (add the route output, e.g. istioctl pc route -o json)` };
        }
        const names = this.allNames('routeConfig');
        return {
          ok: false,
          code: 'route_not_found',
          status: 404,
          flag: 'NR',
          text: `route configuration "${rcName}" (RDS) is not among this dump's route configurations, so no route matches`,
          closest: closest(rcName, names, 3),
        };
      }
      rcHandle = pick;
      rc = this.reader.resource(pick.uri, pick.def);
      this.hop('routeConfig', rcName, pick, `RDS "${rcName}"${pick.def.versionInfo ? ` (version ${pick.def.versionInfo})` : ''}`);
    } else if (isObj(hcm.route_config)) {
      rc = hcm.route_config;
      rcName = str(rc.name) ?? '(inline)';
      chainHop.detail += ' → HTTP connection manager, inline route configuration';
      if (!req.http) return this.notHttp(chainHop.name);
      rcHandle = this.childrenOf(chain, 'routeConfig')[0];
      // Envoy validates the clusters of an inline route configuration unless told not to.
      this.validatesClusters = rc.validate_clusters !== false && !(isObj(rc.validate_clusters) && rc.validate_clusters.value === false);
      this.hop('routeConfig', rcName, rcHandle, 'inline in the HTTP connection manager');
    } else {
      chainHop.detail += isObj(hcm.scoped_routes) ? ' → HTTP connection manager, scoped routes' : ' → HTTP connection manager';
      if (!req.http) return this.notHttp(chainHop.name);
      return { ok: false, code: 'not_traced', text: isObj(hcm.scoped_routes) ? 'scoped routes (SRDS) are not traced' : 'the HTTP connection manager has no route configuration' };
    }
    if (!rc) return { ok: false, code: 'not_traced', text: `route configuration "${rcName}" could not be read from its file` };
    const http = req.http!;
    // Host header as matched: Envoy may strip the port first.
    let host = http.host;
    const hp = splitHostPort(host);
    if (hcm.strip_any_host_port === true && hp.port !== undefined) host = hp.host;
    else if (hcm.strip_matching_host_port === true && hp.port === req.port) host = hp.host;
    if (rc.ignore_port_in_host_matching === true) host = splitHostPort(host).host;
    const vhosts = arr(rc.virtual_hosts);
    const vc = selectVirtualHost(vhosts, host);
    if (vc.index === undefined) {
      return {
        ok: false,
        code: 'route_not_found',
        status: 404,
        flag: 'NR',
        text: `no virtual host of route configuration "${rcName}" matches ${host}`,
        closest: vc.closest,
      };
    }
    const vh = vhosts[vc.index] as Obj;
    const vhDefs = rcHandle ? this.childrenOf(rcHandle, 'virtualHost') : [];
    const vhHandle = vhDefs.length === objs(vhosts).length ? vhDefs[objs(vhosts).indexOf(vh)] : undefined;
    const vhName = str(vh.name) ?? vhHandle?.def.name ?? `#${vc.index + 1}`;
    const vhHop = this.hop('virtualHost', vhName, vhHandle, `${vc.how} "${vc.domain}" matches Host "${host}"`, { rejected: vc.rejected });
    const requireTls = str(vh.require_tls);
    if ((requireTls === 'ALL' || requireTls === 'EXTERNAL_ONLY') && http.scheme !== 'https' && req.transport !== 'tls') {
      return { ok: true, code: 'redirect', status: 301, text: `301 redirect to https://${splitHostPort(http.host).host}${http.path} (virtual host requires TLS: require_tls ${requireTls})` };
    }
    // The request as routing sees it.
    let path = http.path ?? '/';
    if (bool(hcm.normalize_path)) path = normalizePath(path, hcm.merge_slashes === true);
    else if (hcm.merge_slashes === true) path = normalizePath(path, true);
    if (path !== http.path) this.note(`Path normalized by the HTTP connection manager to ${path}.`);
    const headers = new Map<string, string>();
    for (const [k, v] of Object.entries(http.headers ?? {})) headers.set(k.toLowerCase(), v);
    headers.set(':authority', http.host);
    headers.set(':path', path);
    headers.set(':method', http.method ?? 'GET');
    headers.set(':scheme', http.scheme ?? 'http');
    const rr: RouteRequest = { path, method: http.method ?? 'GET', headers, query: parseQuery(path) };
    const routes = arr(vh.routes);
    const routeDefs = vhHandle ? this.childrenOf(vhHandle, 'route') : [];
    const routeHandle = (i: number) => (routeDefs.length === objs(routes).length ? routeDefs[objs(routes).indexOf(routes[i] as Obj)] : undefined);
    const label = (i: number) => {
      const r = routes[i] as Obj;
      return str(r.name) ? `"${r.name}"` : `#${i + 1} (${routeHandle(i)?.def.info.match ?? 'route'})`;
    };
    const rejected: string[] = [];
    let best: { i: number; score: number; why: string; pathOk: boolean } | undefined;
    for (let i = 0; i < routes.length; i++) {
      const r = routes[i];
      if (!isObj(r)) continue;
      const m = matchRoute(r.match, rr);
      for (const n of m.notes) this.note(n);
      if (!m.ok) {
        rejected.push(`${label(i)}: ${m.why}`);
        const score = (m.pathOk ? 1e6 : 0) + m.closeness;
        if (!best || score > best.score) best = { i, score, why: m.why, pathOk: m.pathOk };
        continue;
      }
      if (m.assumed.length) this.note(`Route ${label(i)}: ${m.assumed.join(', ')} not evaluated, taken as matching.`);
      const rh = routeHandle(i);
      const rname = str(r.name) ?? rh?.def.name ?? `#${i + 1}`;
      const routeHop = this.hop('route', rname, rh, `${m.why} matches ${rr.method} ${path}`, { rejected });
      return this.routeAction(r, rcHandle ?? chain, routeHop, path);
    }
    // No route hop to hang them on: the virtual host shows why each route passed.
    if (rejected.length) vhHop.rejected = [...(vhHop.rejected ?? []), ...rejected.map((r) => `route ${r}`)];
    return {
      ok: false,
      code: 'route_not_found',
      status: 404,
      flag: 'NR',
      text: `no route of virtual host "${vhName}" matches ${rr.method} ${path}${routes.length ? '' : ' (it has no routes)'}`,
      closest: best ? [best.pathOk ? `${label(best.i)}: ${best.why}` : label(best.i)] : undefined,
    };
  }

  private notHttp(chainName: string): Result {
    return {
      ok: false,
      code: 'not_http',
      text: `filter chain ${chainName} runs the HTTP connection manager: give an http:// or https:// URL to trace the route (a client that does not speak HTTP has its connection closed)`,
    };
  }

  private allNames(kind: Definition['kind']): string[] {
    const out = new Set<string>();
    for (const a of this.ws.all()) for (const d of a.defs) if (d.kind === kind) out.add(d.name);
    return [...out];
  }

  private routeAction(r: Obj, from: Handle, routeHop: TraceHop, routedPath: string): Result {
    const http = this.req.http!;
    if (isObj(r.route)) {
      const a = r.route;
      const rw = regexRewrite(a.regex_rewrite, routedPath);
      if (rw) {
        routeHop.detail += ` (${rw.what})`;
        if (rw.note) this.note(rw.note);
      }
      const notFound = STATUS_OF[str(a.cluster_not_found_response_code) ?? ''] ?? 503;
      if (typeof a.cluster === 'string') {
        routeHop.detail += ` → cluster ${a.cluster}`;
        return this.cluster(a.cluster, from, true, notFound);
      }
      if (isObj(a.weighted_clusters)) {
        const wcs = objs(a.weighted_clusters.clusters);
        routeHop.detail += ` → ${wcs.length} weighted clusters`;
        return this.weighted(wcs, num(a.weighted_clusters.total_weight), from, true, notFound);
      }
      if (typeof a.cluster_header === 'string') {
        const hv = this.headerValue(a.cluster_header);
        routeHop.detail += ` → cluster named by header ${a.cluster_header}${hv !== undefined ? ` ("${hv}")` : ' (absent)'}`;
        if (hv === undefined || hv === '') {
          this.hop('cluster', '(from header)', undefined, `header ${a.cluster_header} is absent from the request`);
          return {
            ok: false,
            code: 'cluster_not_found',
            status: notFound,
            flag: 'NC',
            text: `the route takes its cluster from header ${a.cluster_header}, which the request does not carry (pass --header ${a.cluster_header}=CLUSTER)`,
          };
        }
        return this.cluster(hv, from, true, notFound);
      }
      const plugin = a.cluster_specifier_plugin ?? a.inline_cluster_specifier_plugin;
      if (plugin !== undefined) {
        routeHop.detail += ' → cluster chosen by a plugin';
        return { ok: false, code: 'not_traced', text: 'a cluster specifier plugin chooses the cluster at request time; the trace cannot follow it' };
      }
      return { ok: false, code: 'not_traced', text: 'the route action names no cluster' };
    }
    if (isObj(r.redirect)) {
      const rd = r.redirect;
      const status = REDIRECT_CODE[str(rd.response_code) ?? ''] ?? 301;
      const hp = splitHostPort(http.host);
      const scheme = rd.https_redirect === true ? 'https' : (str(rd.scheme_redirect) ?? http.scheme ?? 'http');
      const host = str(rd.host_redirect) ?? hp.host;
      const port = num(rd.port_redirect) ?? (str(rd.host_redirect) || rd.https_redirect === true || rd.scheme_redirect ? undefined : hp.port);
      let path = http.path ?? '/';
      const q = path.indexOf('?');
      const query = q >= 0 && rd.strip_query !== true ? path.slice(q) : '';
      const bare = q >= 0 ? path.slice(0, q) : path;
      const rw = regexRewrite(rd.regex_rewrite, bare);
      if (typeof rd.path_redirect === 'string') path = rd.path_redirect + (rd.path_redirect.includes('?') ? '' : query);
      else if (rw) {
        path = rw.path + query;
        if (rw.note) this.note(rw.note);
      } else if (typeof rd.prefix_rewrite === 'string') {
        const prefix = isObj(r.match) ? str(r.match.prefix) : undefined;
        path = (prefix !== undefined && bare.startsWith(prefix) ? rd.prefix_rewrite + bare.slice(prefix.length) : rd.prefix_rewrite) + query;
      } else path = bare + query;
      const location = `${scheme}://${host}${port !== undefined ? `:${port}` : ''}${path}`;
      routeHop.detail += ` → redirect ${status}`;
      return { ok: true, code: 'redirect', status, text: `${status} redirect to ${location}` };
    }
    if (isObj(r.direct_response)) {
      const status = num(r.direct_response.status) ?? 200;
      const body = isObj(r.direct_response.body) ? str(r.direct_response.body.inline_string) : undefined;
      routeHop.detail += ` → direct response ${status}`;
      return {
        ok: status < 400,
        code: 'direct_response',
        status,
        text: `Envoy answers ${status} itself (direct_response${body !== undefined ? `, body ${JSON.stringify(body.length > 60 ? `${body.slice(0, 60)}…` : body)}` : ''})`,
      };
    }
    return { ok: false, code: 'not_traced', text: 'the route has no route, redirect or direct_response action the trace follows' };
  }

  private headerValue(name: string): string | undefined {
    const want = name.toLowerCase();
    for (const [k, v] of Object.entries(this.req.http?.headers ?? {})) if (k.toLowerCase() === want) return v;
    if (want === ':authority' || want === 'host') return this.req.http?.host;
    return undefined;
  }

  // ------------------------------------------------------------------ TCP

  private tcp(cfg: Obj, from: Handle, chainHop: TraceHop): Result {
    if (typeof cfg.cluster === 'string') {
      chainHop.detail += ` → tcp_proxy → cluster ${cfg.cluster}`;
      return this.cluster(cfg.cluster, from, false, 0);
    }
    if (isObj(cfg.weighted_clusters)) {
      const wcs = objs(cfg.weighted_clusters.clusters);
      chainHop.detail += ` → tcp_proxy → ${wcs.length} weighted clusters`;
      return this.weighted(wcs, undefined, from, false, 0);
    }
    chainHop.detail += ' → tcp_proxy';
    return { ok: false, code: 'not_traced', text: 'the tcp_proxy names no cluster the trace can follow' };
  }

  // ------------------------------------------------------------------ clusters

  private weighted(wcs: Obj[], totalWeight: number | undefined, from: Handle, http: boolean, notFound: number): Result {
    const weights = wcs.map((w) => num(w.weight) ?? 0);
    const total = totalWeight ?? weights.reduce((s, w) => s + w, 0);
    const results: Array<{ name: string; weight: number; r: Result }> = [];
    wcs.forEach((wc, i) => {
      const weight = weights[i];
      const branch = `weight ${weight}/${total}`;
      let name = str(wc.name);
      if (name === undefined && typeof wc.cluster_header === 'string') name = this.headerValue(wc.cluster_header);
      if (name === undefined) {
        this.hop('cluster', '(unnamed)', undefined, 'weighted cluster without a name', { branch });
        results.push({ name: '(unnamed)', weight, r: { ok: false, code: 'cluster_not_found', status: http ? notFound : undefined, flag: 'NC', text: 'a weighted cluster has no name' } });
        return;
      }
      results.push({ name, weight, r: this.cluster(name, from, http, notFound, branch) });
    });
    const pct = (w: number) => (total > 0 ? `${Math.round((1000 * w) / total) / 10}%` : `weight ${w}`);
    const live = results.filter((x) => x.weight > 0);
    const failing = live.find((x) => !x.r.ok);
    if (!failing) {
      return { ok: true, text: live.map((x) => `${pct(x.weight)} ${x.name} → ${x.r.short ?? x.r.text}`).join('; ') };
    }
    const others = live
      .filter((x) => x !== failing)
      .map((x) => (x.r.ok ? `${pct(x.weight)} → ${x.r.short ?? x.r.text}` : `${pct(x.weight)} ✗ ${x.r.code ?? 'fails'} (${x.name})`));
    return {
      ...failing.r,
      scope: `for ${pct(failing.weight)} of requests (weight ${failing.weight} of ${total})`,
      text: `${failing.r.text}${others.length ? `; the other ${others.join('; ')}` : ''}`,
    };
  }

  /** Resolves a cluster by name (as seen from `from`'s file) and follows it to its endpoints. */
  private cluster(name: string, from: Handle, http: boolean, notFound: number, branch?: string): Result {
    const defs = this.ws.resolve(from.uri, 'cluster', name);
    const serving = defs.find((d) => (d.def.state === 'active' || d.def.state === 'static') && d.def.group === 'main') ??
      defs.find((d) => d.def.state === 'active' || d.def.state === 'static');
    const nc = (text: string, closestNames?: string[]): Result => ({
      ok: false,
      code: 'cluster_not_found',
      status: http ? notFound : undefined,
      flag: 'NC',
      text: http ? text : `${text}; Envoy closes the connection`,
      closest: closestNames,
    });
    if (!serving) {
      const warming = defs.find((d) => d.def.state === 'warming');
      if (warming) {
        this.hop('cluster', name, warming, 'warming: Envoy has not finished initializing it and does not use it yet', { branch });
        return nc(`cluster "${name}" is still warming`);
      }
      if (!this.ws.isChecked(from.uri, 'cluster')) {
        this.hop('cluster', name, undefined, 'not in the given files', { branch });
        const builtin = istioBuiltin('cluster', name);
        if (builtin) {
          return { ok: true, text: `${name} (${builtin})` };
        }
        return { ok: false, code: 'not_traced', text: `cluster "${name}" is not in the given files (add the cluster output, e.g. istioctl pc cluster -o json)` };
      }
      this.hop('cluster', name, undefined, "not among this dump's clusters", { branch });
      if (this.validatesClusters && http) {
        this.note(`Envoy rejects an inline route configuration (and its listener) naming a cluster unknown when it loads, unless validate_clusters is false; a cluster "${name}" removed after loading gets 503 NC, as traced.`);
      }
      return nc(`cluster "${name}" is not among this dump's clusters`, closest(name, this.allNames('cluster'), 3));
    }
    const c = this.reader.resource(serving.uri, serving.def) ?? {};
    const type = serving.def.info.clusterType ?? 'STATIC';
    const hop = this.hop('cluster', name, serving, `type ${type}`, { branch });
    if (type === 'EDS' && serving.def.info.edsName && serving.def.info.edsName !== name) hop.detail += `, EDS service_name ${serving.def.info.edsName}`;
    const builtin = istioBuiltin('cluster', name);
    if (builtin) hop.detail += ` (${builtin})`;
    return this.endpoints(name, serving, c, type, http, branch);
  }

  private endpoints(name: string, cl: Handle, c: Obj, type: string, http: boolean, branch?: string): Result {
    const uh = (text: string): Result => ({
      ok: false,
      code: 'no_healthy_upstream',
      status: http ? 503 : undefined,
      flag: 'UH',
      text: http ? text : `${text}; Envoy closes the connection`,
    });
    if (type === 'ORIGINAL_DST') {
      const lb = isObj(c.original_dst_lb_config) ? c.original_dst_lb_config : {};
      if (http && lb.use_http_header === true) {
        const hdr = str(lb.http_header_name) ?? 'x-envoy-original-dst-host';
        const v = this.headerValue(hdr);
        if (v) return { ok: true, text: `${v} (ORIGINAL_DST: from header ${hdr})` };
      }
      const dst = `${this.dstIp ?? '(IP unknown)'}:${this.req.port}`;
      return { ok: true, text: `original destination ${dst} (ORIGINAL_DST: the address the client connected to)`, short: `original destination ${dst}` };
    }
    if (isObj(c.cluster_type)) {
      const ct = str(c.cluster_type.name) ?? 'custom';
      const cfg = isObj(c.cluster_type.typed_config) ? c.cluster_type.typed_config : {};
      if (ct.includes('aggregate')) {
        const members = strs(cfg.clusters);
        for (const m of members) {
          const r = this.cluster(m, cl, http, 503, `aggregate ${name}`);
          if (r.ok) return r;
        }
        return uh(`no cluster of aggregate cluster "${name}" (${members.join(', ')}) has a usable endpoint`);
      }
      if (ct.includes('dynamic_forward_proxy')) {
        return { ok: true, text: `${this.req.http ? splitHostPort(this.req.http.host).host : this.req.sni ?? '(the requested host)'} resolved by DNS (dynamic forward proxy cluster)` };
      }
      return { ok: true, text: `cluster "${name}" (custom cluster type ${ct}: the extension chooses the endpoint)` };
    }
    let eps: Endpoint[] | undefined;
    let source: Handle | undefined;
    let sourceName = name;
    if (type === 'EDS') {
      const eds = cl.def.info.edsName ?? name;
      sourceName = eds;
      const cla = this.ws.resolve(cl.uri, 'endpoints', eds);
      const pick = cla.find((d) => d.def.group === 'main') ?? cla[0];
      if (pick) {
        source = pick;
        eps = endpointsOf(this.reader.resource(pick.uri, pick.def));
      }
    } else if (isObj(c.load_assignment)) {
      eps = endpointsOf(c.load_assignment);
    } else if (Array.isArray(c.hosts)) {
      eps = objs(c.hosts).map((h) => ({ address: socketAddress(h)?.text ?? '?', status: 'UNKNOWN', priority: 0 }));
    } else {
      eps = [];
    }
    // Live health from /clusters?format=json, when it is in the workspace.
    const live = this.liveStatus(name);
    if (live) {
      const counts = live.def.info.endpoints!;
      const sample = counts.sample.map((address, i) => ({ address, status: counts.sampleStatus[i] ?? 'HEALTHY', priority: 0 }));
      this.hop('endpoints', name, live, `live /clusters status: ${counts.total} endpoint${counts.total === 1 ? '' : 's'}, ${counts.healthy} healthy${counts.sample.length < counts.total ? ` (first ${counts.sample.length} listed)` : ''}`, { branch });
      if (eps === undefined || eps.length === 0 || counts.total > 0) eps = sample.length === counts.total ? sample : eps ?? sample;
    }
    if (eps === undefined) {
      const checked = this.ws.isChecked(cl.uri, 'endpoints');
      const noEds = !!this.ws.get(cl.uri)?.noEdsSection;
      const missing = noEds ? 'the dump was taken without ?include_eds' : 'no endpoints section in the given files';
      this.hop('endpoints', sourceName, undefined, checked ? "no ClusterLoadAssignment among the dump's endpoints" : `not in the dump (${missing})`, { branch });
      if (checked) {
        return uh(`EDS cluster "${name}" has no ClusterLoadAssignment "${sourceName}" in the dump's endpoints, so it has no endpoints`);
      }
      this.note(
        noEds
          ? 'The dump has no endpoints section (taken without ?include_eds): EDS endpoints and their health are unknown.'
          : 'No endpoints section in the given files (add a dump taken with ?include_eds, or istioctl pc endpoint output): EDS endpoints and their health are unknown.',
      );
      return { ok: true, text: `cluster "${name}" (endpoints unknown: ${missing})`, short: `cluster "${name}" (endpoints unknown)` };
    }
    const threshold = panicThreshold(c);
    const pick = choose(eps, threshold);
    const shown = eps.slice(0, 5).map((e) => `${e.address} ${e.status}${e.priority ? ` (priority ${e.priority})` : ''}`);
    const healthy = eps.filter((e) => isUsableStatus(e.status)).length;
    const epDetail = `${eps.length} endpoint${eps.length === 1 ? '' : 's'}, ${healthy} healthy${shown.length ? `: ${shown.join(', ')}${eps.length > 5 ? `, … ${eps.length - 5} more` : ''}` : ''}`;
    if (!live) {
      const where = source ?? cl;
      this.hop('endpoints', source ? source.def.name : `${name} (load_assignment)`, where, epDetail, { branch });
    }
    if (pick.hosts.length === 0) {
      if (name === 'BlackHoleCluster') {
        return uh(`BlackHoleCluster has no endpoints by design: Istio sends here what it must drop (outboundTrafficPolicy REGISTRY_ONLY, or traffic to the pod's own IP)`);
      }
      return uh(eps.length === 0 ? `cluster "${name}" has no endpoints` : `cluster "${name}" has no healthy endpoint (${epDetail}) and its panic threshold is 0`);
    }
    const dns = type === 'STRICT_DNS' || type === 'LOGICAL_DNS' ? ', resolved by DNS' : '';
    const list = pick.hosts.slice(0, 3).map((e) => `${e.address} (${e.status}${dns})`).join(', ');
    const more = pick.hosts.length > 3 ? ` and ${pick.hosts.length - 3} more` : '';
    const panic = pick.panic
      ? ` — panic mode: ${pick.available} of ${pick.total} endpoints available is below the ${threshold}% panic threshold, so Envoy balances over all of them regardless of health`
      : '';
    return { ok: true, text: `${list}${more}${panic}`, short: `${list}${more}${pick.panic ? ' in panic mode' : ''}` };
  }

  private liveStatus(name: string): Handle | undefined {
    for (const a of this.ws.all()) {
      const i = a.defs.findIndex((d) => d.kind === 'clusterStatus' && d.name === name && d.info.endpoints);
      if (i >= 0) return { uri: a.uri, index: i, def: a.defs[i] };
    }
    return undefined;
  }
}

function bool(v: unknown): boolean {
  return v === true || (isObj(v) && v.value === true);
}

interface Endpoint {
  address: string;
  status: string;
  priority: number;
}

function endpointsOf(cla: Obj | undefined): Endpoint[] {
  const out: Endpoint[] = [];
  for (const loc of objs(cla?.endpoints)) {
    const priority = num(loc.priority) ?? 0;
    for (const lb of objs(loc.lb_endpoints)) {
      const ep = isObj(lb.endpoint) ? lb.endpoint : {};
      out.push({ address: socketAddress(ep.address)?.text ?? '?', status: str(lb.health_status) ?? 'UNKNOWN', priority });
    }
  }
  return out;
}

/** `common_lb_config.healthy_panic_threshold` in percent (default 50). */
function panicThreshold(c: Obj): number {
  const clb = isObj(c.common_lb_config) ? c.common_lb_config : {};
  const t = num(clb.healthy_panic_threshold);
  return t === undefined ? 50 : t;
}

/**
 * The hosts Envoy balances over: those of the first priority with available (healthy or degraded) hosts; all hosts of
 * that priority when the available share is below the panic threshold; with no available host anywhere, all hosts of
 * the first priority (panic) unless the threshold is 0.
 */
function choose(eps: Endpoint[], threshold: number): { hosts: Endpoint[]; panic: boolean; available: number; total: number } {
  if (eps.length === 0) return { hosts: [], panic: false, available: 0, total: 0 };
  const priorities = [...new Set(eps.map((e) => e.priority))].sort((a, b) => a - b);
  for (const p of priorities) {
    const hosts = eps.filter((e) => e.priority === p);
    const healthy = hosts.filter((e) => isUsableStatus(e.status));
    const degraded = hosts.filter((e) => e.status === 'DEGRADED');
    const available = healthy.length + degraded.length;
    if (available === 0) continue;
    if ((100 * available) / hosts.length < threshold) return { hosts, panic: true, available, total: hosts.length };
    return { hosts: healthy.length ? healthy : degraded, panic: false, available, total: hosts.length };
  }
  const first = eps.filter((e) => e.priority === priorities[0]);
  if (threshold > 0) return { hosts: first, panic: true, available: 0, total: first.length };
  return { hosts: [], panic: false, available: 0, total: first.length };
}
