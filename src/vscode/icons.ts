/** The codicon of each kind of resource, one table for the Envoy Traffic view and the trace view. */
import type { TrafficNode } from '../core/facade';

export const KIND_ICONS: Record<TrafficNode['kind'], string> = {
  listener: 'plug',
  filterChain: 'filter',
  routeConfig: 'list-tree',
  virtualHost: 'globe',
  route: 'arrow-right',
  cluster: 'server',
  endpoints: 'server-environment',
  clusterStatus: 'pulse',
  secret: 'key',
  ecdsFilter: 'extensions',
  scopedRoute: 'list-tree',
  missing: 'warning',
  address: 'circle-filled',
};
