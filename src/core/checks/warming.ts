/** `warming`: a resource Envoy has received but not yet put in service. A state, not an error. */
import type { DefKind } from '../model/types';
import type { Check, Diagnostic } from './types';

const WAITS_FOR: Partial<Record<DefKind, string>> = {
  listener: 'its route configurations and secrets',
  cluster: 'its endpoints and secrets',
  secret: 'the secret from its SDS server',
};

export const warming: Check = ({ analysis }) => {
  const out: Diagnostic[] = [];
  for (const d of analysis.defs) {
    const isWarming = d.state === 'warming' || (d.info.otherStates ?? []).includes('warming');
    if (!isWarming || !WAITS_FOR[d.kind]) continue;
    const label = d.kind === 'listener' ? 'Listener' : d.kind === 'cluster' ? 'Cluster' : 'Secret';
    const until = d.state === 'warming' ? 'it is not used until then' : 'the active version keeps serving until then';
    out.push({
      code: 'warming',
      severity: 'information',
      message: `${label} "${d.name}" is warming: Envoy is waiting for ${WAITS_FOR[d.kind]}, and ${until}.`,
      span: d.nameSpan,
    });
  }
  return out;
};
