/** Istio's naming conventions, decoded for hover, and the clusters Istio always creates. */
import type { IstioConfigRef } from './model/types';

/** Clusters every Istio sidecar has; a reference to one of them is known even when a trimmed dump lacks it. */
const BUILTIN_CLUSTERS: ReadonlyMap<string, string> = new Map([
  ['PassthroughCluster', 'Istio built-in: forwards to the original destination (outboundTrafficPolicy ALLOW_ANY).'],
  ['BlackHoleCluster', 'Istio built-in: drops the traffic (outboundTrafficPolicy REGISTRY_ONLY).'],
  ['InboundPassthroughClusterIpv4', 'Istio built-in: inbound traffic to a port with no service, passed to the app over IPv4.'],
  ['InboundPassthroughClusterIpv6', 'Istio built-in: inbound traffic to a port with no service, passed to the app over IPv6.'],
  ['xds-grpc', 'Istio built-in: the connection to istiod for xDS (bootstrap static cluster).'],
  ['sds-grpc', 'Istio built-in: the connection to the pilot-agent SDS server for certificates (bootstrap static cluster).'],
  ['prometheus_stats', "Istio built-in: Envoy's own admin stats, scraped on port 15090."],
  ['agent', "Istio built-in: pilot-agent's health and stats endpoint (port 15020)."],
]);

/** Secrets Istio's SDS always serves. */
const BUILTIN_SECRETS: ReadonlyMap<string, string> = new Map([
  ['default', "Istio's workload certificate, served by pilot-agent over SDS."],
  ['ROOTCA', "Istio's root CA bundle, served by pilot-agent over SDS."],
]);

/**
 * The one answer to "is this an Istio built-in": a Map lookup, so names such as `constructor` or `toString` are
 * plain names, not members of Object.prototype.
 */
export function istioBuiltin(kind: string, name: string): string | undefined {
  if (kind === 'cluster') return BUILTIN_CLUSTERS.get(name);
  if (kind === 'secret') return BUILTIN_SECRETS.get(name);
  return undefined;
}

/** Whether Istio always defines this cluster or secret, so a reference to it is known even when the dump lacks it. */
export function isIstioBuiltin(kind: string, name: string): boolean {
  return istioBuiltin(kind, name) !== undefined;
}

/** What an Istio cluster name says: `outbound|9080|v1|reviews.default.svc.cluster.local`. */
export interface IstioClusterName {
  direction: 'inbound' | 'outbound';
  port: string;
  subset: string;
  host: string;
  /** Service and namespace when the host is a Kubernetes service FQDN. */
  service?: string;
  namespace?: string;
}

/** Decodes an Istio cluster name, or returns undefined when the name is not one. */
export function parseIstioClusterName(name: string): IstioClusterName | undefined {
  const parts = name.split('|');
  if (parts.length !== 4) return undefined;
  const [direction, port, subset, host] = parts;
  if (direction !== 'inbound' && direction !== 'outbound') return undefined;
  if (!/^\d*$/.test(port)) return undefined;
  const out: IstioClusterName = { direction, port, subset, host };
  const m = /^([^.]+)\.([^.]+)\.svc(\.|$)/.exec(host);
  if (m) {
    out.service = m[1];
    out.namespace = m[2];
  }
  return out;
}

/** One line explaining an Istio cluster name, or undefined. */
export function describeIstioCluster(name: string): string | undefined {
  const builtin = istioBuiltin('cluster', name);
  if (builtin) return builtin;
  const p = parseIstioClusterName(name);
  if (!p) return undefined;
  if (p.direction === 'inbound') {
    return `Istio: inbound to the app on port ${p.port}${p.subset ? `, port name ${p.subset}` : ''}${p.host ? ` (${p.host})` : ''}.`;
  }
  const svc = p.service ? `service ${p.service} in namespace ${p.namespace}` : `host ${p.host}`;
  return `Istio: outbound to ${svc}, port ${p.port}${p.subset ? `, subset ${p.subset}` : ''}.`;
}

/** One line explaining an Istio listener or route configuration name, or undefined. */
export function describeIstioListener(name: string): string | undefined {
  switch (name) {
    case 'virtualOutbound':
      return 'Istio: catches all outbound traffic on 15001 and hands each connection to the listener of its original destination.';
    case 'virtualInbound':
      return 'Istio: catches all inbound traffic on 15006 and picks a filter chain by destination port.';
    default:
      break;
  }
  const m = /^(\d+\.\d+\.\d+\.\d+|\[[^\]]+\])_(\d+)$/.exec(name);
  if (m) {
    return m[1] === '0.0.0.0'
      ? `Istio: outbound traffic to any address on port ${m[2]}.`
      : `Istio: outbound traffic to ${m[1]} port ${m[2]}.`;
  }
  return ISTIO_PORTS.get(name.replace(/^0\.0\.0\.0_/, ''));
}

const ISTIO_PORTS: ReadonlyMap<string, string> = new Map([
  ['15090', 'Istio: Prometheus stats (15090).'],
  ['15021', 'Istio: health checks (15021).'],
]);

/**
 * The path segment istiod writes for each kind (its kind name in kebab case, one dash before every capital) → the
 * kind as Istio spells it. A segment not listed is turned back the same way (`h-t-t-p-route` → `HTTPRoute`).
 */
const CONFIG_KINDS: ReadonlyMap<string, string> = new Map([
  ['virtual-service', 'VirtualService'],
  ['destination-rule', 'DestinationRule'],
  ['sidecar', 'Sidecar'],
  ['gateway', 'Gateway'],
  ['envoy-filter', 'EnvoyFilter'],
  ['service-entry', 'ServiceEntry'],
  ['workload-entry', 'WorkloadEntry'],
  ['workload-group', 'WorkloadGroup'],
  ['proxy-config', 'ProxyConfig'],
  ['peer-authentication', 'PeerAuthentication'],
  ['request-authentication', 'RequestAuthentication'],
  ['authorization-policy', 'AuthorizationPolicy'],
  ['telemetry', 'Telemetry'],
  ['wasm-plugin', 'WasmPlugin'],
]);

/**
 * Reads the path istiod records in `metadata.filter_metadata.istio.config`:
 * `/apis/networking.istio.io/v1alpha3/namespaces/default/virtual-service/reviews` (older releases wrote the group as
 * `networking`). Undefined when the text is not such a path.
 */
export function parseIstioConfigPath(path: string): IstioConfigRef | undefined {
  const m = /^\/apis\/[^/]+\/[^/]+\/namespaces\/([^/]+)\/([a-z0-9-]+)\/([^/]+)$/.exec(path);
  if (!m) return undefined;
  const [, namespace, segment, name] = m;
  const kind = CONFIG_KINDS.get(segment) ?? segment.split('-').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
  return { kind, namespace, name };
}

/** `VirtualService reviews.default`: how hover, the CLI and the trace name the Istio resource behind a definition. */
export function istioConfigLabel(ref: IstioConfigRef): string {
  return `${ref.kind} ${ref.name}.${ref.namespace}`;
}
