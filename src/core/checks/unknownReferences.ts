/**
 * `unknown-cluster`, `unknown-route-config`, `unknown-secret`, `unknown-extension-config`: a reference whose name no
 * definition in scope has. Only checked when some file in scope holds the complete set of that kind (a listeners-only
 * istioctl file cannot know the clusters). Code, verb, severity and consequence come from the edge table
 * (model/edges.ts), with ENVOY-DUMPS.md §Severity's one exception: an inline route configuration validates its
 * clusters by default, so a missing one makes Envoy reject the whole listener (error).
 */
import { KIND_PLURAL, describeOwner, enclosing } from '../describe';
import { EDGES } from '../model/edges';
import type { Analysis, Reference } from '../model/types';
import { isBuiltin } from '../workspace';
import type { Check, Diagnostic, Severity } from './types';

/** Severity and consequence of a missing target, from the edge table, with Envoy's one exception for clusters. */
function consequence(a: Analysis, r: Reference): { severity: Severity; text: string } {
  const edge = EDGES[r.via];
  if (edge.validatedByRouteConfig) {
    const rc = enclosing(a, r.from, 'routeConfig');
    const def = rc >= 0 ? a.defs[rc] : undefined;
    if (def && def.state === 'inline' && def.info.validateClusters !== false) {
      return {
        severity: 'error',
        text: 'Envoy rejects the listener, because an inline route configuration checks its clusters (validate_clusters defaults to true)',
      };
    }
  }
  return { severity: edge.severity, text: edge.consequence };
}

export const unknownReferences: Check = ({ uri, analysis: a, workspace }) => {
  const out: Diagnostic[] = [];
  for (const r of a.refs) {
    const code = EDGES[r.via].code;
    if (!code || r.soft) continue;
    if (!workspace.isChecked(uri, r.kind) || isBuiltin(r.kind, r.name)) continue;
    if (workspace.resolve(uri, r.kind, r.name).length > 0) continue;
    const where = a.complete.has(r.kind) ? `this dump's ${KIND_PLURAL[r.kind]}` : `the ${KIND_PLURAL[r.kind]} of the open files`;
    const { severity, text } = consequence(a, r);
    out.push({
      code,
      severity,
      message: `${describeOwner(a, r.from)} ${EDGES[r.via].verb} "${r.name}", which is not among ${where}; ${text}.`,
      span: r.span,
    });
  }
  return out;
};
