/**
 * `missing-endpoints`: an EDS cluster whose ClusterLoadAssignment is not in the dump (only when the dump has an
 * endpoints section at all: a dump taken without ?include_eds has none, see no-eds-section).
 * `no-healthy-endpoints`: endpoints exist but none takes traffic (Envoy treats UNKNOWN as healthy).
 * `no-endpoints`: a load assignment (or live cluster status) with no endpoint at all: the service is scaled to zero
 * or has no ready pods in this cluster. Common and usually intended (real Istio dumps hold dozens), so it is
 * information, apart from `no-healthy-endpoints`, which means hosts exist and are all down (issue 8).
 * All three end in `503 UH` (no_healthy_upstream) for requests to that cluster.
 */
import { parseIstioClusterName } from '../istio';
import type { Definition } from '../model/types';
import { isBuiltin, type Workspace } from '../workspace';
import type { Check, Diagnostic } from './types';

export const missingEndpoints: Check = ({ uri, analysis: a, workspace }) => {
  const out: Diagnostic[] = [];
  if (!a.sections.has('endpoints') && !workspace.isChecked(uri, 'endpoints')) return out;
  for (const r of a.refs) {
    if (r.kind !== 'endpoints') continue;
    if (workspace.resolve(uri, 'endpoints', r.name).length > 0) continue;
    const cluster = r.from >= 0 ? a.defs[r.from].name : r.name;
    const named = cluster === r.name ? '' : ` (service_name "${r.name}")`;
    out.push({
      code: 'missing-endpoints',
      severity: 'warning',
      message: `EDS cluster "${cluster}"${named} has no load assignment among the dump's endpoint configs; Envoy has no hosts for it and answers 503 UH (no_healthy_upstream).`,
      span: r.span,
    });
  }
  return out;
};

function label(d: Definition): string {
  return d.kind === 'clusterStatus' ? `Cluster "${d.name}" (live status)` : d.kind === 'cluster' ? `Cluster "${d.name}"` : `Load assignment "${d.name}"`;
}

export const noHealthyEndpoints: Check = ({ analysis: a }) => {
  const out: Diagnostic[] = [];
  for (const d of a.defs) {
    const e = d.info.endpoints;
    if (!e || e.healthy > 0 || e.total === 0) continue;
    const statuses = Object.entries(e.byStatus).map(([s, n]) => `${n} ${s}`).join(', ');
    out.push({
      code: 'no-healthy-endpoints',
      severity: 'warning',
      message: `${label(d)} has ${e.total} endpoint${e.total > 1 ? 's' : ''} and none is healthy (${statuses}); Envoy answers requests to it with 503 UH (no_healthy_upstream).`,
      span: d.nameSpan,
    });
  }
  return out;
};

/**
 * Whether an empty load assignment (or live status) is empty by design rather than a service with no pods: the
 * inline assignment of a non-EDS cluster (ORIGINAL_DST, BlackHoleCluster), which Envoy lists under
 * static_endpoint_configs; Istio's built-in clusters; Istio's inbound clusters (the local app, ORIGINAL_DST since 1.10).
 */
function emptyByDesign(d: Definition, uri: string, workspace: Workspace): boolean {
  if (d.kind === 'cluster' || d.section === 'static_endpoint_configs') return true;
  if (isBuiltin('cluster', d.name)) return true;
  if (parseIstioClusterName(d.name)?.direction === 'inbound') return true;
  return workspace.resolve(uri, 'cluster', d.name).some((c) => c.def.info.clusterType !== undefined && c.def.info.clusterType !== 'EDS');
}

export const noEndpoints: Check = ({ uri, analysis: a, workspace }) => {
  const out: Diagnostic[] = [];
  for (const d of a.defs) {
    const e = d.info.endpoints;
    if (!e || e.total > 0 || emptyByDesign(d, uri, workspace)) continue;
    out.push({
      code: 'no-endpoints',
      severity: 'information',
      message: `${label(d)} has no endpoints here (the service is scaled to zero or has no ready pods); Envoy answers requests to it with 503 UH (no_healthy_upstream).`,
      span: d.nameSpan,
    });
  }
  return out;
};
