/**
 * Every regex written in a dump, found in one flat pass over the tape (no recursion: the tape is pre-order, so a
 * stack of the open containers gives each node its parent and grandparent, and nesting depth costs nothing).
 *
 * RE2 (a RegexMatcher's `regex`): under `safe_regex` (RouteMatch, StringMatcher, so also header and query parameter
 * `string_match`es, CORS origins, RBAC…), `safe_regex_match` (HeaderMatcher) and `regex_rewrite.pattern`
 * (RouteAction, RedirectAction, hash policies). Deprecated v2 fields that Envoy ran with std::regex (ECMAScript
 * grammar): RouteMatch `regex`, HeaderMatcher `regex_match`, a `string_match`'s `regex`. Other `regex` strings
 * (stats tag specifiers, extension configs) have their own grammars and are left alone.
 */
import { CancellationError } from '../cancel';
import { K } from '../parse/keys';
import { KIND_ARRAY, KIND_OBJECT, KIND_STRING, type Tape } from '../parse/tape';
import { ecmaScriptError, envoyRegexError } from '../regex';
import type { RegexField, RegexSite, Span } from './types';

/**
 * Collects the regex sites of a tape. `span` makes each span (the caller keeps them so offsets can be converted
 * with its other spans).
 */
export function regexSites(t: Tape, span: (start: number, end: number) => Span = (start, end) => ({ start, end })): RegexSite[] {
  const out: RegexSite[] = [];
  const { kind, keyId, next } = t;
  // Open containers enclosing node i, outermost first.
  let stack = new Int32Array(64);
  let top = 0;
  for (let i = 0; i < t.length; i++) {
    while (top > 0 && next[stack[top - 1]] <= i) top--;
    const k = kind[i];
    if (k === KIND_STRING) {
      const key = keyId[i];
      if (key !== K.regex && key !== K.regex_match) continue;
      const parent = top > 0 ? stack[top - 1] : -1;
      if (parent < 0 || kind[parent] !== KIND_OBJECT) continue;
      let field: RegexField | undefined;
      if (key === K.regex_match) field = 'regex_match';
      else {
        const pk = keyId[parent];
        if (pk === K.safe_regex) field = 'safe_regex';
        else if (pk === K.safe_regex_match) field = 'safe_regex_match';
        else if (pk === K.pattern && top > 1 && keyId[stack[top - 2]] === K.regex_rewrite) field = 'regex_rewrite';
        else if (pk === K.match) field = 'match.regex';
        else if (pk === K.string_match) field = 'string_match.regex';
      }
      if (field === undefined) continue;
      const legacy = field === 'match.regex' || field === 'regex_match' || field === 'string_match.regex';
      out.push({ pattern: t.str(i), span: span(t.start[i], t.end[i]), field, dialect: legacy ? 'ecmascript' : 're2' });
    } else if ((k === KIND_OBJECT || k === KIND_ARRAY) && next[i] > i + 1) {
      if (top === stack.length) {
        const grown = new Int32Array(stack.length * 2);
        grown.set(stack);
        stack = grown;
      }
      stack[top++] = i;
    }
  }
  return out;
}

/**
 * Sets `error` on each site Envoy rejects: RE2 for RegexMatchers, the ECMAScript grammar for deprecated v2 fields
 * (reported only when that grammar rejects them too). Done while indexing, so large documents pay for it in the
 * index worker and checking stays a filter; each distinct pattern is compiled once (regex.ts keeps the verdicts).
 */
export function judgeRegexes(sites: RegexSite[], isCancelled?: () => boolean): void {
  for (let i = 0; i < sites.length; i++) {
    if (isCancelled && (i & 0xff) === 0xff && isCancelled()) {
      throw new CancellationError('Indexing was cancelled.');
    }
    const r = sites[i];
    const error = r.dialect === 're2' ? envoyRegexError(r.pattern) : ecmaScriptError(r.pattern);
    if (error !== undefined) r.error = error;
  }
}
