/**
 * `invalid-regex`: a regex Envoy cannot compile. Envoy compiles every RegexMatcher with RE2 when it loads a resource
 * and rejects the resource when one fails (or is empty): an RDS or CDS update is refused, a bootstrap does not start.
 * Deprecated v2 regex fields ran with std::regex (ECMAScript grammar): those are reported only when that grammar
 * rejects them too. Patterns are judged while indexing (model/regexSites.ts), so this check compiles nothing.
 */
import type { RegexField } from '../model/types';
import type { Check, Diagnostic } from './types';

const FIELD: Record<RegexField, string> = {
  safe_regex: 'safe_regex',
  safe_regex_match: 'safe_regex_match',
  regex_rewrite: 'regex_rewrite pattern',
  'match.regex': 'deprecated v2 route regex',
  regex_match: 'deprecated v2 regex_match',
  'string_match.regex': 'deprecated v2 string_match regex',
};

function quote(s: string): string {
  return JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s);
}

export const invalidRegex: Check = ({ analysis }) => {
  const out: Diagnostic[] = [];
  for (const r of analysis.regexes) {
    if (r.error === undefined) continue;
    const message =
      r.dialect === 're2'
        ? `The ${FIELD[r.field]} ${quote(r.pattern)} is not a valid RE2 regex (${r.error}); Envoy rejects the resource that holds it.`
        : `The ${FIELD[r.field]} ${quote(r.pattern)} is not valid in the ECMAScript grammar Envoy compiled it with (${r.error}); Envoy rejects the resource that holds it.`;
    out.push({ code: 'invalid-regex', severity: 'error', message, span: r.span });
  }
  return out;
};
