/**
 * Every kind of reference a dump can hold, in one table: what it points at, how hover names the referrer, what the
 * referrer does with the target, what Envoy does when the target is missing, and the part it plays in the path of a
 * request. The index, hover, the checks, the summary tables, the traffic tree and the graph all read this table, so
 * an edge is added by adding a `RefVia` member: the compiler then asks for its entry here and nowhere else.
 */
import type { DiagnosticCode, Severity } from '../checks/types';
import type { RefKind, RefVia } from './types';

/**
 * The part an edge plays for traffic:
 * - `routing`: a listener's HTTP connection manager to the route configuration that routes its requests;
 * - `request`: a route to the cluster its requests go to (single or weighted);
 * - `shadow`: a route's mirror: copies, the response is not awaited;
 * - `connection`: a tcp_proxy to the cluster its connections go to;
 * - `endpoints`: a cluster to its ClusterLoadAssignment;
 * - `side`: a call the proxy makes on the side (auth services, tracers, xDS servers, failover, TLS secrets, ECDS);
 * - `status`: live status naming a cluster, information only.
 */
export type EdgeRole = 'routing' | 'request' | 'shadow' | 'connection' | 'endpoints' | 'side' | 'status';

export interface EdgeKind {
  /** What kind of definition it names. */
  target: RefKind;
  /** The referrer, as hover lists them: "referenced by 3 weighted routes". */
  label: string;
  /** What the referrer does with the target, completed by its name: `sends requests to cluster "x"`. */
  verb: string;
  role: EdgeRole;
  /** The check that reports it when the target is missing; absent when another check or none does. */
  code?: DiagnosticCode;
  /** Severity of a missing target. */
  severity: Severity;
  /** What Envoy does when the target is missing (ENVOY-DUMPS.md §Severity), the end of a diagnostic sentence. */
  consequence: string;
  /**
   * When the target is a cluster named from a route configuration Envoy validates (inline, `validate_clusters` not
   * false): Envoy rejects the whole listener instead, an error.
   */
  validatedByRouteConfig?: boolean;
  /** Information only: never diagnosed (a /clusters status naming a cluster). */
  soft?: boolean;
  /** Shown beside a traffic tree row reached through this edge when it is not the usual way there. */
  tag?: string;
}

const NOT_FOUND_404 = 'Envoy answers its requests with 404 NR (route_not_found)';

export const EDGES: Readonly<Record<RefVia, EdgeKind>> = {
  rds: {
    target: 'routeConfig',
    label: 'listener (RDS)',
    verb: 'asks RDS for route configuration',
    role: 'routing',
    code: 'unknown-route-config',
    severity: 'warning',
    consequence: NOT_FOUND_404,
  },
  'scoped-route': {
    target: 'routeConfig',
    label: 'scoped route',
    verb: 'names route configuration',
    role: 'routing',
    code: 'unknown-route-config',
    severity: 'warning',
    consequence: 'requests in that scope get 404 NR (route_not_found)',
    tag: 'scoped-route',
  },
  route: {
    target: 'cluster',
    label: 'route',
    verb: 'sends requests to cluster',
    role: 'request',
    code: 'unknown-cluster',
    severity: 'warning',
    consequence: 'Envoy answers these requests with 503 NC (cluster_not_found)',
    validatedByRouteConfig: true,
  },
  'weighted-cluster': {
    target: 'cluster',
    label: 'weighted route',
    verb: 'splits requests to cluster',
    role: 'request',
    code: 'unknown-cluster',
    severity: 'warning',
    consequence: 'Envoy answers these requests with 503 NC (cluster_not_found)',
    validatedByRouteConfig: true,
    tag: 'weighted-cluster',
  },
  mirror: {
    target: 'cluster',
    label: 'mirror policy',
    verb: 'mirrors requests to cluster',
    role: 'shadow',
    code: 'unknown-cluster',
    severity: 'warning',
    consequence: 'Envoy serves the request but sends no mirror copy',
    tag: 'mirror',
  },
  'tcp-proxy': {
    target: 'cluster',
    label: 'tcp_proxy',
    verb: 'proxies TCP connections to cluster',
    role: 'connection',
    code: 'unknown-cluster',
    severity: 'warning',
    consequence: 'Envoy closes each connection it would proxy there',
    tag: 'tcp-proxy',
  },
  'tcp-weighted-cluster': {
    target: 'cluster',
    label: 'weighted tcp_proxy',
    verb: 'proxies TCP connections to cluster',
    role: 'connection',
    code: 'unknown-cluster',
    severity: 'warning',
    consequence: 'Envoy closes each connection it would proxy there',
    tag: 'tcp-weighted-cluster',
  },
  'grpc-service': {
    target: 'cluster',
    label: 'gRPC service',
    verb: 'calls cluster',
    role: 'side',
    code: 'unknown-cluster',
    severity: 'warning',
    consequence: 'calls through it fail',
    tag: 'grpc-service',
  },
  'http-uri': {
    target: 'cluster',
    label: 'HTTP service',
    verb: 'calls cluster',
    role: 'side',
    code: 'unknown-cluster',
    severity: 'warning',
    consequence: 'calls through it fail',
    tag: 'http-uri',
  },
  tracing: {
    target: 'cluster',
    label: 'tracer',
    verb: 'sends traces to cluster',
    role: 'side',
    code: 'unknown-cluster',
    severity: 'warning',
    consequence: 'calls through it fail',
    tag: 'tracing',
  },
  'config-source': {
    target: 'cluster',
    label: 'xDS config source',
    verb: 'fetches xDS from cluster',
    role: 'side',
    code: 'unknown-cluster',
    severity: 'warning',
    consequence: 'Envoy cannot fetch that xDS configuration',
    tag: 'config-source',
  },
  aggregate: {
    target: 'cluster',
    label: 'aggregate cluster',
    verb: 'fails over to cluster',
    role: 'side',
    code: 'unknown-cluster',
    severity: 'warning',
    consequence: 'calls through it fail',
    tag: 'aggregate',
  },
  'local-cluster': {
    target: 'cluster',
    label: 'cluster manager',
    verb: 'calls cluster',
    role: 'side',
    code: 'unknown-cluster',
    severity: 'warning',
    consequence: 'calls through it fail',
    tag: 'local-cluster',
  },
  eds: {
    // A missing ClusterLoadAssignment is `missing-endpoints` (checks/endpoints.ts), which knows the cluster's state.
    target: 'endpoints',
    label: 'EDS cluster',
    verb: 'asks EDS for endpoints',
    role: 'endpoints',
    severity: 'warning',
    consequence: 'the cluster has no endpoints and Envoy answers its requests with 503 UH (no_healthy_upstream)',
  },
  sds: {
    target: 'secret',
    label: 'TLS context (SDS)',
    verb: 'asks SDS for secret',
    role: 'side',
    code: 'unknown-secret',
    severity: 'warning',
    consequence: 'Envoy keeps it warming until the secret arrives, and TLS handshakes cannot complete',
    tag: 'sds',
  },
  ecds: {
    target: 'ecdsFilter',
    label: 'filter (ECDS)',
    verb: 'waits for extension config',
    role: 'side',
    code: 'unknown-extension-config',
    severity: 'warning',
    consequence: "until it arrives Envoy uses the filter's default_config if one is set, otherwise the listener does not serve",
    tag: 'ecds',
  },
  health: {
    target: 'cluster',
    label: 'live cluster status',
    verb: 'reports the status of cluster',
    role: 'status',
    severity: 'information',
    consequence: 'the status belongs to a cluster this dump does not configure',
    soft: true,
    tag: 'health',
  },
};

/** The edge table's entry for a reference. */
export function edgeOf(via: RefVia): EdgeKind {
  return EDGES[via];
}

/** Whether a route sends requests (or their mirror copies) through this edge: a route's upstream clusters. */
export function carriesRequests(via: RefVia): boolean {
  const role = EDGES[via].role;
  return role === 'request' || role === 'shadow';
}

/** Whether the traffic tree and graph follow this edge as the next hop of a request or connection. */
export function isTrafficHop(via: RefVia): boolean {
  const role = EDGES[via].role;
  return role === 'routing' || role === 'request' || role === 'shadow' || role === 'connection' || role === 'endpoints';
}
