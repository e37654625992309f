/**
 * `unknown-cluster`, `unknown-route-config`, `unknown-secret`, `unknown-extension-config`: a reference whose name no
 * definition in scope has. Only checked when some file in scope holds the complete set of that kind (a listeners-only
 * istioctl file cannot know the clusters). Severity follows ENVOY-DUMPS.md §Severity: Istio's RDS route configs set
 * validate_clusters false, so a missing cluster fails at request time (warning); an inline route configuration
 * validates its clusters by default, so Envoy rejects the whole listener (error).
 */
import { KIND_PLURAL, describeOwner, enclosing } from '../describe';
import type { Analysis, RefKind, Reference } from '../model/types';
import { isBuiltin } from '../workspace';
import type { Check, Diagnostic, DiagnosticCode, Severity } from './types';

const CODES: Partial<Record<RefKind, DiagnosticCode>> = {
  cluster: 'unknown-cluster',
  routeConfig: 'unknown-route-config',
  secret: 'unknown-secret',
  ecdsFilter: 'unknown-extension-config',
};

function consequence(a: Analysis, r: Reference): { severity: Severity; text: string } {
  switch (r.via) {
    case 'route':
    case 'weighted-cluster': {
      const rc = enclosing(a, r.from, 'routeConfig');
      const def = rc >= 0 ? a.defs[rc] : undefined;
      if (def && def.state === 'inline' && def.info.validateClusters !== false) {
        return {
          severity: 'error',
          text: 'Envoy rejects the listener, because an inline route configuration checks its clusters (validate_clusters defaults to true)',
        };
      }
      return { severity: 'warning', text: 'Envoy answers these requests with 503 NC (cluster_not_found)' };
    }
    case 'mirror':
      return { severity: 'warning', text: 'Envoy serves the request but sends no mirror copy' };
    case 'tcp-proxy':
    case 'tcp-weighted-cluster':
      return { severity: 'warning', text: 'Envoy closes each connection it would proxy there' };
    case 'rds':
      return { severity: 'warning', text: 'Envoy answers its requests with 404 NR (route_not_found)' };
    case 'scoped-route':
      return { severity: 'warning', text: 'requests in that scope get 404 NR (route_not_found)' };
    case 'sds':
      return { severity: 'warning', text: 'Envoy keeps it warming until the secret arrives, and TLS handshakes cannot complete' };
    case 'ecds':
      return { severity: 'warning', text: 'until it arrives Envoy uses the filter\'s default_config if one is set, otherwise the listener does not serve' };
    case 'config-source':
      return { severity: 'warning', text: 'Envoy cannot fetch that xDS configuration' };
    default:
      return { severity: 'warning', text: 'calls through it fail' };
  }
}

function verb(r: Reference): string {
  switch (r.via) {
    case 'route':
      return 'sends requests to cluster';
    case 'weighted-cluster':
      return 'splits requests to cluster';
    case 'mirror':
      return 'mirrors requests to cluster';
    case 'tcp-proxy':
    case 'tcp-weighted-cluster':
      return 'proxies TCP connections to cluster';
    case 'rds':
      return 'asks RDS for route configuration';
    case 'scoped-route':
      return 'names route configuration';
    case 'sds':
      return 'asks SDS for secret';
    case 'ecds':
      return 'waits for extension config';
    case 'tracing':
      return 'sends traces to cluster';
    case 'config-source':
      return 'fetches xDS from cluster';
    case 'aggregate':
      return 'fails over to cluster';
    default:
      return 'calls cluster';
  }
}

export const unknownReferences: Check = ({ uri, analysis: a, workspace }) => {
  const out: Diagnostic[] = [];
  for (const r of a.refs) {
    const code = CODES[r.kind];
    if (!code || r.soft) continue;
    if (!workspace.isChecked(uri, r.kind) || isBuiltin(r.kind, r.name)) continue;
    if (workspace.resolve(uri, r.kind, r.name).length > 0) continue;
    const where = a.complete.has(r.kind) ? `this dump's ${KIND_PLURAL[r.kind]}` : `the ${KIND_PLURAL[r.kind]} of the open files`;
    const { severity, text } = consequence(a, r);
    out.push({
      code,
      severity,
      message: `${describeOwner(a, r.from)} ${verb(r)} "${r.name}", which is not among ${where}; ${text}.`,
      span: r.span,
    });
  }
  return out;
};
