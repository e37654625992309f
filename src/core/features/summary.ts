/** `envoy-lens summary` and **Envoy: Show Dump Summary**: what `envoy-lens pc all` prints (istioctl's `proxy-config all`). */
import type { Analysis } from '../model/types';
import type { Workspace } from '../workspace';
import { pcFilterChoices, pcParts, renderProxyConfig, type PcFilterChoice, type PcFilters, type PcKind, type PcParts } from './proxyConfig';

export { table } from './proxyConfig';

/**
 * The `pc all` tables of one analysis: bootstrap versions, clusters, listeners, routes, secrets, endpoints.
 * `value` is the same file as a plain value (facade's readValue); `title` heads the tables when several files are
 * summarized.
 */
export function renderSummary(ws: Workspace, a: Analysis, value: unknown, title?: string): string {
  const head = title ? `== ${title} (${a.shape})\n` : '';
  const parts = pcParts(value);
  const any = parts.listeners?.length || parts.routes?.length || parts.clusters?.length || parts.endpoints?.length || parts.clusterStatuses?.length || parts.bootstrapDump || a.defs.some((d) => d.kind === 'secret');
  if (!any) return `${head}No listeners, routes, clusters, endpoints or secrets.\n`;
  return head + renderProxyConfig('all', { parts, ws, analysis: a }, {});
}

/** What a dump holds, by kind: listeners, route configurations, virtual hosts, routes, clusters, endpoint configurations, secrets. */
export function resourceCounts(a: Analysis): Record<string, number> {
  const c = { listeners: 0, routeConfigs: 0, virtualHosts: 0, routes: 0, clusters: 0, endpointConfigs: 0, secrets: 0 };
  // Envoy lists inline route configurations again under static_route_configs: count them once.
  const skipInline = a.complete.has('routeConfig');
  const inInline = (i: number): boolean => {
    for (let p = i; p >= 0; p = a.defs[p].parent) if (a.defs[p].kind === 'routeConfig') return a.defs[p].state === 'inline';
    return false;
  };
  const key: Partial<Record<string, keyof typeof c>> = {
    listener: 'listeners', routeConfig: 'routeConfigs', virtualHost: 'virtualHosts', route: 'routes', cluster: 'clusters',
    endpoints: 'endpointConfigs', secret: 'secrets',
  };
  for (let i = 0; i < a.defs.length; i++) {
    const d = a.defs[i];
    if (d.group !== 'main') continue;
    if (skipInline && (d.kind === 'routeConfig' || d.kind === 'virtualHost' || d.kind === 'route') && inInline(i)) continue;
    const k = key[d.kind];
    if (k) c[k]++;
  }
  return c;
}

/**
 * What Show Dump Summary shows for one kind: `all` as `summary` prints it, any other kind's table under a `== TITLE`
 * line, and the filters the file offers for that kind. `parts` is pcParts(value), passed in by a caller that keeps it.
 */
export function summaryView(
  ws: Workspace,
  a: Analysis,
  value: unknown,
  parts: PcParts,
  kind: PcKind,
  filters: PcFilters,
  title: string,
): { text: string; choices: PcFilterChoice[] } {
  if (kind === 'all') return { text: renderSummary(ws, a, value, title), choices: [] };
  return { text: `== ${title}\n` + renderProxyConfig(kind, { parts, ws, analysis: a }, filters), choices: pcFilterChoices(kind, parts) };
}
