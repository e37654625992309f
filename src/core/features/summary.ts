/** `envoy-lens summary` and **Envoy: Show Dump Summary**: what `envoy-lens pc all` prints (istioctl's `proxy-config all`). */
import type { Analysis } from '../model/types';
import type { Workspace } from '../workspace';
import { pcParts, renderProxyConfig } from './proxyConfig';

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
