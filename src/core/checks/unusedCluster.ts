/**
 * `unused-cluster` (hint, shown faded): a cluster nothing references. Only said when the listeners are known (some
 * file in scope holds them all), and never of Istio's built-in clusters, which the proxy itself uses.
 */
import { isBuiltin } from '../workspace';
import type { Reference } from '../model/types';
import type { Check, Diagnostic } from './types';

const isHard = (r: Reference): boolean => !r.soft;

export const unusedCluster: Check = ({ uri, analysis: a, workspace }) => {
  const out: Diagnostic[] = [];
  if (!workspace.isChecked(uri, 'listener')) return out;
  for (const d of a.defs) {
    if (d.kind !== 'cluster' || d.group !== 'main' || isBuiltin('cluster', d.name)) continue;
    const used = workspace.someReferenceTo(uri, 'cluster', d.name, isHard);
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
