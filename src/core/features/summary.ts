/** `envoy-lens summary`: the tables istioctl users know (`istioctl proxy-config listener|route|cluster|endpoint`). */
import { parseIstioClusterName } from '../istio';
import { EDGES } from '../model/edges';
import { secretRows } from './certificates';
import type { Analysis } from '../model/types';
import { Workspace } from '../workspace';

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

function destination(ws: Workspace, a: Analysis, chain: number): string {
  const parts: string[] = [];
  for (const ri of ws.refsFrom(a.uri, chain)) {
    const r = a.refs[ri];
    const role = EDGES[r.via].role;
    if (role === 'routing') parts.push(`Route: ${r.name}`);
    else if (role === 'connection') parts.push(`Cluster: ${r.name}`);
  }
  for (const i of ws.childrenOf(a.uri, chain)) if (a.defs[i].kind === 'routeConfig') parts.push(`Inline Route: ${a.defs[i].name}`);
  return parts.join('; ') || 'Non-HTTP/Non-TCP';
}

/** Renders the four tables of one analysis; `title` heads them when several files are summarized. */
export function renderSummary(workspace: Workspace, a: Analysis, title?: string): string {
  // The workspace's per-file lookups (children, references by owner) when it holds this analysis, else a workspace of
  // its own, for the tables read those lookups only.
  let ws = workspace;
  if (ws.get(a.uri) !== a) {
    ws = new Workspace();
    ws.set(a);
  }
  const out: string[] = [];
  if (title) out.push(`== ${title} (${a.shape})`);
  const main = a.defs.map((d, i) => ({ d, i })).filter(({ d }) => d.group === 'main');

  const listeners: string[][] = [];
  for (const { d, i } of main) {
    if (d.kind !== 'listener') continue;
    const addr = d.info.address ?? '';
    const colon = addr.lastIndexOf(':');
    const [first, port] = colon >= 0 ? [addr.slice(0, colon), addr.slice(colon + 1)] : [addr, '-'];
    // `/listeners?format=json` also lists additional_local_addresses: their IPs join the column, as istioctl does.
    const ip = [first, ...(d.info.additionalAddresses ?? []).map((x) => x.slice(0, Math.max(0, x.lastIndexOf(':'))) || x)].join(',');
    const chains = ws.childrenOf(a.uri, i).filter((ci) => a.defs[ci].kind === 'filterChain' && a.defs[ci].group === 'main');
    if (chains.length === 0) listeners.push([d.name, ip, port, '-', d.state === 'error' ? `ERROR: ${d.info.errorDetails ?? ''}` : '-']);
    for (const ci of chains) listeners.push([d.name, ip, port, a.defs[ci].info.chainMatch ?? '', destination(ws, a, ci)]);
  }
  if (listeners.length) out.push(table(['NAME', 'ADDRESSES', 'PORT', 'MATCH', 'DESTINATION'], listeners), '');

  const routes: string[][] = [];
  for (const { d } of main) {
    if (d.kind !== 'route') continue;
    const vh = a.defs[d.parent];
    const rc = vh && vh.parent >= 0 ? a.defs[vh.parent] : undefined;
    const domains = vh?.info.domains ?? [];
    routes.push([
      rc?.name ?? '-',
      vh?.name ?? '-',
      domains.length > 1 ? `${domains[0]} +${domains.length - 1} more` : (domains[0] ?? '-'),
      d.info.match ?? '',
      d.info.action ?? '-',
    ]);
  }
  if (routes.length) out.push(table(['NAME', 'VHOST NAME', 'DOMAINS', 'MATCH', 'DESTINATION'], routes), '');

  const clusters: string[][] = [];
  for (const { d } of main) {
    if (d.kind !== 'cluster') continue;
    const p = parseIstioClusterName(d.name);
    let eps = d.info.endpoints;
    if (!eps && d.info.edsName) eps = ws.resolve(a.uri, 'endpoints', d.info.edsName)[0]?.def.info.endpoints;
    const epText = eps ? `${eps.healthy}/${eps.total}` : '-';
    clusters.push(
      p
        ? [p.host || '-', p.port || '-', p.subset || '-', p.direction, d.info.clusterType ?? '-', epText]
        : [d.name, '-', '-', '-', d.info.clusterType ?? '-', epText],
    );
  }
  if (clusters.length) out.push(table(['SERVICE FQDN', 'PORT', 'SUBSET', 'DIRECTION', 'TYPE', 'HEALTHY/ENDPOINTS'], clusters), '');

  const endpoints: string[][] = [];
  for (const { d } of main) {
    if ((d.kind !== 'endpoints' && d.kind !== 'clusterStatus' && d.kind !== 'cluster') || !d.info.endpoints) continue;
    const e = d.info.endpoints;
    e.sample.forEach((addr, k) => endpoints.push([addr, e.sampleStatus[k] ?? '', d.name]));
  }
  if (endpoints.length) out.push(table(['ENDPOINT', 'STATUS', 'CLUSTER'], endpoints), '');

  // istioctl's secret table (`istioctl proxy-config secret`), certificates judged at the dump's own time.
  if (main.some(({ d }) => d.kind === 'secret')) {
    const secrets = secretRows(ws, a);
    if (secrets.rows.length) out.push(table(secrets.headers, secrets.rows), ...secrets.notes, '');
    // istioctl lists SDS secrets only; a bootstrap's static secrets keep a table of their own.
    const statics = main.filter(({ d }) => d.kind === 'secret' && d.state === 'static').map(({ d }) => [d.name, d.state, d.versionInfo ?? '-', d.lastUpdated ?? '-']);
    if (statics.length) out.push(table(['SECRET', 'STATE', 'VERSION', 'LAST UPDATED'], statics), '');
  }
  if (out.length === (title ? 1 : 0)) out.push('No listeners, routes, clusters, endpoints or secrets.');
  return out.join('\n').trimEnd() + '\n';
}
