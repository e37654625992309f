/**
 * `listener-error`: a listener Envoy rejected (error_state), with Envoy's own details. A listener listed in several
 * error entries with the same details (real Istio dumps do this, issue 8) is one finding, with the other entries as
 * related information.
 */
import type { Check, Diagnostic } from './types';

export const listenerError: Check = ({ uri, analysis: a }) => {
  // Names Envoy still serves in some version (an active or static entry besides the rejected one).
  const serving = new Set<string>();
  for (const d of a.defs) if (d.kind === 'listener' && (d.state === 'active' || d.state === 'static')) serving.add(d.name);
  const groups = new Map<string, number[]>();
  a.defs.forEach((d, i) => {
    if (d.kind !== 'listener' || d.info.errorDetails === undefined) return;
    const k = `${d.group}\u0000${d.name}\u0000${d.info.errorDetails}`;
    const list = groups.get(k);
    if (list) list.push(i);
    else groups.set(k, [i]);
  });
  const out: Diagnostic[] = [];
  for (const list of groups.values()) {
    const d = a.defs[list[0]];
    const notServing = list.every((i) => a.defs[i].state === 'error') && !serving.has(d.name);
    const diag: Diagnostic = {
      code: 'listener-error',
      severity: 'error',
      message: `Envoy rejected listener "${d.name}"${notServing ? ' and is not serving it' : ' (it keeps serving the previous version)'}: ${d.info.errorDetails}`,
      span: d.nameSpan,
    };
    if (list.length > 1) {
      diag.related = list.slice(1).map((i) => ({ uri, span: a.defs[i].nameSpan, message: `Another error entry of listener "${d.name}"` }));
    }
    out.push(diag);
  }
  return out;
};
