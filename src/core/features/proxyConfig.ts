/**
 * `envoy-lens pc KIND`: the tables `istioctl proxy-config KIND --file` prints, read from the dump's own values.
 * Columns, wording, placeholders, sorting and filters follow istioctl's writers (istioctl/pkg/writer/envoy); the code
 * is ours. Works on a plain value (the parsed file), so it needs no index; `secret` reads the index (secretRows).
 */
import { parseIstioConfigPath } from '../istio';
import type { Analysis } from '../model/types';
import type { Workspace } from '../workspace';
import { secretRows } from './certificates';

/**
 * Left-aligned columns, headers upper-case, as istioctl prints them: each column as wide as its widest cell plus
 * `gap` spaces (istioctl's tabwriter padding: 1 for listeners and the bootstrap summary, 5 for the other tables).
 */
export function table(headers: string[], rows: string[][], gap = 2): string {
  // A reduce, not Math.max(...rows): a dump can have more rows than a call can take arguments.
  const widths = headers.map((h, i) => rows.reduce((w, r) => Math.max(w, (r[i] ?? '').length), h.length));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join(' '.repeat(gap))
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

export const PC_KINDS = ['listener', 'route', 'cluster', 'endpoint', 'secret', 'ecds', 'bootstrap', 'all'] as const;
export type PcKind = (typeof PC_KINDS)[number];
export const PC_OUTPUTS = ['short', 'json', 'yaml'] as const;
export type PcOutput = (typeof PC_OUTPUTS)[number];

/** istioctl's filters; which kind takes which is PC_FLAGS. */
export interface PcFilters {
  port?: number;
  address?: string;
  type?: string;
  /** listener and route: the long form (istioctl's default, true). */
  verbose?: boolean;
  /** all: `------ CLUSTER INFO ------` headings over the tables. */
  withHeaders?: boolean;
  name?: string;
  fqdn?: string;
  subset?: string;
  direction?: string;
  cluster?: string;
  status?: string;
}

/** The filters each kind takes, as istioctl's `proxy-config KIND` declares them (`all` takes every one). */
export const PC_FLAGS: Readonly<Record<PcKind, readonly (keyof PcFilters)[]>> = {
  listener: ['port', 'address', 'type', 'verbose'],
  route: ['name', 'verbose'],
  cluster: ['fqdn', 'port', 'subset', 'direction'],
  endpoint: ['address', 'port', 'cluster', 'status'],
  secret: [],
  ecds: [],
  bootstrap: [],
  all: ['port', 'address', 'type', 'verbose', 'name', 'fqdn', 'subset', 'direction', 'cluster', 'status', 'withHeaders'],
};

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const camelCache = new Map<string, string>();
/** snake_case to lowerCamelCase, remembered: the walks ask for the same few field names millions of times. */
function camel(s: string): string {
  let c = camelCache.get(s);
  if (c === undefined) {
    c = s.replace(/_([a-z0-9])/g, (_m, x: string) => x.toUpperCase());
    // Field names repeat; map keys (toProtoJsonNames) may not: keep the cache bounded.
    if (camelCache.size < 4096) camelCache.set(s, c);
  }
  return c;
}
/** A field by its proto name, spelled snake_case (Envoy's admin) or camelCase (istioctl's -o json). */
function get(o: unknown, key: string): unknown {
  if (!isObj(o)) return undefined;
  if (Object.prototype.hasOwnProperty.call(o, key)) return o[key];
  const c = camel(key);
  return c !== key && Object.prototype.hasOwnProperty.call(o, c) ? o[c] : undefined;
}
const obj = (o: unknown, key: string): Obj | undefined => {
  const v = get(o, key);
  return isObj(v) ? v : undefined;
};
const arr = (o: unknown, key: string): unknown[] => {
  const v = get(o, key);
  return Array.isArray(v) ? v : [];
};
const str = (o: unknown, key: string): string => {
  const v = get(o, key);
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
};
/** A uint32 or UInt32Value (a number, or a string in some YAML), 0 when absent as proto3 reads it. */
const num = (o: unknown, key: string): number => {
  const v = get(o, key);
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : 0;
};
const has = (o: unknown, key: string): boolean => get(o, key) !== undefined;

/** Go's `<` on strings compares bytes; JS's on UTF-16 units: the same order for the ASCII names dumps hold. */
const cmp = (a: string | number, b: string | number): number => (a < b ? -1 : a > b ? 1 : 0);

/** What the file holds, by the sections istioctl reads. */
export interface PcParts {
  listeners?: Obj[];
  routes?: Obj[];
  clusters?: Obj[];
  endpoints?: Obj[];
  clusterStatuses?: Obj[];
  ecds?: Obj[];
  /** The ECDS config dumps themselves (what `-o json` prints). */
  ecdsDumps?: Obj[];
  bootstrapDump?: Obj;
  /** The SecretsConfigDump (what `pc secret -o json` prints). */
  secretsDump?: Obj;
}

/** Pushes onto `list` the object at `path` inside each entry of `d`'s arrays `sections`, where there is one. */
function collect(list: Obj[], d: Obj, sections: string[], ...path: string[]): void {
  for (const s of sections) {
    for (const e of arr(d, s)) {
      const x = path.reduce<unknown>((v, k) => obj(v, k), e);
      if (isObj(x)) list.push(x);
    }
  }
}

const DUMP_TYPES: Record<string, (p: PcParts, d: Obj) => void> = {
  BootstrapConfigDump: (p, d) => (p.bootstrapDump = d),
  SecretsConfigDump: (p, d) => (p.secretsDump = d),
  ListenersConfigDump: (p, d) => {
    const list = (p.listeners ??= []);
    collect(list, d, ['dynamic_listeners'], 'active_state', 'listener');
    collect(list, d, ['static_listeners'], 'listener');
  },
  RoutesConfigDump: (p, d) => collect((p.routes ??= []), d, ['dynamic_route_configs', 'static_route_configs'], 'route_config'),
  ClustersConfigDump: (p, d) => collect((p.clusters ??= []), d, ['dynamic_active_clusters', 'static_clusters'], 'cluster'),
  EndpointsConfigDump: (p, d) => collect((p.endpoints ??= []), d, ['dynamic_endpoint_configs', 'static_endpoint_configs'], 'endpoint_config'),
  EcdsConfigDump: (p, d) => {
    (p.ecdsDumps ??= []).push(d);
    collect((p.ecds ??= []), d, ['ecds_filters'], 'ecds_filter');
  },
};

/** The configs array of a config dump, through the wrappers other tools add (`{ns: {pod: {configs}}}`). */
function findConfigs(v: unknown, depth = 0): unknown[] | undefined {
  if (!isObj(v) || depth > 3) return undefined;
  const c = get(v, 'configs');
  if (Array.isArray(c)) return c;
  if (isObj(c)) return Object.values(c);
  for (const x of Object.values(v)) {
    const f = findConfigs(x, depth + 1);
    if (f) return f;
  }
  return undefined;
}

/** Reads the sections istioctl reads out of a parsed file: a config dump, `/clusters?format=json`, istioctl's own
 *  `-o json` lists (listeners, routes, clusters), or a bootstrap (its static listeners and clusters). */
export function pcParts(value: unknown): PcParts {
  const p: PcParts = {};
  const configs = findConfigs(value);
  if (configs) {
    for (const d of configs) {
      const t = str(d, '@type');
      DUMP_TYPES[t.slice(t.lastIndexOf('.') + 1)]?.(p, d as Obj);
    }
    return p;
  }
  if (isObj(value) && Array.isArray(get(value, 'cluster_statuses'))) {
    p.clusterStatuses = arr(value, 'cluster_statuses').filter(isObj);
    return p;
  }
  if (isObj(value) && Array.isArray(get(value, 'listener_statuses'))) {
    // `/listeners?format=json` (not an istioctl input): names and addresses only, so the short form has the rows.
    p.listeners = arr(value, 'listener_statuses').filter(isObj).map((l) => ({
      name: get(l, 'name'),
      address: get(l, 'local_address'),
      additional_addresses: arr(l, 'additional_local_addresses').map((address) => ({ address })),
    }));
    return p;
  }
  if (Array.isArray(value)) {
    const items = value.filter(isObj);
    if (items.some((x) => has(x, 'filter_chains') || has(x, 'default_filter_chain') || has(x, 'listener_filters'))) p.listeners = items;
    else if (items.some((x) => has(x, 'virtual_hosts'))) p.routes = items;
    else if (items.some((x) => has(x, 'host_statuses'))) p.clusterStatuses = items;
    else if (items.some((x) => has(x, 'cluster_name') && has(x, 'endpoints'))) p.endpoints = items;
    else if (items.some((x) => has(x, 'connect_timeout') || has(x, 'eds_cluster_config') || has(x, 'load_assignment') || has(x, 'type'))) p.clusters = items;
    return p;
  }
  const res = obj(value, 'static_resources');
  if (res) {
    p.bootstrapDump = { bootstrap: value as Obj };
    p.listeners = arr(res, 'listeners').filter(isObj);
    p.clusters = arr(res, 'clusters').filter(isObj);
  }
  return p;
}

// ---- listeners ------------------------------------------------------------------------------------------------

const HCM = 'envoy.filters.network.http_connection_manager';
const TCP_PROXY = 'envoy.filters.network.tcp_proxy';

function filterChains(l: Obj): Obj[] {
  const res = arr(l, 'filter_chains').filter(isObj);
  const d = obj(l, 'default_filter_chain');
  return d ? [...res, d] : res;
}

/** Listener types by listener: the sort asks for them on every comparison, and a TCP proxy's type reads its config. */
const typeCache = new WeakMap<Obj, string>();

function listenerType(l: Obj): string {
  let t = typeCache.get(l);
  if (t === undefined) typeCache.set(l, (t = computeListenerType(l)));
  return t;
}

function computeListenerType(l: Obj): string {
  let http = 0;
  let tcp = 0;
  for (const fc of filterChains(l)) for (const f of arr(fc, 'filters')) {
    const name = str(f, 'name');
    if (name === HCM) http++;
    else if (name === TCP_PROXY && !JSON.stringify(get(f, 'typed_config') ?? '').includes('BlackHoleCluster')) tcp++;
  }
  if (http > 0) return tcp === 0 ? 'HTTP' : 'HTTP+TCP';
  return tcp > 0 ? 'TCP' : 'UNKNOWN';
}

function listenerAddress(l: Obj): string {
  const a = obj(l, 'address');
  const sock = obj(a, 'socket_address');
  if (sock) return str(sock, 'address');
  const pipe = obj(a, 'pipe');
  return pipe ? str(pipe, 'path') : '';
}

const additionalAddresses = (l: Obj): string[] => arr(l, 'additional_addresses').map((x) => str(obj(obj(x, 'address'), 'socket_address'), 'address'));
const listenerPort = (l: Obj): number => num(obj(obj(l, 'address'), 'socket_address'), 'port_value');

const ALPN_NAMES: Array<[string, string[]]> = [
  ['App: HTTP TLS', ['http/1.0', 'http/1.1', 'h2c', 'istio-http/1.0', 'istio-http/1.1', 'istio-h2']],
  ['App: Istio HTTP Plain', ['istio', 'istio-http/1.0', 'istio-http/1.1', 'istio-h2']],
  ['App: TCP TLS', ['istio-peer-exchange', 'istio']],
  ['App: HTTP', ['http/1.0', 'http/1.1', 'h2c']],
];

/** A filter chain's match as istioctl words it: `SNI:`, `Trans:`, `App:`, `Addr:`, or `ALL`. */
export function describeChainMatch(m: Obj | undefined): string {
  const parts: string[] = [];
  const sni = arr(m, 'server_names').map(String);
  if (sni.length) parts.push(`SNI: ${sni.join(',')}`);
  const trans = str(m, 'transport_protocol');
  if (trans) parts.push(`Trans: ${trans}`);
  const alpn = arr(m, 'application_protocols').map(String);
  if (alpn.length) {
    const known = ALPN_NAMES.find(([, list]) => list.length === alpn.length && list.every((x, i) => x === alpn[i]));
    parts.push(known ? known[0] : `App: ${alpn.join(',')}`);
  }
  const port = has(m, 'destination_port') ? `:${num(m, 'destination_port')}` : '';
  const ranges = arr(m, 'prefix_ranges');
  if (ranges.length) parts.push(`Addr: ${ranges.map((r) => `${str(r, 'address_prefix')}/${num(r, 'prefix_len')}`).join(',')}${port}`);
  else if (port) parts.push(`Addr: *${port}`);
  return parts.length ? parts.join('; ') : 'ALL';
}

function routeMatchText(m: unknown): string {
  const conds: string[] = [];
  const prefix = str(m, 'prefix');
  if (prefix) conds.push(`${prefix}*`);
  const sep = str(m, 'path_separated_prefix');
  if (sep) conds.push(`PathPrefix:${sep}`);
  const path = str(m, 'path');
  if (path) conds.push(path);
  const re = obj(m, 'safe_regex');
  if (re) conds.push(`regex ${str(re, 'regex')}`);
  return conds.join(' ');
}

/** `Cluster: X` (or X itself when it names one of Istio's `…Cluster`s) for a route cluster. */
const clusterDest = (c: string): string => (c.includes('Cluster') ? c : `Cluster: ${c}`);

function describeInlineRoutes(rc: Obj): string {
  const vhs = arr(rc, 'virtual_hosts');
  if (vhs.length === 1) {
    const vh = vhs[0];
    const domains = arr(vh, 'domains');
    const routes = arr(vh, 'routes');
    const action = obj(routes[0], 'route');
    if (domains.length === 1 && domains[0] === '*' && routes.length === 1 && str(obj(routes[0], 'match'), 'prefix') === '/' && action && has(action, 'cluster')) {
      return clusterDest(str(action, 'cluster'));
    }
  }
  const parts = vhs.map((vh) => {
    const domains = arr(vh, 'domains').map(String);
    const d = domains.length === 1 && domains[0] === '*' ? '' : domains.join('/');
    const routes = arr(vh, 'routes').map((r) => routeMatchText(get(r, 'match'))).join(', ');
    return d ? `${d} ${routes}` : routes;
  });
  return `Inline Route: ${parts.join('; ')}`;
}

/** Where a filter chain sends traffic, in istioctl's words. */
export function describeChainDestination(filters: unknown[]): string {
  for (const f of filters) {
    const name = str(f, 'name');
    const tc = obj(f, 'typed_config');
    if (name === HCM) {
      const inline = obj(tc, 'route_config');
      if (inline) return describeInlineRoutes(inline);
      const rds = str(obj(tc, 'rds'), 'route_config_name');
      return rds ? `Route: ${rds}` : 'HTTP';
    }
    if (name === TCP_PROXY && !JSON.stringify(tc ?? '').includes('BlackHoleCluster')) return clusterDest(str(tc, 'cluster'));
  }
  return 'Non-HTTP/Non-TCP';
}


export function selectListeners(parts: PcParts, f: PcFilters): Obj[] {
  const list = (parts.listeners ?? []).filter((l) => {
    if (f.address && ![listenerAddress(l), ...additionalAddresses(l)].some((a) => a.toLowerCase() === f.address!.toLowerCase())) return false;
    if (f.port && listenerPort(l) !== f.port) return false;
    if (f.type && listenerType(l).toLowerCase() !== f.type.toLowerCase()) return false;
    return true;
  });
  // Keys read once per listener, not once per comparison.
  const keyed = list.map((l) => ({ l, port: listenerPort(l), address: listenerAddress(l), type: listenerType(l) }));
  keyed.sort((a, b) => cmp(a.port, b.port) || cmp(a.address, b.address) || cmp(a.type, b.type));
  return keyed.map((k) => k.l);
}

export interface PcTable {
  headers: string[];
  rows: string[][];
  /** istioctl's tabwriter padding for this table. */
  gap: number;
  /** Sentences printed after the table (secret judging time, nothing found). */
  notes?: string[];
}

/** `pc listener`: ADDRESSES PORT MATCH DESTINATION (verbose, the default) or ADDRESSES PORT TYPE. */
export function listenerTable(parts: PcParts, f: PcFilters, withName = false): PcTable {
  const verbose = f.verbose !== false;
  const headers = [...(withName ? ['NAME'] : []), 'ADDRESSES', 'PORT', ...(verbose ? ['MATCH', 'DESTINATION'] : ['TYPE'])];
  const rows: string[][] = [];
  for (const l of selectListeners(parts, f)) {
    const lead = [...(withName ? [`listener/${str(l, 'name')}`] : []), [listenerAddress(l), ...additionalAddresses(l)].join(','), String(listenerPort(l))];
    if (!verbose) {
      rows.push([...lead, listenerType(l)]);
      continue;
    }
    const chains = filterChains(l).map((fc) => ({ match: describeChainMatch(obj(fc, 'filter_chain_match')), dest: describeChainDestination(arr(fc, 'filters')) }));
    chains.sort((a, b) => cmp(b.dest, a.dest));
    for (const c of chains) rows.push([...lead, c.match, c.dest]);
  }
  return { headers, rows, gap: 1 };
}

// ---- routes ---------------------------------------------------------------------------------------------------

/** `name.namespace` of the Istio resource in `metadata.filter_metadata.istio.config`, `<unknown>` for a
 *  non-networking one, empty when there is none (istioctl's VIRTUAL SERVICE and DESTINATION RULE cells). */
export function istioConfigCell(resource: unknown): string {
  const config = get(obj(obj(resource, 'metadata'), 'filter_metadata'), 'istio');
  if (!isObj(config) || !has(config, 'config')) return '';
  const path = str(config, 'config');
  if (!path.startsWith('/apis/networking.istio.io/')) return '<unknown>';
  if (path.split('/').length !== 8) return '';
  const ref = parseIstioConfigPath(path);
  return ref ? `${ref.name}.${ref.namespace}` : '';
}

function withoutExpansions(domains: string[]): string[] {
  const set = new Set(domains);
  const drop = new Set<string>();
  for (const h of domains) {
    for (const suffix of ['.svc.cluster.local', '.svc']) {
      if (h.endsWith(suffix) && set.has(h.slice(0, -suffix.length))) drop.add(h);
    }
  }
  return domains.filter((h) => !drop.has(h));
}

/** A virtual host's domains as istioctl shortens them: no `:port` twins, no `.svc…` expansions, two then `+ N more...`. */
export function describeDomains(domains: string[]): string {
  if (domains.length === 0) return '';
  if (domains.length === 1) return domains[0];
  const bare = withoutExpansions(domains.filter((d) => !d.includes(':') || ((d.match(/:/g)?.length ?? 0) > 2 && d.endsWith(']'))));
  return bare.length > 2 ? `${bare.slice(0, 2).join(', ')} + ${bare.length - 2} more...` : bare.join(', ');
}

function isPassthrough(r: unknown): boolean {
  const a = obj(r, 'route');
  return !!a && str(a, 'cluster') === 'PassthroughCluster';
}

export function selectRoutes(parts: PcParts, f: PcFilters): Obj[] {
  const list = (parts.routes ?? []).filter((r) => !f.name || str(r, 'name') === f.name);
  // istioctl orders numeric names (`8080`) by value and leaves the others where they are.
  const numeric = (s: string): number | undefined => (/^[+-]?\d+$/.test(s) ? Number(s) : undefined);
  return list
    .map((r, i) => ({ r, i, n: numeric(str(r, 'name')) }))
    .sort((a, b) => (a.n !== undefined && b.n !== undefined ? a.n - b.n : 0) || a.i - b.i)
    .map((x) => x.r);
}

/** `pc route`: NAME VHOST NAME DOMAINS MATCH VIRTUAL SERVICE (verbose, the default) or NAME VIRTUAL HOSTS. */
export function routeTable(parts: PcParts, f: PcFilters, withName = false): PcTable {
  const verbose = f.verbose !== false;
  const rows: string[][] = [];
  for (const rc of selectRoutes(parts, f)) {
    const name = withName ? `route/${str(rc, 'name')}` : str(rc, 'name');
    const vhs = arr(rc, 'virtual_hosts');
    if (!verbose) {
      rows.push([name, String(vhs.length)]);
      continue;
    }
    for (const vh of vhs) {
      const domains = describeDomains(arr(vh, 'domains').map(String));
      const routes = arr(vh, 'routes');
      for (const r of routes) if (!isPassthrough(r)) rows.push([name, str(vh, 'name'), domains, routeMatchText(get(r, 'match')), istioConfigCell(r)]);
      if (routes.length === 0) rows.push([name, str(vh, 'name'), domains, '/*', '404']);
    }
  }
  const headers = verbose ? ['NAME', 'VHOST NAME', 'DOMAINS', 'MATCH', 'VIRTUAL SERVICE'] : ['NAME', 'VIRTUAL HOSTS'];
  return { headers, rows, gap: 5 };
}

// ---- clusters -------------------------------------------------------------------------------------------------

/** Istio's `direction|port|subset|host` (inbound, outbound, inbound-vip, …): port as a number (0 unreadable). */
export function subsetKey(name: string): { direction: string; port: number; subset: string; fqdn: string } | undefined {
  const p = name.split('|');
  if (p.length <= 3) return undefined;
  const port = /^[+-]?\d+$/.test(p[1]) ? Number(p[1]) : 0;
  return { direction: p[0], port, subset: p[2], fqdn: p[3] };
}

function sortKey(name: string): [string, string, number, string] {
  const k = subsetKey(name);
  return k ? [k.fqdn, k.subset, k.port, k.direction] : [name, '', 0, ''];
}

function byServiceKey(a: string, b: string): number {
  const x = sortKey(a);
  const y = sortKey(b);
  return cmp(x[0], y[0]) || cmp(x[1], y[1]) || cmp(x[2], y[2]) || cmp(x[3], y[3]);
}

export function selectClusters(parts: PcParts, f: PcFilters): Obj[] {
  const list = (parts.clusters ?? []).filter((c) => {
    const name = str(c, 'name');
    if (f.fqdn && !name.includes(f.fqdn)) return false;
    if (f.direction && !name.includes(f.direction)) return false;
    if (f.subset && !name.includes(f.subset)) return false;
    if (f.port && !name.includes(`|${f.port}|`)) return false;
    return true;
  });
  return list.slice().sort((a, b) => byServiceKey(str(a, 'name'), str(b, 'name')));
}

/** `pc cluster`: SERVICE FQDN PORT SUBSET DIRECTION TYPE DESTINATION RULE. */
export function clusterTable(parts: PcParts, f: PcFilters, withName = false): PcTable {
  const rows: string[][] = [];
  for (const c of selectClusters(parts, f)) {
    const name = str(c, 'name');
    // proto3's default discovery type is STATIC, which istioctl prints for custom cluster types too.
    const type = str(c, 'type') || 'STATIC';
    const dr = istioConfigCell(c);
    const k = subsetKey(name);
    const lead = withName ? [`cluster/${name}`] : [];
    // istioctl's `pc all` renames a non-Istio cluster before printing it, so its SERVICE FQDN shows the prefix too.
    if (k) rows.push([...lead, k.fqdn, String(k.port), k.subset || '-', k.direction, type, dr]);
    else rows.push([...lead, withName && name ? `cluster/${name}` : name, '-', '-', '-', type, dr]);
  }
  const headers = [...(withName ? ['NAME'] : []), 'SERVICE FQDN', 'PORT', 'SUBSET', 'DIRECTION', 'TYPE', 'DESTINATION RULE'];
  return { headers, rows, gap: 5 };
}

// ---- endpoints ------------------------------------------------------------------------------------------------

const HEALTH = ['UNKNOWN', 'HEALTHY', 'UNHEALTHY', 'DRAINING', 'TIMEOUT', 'DEGRADED'];
/** A HealthStatus as its enum name (JSON may hold the name or the number; absent is UNKNOWN). */
function healthName(v: unknown): string {
  if (typeof v === 'number') return HEALTH[v] ?? String(v);
  return typeof v === 'string' && v ? v : 'UNKNOWN';
}

/** An LbEndpoint's addresses as the config-dump endpoint table writes them (`ip:port`, a pipe's path, `envoy://…`). */
function lbEndpointAddresses(ep: unknown): string[] {
  const e = obj(ep, 'endpoint');
  const addrs = [obj(e, 'address'), ...arr(e, 'additional_addresses').map((a) => obj(a, 'address'))];
  return addrs.map((a) => {
    const sock = obj(a, 'socket_address');
    if (sock) return `${str(sock, 'address')}:${num(sock, 'port_value')}`;
    const pipe = obj(a, 'pipe');
    if (pipe) return str(pipe, 'path');
    const internal = obj(a, 'envoy_internal_address');
    if (internal && has(internal, 'server_listener_name')) return `envoy://${str(internal, 'server_listener_name')}/${str(internal, 'endpoint_id')}`;
    return 'unknown';
  });
}

function locality(l: unknown): string {
  if (!isObj(l)) return '';
  let s = str(l, 'region');
  if (!str(l, 'zone')) return s;
  s += `/${str(l, 'zone')}`;
  return str(l, 'sub_zone') ? `${s}/${str(l, 'sub_zone')}` : s;
}

/** The ClusterLoadAssignments istioctl's `pc eds` lists: each with only the endpoints the filters keep, empty ones dropped. */
export function selectEndpointConfigs(parts: PcParts, f: PcFilters): Obj[] {
  const out: Obj[] = [];
  for (const cla of parts.endpoints ?? []) {
    const cluster = str(cla, 'cluster_name');
    let kept = 0;
    const localities = arr(cla, 'endpoints').filter(isObj).map((llb) => {
      const eps = arr(llb, 'lb_endpoints').filter((ep) => {
        if (f.address && !lbEndpointAddresses(ep).some((a) => a.toLowerCase() === f.address!.toLowerCase())) return false;
        if (f.port && num(obj(obj(obj(ep, 'endpoint'), 'address'), 'socket_address'), 'port_value') !== f.port) return false;
        if (f.cluster && cluster.toLowerCase() !== f.cluster.toLowerCase()) return false;
        if (f.status && healthName(get(ep, 'health_status')).toLowerCase() !== f.status.toLowerCase()) return false;
        return true;
      });
      kept += eps.length;
      const key = has(llb, 'lb_endpoints') ? 'lb_endpoints' : 'lbEndpoints';
      return { ...llb, [key]: eps };
    });
    if (kept > 0) out.push({ ...cla, endpoints: localities });
  }
  return out.sort((a, b) => byServiceKey(str(a, 'cluster_name'), str(b, 'cluster_name')));
}

function hostAddress(h: unknown): { address: string; port: number } {
  const a = obj(h, 'address');
  const sock = obj(a, 'socket_address');
  if (sock) return { address: str(sock, 'address'), port: num(sock, 'port_value') };
  const pipe = obj(a, 'pipe');
  if (pipe) return { address: `unix://${str(pipe, 'path')}`, port: 0 };
  const internal = obj(a, 'envoy_internal_address');
  if (internal && has(internal, 'server_listener_name')) return { address: `envoy://${str(internal, 'server_listener_name')}/${str(internal, 'endpoint_id')}`, port: 0 };
  return { address: 'unknown', port: 0 };
}

function hostKept(h: unknown, cluster: string, f: PcFilters): boolean {
  const { address, port } = hostAddress(h);
  if (f.address && address.toLowerCase() !== f.address.toLowerCase()) return false;
  if (f.port && port !== f.port) return false;
  if (f.cluster && cluster.toLowerCase() !== f.cluster.toLowerCase()) return false;
  if (f.status && healthName(get(obj(h, 'health_status'), 'eds_health_status')).toLowerCase() !== f.status.toLowerCase()) return false;
  return true;
}

/** The `/clusters?format=json` cluster statuses with at least one host the filters keep (what `-o json` prints). */
export function selectClusterStatuses(parts: PcParts, f: PcFilters): Obj[] {
  return (parts.clusterStatuses ?? []).filter((c) => arr(c, 'host_statuses').some((h) => hostKept(h, str(c, 'name'), f)));
}

/**
 * `pc endpoint`: from `/clusters?format=json`, ENDPOINT STATUS OUTLIER CHECK CLUSTER sorted by address, port and
 * cluster; from a config dump's EndpointsConfigDump, NAME STATUS LOCALITY CLUSTER (istioctl's `pc eds`).
 */
export function endpointTable(parts: PcParts, f: PcFilters, withName = false): PcTable {
  if (parts.clusterStatuses && !parts.endpoints) {
    const list: Array<{ address: string; port: number; cluster: string; status: string; outlier: string }> = [];
    for (const c of parts.clusterStatuses) {
      const cluster = str(c, 'name');
      for (const h of arr(c, 'host_statuses')) {
        if (!hostKept(h, cluster, f)) continue;
        const hs = obj(h, 'health_status');
        list.push({ ...hostAddress(h), cluster, status: healthName(get(hs, 'eds_health_status')), outlier: get(hs, 'failed_outlier_check') === true ? 'FAILED' : 'OK' });
      }
    }
    list.sort((a, b) => cmp(a.address, b.address) || cmp(a.port, b.port) || cmp(a.cluster, b.cluster));
    const rows = list.map((e) => [e.port ? `${e.address}:${e.port}` : e.address, e.status, e.outlier, e.cluster]);
    return { headers: ['ENDPOINT', 'STATUS', 'OUTLIER CHECK', 'CLUSTER'], rows, gap: 5 };
  }
  const rows: string[][] = [];
  for (const cla of selectEndpointConfigs(parts, f)) {
    for (const llb of arr(cla, 'endpoints')) {
      for (const ep of arr(llb, 'lb_endpoints')) {
        const addr = lbEndpointAddresses(ep).join(',');
        rows.push([withName ? `endpoint/${addr}` : addr, healthName(get(ep, 'health_status')), locality(get(llb, 'locality')), str(cla, 'cluster_name')]);
      }
    }
  }
  return { headers: ['NAME', 'STATUS', 'LOCALITY', 'CLUSTER'], rows, gap: 5 };
}

// ---- ECDS, bootstrap, secrets ---------------------------------------------------------------------------------

/** `pc ecds`: ECDS NAME TYPE, by type URL then name. */
export function ecdsTable(parts: PcParts): PcTable {
  const list = (parts.ecds ?? []).map((e) => ({ name: str(e, 'name'), url: str(obj(e, 'typed_config'), '@type') }));
  list.sort((a, b) => cmp(a.url, b.url) || cmp(a.name, b.name));
  return { headers: ['ECDS NAME', 'TYPE'], rows: list.map((e) => [e.name, e.url.replace(/^type\.googleapis\.com\//, '')]), gap: 5 };
}

/** `pc bootstrap -o short`: Istio and Envoy versions from the bootstrap's node, each line only when known. */
export function bootstrapSummary(parts: PcParts): string {
  const node = obj(obj(parts.bootstrapDump, 'bootstrap'), 'node');
  const md = obj(node, 'metadata');
  const lines: Array<[string, string]> = [];
  const version = str(md, 'ISTIO_VERSION');
  if (version) lines.push(['Istio Version:', version]);
  const sha = str(md, 'ISTIO_PROXY_SHA');
  const shaParts = sha.split(':');
  if (sha) lines.push(['Istio Proxy Version:', shaParts.length > 1 ? shaParts[1] : sha]);
  const build = obj(node, 'user_agent_build_version');
  const v = obj(build, 'version');
  const bmd = obj(build, 'metadata');
  let envoy = `${num(v, 'major_number')}.${num(v, 'minor_number')}.${num(v, 'patch')}`;
  // Struct keys are written as they are, never camelCased.
  const field = (k: string): string | undefined => (isObj(bmd) && typeof bmd[k] === 'string' ? (bmd[k] as string) : undefined);
  if (field('build.label') !== undefined) envoy += `-${field('build.label')}`;
  for (const k of ['revision.status', 'build.type', 'ssl.version']) if (field(k) !== undefined) envoy += `/${field(k)}`;
  lines.push(['Envoy Version:', envoy]);
  const w = lines.reduce((m, [k]) => Math.max(m, k.length), 0);
  return lines.map(([k, val]) => `${k.padEnd(w)} ${val}`).join('\n');
}

/** `pc secret`: istioctl's secret table (secretRows), `secret/` names in `pc all`. */
export function secretTable(ws: Workspace, a: Analysis, withName = false, options: { at?: number; now?: () => number } = {}): PcTable {
  const s = secretRows(ws, a, options);
  const rows = withName ? s.rows.map(([n, ...rest]) => [`secret/${n}`, ...rest]) : s.rows;
  return { headers: s.headers, rows, gap: 5, notes: s.notes };
}

const render = (t: PcTable): string => {
  const body = t.rows.length || t.headers.length ? table(t.headers, t.rows, t.gap) : '';
  return [body, ...(t.notes ?? [])].filter((x) => x !== '').join('\n');
};

export interface PcInput {
  parts: PcParts;
  /** For `secret` and `all`: the index of the same file. */
  ws?: Workspace;
  analysis?: Analysis;
  /** The time secrets are judged at (default: the dump's own, see secretRows). */
  at?: number;
  now?: () => number;
}

/** What `pc KIND` holds for one file in table form (`-o short`), ending in a newline. */
export function renderProxyConfig(kind: PcKind, input: PcInput, f: PcFilters): string {
  const p = input.parts;
  const secrets = (withName: boolean): string =>
    input.ws && input.analysis ? render(secretTable(input.ws, input.analysis, withName, { at: input.at, now: input.now })) : 'No secret items to show.';
  switch (kind) {
    case 'listener':
      return render(listenerTable(p, f)) + '\n';
    case 'route':
      return render(routeTable(p, f)) + '\n';
    case 'cluster':
      return render(clusterTable(p, f)) + '\n';
    case 'endpoint':
      return render(endpointTable(p, f)) + '\n';
    case 'ecds':
      return render(ecdsTable(p)) + '\n';
    case 'bootstrap':
      return bootstrapSummary(p) + '\n';
    case 'secret':
      return secrets(false) + '\n';
    case 'all': {
      // istioctl's `pc all`: bootstrap, clusters, listeners, routes, secrets, endpoints, a blank line between, each
      // row named by its kind; --with-headers puts a heading over each.
      // A file without a bootstrap (istioctl refuses it) gets no version lines rather than `Envoy Version: 0.0.0`.
      const sections: Array<[string, string]> = [
        ...(p.bootstrapDump ? [['BOOTSTRAP INFO', bootstrapSummary(p)] as [string, string]] : []),
        ['CLUSTER INFO', render(clusterTable(p, f, true))],
        ['LISTENER INFO', render(listenerTable(p, f, true))],
        ['ROUTE INFO', render(routeTable(p, f, true))],
        ['SECRET INFO', secrets(true)],
        ['ENDPOINTS INFO', render(endpointTable(p, f, true))],
      ];
      return sections.map(([head, body]) => (f.withHeaders ? `------ ${head} ------\n\n${body}` : body)).join('\n\n') + '\n';
    }
  }
}

/** The resources `pc KIND -o json|yaml` prints for one file (istioctl's selection); undefined for `all`, which
 *  prints the file itself. */
export function selectProxyConfig(kind: PcKind, parts: PcParts, f: PcFilters): unknown {
  // istioctl prints the messages themselves, not the Any that wrapped them: no `@type` at the top.
  const bare = (list: Obj[]): Obj[] => list.map(({ '@type': _t, ...rest }) => rest);
  switch (kind) {
    case 'listener':
      return bare(selectListeners(parts, f));
    case 'route':
      return bare(selectRoutes(parts, f));
    case 'cluster':
      return bare(selectClusters(parts, f));
    case 'endpoint':
      return parts.clusterStatuses && !parts.endpoints ? selectClusterStatuses(parts, f) : bare(selectEndpointConfigs(parts, f));
    case 'ecds':
      // istioctl merges the dump's EcdsConfigDumps into one.
      return { ecds_filters: (parts.ecdsDumps ?? []).flatMap((d) => arr(d, 'ecds_filters')) };
    case 'bootstrap':
      return bare([parts.bootstrapDump ?? {}])[0];
    case 'secret':
      return bare([parts.secretsDump ?? {}])[0];
    case 'all':
      return undefined;
  }
}

// ---- -o json / -o yaml ----------------------------------------------------------------------------------------

/** Map and Struct fields: their own keys are data and keep their spelling (protojson does the same). */
const KEEP_KEYS_BELOW = new Set(['filter_metadata', 'typed_filter_metadata', 'typed_per_filter_config', 'typed_extension_protocol_options', 'fields']);
const KEEP_SUBTREE = new Set(['filter_metadata', 'metadata_struct']);

/** Field names as protojson writes them (lowerCamelCase), `@type` and map/Struct keys as they are. */
export function toProtoJsonNames(v: unknown, keepKeys = false, keepAll = false): unknown {
  if (Array.isArray(v)) return v.map((x) => toProtoJsonNames(x, false, keepAll));
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const [k, x] of Object.entries(v)) {
    const snake = k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    const name = keepAll || keepKeys || k.startsWith('@') ? k : camel(k);
    const below = keepAll || KEEP_SUBTREE.has(snake) || (snake === 'metadata' && isObj(x) && !has(x, 'filter_metadata') && !has(x, 'typed_filter_metadata'));
    Object.defineProperty(out, name, { value: toProtoJsonNames(x, KEEP_KEYS_BELOW.has(snake), below), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** JSON as istioctl prints it: four-space indentation. */
export function pcJson(v: unknown): string {
  return JSON.stringify(toProtoJsonNames(v), null, 4);
}

const RESERVED = /^(true|false|null|yes|no|on|off|y|n|~)$/i;
const NUMBERLIKE = /^[-+]?(\.?\d[\d_]*(\.\d*)?([eE][-+]?\d+)?|0x[0-9a-fA-F]+|0o[0-7]+|\.inf|\.nan)$/i;
const TIMESTAMP = /^\d{4}-\d\d?-\d\d?(([Tt]|\s+)\d\d?:\d\d:\d\d(\.\d*)?(\s*(Z|[-+]\d\d?(:\d\d)?))?)?$/;
/** A string plain when YAML reads it back as the same string; else single-quoted, or double-quoted for control
 *  characters and timestamps (as go-yaml writes them). */
function yamlScalar(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  const s = String(v);
  if (/[\x00-\x1f\x7f]/.test(s) || TIMESTAMP.test(s) || NUMBERLIKE.test(s)) return JSON.stringify(s);
  const quote =
    s === '' ||
    /^[\s\-?:,[\]{}#&*!|>'"%@`]/.test(s) ||
    /\s$/.test(s) ||
    /: |:$| #/.test(s) ||
    RESERVED.test(s);
  return quote ? `'${s.replace(/'/g, "''")}'` : s;
}

/** YAML as istioctl converts its JSON (sigs.k8s.io/yaml): keys sorted, two-space indentation, block style. */
export function pcYaml(v: unknown, protoNames = true): string {
  const lines: string[] = [];
  const emit = (x: unknown, indent: string, lead: string): void => {
    if (Array.isArray(x)) {
      if (x.length === 0) return void lines.push(`${lead}[]`);
      if (lead) lines.push(lead.trimEnd());
      for (const item of x) {
        if (isObj(item) && Object.keys(item).length > 0 || Array.isArray(item) && item.length > 0) emit(item, `${indent}  `, `${indent}- `);
        else lines.push(`${indent}- ${isObj(item) ? '{}' : Array.isArray(item) ? '[]' : yamlScalar(item)}`);
      }
      return;
    }
    if (isObj(x)) {
      const keys = Object.keys(x).sort();
      if (keys.length === 0) return void lines.push(`${lead}{}`);
      keys.forEach((k, i) => {
        const prefix = i === 0 && lead.trim().startsWith('-') ? lead : indent;
        const val = x[k];
        const key = `${prefix}${yamlScalar(k)}:`;
        if (isObj(val) && Object.keys(val).length > 0) {
          lines.push(key);
          emit(val, `${indent}  `, '');
        } else if (Array.isArray(val) && val.length > 0) {
          lines.push(key);
          emit(val, indent, '');
        } else lines.push(`${key} ${isObj(val) ? '{}' : Array.isArray(val) ? '[]' : yamlScalar(val)}`);
      });
      return;
    }
    lines.push(`${lead}${yamlScalar(x)}`);
  };
  emit(protoNames ? toProtoJsonNames(v) : v, '', '');
  return lines.join('\n');
}

// ---- pickable filters ------------------------------------------------------------------------------------------

/** One filter value present in a file, as a user picks it: `--port 9080` (`label`), with how many rows it keeps. */
export interface PcFilterChoice {
  flag: keyof PcFilters;
  value: string | number | boolean;
  /** The flag as istioctl spells it: `--port 9080`, `--verbose=false`. */
  label: string;
  /** Rows of the unfiltered table holding this value. */
  rows: number;
}

const FLAG_SPELLING: Record<keyof PcFilters, string> = {
  port: '--port',
  address: '--address',
  type: '--type',
  verbose: '--verbose',
  withHeaders: '--with-headers',
  name: '--name',
  fqdn: '--fqdn',
  subset: '--subset',
  direction: '--direction',
  cluster: '--cluster',
  status: '--status',
};

/** `--port 9080`, `--verbose=false`: how istioctl's command line spells a filter. */
export function pcFilterLabel(flag: keyof PcFilters, value: string | number | boolean): string {
  return typeof value === 'boolean' ? `${FLAG_SPELLING[flag]}=${value}` : `${FLAG_SPELLING[flag]} ${value}`;
}

/**
 * The filters of `pc KIND` worth offering for one file: each value its table shows in the filtered column (ports,
 * addresses, listener types, route names, FQDNs, subsets, directions, endpoint clusters and statuses), ordered by
 * flag then value, plus the short form where the kind has one. Every choice keeps at least one row.
 */
export function pcFilterChoices(kind: PcKind, parts: PcParts): PcFilterChoice[] {
  const counts = new Map<string, PcFilterChoice>();
  const add = (flag: keyof PcFilters, value: string | number, rows = 1): void => {
    if (value === '' || value === '-' || value === 0 || rows === 0) return;
    const key = `${flag}\u0000${value}`;
    const c = counts.get(key);
    if (c) c.rows += rows;
    else counts.set(key, { flag, value, label: pcFilterLabel(flag, value), rows });
  };
  const splitHostPort = (hp: string): [string, number] | undefined => {
    const m = /^(.*):(\d+)$/.exec(hp);
    return m && !/^(unix|envoy):\/\//.test(hp) ? [m[1].replace(/^\[|\]$/g, ''), Number(m[2])] : undefined;
  };
  switch (kind) {
    case 'listener':
      // A listener has a row per filter chain.
      for (const l of selectListeners(parts, {})) {
        const rows = listenerTable({ listeners: [l] }, {}).rows.length;
        add('port', listenerPort(l), rows);
        for (const a of new Set([listenerAddress(l), ...additionalAddresses(l)])) add('address', a, rows);
        add('type', listenerType(l), rows);
      }
      break;
    case 'route':
      // A route configuration has a row per route of each virtual host.
      for (const r of selectRoutes(parts, {})) add('name', str(r, 'name'), routeTable({ routes: [r] }, {}).rows.length);
      break;
    case 'cluster':
      for (const c of selectClusters(parts, {})) {
        const k = subsetKey(str(c, 'name'));
        if (!k) continue;
        add('fqdn', k.fqdn);
        add('port', k.port);
        add('subset', k.subset);
        add('direction', k.direction);
      }
      break;
    case 'endpoint': {
      const t = endpointTable(parts, {});
      const [addrCol, statusCol, clusterCol] = [0, 1, t.headers.length - 1];
      // istioctl compares --address with the IP of a `/clusters` host but with `IP:PORT` of a config dump's endpoint.
      const hostStatuses = !!parts.clusterStatuses && !parts.endpoints;
      for (const r of t.rows) {
        for (const hp of r[addrCol].split(',')) {
          const s = splitHostPort(hp);
          if (s) add('port', s[1]);
          if (!hostStatuses) add('address', hp);
          else if (s) add('address', s[0]);
        }
        add('status', r[statusCol]);
        add('cluster', r[clusterCol]);
      }
      break;
    }
    default:
      return [];
  }
  const order = PC_FLAGS[kind];
  const list = [...counts.values()].sort(
    (a, b) => order.indexOf(a.flag) - order.indexOf(b.flag) || (typeof a.value === 'number' && typeof b.value === 'number' ? a.value - b.value : cmp(String(a.value), String(b.value))),
  );
  if (PC_FLAGS[kind].includes('verbose')) {
    const rows = kind === 'listener' ? (parts.listeners?.length ?? 0) : (parts.routes?.length ?? 0);
    if (rows > 0) list.push({ flag: 'verbose', value: false, label: pcFilterLabel('verbose', false), rows });
  }
  return list;
}

/**
 * The `pc` row of one listener or cluster (the resource as the dump holds it, snake_case, unwrapped), as a small
 * table with its headers: what hover shows. Undefined for other kinds or a resource without rows.
 */
export function pcRowOf(kind: 'listener' | 'cluster', resource: Obj): string | undefined {
  const t = kind === 'listener' ? listenerTable({ listeners: [resource] }, {}) : clusterTable({ clusters: [resource] }, {});
  return t.rows.length ? table(t.headers, t.rows, t.gap) : undefined;
}
