/**
 * The one way a regex taken from a dump is run: RE2 semantics in linear time, through re2js (a pure-JS port of
 * RE2's Go/Java descendant), never as a JavaScript RegExp. Envoy compiles every `safe_regex` with Google's RE2, whose
 * matching time is linear in the input; a backtracking RegExp running `/(a+)+$` against a 30-character path took
 * seconds to minutes on the extension host (issue 8). Nothing here throws on a bad pattern: compiling returns the
 * reason, which the trace turns into a note and the `invalid-regex` check into a diagnostic.
 *
 * Where Envoy is concerned:
 * - `safe_regex` (RouteMatch, StringMatcher), `safe_regex_match` (HeaderMatcher) and `regex_rewrite.pattern` are
 *   `RegexMatcher`s: RE2 syntax, and an invalid one makes Envoy reject the resource that holds it.
 * - Matching is a full match (`RE2::FullMatch`): the whole path or value, not a part of it.
 * - `regex_rewrite` is `RE2::GlobalReplace`: every non-overlapping match, left to right, replaced by the
 *   substitution, in which `\0`–`\9` insert a capture group and `\\` a backslash.
 * - The deprecated v2 fields (`RouteMatch.regex`, `HeaderMatcher.regex_match`, the v2 StringMatcher's `regex`) were
 *   C++ `std::regex` with the ECMAScript grammar, not RE2: see compileLegacy.
 */
import { RE2JS } from 're2js';

/** A compiled RE2 pattern. */
export interface Re2 {
  readonly pattern: string;
  /** Number of capture groups. */
  readonly groups: number;
  /** Whether the pattern matches the whole input (Envoy's `RE2::FullMatch`). */
  fullMatch(input: string): boolean;
  /** Whether the pattern matches somewhere in the input. */
  search(input: string): boolean;
  /** `RE2::GlobalReplace(input, pattern, substitution)`, as Envoy's `regex_rewrite` runs it. */
  replaceAll(input: string, substitution: string): Replaced;
}

/** What a global replacement produced. */
export interface Replaced {
  result: string;
  /** How many matches were replaced (0: the input is returned unchanged). */
  count: number;
  /** Why the substitution could not be used as written (RE2 then leaves the input unchanged, or stops a rewrite). */
  problem?: string;
}

export type Compiled = { ok: true; re: Re2 } | { ok: false; error: string };

export interface CompileOptions {
  /** Case-insensitive matching, as a `(?i)` prefix would (Envoy itself sets no flag: the pattern says it). */
  ignoreCase?: boolean;
}

/** Compiled patterns by flags and text; cleared when full, so a dump with many distinct patterns stays bounded. */
const cache = new Map<string, Compiled>();
const CACHE_MAX = 4096;

/** Compiles an RE2 pattern; never throws. Each distinct pattern is compiled once (see the cache above). */
export function compileRe2(pattern: string, options: CompileOptions = {}): Compiled {
  const key = `${options.ignoreCase ? 'i' : '-'}${pattern}`;
  const hit = cache.get(key);
  if (hit) return hit;
  let out: Compiled;
  try {
    const p = RE2JS.compile(translateRe2(pattern), options.ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
    out = { ok: true, re: new Re2Pattern(pattern, p) };
  } catch (e) {
    out = { ok: false, error: describeError(e) };
  }
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(key, out);
  return out;
}

/**
 * Verdicts on patterns (pattern → the reason, '' when valid), per grammar, kept apart from compiled patterns: a string
 * each, so many more fit, and re-indexing a document as it is edited compiles nothing again.
 */
const re2Verdicts = new Map<string, string>();
const ecmaVerdicts = new Map<string, string>();
const VERDICTS_MAX = 65536;

function verdict(verdicts: Map<string, string>, pattern: string, judge: (pattern: string) => string | undefined): string | undefined {
  let v = verdicts.get(pattern);
  if (v === undefined) {
    v = judge(pattern) ?? '';
    if (verdicts.size >= VERDICTS_MAX) verdicts.clear();
    verdicts.set(pattern, v);
  }
  return v === '' ? undefined : v;
}

/**
 * Why Envoy rejects the `regex` of a RegexMatcher (undefined when it accepts it): RE2 does not compile it, or it is
 * empty (the field is validated to at least one byte).
 */
export function envoyRegexError(pattern: string): string | undefined {
  if (pattern === '') return 'the regex is empty (Envoy requires at least one character)';
  return verdict(re2Verdicts, pattern, judgeRe2);
}

function judgeRe2(pattern: string): string | undefined {
  const hit = cache.get(`-${pattern}`);
  if (hit) return hit.ok ? undefined : hit.error;
  // Judged without keeping the compiled pattern: a dump's every regex is judged, few are ever run.
  try {
    RE2JS.compile(translateRe2(pattern));
    return undefined;
  } catch (e) {
    return describeError(e);
  }
}

/** A deprecated v2 regex field, which Envoy ran with std::regex (ECMAScript grammar). */
export type LegacyCompiled =
  | { ok: true; re: Re2 }
  /** ecmaValid: the ECMAScript grammar accepts it (Envoy of that era did), only RE2 lacks its syntax. */
  | { ok: false; error: string; ecmaValid: boolean };

/**
 * Compiles a deprecated v2 `regex` / `regex_match` pattern. It runs with RE2 too, never backtracking: the two
 * grammars agree on what routes use (classes, groups, alternation, counted repetition, anchors). When RE2 rejects it,
 * `ecmaValid` says whether the ECMAScript grammar accepts it, which is checked by constructing a JavaScript RegExp
 * and never running it (constructing parses the pattern; only matching can backtrack).
 */
export function compileLegacy(pattern: string): LegacyCompiled {
  const c = compileRe2(pattern);
  if (c.ok) return c;
  return { ok: false, error: c.error, ecmaValid: ecmaScriptError(pattern) === undefined };
}

/** Why the ECMAScript grammar rejects a pattern (undefined when it accepts it); the pattern is never run. */
export function ecmaScriptError(pattern: string): string | undefined {
  return verdict(ecmaVerdicts, pattern, judgeEcma);
}

function judgeEcma(pattern: string): string | undefined {
  try {
    new RegExp(pattern);
    return undefined;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    // V8 says `Invalid regular expression: /PATTERN/: REASON`: keep the reason.
    const head = `Invalid regular expression: /${pattern}/: `;
    return msg.startsWith(head) ? msg.slice(head.length) : msg.replace(/^Invalid regular expression: /, '');
  }
}

class Re2Pattern implements Re2 {
  readonly groups: number;

  constructor(
    readonly pattern: string,
    private readonly p: RE2JS,
  ) {
    this.groups = p.groupCount();
  }

  fullMatch(input: string): boolean {
    return this.p.testExact(input);
  }

  search(input: string): boolean {
    return this.p.test(input);
  }

  replaceAll(input: string, substitution: string): Replaced {
    // RE2 refuses the whole replacement when the substitution names a group the pattern does not have.
    const max = maxGroupReferenced(substitution);
    if (max > this.groups) {
      return {
        result: input,
        count: 0,
        problem: `the substitution refers to group \\${max} but the pattern has ${this.groups === 0 ? 'no groups' : this.groups === 1 ? '1 group' : `${this.groups} groups`}`,
      };
    }
    const m = this.p.matcher(input);
    let out = '';
    let problem: string | undefined;
    let p = 0;
    let lastEnd = -1;
    let count = 0;
    while (p <= input.length) {
      if (!m.find(p)) break;
      const s = m.start();
      const e = m.end();
      if (p < s) out += input.slice(p, s);
      if (s === e && s === lastEnd) {
        // An empty match right where the previous match ended is skipped (RE2 and Go): copy one character on.
        const step = p + 1 < input.length && isHighSurrogate(input.charCodeAt(p)) && isLowSurrogate(input.charCodeAt(p + 1)) ? 2 : 1;
        out += input.slice(p, p + step);
        p += step;
        continue;
      }
      const r = rewrite(substitution, (n) => (n <= this.groups ? (m.group(n) ?? '') : ''));
      out += r.text;
      if (r.problem) problem ??= r.problem;
      p = e;
      lastEnd = e;
      count++;
    }
    if (count === 0) return { result: input, count: 0, ...(problem ? { problem } : {}) };
    if (p < input.length) out += input.slice(p);
    return { result: out, count, ...(problem ? { problem } : {}) };
  }
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function isLowSurrogate(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** The highest `\N` in a substitution (RE2's MaxSubmatch). */
function maxGroupReferenced(sub: string): number {
  let max = 0;
  for (let i = 0; i < sub.length; i++) {
    if (sub[i] !== '\\') continue;
    i++;
    const c = sub.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) max = Math.max(max, c - 0x30);
  }
  return max;
}

/** RE2::Rewrite: `\N` is group N, `\\` a backslash; any other escape stops the rewrite there (RE2 logs an error). */
function rewrite(sub: string, group: (n: number) => string): { text: string; problem?: string } {
  let text = '';
  for (let i = 0; i < sub.length; i++) {
    const ch = sub[i];
    if (ch !== '\\') {
      text += ch;
      continue;
    }
    i++;
    const c = sub.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) text += group(c - 0x30);
    else if (sub[i] === '\\') text += '\\';
    else {
      const what = i < sub.length ? `"\\${sub[i]}"` : 'a trailing "\\"';
      return { text, problem: `the substitution has ${what}, which RE2 does not accept (only \\0-\\9 and \\\\): the rewrite stops there` };
    }
  }
  return { text };
}

/**
 * Makes the few RE2 (C++) constructs re2js spells differently mean the same: `\C` (any byte) outside a character
 * class becomes "any character" (`(?s:.)`), the same for the ASCII paths and headers a dump matches.
 */
function translateRe2(pattern: string): string {
  if (!pattern.includes('\\C')) return pattern;
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\' && i + 1 < pattern.length) {
      const nx = pattern[i + 1];
      out += !inClass && nx === 'C' ? '(?s:.)' : ch + nx;
      i++;
      continue;
    }
    if (!inClass && ch === '[') {
      inClass = true;
      out += ch;
      // A `]` right after `[` or `[^` is a literal, not the end of the class.
      if (pattern[i + 1] === '^') out += pattern[++i];
      if (pattern[i + 1] === ']') out += pattern[++i];
      continue;
    }
    if (inClass && ch === '[' && pattern[i + 1] === ':') {
      const close = pattern.indexOf(':]', i + 2);
      if (close > 0) {
        out += pattern.slice(i, close + 2);
        i = close + 1;
        continue;
      }
    }
    if (inClass && ch === ']') inClass = false;
    out += ch;
  }
  return out;
}

/**
 * RE2's reason, without the library's prefix and with the quoted piece shortened (`missing closing ): "(ab"`), plus
 * what Perl-style syntax the piece is when RE2 lacks it by design.
 */
function describeError(e: unknown): string {
  let msg = (e instanceof Error ? e.message : String(e)).replace(/^error parsing regexp: /, '');
  let piece = '';
  const q = msg.indexOf(': `');
  if (q >= 0 && msg.endsWith('`')) {
    piece = msg.slice(q + 3, -1);
    msg = `${msg.slice(0, q)}: "${piece.length > 60 ? `${piece.slice(0, 60)}…` : piece}"`;
  }
  if (/^\(\?<?[=!]/.test(piece)) msg += '; RE2 has no lookahead or lookbehind';
  else if (/^\\[1-9]/.test(piece)) msg += '; RE2 has no backreferences';
  else if (/^\(\?>/.test(piece) || /^[*+?}][+]/.test(piece)) msg += '; RE2 has no atomic groups or possessive quantifiers';
  return msg;
}
