/**
 * `missing-endpoints`: an EDS cluster whose ClusterLoadAssignment is not in the dump (only when the dump has an
 * endpoints section at all: a dump taken without ?include_eds has none, see no-eds-section).
 * `no-healthy-endpoints`: endpoints exist but none takes traffic (Envoy treats UNKNOWN as healthy).
 * Both end in `503 UH` (no_healthy_upstream) for requests to that cluster.
 */
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

export const noHealthyEndpoints: Check = ({ analysis: a }) => {
  const out: Diagnostic[] = [];
  for (const d of a.defs) {
    const e = d.info.endpoints;
    if (!e || e.healthy > 0) continue;
    // A cluster's inline load_assignment may be empty by design (ORIGINAL_DST, BlackHoleCluster): only flag hosts that are all down.
    if (d.kind === 'cluster' && e.total === 0) continue;
    const label = d.kind === 'clusterStatus' ? `Cluster "${d.name}" (live status)` : d.kind === 'cluster' ? `Cluster "${d.name}"` : `Load assignment "${d.name}"`;
    const statuses = Object.entries(e.byStatus).map(([s, n]) => `${n} ${s}`).join(', ');
    out.push({
      code: 'no-healthy-endpoints',
      severity: 'warning',
      message:
        e.total === 0
          ? `${label} has no endpoints; Envoy answers requests to it with 503 UH (no_healthy_upstream).`
          : `${label} has ${e.total} endpoint${e.total > 1 ? 's' : ''} and none is healthy (${statuses}); Envoy answers requests to it with 503 UH (no_healthy_upstream).`,
      span: d.nameSpan,
    });
  }
  return out;
};
