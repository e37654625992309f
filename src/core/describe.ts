/** Words for kinds and places, shared by checks, hover and the CLI so they all say the same thing. */
import type { Analysis, DefKind } from './model/types';

/** `cluster` → `Cluster`, as Envoy's docs name the resource. */
export const KIND_LABEL: Readonly<Record<DefKind, string>> = {
  listener: 'Listener',
  filterChain: 'Filter chain',
  routeConfig: 'Route configuration',
  virtualHost: 'Virtual host',
  route: 'Route',
  cluster: 'Cluster',
  endpoints: 'Endpoints (ClusterLoadAssignment)',
  clusterStatus: 'Cluster status',
  secret: 'Secret',
  ecdsFilter: 'Extension config (ECDS)',
  scopedRoute: 'Scoped route',
};

/** Plural nouns for "not among the dump's …". */
export const KIND_PLURAL: Readonly<Record<DefKind, string>> = {
  listener: 'listeners',
  filterChain: 'filter chains',
  routeConfig: 'route configurations',
  virtualHost: 'virtual hosts',
  route: 'routes',
  cluster: 'clusters',
  endpoints: 'endpoint configs (EndpointsConfigDump)',
  clusterStatus: 'cluster statuses',
  secret: 'secrets',
  ecdsFilter: 'extension configs (EcdsConfigDump)',
  scopedRoute: 'scoped routes',
};

/** `route "default" of virtual host "ratings:9080"` / `filter chain "…" of listener "…"`: where a reference sits. */
export function describeOwner(a: Analysis, index: number): string {
  if (index < 0 || index >= a.defs.length) return 'The configuration';
  const d = a.defs[index];
  const label = `${KIND_LABEL[d.kind]} "${d.name}"`;
  if (d.kind === 'filterChain' && d.parent >= 0 && d.info.chainMatch === d.name) {
    // An unnamed chain: name the listener, and the match only when it narrows anything.
    const l = a.defs[d.parent];
    return d.name === 'any connection' ? `Listener "${l.name}"` : `Listener "${l.name}" (filter chain ${d.name})`;
  }
  if (d.parent >= 0 && (d.kind === 'route' || d.kind === 'filterChain' || d.kind === 'virtualHost')) {
    const p = a.defs[d.parent];
    return `${label} of ${KIND_LABEL[p.kind].toLowerCase()} "${p.name}"`;
  }
  return label;
}

/** The route configuration a definition sits in (route → virtual host → route configuration), or -1. */
export function enclosing(a: Analysis, index: number, kind: DefKind): number {
  let i = index;
  while (i >= 0 && a.defs[i].kind !== kind) i = a.defs[i].parent;
  return i;
}

/**
 * Endpoint health statuses Envoy still sends traffic to (UNKNOWN is "no health checking", so usable): the one home of
 * "healthy" for hover, the traffic tree and graph.
 */
export const USABLE_STATUSES: ReadonlySet<string> = new Set(['HEALTHY', 'UNKNOWN']);

/** Whether an endpoint with this health status takes traffic. */
export function isUsableStatus(status: string): boolean {
  return USABLE_STATUSES.has(status);
}
