/** `listener-error`: a listener Envoy rejected (error_state), with Envoy's own details. */
import type { Check } from './types';

export const listenerError: Check = ({ analysis }) =>
  analysis.defs
    .filter((d) => d.kind === 'listener' && d.info.errorDetails !== undefined)
    .map((d) => ({
      code: 'listener-error' as const,
      severity: 'error' as const,
      message: `Envoy rejected listener "${d.name}"${d.state === 'error' ? ' and is not serving it' : ' (it keeps serving the previous version)'}: ${d.info.errorDetails}`,
      span: d.nameSpan,
    }));
