/**
 * `duplicate-name`: two resources of one kind with one name in one file. Envoy rejects such a configuration (a
 * bootstrap fails to load, an xDS update is refused), so at most one of them is in effect. A listener or cluster that
 * is active and warming an update at once is normal and not a duplicate; nor is the bootstrap's copy of a static
 * resource inside a full dump. Virtual hosts are compared within their route configuration, route configurations only
 * among RDS ones, secrets only among static ones.
 *
 * Listeners are compared only among their live (static and active) entries: the warming, draining and error entries
 * of a name are states of that one listener. Envoy lists several draining copies of a listener while they drain, and
 * real Istio dumps list one rejected listener in two error_state entries, one of which names it only inside
 * `failed_configuration` (issue 8).
 */
import { KIND_LABEL } from '../describe';
import type { DefKind, DefState } from '../model/types';
import type { Check, Diagnostic } from './types';

const CHECKED = new Set<DefKind>(['listener', 'cluster', 'routeConfig', 'virtualHost', 'secret', 'endpoints', 'ecdsFilter', 'scopedRoute']);

function stateClass(s: DefState): string {
  return s === 'static' || s === 'active' ? 'live' : s;
}

export const duplicateName: Check = ({ uri, analysis: a }) => {
  // kind → scope → name → indices, with the groups listed in the order they were first seen. Nested maps, not one
  // map keyed by `kind + scope + name`: that built a string per definition (tens of thousands in a large dump).
  const byKind = new Map<DefKind, Map<string | number, Map<string, number[]>>>();
  const groups: number[][] = [];
  a.defs.forEach((d, i) => {
    if (!CHECKED.has(d.kind) || d.group !== 'main' || d.name.startsWith('(unnamed')) return;
    // Route configuration names are unique only among RDS ones: inline configurations (and their copies that
    // Envoy lists under static_route_configs) may share a name, as Istio's per-chain `inbound|9080||` ones do.
    if (d.kind === 'routeConfig' && d.section !== 'dynamic_route_configs') return;
    // SDS secrets are keyed by name and config source: one name fetched from two sources is listed twice.
    if (d.kind === 'secret' && d.state !== 'static') return;
    if (d.kind === 'listener' && stateClass(d.state) !== 'live') return;
    const scope = d.kind === 'virtualHost' ? d.parent : stateClass(d.state);
    let byScope = byKind.get(d.kind);
    if (!byScope) byKind.set(d.kind, (byScope = new Map()));
    let byName = byScope.get(scope);
    if (!byName) byScope.set(scope, (byName = new Map()));
    const list = byName.get(d.name);
    if (list) list.push(i);
    else {
      const created = [i];
      byName.set(d.name, created);
      groups.push(created);
    }
  });
  const out: Diagnostic[] = [];
  for (const list of groups) {
    if (list.length < 2) continue;
    for (const i of list) {
      const d = a.defs[i];
      const where = d.kind === 'virtualHost' ? `route configuration "${a.defs[d.parent]?.name ?? ''}"` : 'this file';
      out.push({
        code: 'duplicate-name',
        severity: 'error',
        message: `${KIND_LABEL[d.kind]} "${d.name}" is defined ${list.length} times in ${where}; Envoy rejects a configuration with duplicate names, so only one can be in effect.`,
        span: d.nameSpan,
        related: list
          .filter((j) => j !== i)
          .map((j) => ({ uri, span: a.defs[j].nameSpan, message: `Other definition of "${d.name}"` })),
      });
    }
  }
  return out;
};
