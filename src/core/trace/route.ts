/**
 * The route stage of a trace: where a filter chain's terminal filter sends the request. For the HTTP connection
 * manager, the route configuration (RDS or inline), virtual host, route and its action (cluster, weighted clusters,
 * cluster header, redirect, direct response); for tcp_proxy, its cluster. Clusters go on to upstream.ts.
 */
import { closest } from './closest';
import type { Handle, ListenerRef, Result, TraceContext } from './context';
import { num } from './filterChain';
import { matchRoute, normalizePath, parseQuery, regexRewrite, selectVirtualHost, splitHostPort, type RouteRequest } from './http';
import { isObj, type Obj } from './resources';
import type { TraceHop } from './types';
import { toCluster, weightedClusters } from './upstream';
import { arr, bool, objs, str } from './values';

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
    cx.validatesClusters = rc.validate_clusters !== false && !(isObj(rc.validate_clusters) && rc.validate_clusters.value === false);
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
  if ((requireTls === 'ALL' || requireTls === 'EXTERNAL_ONLY') && http.scheme !== 'https' && req.transport !== 'tls') {
    return { ok: true, code: 'redirect', status: 301, text: `301 redirect to https://${splitHostPort(http.host).host}${http.path} (virtual host requires TLS: require_tls ${requireTls})` };
  }
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
  const rr: RouteRequest = { path, method: http.method ?? 'GET', headers, query: parseQuery(path) };
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
    return routeAction(cx, r, rcHandle ?? chain, routeHop, path);
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

function routeAction(cx: TraceContext, r: Obj, from: Handle, routeHop: TraceHop, routedPath: string): Result {
  const http = cx.req.http!;
  if (isObj(r.route)) {
    const a = r.route;
    const rw = regexRewrite(a.regex_rewrite, routedPath);
    if (rw) {
      routeHop.detail += ` (${rw.what})`;
      if (rw.note) cx.note(rw.note);
    }
    const notFound = STATUS_OF[str(a.cluster_not_found_response_code) ?? ''] ?? 503;
    if (typeof a.cluster === 'string') {
      routeHop.detail += ` → cluster ${a.cluster}`;
      return toCluster(cx, a.cluster, from, true, notFound);
    }
    if (isObj(a.weighted_clusters)) {
      const wcs = objs(a.weighted_clusters.clusters);
      routeHop.detail += ` → ${wcs.length} weighted clusters`;
      return weightedClusters(cx, wcs, num(a.weighted_clusters.total_weight), from, true, notFound);
    }
    if (typeof a.cluster_header === 'string') {
      const hv = cx.headerValue(a.cluster_header);
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
      if (rw.note) cx.note(rw.note);
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
