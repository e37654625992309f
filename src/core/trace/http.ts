/**
 * HTTP routing as Envoy documents it: a virtual host by the Host/:authority header (exact domains, then suffix
 * wildcards `*.x`, then prefix wildcards `x.*`, longest wildcard first, then `*`; case-insensitive), then the first
 * route of that virtual host, in order, whose path specifier, headers, query parameters and other conditions all match.
 *
 * Regexes run through ../regex.ts with RE2's syntax and semantics in linear time, as Envoy runs `safe_regex`: a full
 * match of the path (without the query string) or value. A pattern Envoy would reject never matches, and says why.
 */
import { compileLegacy, compileRe2, ecmaScriptError, envoyRegexError } from '../regex';
import { closest, commonPrefix } from './closest';
import { num, strs } from './filterChain';
import { isObj, type Obj } from './resources';
import { boolValue } from './values';

// ------------------------------------------------------------------ virtual hosts

/** How a virtual host was chosen. */
export interface VhostChoice {
  /** Index in `virtual_hosts`; undefined when none matches. */
  index?: number;
  /** The domain that matched, as written. */
  domain?: string;
  /** `exact domain`, `suffix wildcard`, `prefix wildcard` or `catch-all`. */
  how?: string;
  /** Nearest domains by edit distance, when none matched. */
  closest?: string[];
  /** Virtual hosts passed over because a more specific one matched (only those with a matching domain). */
  rejected: string[];
}

function vhName(vh: Obj, i: number): string {
  return typeof vh.name === 'string' ? vh.name : `#${i}`;
}

/** Picks the virtual host for a Host header (port included as sent, unless the caller stripped it). */
export function selectVirtualHost(vhosts: unknown[], hostHeader: string): VhostChoice {
  const host = hostHeader.toLowerCase();
  const exact: Array<{ i: number; d: string }> = [];
  const suffix: Array<{ i: number; d: string; key: string }> = [];
  const prefix: Array<{ i: number; d: string; key: string }> = [];
  const any: Array<{ i: number; d: string }> = [];
  vhosts.forEach((vh, i) => {
    if (!isObj(vh)) return;
    for (const d of strs(vh.domains)) {
      const dl = d.toLowerCase();
      if (dl === '*') any.push({ i, d });
      else if (dl.startsWith('*')) suffix.push({ i, d, key: dl.slice(1) });
      else if (dl.endsWith('*')) prefix.push({ i, d, key: dl.slice(0, -1) });
      else exact.push({ i, d });
    }
  });
  const e = exact.find((x) => x.d.toLowerCase() === host);
  const suffixHits = suffix.filter((x) => host.length > x.key.length && host.endsWith(x.key)).sort((a, b) => b.key.length - a.key.length);
  const prefixHits = prefix.filter((x) => host.length > x.key.length && host.startsWith(x.key)).sort((a, b) => b.key.length - a.key.length);
  // Every domain that matches, in Envoy's order of precedence: the first one wins.
  const hits: Array<{ i: number; d: string; how: string }> = [
    ...(e ? [{ ...e, how: 'exact domain' }] : []),
    ...suffixHits.map((x) => ({ ...x, how: suffixHits.length > 1 ? 'longest suffix wildcard' : 'suffix wildcard' })),
    ...prefixHits.map((x) => ({ ...x, how: prefixHits.length > 1 ? 'longest prefix wildcard' : 'prefix wildcard' })),
    ...any.map((x) => ({ ...x, how: 'catch-all' })),
  ];
  if (hits.length) {
    const w = hits[0];
    const rejected: string[] = [];
    const seen = new Set<number>([w.i]);
    for (const x of hits.slice(1)) {
      if (seen.has(x.i)) continue;
      seen.add(x.i);
      rejected.push(`${vhName(vhosts[x.i] as Obj, x.i)}: its domain "${x.d}" also matches, but "${w.d}" is more specific`);
    }
    return { index: w.i, domain: w.d, how: w.how, rejected };
  }
  const bare = host.replace(/:\d+$/, '');
  const names = [...exact, ...suffix, ...prefix].map((x) => x.d);
  const near = closest(bare, names.map((d) => d.replace(/:\d+$/, '')), 3);
  return { closest: near, rejected: [] };
}

/** Removes the port of a Host header (`h:80` → `h`, `[::1]:80` → `[::1]`); returns the port removed. */
export function splitHostPort(host: string): { host: string; port?: number } {
  const colon = host.lastIndexOf(':');
  if (colon < 0) return { host };
  const close = host.lastIndexOf(']');
  if (close > colon) return { host };
  const p = host.slice(colon + 1);
  if (!/^\d+$/.test(p)) return { host };
  return { host: host.slice(0, colon), port: Number(p) };
}

// ------------------------------------------------------------------ regexes and string matchers

/** What running a dump's regex found: whether it matched, a label for messages, and a note for the trace. */
export interface RegexRun {
  ok: boolean;
  /** `regex "v[0-9]+"`, with why it was not evaluated when it was not. */
  what: string;
  note?: string;
}

/** A pattern for messages: quoted, and shortened when long. */
function q(pattern: string): string {
  return JSON.stringify(pattern.length > 80 ? `${pattern.slice(0, 80)}…` : pattern);
}

/**
 * Full-matches a regex from the dump against a value, as Envoy does (`RE2::FullMatch`). `legacy`: a deprecated v2
 * field (`regex`, `regex_match`) that Envoy ran with std::regex's ECMAScript grammar; it runs with RE2 here too.
 */
export function runRegex(pattern: string, value: string, legacy = false): RegexRun {
  if (!legacy) {
    const c = compileRe2(pattern);
    const bad = envoyRegexError(pattern) ?? (c.ok ? undefined : c.error);
    if (bad !== undefined || !c.ok) {
      return {
        ok: false,
        what: `regex ${q(pattern)} (not valid RE2: ${bad})`,
        note: `The regex ${q(pattern)} is not valid RE2 (${bad}): Envoy rejects a configuration that holds it; the trace takes it as not matching.`,
      };
    }
    return { ok: c.re.fullMatch(value), what: `regex ${q(pattern)}` };
  }
  const c = compileLegacy(pattern);
  if (c.ok) {
    return {
      ok: c.re.fullMatch(value),
      what: `regex ${q(pattern)} (deprecated v2)`,
      note: `The deprecated v2 regex ${q(pattern)} ran in Envoy with std::regex (ECMAScript grammar); the trace runs it with RE2, which reads the common syntax the same way.`,
    };
  }
  if (c.ecmaValid) {
    return {
      ok: false,
      what: `regex ${q(pattern)} (deprecated v2, not evaluated)`,
      note: `The deprecated v2 regex ${q(pattern)} uses ECMAScript syntax RE2 lacks (${c.error}); the trace does not run it and takes it as not matching.`,
    };
  }
  return {
    ok: false,
    what: `regex ${q(pattern)} (not a valid regex)`,
    note: `The deprecated v2 regex ${q(pattern)} is not valid (${ecmaScriptError(pattern)}): Envoy rejects a configuration that holds it; the trace takes it as not matching.`,
  };
}

/** The regex of a RegexMatcher (`{regex}` or `{google_re2, regex}`) or a plain string. */
function regexOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (isObj(v) && typeof v.regex === 'string') return v.regex;
  return undefined;
}

/** Evaluates an envoy.type.matcher StringMatcher. */
export function stringMatch(m: Obj, value: string): { ok: boolean; what: string; note?: string } {
  const ic = m.ignore_case === true;
  const v = ic ? value.toLowerCase() : value;
  const norm = (s: unknown) => (ic ? String(s).toLowerCase() : String(s));
  if (typeof m.exact === 'string') return { ok: v === norm(m.exact), what: `exact "${m.exact}"` };
  if (typeof m.prefix === 'string') return { ok: v.startsWith(norm(m.prefix)), what: `prefix "${m.prefix}"` };
  if (typeof m.suffix === 'string') return { ok: v.endsWith(norm(m.suffix)), what: `suffix "${m.suffix}"` };
  if (typeof m.contains === 'string') return { ok: v.includes(norm(m.contains)), what: `contains "${m.contains}"` };
  // ignore_case has no effect on a regex (Envoy's StringMatcher): `(?i)` in the pattern says it.
  if (m.safe_regex !== undefined) return runRegex(regexOf(m.safe_regex) ?? '', value);
  if (typeof m.regex === 'string') return runRegex(m.regex, value, true);
  return { ok: false, what: 'an unsupported string matcher' };
}

// ------------------------------------------------------------------ header matchers

/** The request as route matching sees it. Header names are lower case; pseudo-headers (`:path`, …) included. */
export interface RouteRequest {
  /** :path with its query string. */
  path: string;
  method: string;
  headers: Map<string, string>;
  /** Query parameters, decoded; the first value of a repeated parameter. */
  query: Map<string, string>;
  /** Envoy's random value for the request (settles runtime fractions); unknown when absent. */
  randomValue?: number;
  /** Runtime values in percent, by key. */
  runtime?: Record<string, number>;
  /** Dynamic metadata by namespace; none when absent. */
  metadata?: Record<string, unknown>;
}

/** Evaluates one HeaderMatcher as Envoy does (a missing header fails every matcher except present_match). */
export function headerMatch(h: Obj, headers: Map<string, string>): { ok: boolean; why: string; note?: string } {
  const name = String(h.name ?? '').toLowerCase();
  const invert = h.invert_match === true;
  const missingAsEmpty = h.treat_missing_header_as_empty === true;
  const got = headers.get(name);
  const inv = invert ? ' (inverted)' : '';
  // What kind of matcher: an unset specifier means "present".
  let kind: 'present' | 'other' = 'other';
  let present = true;
  if (typeof h.present_match === 'boolean') {
    kind = 'present';
    present = h.present_match;
  } else if (
    h.exact_match === undefined && h.safe_regex_match === undefined && h.regex_match === undefined && h.range_match === undefined &&
    h.prefix_match === undefined && h.suffix_match === undefined && h.contains_match === undefined && h.string_match === undefined &&
    h.value === undefined
  ) {
    kind = 'present';
  }
  if (got === undefined && !missingAsEmpty) {
    const ok = kind === 'present' && (invert ? present : !present);
    return { ok, why: `header ${name} is absent${kind === 'present' ? ` (present_match ${present}${inv})` : ''}` };
  }
  const value = got ?? '';
  let match: boolean;
  let what: string;
  let note: string | undefined;
  if (kind === 'present') {
    match = present;
    what = `present_match ${present}`;
  } else if (typeof h.exact_match === 'string' || typeof h.value === 'string') {
    const want = String(h.exact_match ?? h.value);
    // An empty exact value matches any value (Envoy's HeaderMatchType::Value).
    match = want === '' || value === want;
    what = `exact "${want}"`;
  } else if (h.safe_regex_match !== undefined || typeof h.regex_match === 'string') {
    const r = h.safe_regex_match !== undefined ? runRegex(regexOf(h.safe_regex_match) ?? '', value) : runRegex(String(h.regex_match), value, true);
    match = r.ok;
    what = r.what;
    note = r.note;
  } else if (isObj(h.range_match)) {
    const start = num(h.range_match.start) ?? 0;
    const end = num(h.range_match.end) ?? 0;
    match = /^[-+]?\d+$/.test(value) && Number(value) >= start && Number(value) < end;
    what = `range [${start}, ${end})`;
  } else if (typeof h.prefix_match === 'string') {
    match = value.startsWith(h.prefix_match);
    what = `prefix "${h.prefix_match}"`;
  } else if (typeof h.suffix_match === 'string') {
    match = value.endsWith(h.suffix_match);
    what = `suffix "${h.suffix_match}"`;
  } else if (typeof h.contains_match === 'string') {
    match = value.includes(h.contains_match);
    what = `contains "${h.contains_match}"`;
  } else if (isObj(h.string_match)) {
    const r = stringMatch(h.string_match, value);
    match = r.ok;
    what = r.what;
    note = r.note;
  } else {
    match = false;
    what = 'an unsupported matcher';
  }
  const ok = match !== invert;
  return { ok, why: `header ${name}: ${what}${inv} ${ok ? 'matches' : 'does not match'} "${value}"`, ...(note ? { note } : {}) };
}

/** Evaluates one QueryParameterMatcher: a missing parameter never matches. */
export function queryMatch(qm: Obj, query: Map<string, string>): { ok: boolean; why: string; note?: string } {
  const name = String(qm.name ?? '');
  const got = query.get(name);
  if (got === undefined) return { ok: false, why: `query parameter ${name} is absent` };
  if (isObj(qm.string_match)) {
    const r = stringMatch(qm.string_match, got);
    return { ok: r.ok, why: `query parameter ${name}: ${r.what} ${r.ok ? 'matches' : 'does not match'} "${got}"`, ...(r.note ? { note: r.note } : {}) };
  }
  if (typeof qm.value === 'string') {
    // v2: `value` with `regex: true` was a regex (std::regex), otherwise exact.
    const isRe = boolValue(qm.regex) === true;
    const r = isRe ? runRegex(qm.value, got, true) : { ok: got === qm.value, what: `exact "${qm.value}"` };
    return { ok: r.ok, why: `query parameter ${name}: ${r.what} ${r.ok ? 'matches' : 'does not match'} "${got}"`, ...('note' in r && r.note ? { note: r.note } : {}) };
  }
  return { ok: true, why: `query parameter ${name} is present` };
}

// ------------------------------------------------------------------ routes

/** Whether a route's match takes a request, and why (not). */
export interface RouteMatchResult {
  ok: boolean;
  /** `prefix "/api"`, or why the match failed. */
  why: string;
  /** The path specifier alone matched (headers or other conditions may still have failed). */
  pathOk: boolean;
  /** How much of the path the specifier shares with the request path, for "closest". */
  closeness: number;
  /** Conditions taken as matching without being evaluated (filter state, TLS context). */
  assumed: string[];
  /** A runtime fraction between 0 % and 100 % that no random value settles: its share (`30%`). The route is not taken. */
  undecided?: string;
  /** What the trace should say about the regexes it ran (invalid for RE2, deprecated v2 grammar). */
  notes: string[];
}

function stripQuery(p: string): string {
  const q = p.search(/[?#]/);
  return q < 0 ? p : p.slice(0, q);
}

/** Evaluates a RouteMatch against a request. */
export function matchRoute(match: unknown, req: RouteRequest): RouteMatchResult {
  const m: Obj = isObj(match) ? match : {};
  const cs = boolValue(m.case_sensitive) ?? true;
  const fold = (s: string) => (cs ? s : s.toLowerCase());
  const isConnect = req.method.toUpperCase() === 'CONNECT';
  const noPath = stripQuery(req.path);
  const notes: string[] = [];
  const fail = (why: string, pathOk: boolean, closeness: number, assumed: string[] = []): RouteMatchResult => ({ ok: false, why, pathOk, closeness, assumed, notes });
  let pathOk = false;
  let why: string;
  let closeness = 0;
  const ci = cs ? '' : ' (case-insensitive)';
  if (typeof m.prefix === 'string') {
    pathOk = !isConnect && fold(req.path).startsWith(fold(m.prefix));
    why = `prefix "${m.prefix}"${ci}`;
    closeness = commonPrefix(fold(req.path), fold(m.prefix));
  } else if (typeof m.path === 'string') {
    pathOk = !isConnect && fold(noPath) === fold(m.path);
    why = `path "${m.path}"${ci}`;
    closeness = commonPrefix(fold(noPath), fold(m.path));
  } else if (m.safe_regex !== undefined || typeof m.regex === 'string') {
    // case_sensitive does not apply to a regex (Envoy's RouteMatch): `(?i)` in the pattern says it.
    const r = m.safe_regex !== undefined ? runRegex(regexOf(m.safe_regex) ?? '', noPath) : runRegex(String(m.regex), noPath, true);
    if (r.note) notes.push(r.note);
    pathOk = !isConnect && r.ok;
    why = r.what;
  } else if (typeof m.path_separated_prefix === 'string') {
    const p = fold(m.path_separated_prefix);
    const np = fold(noPath);
    pathOk = !isConnect && (np === p || np.startsWith(`${p}/`));
    why = `path_separated_prefix "${m.path_separated_prefix}"${ci}`;
    closeness = commonPrefix(np, p);
  } else if (m.connect_matcher !== undefined) {
    pathOk = isConnect;
    why = 'CONNECT requests';
  } else if (m.path_match_policy !== undefined) {
    return fail('path_match_policy (URI template) is not evaluated by the trace', false, 0);
  } else {
    return fail('no path specifier', false, 0);
  }
  if (!pathOk) {
    const reason = isConnect && m.connect_matcher === undefined ? `${why}: a CONNECT request only matches connect_matcher routes` : `${why} does not match ${noPath}`;
    return fail(reason, pathOk, closeness);
  }
  const assumed: string[] = [];
  for (const h of Array.isArray(m.headers) ? m.headers : []) {
    if (!isObj(h)) continue;
    const r = headerMatch(h, req.headers);
    if (r.note) notes.push(r.note);
    if (!r.ok) return fail(`${why} matches, but ${r.why}`, pathOk, closeness, assumed);
  }
  for (const qm of Array.isArray(m.query_parameters) ? m.query_parameters : []) {
    if (!isObj(qm)) continue;
    const r = queryMatch(qm, req.query);
    if (r.note) notes.push(r.note);
    if (!r.ok) return fail(`${why} matches, but ${r.why}`, pathOk, closeness, assumed);
  }
  if (m.grpc !== undefined) {
    // Envoy's gRPC check: content-type application/grpc, or application/grpc+… / application/grpc;….
    const ct = (req.headers.get('content-type') ?? '').toLowerCase();
    if (!(ct === 'application/grpc' || (ct.startsWith('application/grpc') && (ct[16] === '+' || ct[16] === ';')))) {
      return fail(`${why} matches, but the route takes gRPC requests only (content-type application/grpc)`, pathOk, closeness, assumed);
    }
  }
  for (const dm of Array.isArray(m.dynamic_metadata) ? m.dynamic_metadata : []) {
    if (!isObj(dm)) continue;
    const r = metadataMatch(dm, req.metadata);
    if (!r.ok) return fail(`${why} matches, but ${r.why}`, pathOk, closeness, assumed);
  }
  if (isObj(m.runtime_fraction)) {
    const r = runtimeFraction(m.runtime_fraction, req);
    if (!r.ok) return { ...fail(`${why} matches, but ${r.why}`, pathOk, closeness, assumed), ...(r.undecided ? { undecided: r.undecided } : {}) };
    why += ` (${r.why})`;
  }
  if (m.tls_context !== undefined) assumed.push('tls_context');
  if (m.filter_state !== undefined) assumed.push('filter_state');
  return { ok: true, why, pathOk, closeness, assumed, notes };
}

const DENOMINATOR: Record<string, number> = { HUNDRED: 100, TEN_THOUSAND: 10_000, MILLION: 1_000_000 };

/** `30%`, `0.5%`: a share of requests as a percentage. */
function share(numerator: number, denominator: number): string {
  return `${Math.round((numerator / denominator) * 100 * 10_000) / 10_000}%`;
}

/**
 * A `runtime_fraction` (RuntimeFractionalPercent) as Envoy evaluates it: the runtime value of its key (a percentage)
 * when one is given, else the default share; matching when `random % denominator < numerator`. Without a random
 * value, 0 % never matches, 100 % always does, and any share in between is left undecided (not taken).
 */
export function runtimeFraction(rf: Obj, req: Pick<RouteRequest, 'randomValue' | 'runtime'>): { ok: boolean; why: string; undecided?: string } {
  const key = typeof rf.runtime_key === 'string' ? rf.runtime_key : '';
  const dv = isObj(rf.default_value) ? rf.default_value : {};
  let numerator = num(dv.numerator) ?? 0;
  let denominator = DENOMINATOR[typeof dv.denominator === 'string' ? dv.denominator : 'HUNDRED'] ?? 100;
  let from = 'default';
  if (key && req.runtime && Object.prototype.hasOwnProperty.call(req.runtime, key)) {
    numerator = req.runtime[key];
    denominator = 100;
    from = 'runtime';
  }
  const what = `runtime_fraction "${key}" ${share(numerator, denominator)} (${from})`;
  if (numerator <= 0) return { ok: false, why: `${what} never matches` };
  if (numerator >= denominator) return { ok: true, why: `${what} always matches` };
  if (req.randomValue !== undefined) {
    const at = req.randomValue % denominator;
    const ok = at < numerator;
    return { ok, why: `${what}: random value ${req.randomValue} → ${at} ${ok ? '<' : '≥'} ${numerator} of ${denominator}` };
  }
  return { ok: false, why: `${what} takes that share of requests; the trace follows the others`, undecided: share(numerator, denominator) };
}

/** Evaluates a ValueMatcher on a metadata value (`undefined` when the path leads nowhere). */
export function valueMatch(vm: unknown, v: unknown): boolean {
  if (!isObj(vm)) return false;
  if (vm.null_match !== undefined) return v === undefined || v === null;
  if (isObj(vm.double_match)) {
    if (typeof v !== 'number') return false;
    const d = vm.double_match;
    if (typeof d.exact === 'number') return v === d.exact;
    if (isObj(d.range)) return v >= (num(d.range.start) ?? -Infinity) && v < (num(d.range.end) ?? Infinity);
    return false;
  }
  if (isObj(vm.string_match)) return typeof v === 'string' && stringMatch(vm.string_match, v).ok;
  if (typeof vm.bool_match === 'boolean') return v === vm.bool_match;
  if (vm.present_match !== undefined) {
    const present = v !== undefined && v !== null && typeof v !== 'object';
    return vm.present_match === true ? present : !present;
  }
  if (isObj(vm.list_match)) return Array.isArray(v) && v.some((x) => valueMatch((vm.list_match as Obj).one_of, x));
  if (isObj(vm.or_match)) return Array.isArray(vm.or_match.value_matchers) && vm.or_match.value_matchers.some((x) => valueMatch(x, v));
  return false;
}

/**
 * A `dynamic_metadata` MetadataMatcher: the value at `filter` / `path` of the request's dynamic metadata, matched by
 * `value`, inverted by `invert`. A request without that metadata has no value there, which only `null_match` (or
 * an inverted matcher) takes.
 */
export function metadataMatch(mm: Obj, metadata: Record<string, unknown> | undefined): { ok: boolean; why: string } {
  const filter = typeof mm.filter === 'string' ? mm.filter : '';
  const keys = (Array.isArray(mm.path) ? mm.path : []).map((p) => (isObj(p) && typeof p.key === 'string' ? p.key : ''));
  let v: unknown = metadata && Object.prototype.hasOwnProperty.call(metadata, filter) ? metadata[filter] : undefined;
  for (const k of keys) v = isObj(v) && Object.prototype.hasOwnProperty.call(v, k) ? v[k] : undefined;
  const invert = mm.invert === true;
  const ok = valueMatch(mm.value, v) !== invert;
  const at = [filter, ...keys].join('.');
  const got = v === undefined ? 'absent' : JSON.stringify(v);
  return { ok, why: `dynamic metadata ${at}${invert ? ' (inverted)' : ''} ${ok ? 'matches' : 'does not match'} (${got}${metadata === undefined ? '; pass --metadata NAMESPACE=JSON' : ''})` };
}

/**
 * The virtual cluster of a virtual host a request falls in: the first whose header matchers (or v2 `pattern` and
 * `method`) all match; `other` when the virtual host has virtual clusters and none matches; `""` when it has none.
 */
export function virtualClusterOf(vh: Obj, req: RouteRequest): string {
  const vcs = (Array.isArray(vh.virtual_clusters) ? vh.virtual_clusters : []).filter(isObj);
  if (!vcs.length) return '';
  for (const vc of vcs) {
    let ok = true;
    for (const h of Array.isArray(vc.headers) ? vc.headers : []) if (isObj(h) && !headerMatch(h, req.headers).ok) ok = false;
    const pattern = typeof vc.pattern === 'string' ? vc.pattern : undefined;
    if (ok && pattern !== undefined) ok = runRegex(pattern, req.path, true).ok;
    if (ok && typeof vc.method === 'string') ok = vc.method.toUpperCase() === req.method.toUpperCase();
    if (ok) return typeof vc.name === 'string' ? vc.name : '';
  }
  return 'other';
}

/**
 * A `regex_rewrite` (RegexMatchAndSubstitute) applied to a path as Envoy does: `RE2::GlobalReplace` on the path
 * without its query string, which is kept. Undefined when `rr` is not a RegexMatchAndSubstitute.
 */
export function regexRewrite(rr: unknown, path: string): { path: string; what: string; note?: string } | undefined {
  if (!isObj(rr)) return undefined;
  const pattern = regexOf(rr.pattern) ?? '';
  const substitution = typeof rr.substitution === 'string' ? rr.substitution : '';
  const cut = path.search(/[?#]/);
  const bare = cut < 0 ? path : path.slice(0, cut);
  const rest = cut < 0 ? '' : path.slice(cut);
  const c = compileRe2(pattern);
  const bad = envoyRegexError(pattern) ?? (c.ok ? undefined : c.error);
  if (bad !== undefined || !c.ok) {
    return {
      path,
      what: `regex_rewrite ${q(pattern)} is not valid RE2`,
      note: `The regex_rewrite pattern ${q(pattern)} is not valid RE2 (${bad}): Envoy rejects a configuration that holds it; the trace leaves the path as it is.`,
    };
  }
  const r = c.re.replaceAll(bare, substitution);
  const what = r.count === 0 ? `regex_rewrite ${q(pattern)} does not match, path kept` : `regex_rewrite ${q(pattern)} → ${JSON.stringify(substitution)} gives ${r.result}${rest}`;
  return { path: r.result + rest, what, ...(r.problem ? { note: `regex_rewrite ${q(pattern)}: ${r.problem}.` } : {}) };
}

/** Parses the query string of a path into decoded parameters (first value wins). */
export function parseQuery(path: string): Map<string, string> {
  const out = new Map<string, string>();
  const q = path.indexOf('?');
  if (q < 0) return out;
  const hash = path.indexOf('#', q);
  for (const part of path.slice(q + 1, hash < 0 ? undefined : hash).split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const k = decode(eq < 0 ? part : part.slice(0, eq));
    const v = eq < 0 ? '' : decode(part.slice(eq + 1));
    if (!out.has(k)) out.set(k, v);
  }
  return out;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** RFC 3986 dot-segment removal and, optionally, merged slashes (HCM `normalize_path`, `merge_slashes`). */
export function normalizePath(path: string, mergeSlashes: boolean): string {
  const q = path.search(/[?#]/);
  let p = q < 0 ? path : path.slice(0, q);
  const rest = q < 0 ? '' : path.slice(q);
  if (mergeSlashes) p = p.replace(/\/{2,}/g, '/');
  const out: string[] = [];
  const segs = p.split('/');
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i];
    if (s === '.') {
      if (i === segs.length - 1) out.push('');
      continue;
    }
    if (s === '..') {
      if (out.length > 1) out.pop();
      if (i === segs.length - 1) out.push('');
      continue;
    }
    out.push(s);
  }
  let r = out.join('/');
  if (!r.startsWith('/')) r = `/${r}`;
  return r + rest;
}
