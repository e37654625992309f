/**
 * Small config dumps built in code for the per-check tests (one test file per check, as ESLint keeps one per rule):
 * each test states the few resources its case needs, and `run` returns what one check says about the file.
 */
import { Workspace, analyze, type Analysis, type Diagnostic } from '../../../src/core/facade';
import type { Check } from '../../../src/core/checks/types';

type Obj = Record<string, unknown>;
const T = 'type.googleapis.com/envoy.admin.v3.';

export interface DumpParts {
  /** Listeners as Envoy's ListenersConfigDump.DynamicListener entries (use `activeListener` etc.). */
  listeners?: Obj[];
  /** Active clusters (`cluster` objects); `warmingClusters` for dynamic_warming_clusters. */
  clusters?: Obj[];
  warmingClusters?: Obj[];
  /** RDS route configurations. */
  routes?: Obj[];
  /** ClusterLoadAssignments; leave undefined for a dump taken without ?include_eds (no endpoints section). */
  endpoints?: Obj[];
  secrets?: Obj[];
  warmingSecrets?: Obj[];
  ecds?: Obj[];
}

/** A full `/config_dump` (JSON text) of the given resources. */
export function fullDump(p: DumpParts): string {
  const configs: Obj[] = [];
  if (p.listeners) configs.push({ '@type': `${T}ListenersConfigDump`, dynamic_listeners: p.listeners });
  if (p.clusters || p.warmingClusters) {
    configs.push({
      '@type': `${T}ClustersConfigDump`,
      dynamic_active_clusters: (p.clusters ?? []).map((cluster) => ({ cluster })),
      dynamic_warming_clusters: (p.warmingClusters ?? []).map((cluster) => ({ cluster })),
    });
  }
  if (p.routes) configs.push({ '@type': `${T}RoutesConfigDump`, dynamic_route_configs: p.routes.map((route_config) => ({ route_config })) });
  if (p.endpoints) configs.push({ '@type': `${T}EndpointsConfigDump`, dynamic_endpoint_configs: p.endpoints.map((endpoint_config) => ({ endpoint_config })) });
  if (p.secrets || p.warmingSecrets) {
    configs.push({
      '@type': `${T}SecretsConfigDump`,
      dynamic_active_secrets: (p.secrets ?? []).map((secret) => ({ name: secret.name, secret })),
      dynamic_warming_secrets: (p.warmingSecrets ?? []).map((secret) => ({ name: secret.name, secret })),
    });
  }
  if (p.ecds) configs.push({ '@type': `${T}EcdsConfigDump`, ecds_filters: p.ecds.map((ecds_filter) => ({ ecds_filter })) });
  return JSON.stringify({ configs }, null, 2);
}

const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

/** A listener whose one filter chain holds `filters`. */
export function listener(name: string, port: number, filters: Obj[], extra: Obj = {}): Obj {
  return { name, address: { socket_address: { address: '0.0.0.0', port_value: port } }, filter_chains: [{ filters }], ...extra };
}

/** An HTTP connection manager asking RDS for `routeConfigName`. */
export function rdsFilter(routeConfigName: string): Obj {
  return { name: 'envoy.filters.network.http_connection_manager', typed_config: { '@type': HCM, rds: { route_config_name: routeConfigName, config_source: { ads: {} } } } };
}

/** An HTTP connection manager with an inline route configuration. */
export function inlineRoutesFilter(routeConfig: Obj): Obj {
  return { name: 'envoy.filters.network.http_connection_manager', typed_config: { '@type': HCM, route_config: routeConfig } };
}

/** A tcp_proxy to `cluster`. */
export function tcpProxy(cluster: string): Obj {
  return { name: 'envoy.filters.network.tcp_proxy', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy', stat_prefix: 'tcp', cluster } };
}

/** A route configuration with one virtual host whose routes take the given `route` actions. */
export function routeConfig(name: string, actions: Obj[], extra: Obj = {}): Obj {
  return {
    name,
    virtual_hosts: [{ name: `${name}-vh`, domains: ['*'], routes: actions.map((route, i) => ({ match: { prefix: `/${i}` }, route })) }],
    ...extra,
  };
}

export const active = (l: Obj): Obj => ({ name: l.name, active_state: { listener: l } });
export const warmingListener = (l: Obj): Obj => ({ name: l.name, warming_state: { listener: l } });
export const errorListener = (l: Obj, details: string): Obj => ({ name: l.name, error_state: { failed_configuration: l, details } });

/** A STATIC cluster with inline endpoints, or an EDS cluster when `eds` is set. */
export function cluster(name: string, opts: { eds?: boolean; serviceName?: string; hosts?: string[] } = {}): Obj {
  if (opts.eds) return { name, type: 'EDS', eds_cluster_config: { eds_config: { ads: {} }, ...(opts.serviceName ? { service_name: opts.serviceName } : {}) } };
  const hosts = opts.hosts ?? ['10.0.0.1'];
  return {
    name,
    type: 'STATIC',
    load_assignment: { cluster_name: name, endpoints: [{ lb_endpoints: hosts.map((h) => ({ endpoint: { address: { socket_address: { address: h, port_value: 80 } } } })) }] },
  };
}

/** A ClusterLoadAssignment; each endpoint `ip` or `ip STATUS`. */
export function loadAssignment(name: string, endpoints: string[]): Obj {
  return {
    cluster_name: name,
    endpoints: [
      {
        lb_endpoints: endpoints.map((e) => {
          const [ip, status] = e.split(' ');
          return { endpoint: { address: { socket_address: { address: ip, port_value: 80 } } }, ...(status ? { health_status: status } : {}) };
        }),
      },
    ],
  };
}

export interface Result {
  diags: Diagnostic[];
  text: string;
  a: Analysis;
  /** The source text a diagnostic points at, quotes removed. */
  at(d: Diagnostic): string;
}

/** Indexes `text` (plus `others`, other open files) and runs one check on it. */
export function run(check: Check, text: string, opts: { uri?: string; others?: Record<string, string> } = {}): Result {
  const ws = new Workspace();
  const uri = opts.uri ?? 'file:///dump.json';
  const a = analyze(uri, text, { languageId: /\.ya?ml$/.test(uri) ? 'yaml' : 'json' });
  ws.set(a);
  for (const [u, t] of Object.entries(opts.others ?? {})) ws.set(analyze(u, t));
  const diags = check({ uri, analysis: a, workspace: ws });
  return { diags, text, a, at: (d) => text.slice(d.span.start, d.span.end).replace(/^"|"$/g, '') };
}
