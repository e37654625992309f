/** `parse-error` and `not-envoy`: problems with the file itself. */
import type { Check, Diagnostic } from './types';

export const parseErrors: Check = ({ analysis }) =>
  analysis.problems.map<Diagnostic>((p) => ({
    code: p.code,
    severity: p.code === 'parse-error' ? 'error' : 'warning',
    message: p.message,
    span: p.span,
  }));
