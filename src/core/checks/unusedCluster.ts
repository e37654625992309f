/**
 * `unused-cluster` (hint, shown faded): a cluster nothing references. Only said when the listeners are known (some
 * file in scope holds them all), and never of Istio's built-in clusters, which the proxy itself uses.
 */
import { ISTIO_BUILTIN_CLUSTERS } from '../istio';
import type { Check, Diagnostic } from './types';

export const unusedCluster: Check = ({ uri, analysis: a, workspace }) => {
  const out: Diagnostic[] = [];
  if (!workspace.isChecked(uri, 'listener')) return out;
  for (const d of a.defs) {
    if (d.kind !== 'cluster' || d.group !== 'main' || ISTIO_BUILTIN_CLUSTERS.has(d.name)) continue;
    const used = workspace.referencesTo(uri, 'cluster', d.name).some((r) => !r.ref.soft);
    if (used) continue;
    out.push({
      code: 'unused-cluster',
      severity: 'hint',
      message: `Cluster "${d.name}" is not referenced by any route, listener or service config in scope.`,
      span: d.nameSpan,
      tags: ['unnecessary'],
    });
  }
  return out;
};
