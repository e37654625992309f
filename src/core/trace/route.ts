/**
 * The route stage of a trace: where a filter chain's terminal filter sends the request. For the HTTP connection
 * manager, the route configuration (RDS or inline), virtual host, route and its action (cluster, weighted clusters,
 * cluster header, redirect, direct response); for tcp_proxy, its cluster. Clusters go on to upstream.ts.
 */
import { closest } from './closest';
import type { Handle, ListenerRef, Result, TraceContext } from './context';
import { num } from './filterChain';
import { applyHeaderChanges, changesText, fillValue, headerChanges, joinedHeaders, type FillFrom, type HeaderLevel, type HeaderValues } from './headers';
import { matchRoute, normalizePath, parseQuery, regexRewrite, selectVirtualHost, splitHostPort, virtualClusterOf, type RouteRequest } from './http';
import { isObj, type Obj } from './resources';
import type { TraceHop, TraceRoute } from './types';
import { pickWeighted, toCluster, weightedClusters, weightedName } from './upstream';
import { arr, bool, boolValue, durationMs, objs, str } from './values';

const STATUS_OF: Record<string, number> = { SERVICE_UNAVAILABLE: 503, NOT_FOUND: 404, INTERNAL_SERVER_ERROR: 500 };
const REDIRECT_CODE: Record<string, number> = {
  MOVED_PERMANENTLY: 301,
  FOUND: 302,
  SEE_OTHER: 303,
  TEMPORARY_REDIRECT: 307,
  PERMANENT_REDIRECT: 308,
};

export function routeHttp(cx: TraceContext, hcm: Obj, chain: Handle, l: ListenerRef, chainHop: TraceHop): Result {
  const req = cx.req;
  let rc: Obj | undefined;
  let rcHandle: Handle | undefined;
  let rcName: string;
  if (isObj(hcm.rds)) {
    rcName = str(hcm.rds.route_config_name) ?? '';
    chainHop.detail += ` → HTTP connection manager, RDS "${rcName}"`;
    if (!req.http) return notHttp(chainHop.name);
    const defs = cx.ws.resolve(chain.uri, 'routeConfig', rcName);
    const pick = defs.find((d) => d.def.state !== 'inline' && d.def.group === 'main') ?? defs.find((d) => d.def.state !== 'inline') ?? defs[0];
    if (!pick) {
      cx.hop('routeConfig', rcName, undefined, 'RDS: not in the dump');
      if (!cx.ws.isChecked(chain.uri, 'routeConfig')) {
        return { ok: false, code: 'not_traced', text: `route configuration "${rcName}" is not in the given files (add the route output, e.g. istioctl pc route -o json)` };
      }
      const names = cx.allNames('routeConfig');
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
    rc = cx.reader.resource(pick.uri, pick.def);
    cx.hop('routeConfig', rcName, pick, `RDS "${rcName}"${pick.def.versionInfo ? ` (version ${pick.def.versionInfo})` : ''}`);
  } else if (isObj(hcm.route_config)) {
    rc = hcm.route_config;
    rcName = str(rc.name) ?? '(inline)';
    chainHop.detail += ' → HTTP connection manager, inline route configuration';
    if (!req.http) return notHttp(chainHop.name);
    rcHandle = cx.childrenOf(chain, 'routeConfig')[0];
    // Envoy validates the clusters of an inline route configuration unless told not to.
    cx.validatesClusters = boolValue(rc.validate_clusters) !== false;
    cx.hop('routeConfig', rcName, rcHandle, 'inline in the HTTP connection manager');
  } else {
    chainHop.detail += isObj(hcm.scoped_routes) ? ' → HTTP connection manager, scoped routes' : ' → HTTP connection manager';
    if (!req.http) return notHttp(chainHop.name);
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
  const vhDefs = rcHandle ? cx.childrenOf(rcHandle, 'virtualHost') : [];
  const vhHandle = vhDefs.length === objs(vhosts).length ? vhDefs[objs(vhosts).indexOf(vh)] : undefined;
  const vhName = str(vh.name) ?? vhHandle?.def.name ?? `#${vc.index + 1}`;
  const vhHop = cx.hop('virtualHost', vhName, vhHandle, `${vc.how} "${vc.domain}" matches Host "${host}"`, { rejected: vc.rejected });
  const requireTls = str(vh.require_tls);
  // EXTERNAL_ONLY spares internal requests (x-envoy-internal: true).
  const tlsRequired = requireTls === 'ALL' || (requireTls === 'EXTERNAL_ONLY' && !cx.isInternal());
  // Envoy reads the scheme from x-forwarded-proto (set from the connection, or kept from a trusted front proxy).
  const proto = (cx.headerValue('x-forwarded-proto') ?? (req.transport === 'tls' ? 'https' : http.scheme ?? 'http')).toLowerCase();
  if (tlsRequired && proto !== 'https') {
    const location = `https://${splitHostPort(http.host).host}${http.path}`;
    vhHop.detail += ` · require_tls ${requireTls}`;
    return { ok: true, code: 'redirect', status: 301, location, text: `301 redirect to ${location} (virtual host requires TLS: require_tls ${requireTls})` };
  }
  if (requireTls === 'EXTERNAL_ONLY' && proto !== 'https') vhHop.detail += ' · require_tls EXTERNAL_ONLY spares this internal request';
  // The request as routing sees it.
  let path = http.path ?? '/';
  if (bool(hcm.normalize_path)) path = normalizePath(path, hcm.merge_slashes === true);
  else if (hcm.merge_slashes === true) path = normalizePath(path, true);
  if (path !== http.path) cx.note(`Path normalized by the HTTP connection manager to ${path}.`);
  const headers = new Map<string, string>();
  for (const [k, v] of Object.entries(http.headers ?? {})) headers.set(k.toLowerCase(), v);
  headers.set(':authority', http.host);
  headers.set(':path', path);
  headers.set(':method', http.method ?? 'GET');
  headers.set(':scheme', http.scheme ?? 'http');
  if (cx.req.internal === true && !headers.has('x-envoy-internal')) headers.set('x-envoy-internal', 'true');
  // internal_only_headers: Envoy strips them from an external request before routing (and so before forwarding).
  const stripped = cx.isInternal() ? [] : arr(rc.internal_only_headers).filter((h): h is string => typeof h === 'string' && headers.has(h.toLowerCase()));
  for (const h of stripped) headers.delete(h.toLowerCase());
  if (stripped.length) cx.note(`Envoy strips ${stripped.join(', ')} from this external request before routing (internal_only_headers of route configuration "${rcName}").`);
  const rr: RouteRequest = {
    path,
    method: http.method ?? 'GET',
    headers,
    query: parseQuery(path),
    ...(req.randomValue !== undefined ? { randomValue: req.randomValue } : {}),
    ...(req.runtime ? { runtime: req.runtime } : {}),
    ...(req.dynamicMetadata ? { metadata: req.dynamicMetadata } : {}),
  };
  const routes = arr(vh.routes);
  const routeDefs = vhHandle ? cx.childrenOf(vhHandle, 'route') : [];
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
    for (const n of m.notes) cx.note(n);
    if (m.undecided) {
      const key = isObj(r.match) && isObj(r.match.runtime_fraction) ? str(r.match.runtime_fraction.runtime_key) ?? '' : '';
      cx.note(`Route ${label(i)} takes ${m.undecided} of requests (runtime_fraction "${key}"); the trace follows the others. Give a random value (--random-value N) or a runtime value (--runtime ${key}=PERCENT) to settle it.`);
    }
    if (!m.ok) {
      rejected.push(`${label(i)}: ${m.why}`);
      const score = (m.pathOk ? 1e6 : 0) + m.closeness;
      if (!best || score > best.score) best = { i, score, why: m.why, pathOk: m.pathOk };
      continue;
    }
    if (m.assumed.length) cx.note(`Route ${label(i)}: ${m.assumed.join(', ')} not evaluated, taken as matching.`);
    const rh = routeHandle(i);
    const rname = str(r.name) ?? rh?.def.name ?? `#${i + 1}`;
    const routeHop = cx.hop('route', rname, rh, `${m.why} matches ${rr.method} ${path}`, { rejected });
    return routeAction(cx, r, i, rcHandle ?? chain, routeHop, path, virtualClusterOf(vh, rr), { vh, rc, stripped });
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

function notHttp(chainName: string): Result {
  return {
    ok: false,
    code: 'not_http',
    text: `filter chain ${chainName} runs the HTTP connection manager: give an http:// or https:// URL to trace the route (a client that does not speak HTTP has its connection closed)`,
  };
}

/** The length of the path a route's match consumed, which `prefix_rewrite` replaces. */
function matchedLength(match: unknown, bare: string): number {
  const m = isObj(match) ? match : {};
  if (typeof m.prefix === 'string') return m.prefix.length;
  if (typeof m.path === 'string') return m.path.length;
  if (typeof m.path_separated_prefix === 'string') return m.path_separated_prefix.length;
  // A regex (or anything else) consumes the whole path, query string excepted.
  return bare.length;
}

function splitQuery(path: string): { bare: string; query: string } {
  const q = path.search(/[?#]/);
  return q < 0 ? { bare: path, query: '' } : { bare: path.slice(0, q), query: path.slice(q) };
}

/** :path after a forwarding route's path rewrite (`prefix_rewrite`, `regex_rewrite`); what was done, if anything. */
function rewritePath(cx: TraceContext, a: Obj, match: unknown, path: string): { path: string; what?: string } {
  if (typeof a.prefix_rewrite === 'string') {
    const { bare } = splitQuery(path);
    const out = a.prefix_rewrite + path.slice(Math.min(matchedLength(match, bare), bare.length));
    return { path: out, what: `prefix_rewrite "${a.prefix_rewrite}" gives ${out}` };
  }
  const rw = regexRewrite(a.regex_rewrite, path);
  if (rw) {
    if (rw.note) cx.note(rw.note);
    return { path: rw.path, what: rw.what };
  }
  if (a.path_rewrite_policy !== undefined) {
    cx.note('The route rewrites the path with a path_rewrite_policy (URI template), which the trace does not evaluate: the forwarded path is shown unchanged.');
  }
  return { path };
}

/** :authority after a forwarding route's host rewrite; what was done, if anything. */
function rewriteHost(cx: TraceContext, a: Obj, host: string, path: string): { host: string; what?: string } {
  if (typeof a.host_rewrite_literal === 'string' || typeof a.host_rewrite === 'string') {
    const h = String(a.host_rewrite_literal ?? a.host_rewrite);
    return { host: h, what: `host rewritten to ${h}` };
  }
  if (typeof a.host_rewrite_header === 'string') {
    const v = cx.headerValue(a.host_rewrite_header);
    return v ? { host: v, what: `host taken from header ${a.host_rewrite_header}: ${v}` } : { host, what: `host_rewrite_header ${a.host_rewrite_header} is absent, host kept` };
  }
  if (isObj(a.host_rewrite_path_regex)) {
    const rw = regexRewrite(a.host_rewrite_path_regex, splitQuery(path).bare);
    if (rw?.note) cx.note(rw.note);
    if (rw && rw.path !== splitQuery(path).bare) return { host: rw.path, what: `host rewritten from the path to ${rw.path}` };
    return { host };
  }
  if (bool(a.auto_host_rewrite)) {
    cx.note("auto_host_rewrite: Envoy sets the Host to the chosen endpoint's host name (for DNS clusters); the trace shows the forwarded host unchanged.");
  }
  return { host };
}

/** The timeout of a forwarding route in milliseconds (15 s when unset; 0 disables it). */
function timeoutOf(a: Obj): number {
  return a.timeout === undefined ? 15_000 : durationMs(a.timeout) ?? 15_000;
}

function routeAction(
  cx: TraceContext, r: Obj, index: number, from: Handle, routeHop: TraceHop, routedPath: string, virtualCluster: string, outer: RouteOuter,
): Result {
  const http = cx.req.http!;
  const info: TraceRoute = { index, action: 'non_forwarding', forwarded: { path: routedPath, host: http.host }, virtualCluster };
  routeHop.route = info;
  const result = actionOf(cx, r, info, from, routeHop, routedPath);
  routeHeaders(cx, r, outer, info, routeHop);
  if (virtualCluster) routeHop.detail += ` · virtual cluster ${virtualCluster}`;
  return result;
}

const FORWARDING = new Set<TraceRoute['action']>(['cluster', 'weighted_clusters', 'cluster_header']);

/** What a matched route's header changes depend on besides the route: its virtual host, its route configuration, and
 *  the request headers Envoy stripped before routing (`internal_only_headers`). */
interface RouteOuter {
  vh: Obj;
  rc: Obj;
  stripped: string[];
}

/**
 * The header changes of a matched route (its weighted cluster picked, the route, its virtual host, its route
 * configuration), the request headers it forwards after them, and the headers of a direct response.
 */
function routeHeaders(cx: TraceContext, r: Obj, outer: RouteOuter, info: TraceRoute, routeHop: TraceHop): void {
  const wc = info.picked !== undefined && isObj(r.route) && isObj(r.route.weighted_clusters)
    ? objs(r.route.weighted_clusters.clusters).find((w) => weightedName(cx, w) === info.picked)
    : undefined;
  const levels: Array<[HeaderLevel, unknown]> = [['weighted cluster', wc], ['route', r], ['virtual host', outer.vh], ['route configuration', outer.rc]];
  const mostSpecificWins = bool(outer.rc.most_specific_header_mutations_wins);
  const request = FORWARDING.has(info.action) ? headerChanges('request', levels, mostSpecificWins) : [];
  const response = headerChanges('response', levels, mostSpecificWins);
  let unknown = false;
  const from: FillFrom = { sourceAddress: cx.req.sourceAddress, sourcePort: cx.req.sourcePort, header: (n) => cx.headerValue(n) };
  const fill = (v: string): string => {
    const f = fillValue(v, from);
    unknown ||= f.unknown;
    return f.value;
  };
  if (request.length || (outer.stripped.length && FORWARDING.has(info.action))) {
    const headers: HeaderValues = new Map();
    for (const [k, v] of Object.entries(cx.req.http?.headers ?? {})) headers.set(k.toLowerCase(), [v]);
    for (const h of outer.stripped) headers.delete(h.toLowerCase());
    applyHeaderChanges(headers, request, fill);
    info.forwarded.headers = joinedHeaders(headers);
    if (request.length) routeHop.detail += ` · request headers: ${changesText(request)}`;
  }
  if (info.directResponse && isObj(r.direct_response)) {
    // Envoy's own answer: a body goes out as text/plain with its length; an empty one carries neither.
    const headers: HeaderValues = new Map();
    const body = isObj(r.direct_response.body) ? r.direct_response.body : undefined;
    const length = typeof body?.inline_string === 'string' ? Buffer.byteLength(body.inline_string)
      : typeof body?.inline_bytes === 'string' ? Buffer.from(body.inline_bytes, 'base64').length
        : undefined;
    if (length !== undefined && length > 0) {
      headers.set('content-type', ['text/plain']);
      headers.set('content-length', [String(length)]);
    } else if (body !== undefined && length === undefined) {
      cx.note('The direct response reads its body from a file or data source the trace does not read: its content-length is not shown.');
    }
    applyHeaderChanges(headers, response, fill);
    info.directResponse.headers = joinedHeaders(headers);
  }
  if (response.length) routeHop.detail += ` · response headers: ${changesText(response)}`;
  if (request.length || response.length) info.headers = { request, response };
  if (unknown) cx.note('Header values with %…% command operators the trace cannot know (upstream, timing, metadata) are shown as configured.');
}

/** Follows a matched route's action, filling in `info` (the route hop's report) on the way. */
function actionOf(cx: TraceContext, r: Obj, info: TraceRoute, from: Handle, routeHop: TraceHop, routedPath: string): Result {
  const http = cx.req.http!;
  if (isObj(r.route)) {
    const a = r.route;
    const p = rewritePath(cx, a, r.match, routedPath);
    const h = rewriteHost(cx, a, http.host, routedPath);
    info.forwarded = { path: p.path, host: h.host };
    info.timeoutMs = timeoutOf(a);
    const rewrites = [p.what, h.what].filter(Boolean);
    if (rewrites.length) routeHop.detail += ` (${rewrites.join('; ')})`;
    const notFound = STATUS_OF[str(a.cluster_not_found_response_code) ?? ''] ?? 503;
    if (typeof a.cluster === 'string') {
      info.action = 'cluster';
      info.cluster = a.cluster;
      routeHop.detail += ` → cluster ${a.cluster}`;
      return toCluster(cx, a.cluster, from, true, notFound);
    }
    if (isObj(a.weighted_clusters)) {
      info.action = 'weighted_clusters';
      const wcs = objs(a.weighted_clusters.clusters);
      info.weighted = wcs.map((wc) => ({ cluster: weightedName(cx, wc) ?? '', weight: num(wc.weight) ?? 0 }));
      let picked: number | undefined;
      const random = cx.req.randomValue;
      if (random !== undefined) {
        picked = pickWeighted(info.weighted.map((w) => w.weight), random);
        if (picked !== undefined) {
          info.picked = info.weighted[picked].cluster;
          info.cluster = info.picked;
        }
      }
      const total = info.weighted.reduce((s, w) => s + w.weight, 0);
      routeHop.detail += picked !== undefined && random !== undefined
        ? ` → ${wcs.length} weighted clusters; random value ${random} → ${random % total} of ${total} picks ${info.picked}`
        : ` → ${wcs.length} weighted clusters`;
      return weightedClusters(cx, wcs, num(a.weighted_clusters.total_weight), from, true, notFound, picked);
    }
    if (typeof a.cluster_header === 'string') {
      info.action = 'cluster_header';
      const hv = cx.headerValue(a.cluster_header);
      if (hv) info.cluster = hv;
      routeHop.detail += ` → cluster named by header ${a.cluster_header}${hv !== undefined ? ` ("${hv}")` : ' (absent)'}`;
      if (hv === undefined || hv === '') {
        cx.hop('cluster', '(from header)', undefined, `header ${a.cluster_header} is absent from the request`);
        return {
          ok: false,
          code: 'cluster_not_found',
          status: notFound,
          flag: 'NC',
          text: `the route takes its cluster from header ${a.cluster_header}, which the request does not carry (pass --header ${a.cluster_header}=CLUSTER)`,
        };
      }
      return toCluster(cx, hv, from, true, notFound);
    }
    const plugin = a.cluster_specifier_plugin ?? a.inline_cluster_specifier_plugin;
    if (plugin !== undefined) {
      info.action = 'cluster_specifier_plugin';
      routeHop.detail += ' → cluster chosen by a plugin';
      return { ok: false, code: 'not_traced', text: 'a cluster specifier plugin chooses the cluster at request time; the trace cannot follow it' };
    }
    return { ok: false, code: 'not_traced', text: 'the route action names no cluster' };
  }
  if (isObj(r.redirect)) {
    info.action = 'redirect';
    const rd = r.redirect;
    const status = REDIRECT_CODE[str(rd.response_code) ?? ''] ?? 301;
    const hp = splitHostPort(http.host);
    const scheme = rd.https_redirect === true ? 'https' : (str(rd.scheme_redirect) ?? http.scheme ?? 'http');
    const host = str(rd.host_redirect) ?? hp.host;
    const port = num(rd.port_redirect) ?? (str(rd.host_redirect) || rd.https_redirect === true || rd.scheme_redirect ? undefined : hp.port);
    let path = routedPath;
    const { bare, query: q } = splitQuery(path);
    const query = rd.strip_query === true ? '' : q;
    const rw = regexRewrite(rd.regex_rewrite, bare);
    if (typeof rd.path_redirect === 'string') path = rd.path_redirect + (rd.path_redirect.includes('?') ? '' : query);
    else if (rw) {
      path = rw.path + query;
      if (rw.note) cx.note(rw.note);
    } else if (typeof rd.prefix_rewrite === 'string') {
      path = rd.prefix_rewrite + bare.slice(Math.min(matchedLength(r.match, bare), bare.length)) + query;
    } else path = bare + query;
    const location = `${scheme}://${host}${port !== undefined ? `:${port}` : ''}${path}`;
    info.redirect = { status, location };
    routeHop.detail += ` → redirect ${status}`;
    return { ok: true, code: 'redirect', status, location, text: `${status} redirect to ${location}` };
  }
  if (isObj(r.direct_response)) {
    info.action = 'direct_response';
    const status = num(r.direct_response.status) ?? 200;
    info.directResponse = { status };
    const body = isObj(r.direct_response.body) ? str(r.direct_response.body.inline_string) : undefined;
    routeHop.detail += ` → direct response ${status}`;
    // Envoy adds a Location (the request's own URI) to a 201 or 3xx direct response.
    const location = status === 201 || (status >= 300 && status < 400) ? `${http.scheme ?? 'http'}://${http.host}${routedPath}` : undefined;
    return {
      ok: status < 400,
      code: 'direct_response',
      status,
      ...(location ? { location } : {}),
      text: `Envoy answers ${status} itself (direct_response${body !== undefined ? `, body ${JSON.stringify(body.length > 60 ? `${body.slice(0, 60)}…` : body)}` : ''})`,
    };
  }
  if (r.non_forwarding_action !== undefined) {
    routeHop.detail += ' → non-forwarding action';
    return { ok: false, code: 'not_traced', text: 'the route has a non-forwarding action: a filter before the router answers the request, which the trace does not follow' };
  }
  return { ok: false, code: 'not_traced', text: 'the route has no route, redirect or direct_response action the trace follows' };
}

export function routeTcpProxy(cx: TraceContext, cfg: Obj, from: Handle, chainHop: TraceHop): Result {
  if (typeof cfg.cluster === 'string') {
    chainHop.detail += ` → tcp_proxy → cluster ${cfg.cluster}`;
    return toCluster(cx, cfg.cluster, from, false, 0);
  }
  if (isObj(cfg.weighted_clusters)) {
    const wcs = objs(cfg.weighted_clusters.clusters);
    chainHop.detail += ` → tcp_proxy → ${wcs.length} weighted clusters`;
    return weightedClusters(cx, wcs, undefined, from, false, 0);
  }
  chainHop.detail += ' → tcp_proxy';
  return { ok: false, code: 'not_traced', text: 'the tcp_proxy names no cluster the trace can follow' };
}
