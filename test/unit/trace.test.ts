/**
 * "Where does this request go?": the matching rules as Envoy documents them (virtual host domain search order, route
 * first-match order and matchers, FilterChainMatch order, listener lookup by original destination, panic threshold),
 * each checked on a JSON fixture and its YAML twin; then golden traces over the fixtures and real corpus dumps.
 * Expectations come from the documentation, not from the engine's output: the goldens are reviewed text.
 * `UPDATE_GOLDEN=1` rewrites test/golden/trace/*.txt.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { runTrace } from '../../src/cli/trace';
import { analyze, Workspace, type Analysis } from '../../src/core/facade';
import { snakeKey } from '../../src/core/trace/resources';
import {
  headerMatch,
  matchRoute,
  normalizePath,
  parseTarget,
  runRegex,
  selectFilterChain,
  selectVirtualHost,
  traceRequest,
  type TargetOptions,
  type Trace,
  type TraceRequest,
} from '../../src/core/trace';
import { CORPUS } from './corpusDumps';

const ROOT = path.join(__dirname, '..', '..', '..');
const FIX = path.join(ROOT, 'test', 'fixtures');
const GOLDEN = path.join(ROOT, 'test', 'golden', 'trace');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

const analyses = new Map<string, { a: Analysis; bytes: Buffer }>();
function loadFile(file: string): { a: Analysis; bytes: Buffer } {
  let x = analyses.get(file);
  if (!x) {
    const bytes = readFileSync(file);
    const yaml = /\.ya?ml$/.test(file);
    x = { a: analyze(file, bytes, { languageId: yaml ? 'yaml' : 'json' }), bytes };
    analyses.set(file, x);
  }
  return x;
}

/** Traces `req` through the first file; the others resolve what it lacks. */
function traceFiles(files: string[], req: TraceRequest): Trace {
  const ws = new Workspace();
  for (const f of files) ws.set(loadFile(f).a);
  return traceRequest(ws, files[0], loadFile(files[0]).bytes, req, { sourceOf: (u) => (analyses.has(u) ? loadFile(u).bytes : undefined) });
}

function trace(file: string, to: string, opts: TargetOptions = {}, extra: Partial<TraceRequest> = {}): Trace {
  return traceFiles([path.join(FIX, file)], { ...parseTarget(to, opts), ...extra });
}

const hopNames = (t: Trace, kind: string) => t.hops.filter((h) => h.kind === kind).map((h) => h.name);
const vhostOf = (t: Trace) => hopNames(t, 'virtualHost')[0];
const routeOf = (t: Trace) => hopNames(t, 'route')[0];
const chainOf = (t: Trace) => hopNames(t, 'filterChain')[0];

for (const ext of ['json', 'yaml']) {
  describe(`virtual host selection (trace-domains.${ext})`, () => {
    const f = `trace-domains.${ext}`;
    const vh = (host: string, port = 8080) => vhostOf(trace(f, `http://x:${port}/`, { headers: { host } }));

    it('an exact domain beats suffix and prefix wildcards and "*"', () => {
      assert.equal(vh('www.example.com'), 'exact');
    });
    it('matches domains case-insensitively', () => {
      assert.equal(vh('WWW.Example.COM'), 'exact');
    });
    it('takes the longest suffix wildcard', () => {
      assert.equal(vh('a.api.example.com'), 'suffix-long');
      assert.equal(vh('x.example.com'), 'suffix-short');
    });
    it('takes suffix wildcards before prefix wildcards', () => {
      // foo.example.com matches "*.example.com" and "foo.*".
      assert.equal(vh('foo.example.com'), 'suffix-short');
    });
    it('takes the longest prefix wildcard', () => {
      assert.equal(vh('foo.bar.baz'), 'prefix-long');
      assert.equal(vh('foo.qux'), 'prefix-short');
    });
    it('never lets a wildcard match the empty string', () => {
      assert.equal(vh('baz-bar.foo.com'), 'suffix-dash');
      assert.equal(vh('-bar.foo.com'), 'any');
      assert.equal(vh('example.com'), 'any');
    });
    it('matches the Host header with its port as written', () => {
      assert.equal(vh('api.example.com:8080'), 'exact');
      assert.equal(vh('api.example.com'), 'suffix-short');
      assert.equal(vh('unknown.org'), 'any');
    });
    it('strips the port first with strip_any_host_port or ignore_port_in_host_matching', () => {
      assert.equal(vh('svc.local:7070', 7070), 'svc');
      assert.equal(vh('svc.local:7071', 7071), 'svc');
    });
    it('answers 404 NR when no virtual host matches, naming the closest domain', () => {
      const t = trace(f, 'http://ratingz:9090/');
      assert.equal(t.outcome.ok, false);
      assert.equal(t.outcome.code, 'route_not_found');
      assert.equal(t.outcome.status, 404);
      assert.equal(t.outcome.flag, 'NR');
      assert.deepEqual(t.outcome.closest, ['ratings']);
      assert.match(t.outcome.message, /^404 NR route_not_found: no virtual host of route configuration "no-catch-all" matches ratingz:9090; closest: ratings$/);
      assert.equal(vh('ratings:9090', 9090), 'ratings');
    });
  });

  describe(`route matching (trace-routes.${ext})`, () => {
    const f = `trace-routes.${ext}`;
    const route = (p: string, headers: Record<string, string> = {}, method?: string) =>
      routeOf(trace(f, `http://x:8080${p}`, { headers, method }));

    it('takes the first route that matches, in order, not the longest', () => {
      assert.equal(route('/never'), 'first-wins');
    });
    it('matches `path` exactly, ignoring the query string', () => {
      assert.equal(route('/exact'), 'exact-path');
      assert.equal(route('/exact?y=1'), 'exact-path');
      assert.equal(route('/exact/'), 'first-wins');
    });
    it('is case sensitive by default; case_sensitive: false folds case', () => {
      assert.equal(route('/ci/a'), 'ci-prefix');
      assert.equal(route('/CI/a'), 'ci-prefix');
      assert.equal(route('/Cs/a'), 'cs-prefix');
      assert.equal(route('/cs/a'), 'first-wins');
    });
    it('requires every header matcher: exact string_match', () => {
      assert.equal(route('/h', { 'x-user': 'jason' }), 'header-exact');
      assert.equal(route('/h', { 'X-User': 'jason' }), 'header-exact'); // header names are case-insensitive
    });
    it('inverts a matcher with invert_match, but a missing header still fails it', () => {
      assert.equal(route('/h', { 'x-env': 'dev', 'x-debug': '1' }), 'header-invert');
      assert.equal(route('/h', { 'x-env': 'prod', 'x-debug': '1' }), 'first-wins');
      assert.equal(route('/h', { 'x-debug': '1' }), 'first-wins');
    });
    it('present_match: false matches when the header is absent', () => {
      assert.equal(route('/h'), 'header-absent');
    });
    it('matches safe_regex_match against the whole value', () => {
      assert.equal(route('/r', { 'x-ver': 'v12' }), 'header-regex');
      assert.equal(route('/r', { 'x-ver': 'v1x' }), 'first-wins');
    });
    it('treats range_match as the half-open interval [start, end) of integers', () => {
      assert.equal(route('/range', { 'x-n': '9' }), 'header-range');
      assert.equal(route('/range', { 'x-n': '10' }), 'first-wins');
      assert.equal(route('/range', { 'x-n': 'nine' }), 'first-wins');
    });
    it('honours ignore_case in a header string_match', () => {
      assert.equal(route('/ci-header', { 'x-team': 'OPS-east' }), 'header-ci');
    });
    it('matches query parameters (decoded; a missing one never matches)', () => {
      assert.equal(route('/q?debug=1'), 'query');
      assert.equal(route('/q?a=b&debug=%31'), 'query');
      assert.equal(route('/q?debug=2'), 'first-wins');
      assert.equal(route('/q?trace'), 'query-present');
      assert.equal(route('/q'), 'first-wins');
    });
    it('matches safe_regex against the whole path without the query string', () => {
      assert.equal(route('/items/12'), 'regex');
      assert.equal(route('/items/12?x=1'), 'regex');
      assert.equal(route('/items/12/x'), 'first-wins');
    });
    it('path_separated_prefix matches the prefix itself or the prefix followed by /', () => {
      assert.equal(route('/api'), 'path-separated');
      assert.equal(route('/api/v1'), 'path-separated');
      assert.equal(route('/apix'), 'first-wins');
    });
    it('connect_matcher takes CONNECT requests only, which path routes do not take', () => {
      assert.equal(route('/x', {}, 'CONNECT'), 'connect');
      assert.equal(route('/x', {}, 'GET'), 'first-wins');
    });
    it('answers 404 NR when no route of the virtual host matches, naming the closest route', () => {
      const t = trace(f, 'http://strict:8080/admin');
      assert.equal(vhostOf(t), 'all'); // "strict" does not match Host "strict:8080"
      const n = trace(f, 'http://x:8080/admin', { headers: { host: 'strict' } });
      assert.equal(vhostOf(n), 'strict');
      assert.equal(n.outcome.code, 'route_not_found');
      assert.equal(n.outcome.status, 404);
      assert.match(n.outcome.message, /no route of virtual host "strict" matches GET \/admin/);
      assert.match(n.outcome.closest![0], /"only-admin": prefix "\/admin" matches, but header x-admin is absent/);
      assert.equal(routeOf(trace(f, 'http://x:8080/admin', { headers: { host: 'strict', 'x-admin': '' } })), 'only-admin');
    });
    it('says what each earlier route was passed over for', () => {
      const t = trace(f, 'http://x:8080/items/3');
      const hop = t.hops.find((h) => h.kind === 'route')!;
      assert.equal(hop.rejected!.length, 11);
      assert.match(hop.rejected![0], /"exact-path": path "\/exact" does not match \/items\/3/);
      assert.ok(!t.notes.some((n) => /RegExp|regex/i.test(n))); // valid RE2 regexes need no note
    });
  });

  describe(`regexes run as RE2 in linear time (trace-regex.${ext})`, () => {
    const f = `trace-regex.${ext}`;
    const go = (p: string, headers: Record<string, string> = {}) => trace(f, `http://x:8080${p}`, { headers });
    const route = (p: string, headers: Record<string, string> = {}) => routeOf(go(p, headers));
    const routeHop = (t: Trace) => t.hops.find((h) => h.kind === 'route')!;

    // `/(a+)+$` backtracks exponentially in a JavaScript RegExp (a 30-character path took 19 s, 32 characters 79 s);
    // RE2 answers in linear time. The timeout only turns a hang into a failure: the assertions are on the answers.
    it('answers `/(a+)+$` on a 30-character path', { timeout: 30_000 }, () => {
      assert.equal(route(`/${'a'.repeat(29)}`), 'catastrophic');
      assert.equal(route(`/${'a'.repeat(28)}!`), 'rest');
    });
    it('answers `/(a+)+$` on a 5,000-character path', { timeout: 30_000 }, () => {
      assert.equal(route(`/${'a'.repeat(4999)}`), 'catastrophic');
      assert.equal(route(`/${'a'.repeat(4998)}!`), 'rest');
    });
    it('reads RE2 syntax as RE2 does: (?i), [[:alpha:]], \\pL, \\z, (?P<name>), \\Q…\\E', () => {
      assert.equal(route('/FLAGS/abc'), 're2-flags');
      assert.equal(route('/flags/ab1'), 'rest');
      assert.equal(route('/u/abc'), 're2-unicode');
      assert.equal(route('/u/ab1'), 'rest');
      assert.equal(route('/n/12'), 're2-named');
      assert.equal(route('/n/12x'), 'rest'); // a full match, not a search
      assert.equal(route('/q/*.*'), 're2-quoted');
      assert.equal(route('/q/xax'), 'rest');
    });
    it('never matches a regex RE2 rejects, and says Envoy rejects such a configuration', () => {
      const lb = go('/lb/x');
      assert.equal(routeOf(lb), 'rest');
      assert.ok(lb.notes.some((n) => /^The regex "\/lb\/\(\?<=b\)x" is not valid RE2 \(.*no lookahead or lookbehind\): Envoy rejects/.test(n)), lb.notes.join('\n'));
      assert.match(routeHop(lb).rejected!.find((r) => r.startsWith('"lookbehind"'))!, /not valid RE2/);
      const br = go('/br/aa');
      assert.equal(routeOf(br), 'rest');
      assert.ok(br.notes.some((n) => /"\/br\/\(a\)\\\\1" is not valid RE2 \(.*no backreferences\)/.test(n)), br.notes.join('\n'));
      // The header matcher with the unbalanced regex fails; the next route's valid one matches.
      const h = go('/hdr', { 'x-ver': 'v1' });
      assert.equal(routeOf(h), 'header-string-regex');
      assert.ok(h.notes.some((n) => /^The regex "\(v1" is not valid RE2 \(missing closing \)/.test(n)), h.notes.join('\n'));
    });
    it('gives ignore_case no effect on a string_match regex, as Envoy documents', () => {
      assert.equal(route('/hdr', { 'x-ver': 'v12' }), 'header-string-regex');
      assert.equal(route('/hdr', { 'x-ver': 'V12' }), 'rest');
    });
    it('matches a query parameter string_match regex against the decoded value', () => {
      assert.equal(route('/qr?id=123'), 'query-regex');
      assert.equal(route('/qr?id=%31%32'), 'query-regex');
      assert.equal(route('/qr?id=12a'), 'rest');
    });
    it('applies regex_rewrite as RE2::GlobalReplace on the path, keeping the query string', () => {
      // The examples of Envoy's RouteAction.regex_rewrite documentation.
      assert.match(routeHop(go('/service/foo/v1/api?x=1')).detail, /gives \/v1\/api\/instance\/foo\?x=1\)/);
      assert.match(routeHop(go('/xxx/one/yyy/one/zzz')).detail, /gives \/xxx\/two\/yyy\/two\/zzz\)/);
      const r = go('/old/a/b?q=1');
      assert.equal(routeOf(r), 'redirect-rewrite');
      assert.equal(r.outcome.message, '→ 301 redirect to http://x:8080/new/a/b?q=1');
    });
    it('runs deprecated v2 regexes with RE2 too, saying Envoy used the ECMAScript grammar', () => {
      const ok = go('/legacy/12');
      assert.equal(routeOf(ok), 'legacy');
      assert.ok(ok.notes.some((n) => /"\/legacy\/\[0-9\]\+" ran in Envoy with std::regex \(ECMAScript grammar\)/.test(n)));
      const la = go('/la/x');
      assert.equal(routeOf(la), 'rest');
      assert.ok(la.notes.some((n) => /"\/la\/\(\?=x\)x" uses ECMAScript syntax RE2 lacks .*takes it as not matching/.test(n)));
      const bad = go('/lbad/(x');
      assert.equal(routeOf(bad), 'rest');
      assert.ok(bad.notes.some((n) => /"\/lbad\/\(x" is not valid \(Unterminated group\): Envoy rejects/.test(n)), bad.notes.join('\n'));
    });
  });

  describe(`filter chain selection (trace-chains.${ext})`, () => {
    const f = `trace-chains.${ext}`;
    it('takes an exact server name over wildcards and chains without server_names', () => {
      assert.equal(chainOf(trace(f, 'tls://www.example.com:443')), 'exact-www');
      assert.equal(chainOf(trace(f, 'tls://web.example.com:443')), 'exact-www');
    });
    it('takes the most specific wildcard server name, at any depth', () => {
      assert.equal(chainOf(trace(f, 'tls://a.example.com:443')), 'wild-example');
      assert.equal(chainOf(trace(f, 'tls://a.b.example.com:443')), 'wild-example');
      assert.equal(chainOf(trace(f, 'tls://example.com:443')), 'wild-com');
    });
    it('falls back to the chain without server_names', () => {
      assert.equal(chainOf(trace(f, 'tls://foo.org:443')), 'no-sni');
      assert.equal(chainOf(trace(f, 'tcp://h:443')), 'no-sni');
    });
    it('closes the connection when no chain matches and there is no default chain', () => {
      const t = trace(f, 'tls://other.example.com:8443');
      assert.equal(t.outcome.ok, false);
      assert.equal(t.outcome.code, 'filter_chain_not_found');
      assert.equal(chainOf(t), undefined);
      assert.match(t.outcome.message, /server name other\.example\.com.*Envoy closes the connection/);
    });
    it('decides on destination port before server names, without backtracking', () => {
      // Port 9080 has a chain of its own (for SNI a.example.com): the port-less chain for b.example.com is never tried.
      const t = trace(f, 'tls://b.example.com:9080', { direction: 'inbound' });
      assert.equal(chainOf(t), 'fallback');
      assert.match(t.hops.find((h) => h.kind === 'filterChain')!.detail, /^default filter chain/);
      assert.equal(chainOf(trace(f, 'tls://b.example.com:9443', { direction: 'inbound' })), 'any-port-sni-b');
      assert.equal(chainOf(trace(f, 'tls://a.example.com:9080', { direction: 'inbound' })), 'port-9080-sni-a');
      assert.equal(chainOf(trace(f, 'tls://c.example.com:9443', { direction: 'inbound' })), 'fallback');
    });
    it('takes the longest matching prefix_ranges, then chains without ranges', () => {
      const chain = (ip: string) => chainOf(trace(f, `tcp://${ip}:7000`, { direction: 'inbound' }));
      assert.equal(chain('10.1.2.3'), 'ip-24');
      assert.equal(chain('192.168.7.9'), 'ip-24');
      assert.equal(chain('10.200.0.1'), 'ip-8');
      assert.equal(chain('172.16.0.1'), 'ip-any');
      assert.equal(chainOf(trace(f, 'tcp://svc:7000', { direction: 'inbound' })), 'ip-any'); // unknown IP
    });
    it('matches transport protocol, then the first of the connection\'s application protocols some chain lists', () => {
      const chain = (to: string, alpn?: string[]) => chainOf(trace(f, to, { direction: 'inbound', alpn }));
      assert.equal(chain('tls://s.example.com:7100', ['h2']), 'tls-h2');
      assert.equal(chain('tls://s.example.com:7100', ['http/1.1']), 'tls-any');
      assert.equal(chain('tls://s.example.com:7100', ['http/1.1', 'h2']), 'tls-h2');
      assert.equal(chain('tls://s.example.com:7100'), 'tls-any');
      assert.equal(chain('http://10.0.0.1:7100/'), 'raw-http'); // the HTTP inspector reports http/1.1
      assert.equal(chain('tcp://10.0.0.1:7100'), 'raw-any');
    });
    it('matches source prefix ranges, then source ports', () => {
      const chain = (src: string, port?: number) =>
        chainOf(trace(f, 'tcp://10.0.0.1:7200', { direction: 'inbound' }, { sourceAddress: src, sourcePort: port }));
      assert.equal(chain('10.1.1.1', 5000), 'src-port');
      assert.equal(chain('10.1.1.1', 6000), 'src-10');
      assert.equal(chain('172.16.0.9', 5000), 'src-any');
    });
  });

  describe(`Istio sidecar paths (trace-istio.${ext})`, () => {
    const f = `trace-istio.${ext}`;
    it('virtualOutbound hands off to the listener bound to the exact original destination first', () => {
      const t = trace(f, 'tcp://10.96.0.5:3306');
      assert.deepEqual(hopNames(t, 'listener'), ['virtualOutbound', '10.96.0.5_3306']);
      assert.match(t.hops[0].detail, /hands off to 10\.96\.0\.5_3306/);
      assert.deepEqual(hopNames(t, 'cluster'), ['outbound|3306||mysql.db.svc.cluster.local']);
      assert.equal(t.outcome.message, '→ 10.4.0.1:3306 (HEALTHY)');
    });
    it('then to the listener on 0.0.0.0 and the port', () => {
      const t = trace(f, 'tcp://10.96.0.9:3306');
      assert.deepEqual(hopNames(t, 'listener'), ['virtualOutbound', '0.0.0.0_3306']);
      assert.deepEqual(hopNames(t, 'cluster'), ['outbound|3306||legacy-db.db.svc.cluster.local']);
    });
    it('keeps the connection when no listener is bound to the original destination: default chain, PassthroughCluster', () => {
      const t = trace(f, 'tcp://10.96.0.9:5555');
      assert.deepEqual(hopNames(t, 'listener'), ['virtualOutbound']);
      assert.equal(chainOf(t), 'PassthroughFilterChain');
      assert.deepEqual(hopNames(t, 'cluster'), ['PassthroughCluster']);
      assert.equal(t.outcome.ok, true);
      assert.match(t.outcome.message, /original destination 10\.96\.0\.9:5555/);
    });
    it('drops traffic to the pod\'s own IP in BlackHoleCluster (no endpoints)', () => {
      const t = trace(f, 'tcp://10.0.0.7:5555');
      assert.equal(chainOf(t), 'virtualOutbound-blackhole');
      assert.equal(t.outcome.ok, false);
      assert.equal(t.outcome.code, 'no_healthy_upstream');
      assert.equal(t.outcome.flag, 'UH');
    });
    it('routes HTTP by the HTTP inspector; non-HTTP bytes on the same port take the default chain', () => {
      const http = trace(f, 'http://ratings:9080/');
      assert.equal(chainOf(http), '#1');
      assert.deepEqual(hopNames(http, 'routeConfig'), ['9080']);
      const tcp = trace(f, 'tcp://10.1.1.1:9080');
      assert.equal(chainOf(tcp), 'PassthroughFilterChain');
    });
    it('lists every weighted cluster with its weight and their healthy endpoints', () => {
      const t = trace(f, 'http://ratings:9080/');
      assert.deepEqual(t.hops.filter((h) => h.kind === 'cluster').map((h) => h.branch), ['weight 75/100', 'weight 25/100']);
      assert.equal(t.outcome.ok, true);
      assert.match(t.outcome.message, /75% outbound\|9080\|v1\|ratings\.default\.svc\.cluster\.local → 10\.1\.0\.1:9080 \(HEALTHY\), 10\.1\.0\.2:9080 \(HEALTHY\)/);
      assert.doesNotMatch(t.outcome.message, /10\.1\.0\.3/); // the unhealthy host gets no traffic (2 of 3 healthy: no panic)
      assert.match(t.outcome.message, /25% .* → 10\.1\.0\.4:9080 \(UNKNOWN\)/); // UNKNOWN counts as healthy
    });
    it('answers 503 UH for a cluster without endpoints', () => {
      const t = trace(f, 'http://reviews:9080/');
      assert.equal(t.outcome.code, 'no_healthy_upstream');
      assert.equal(t.outcome.status, 503);
      assert.match(t.outcome.message, /^503 UH no_healthy_upstream: /);
    });
    it('balances over all hosts in panic mode (available share below healthy_panic_threshold, default 50%)', () => {
      const t = trace(f, 'http://details:9080/');
      assert.equal(t.outcome.ok, true);
      assert.match(t.outcome.message, /10\.2\.0\.2:9080 \(UNHEALTHY\).*panic mode/);
    });
    it('answers 503 UH with no healthy host when the panic threshold is 0', () => {
      const t = trace(f, 'http://productpage:9080/');
      assert.equal(t.outcome.code, 'no_healthy_upstream');
    });
    it('answers 503 NC for a cluster that is still warming', () => {
      const t = trace(f, 'http://warming:9080/');
      assert.equal(t.outcome.code, 'cluster_not_found');
      assert.equal(t.outcome.flag, 'NC');
    });
    it('takes inbound traffic through virtualInbound by destination port, with the pod IP from the node id', () => {
      const t = trace(f, 'http://app:9080/', { direction: 'inbound' });
      assert.deepEqual(hopNames(t, 'listener'), ['virtualInbound']);
      assert.equal(chainOf(t), '0.0.0.0_9080');
      assert.deepEqual(hopNames(t, 'cluster'), ['inbound|9080||']);
      assert.equal(t.outcome.message, '→ original destination 10.0.0.7:9080 (ORIGINAL_DST: the address the client connected to)');
      const direct = trace(f, 'tcp://10.0.0.7:15006', { direction: 'inbound' });
      assert.equal(chainOf(direct), 'virtualInbound-blackhole');
    });
  });

  describe(`sidecar.${ext}`, () => {
    const f = `sidecar.${ext}`;
    it('follows productpage → ratings to the healthy endpoint', () => {
      const t = trace(f, 'http://ratings:9080/ratings/0');
      assert.deepEqual(
        t.hops.map((h) => `${h.kind} ${h.name}`),
        [
          'listener virtualOutbound',
          'listener 0.0.0.0_9080',
          'filterChain #1',
          'routeConfig 9080',
          'virtualHost ratings.default.svc.cluster.local:9080',
          'route default',
          'cluster outbound|9080||ratings.default.svc.cluster.local',
          'endpoints outbound|9080||ratings.default.svc.cluster.local',
        ],
      );
      assert.equal(t.outcome.message, '→ 10.4.1.12:9080 (HEALTHY)');
    });
    it('answers 503 NC for the share of a weighted route whose cluster is missing', () => {
      const t = trace(f, 'http://reviews:9080/reviews/1', { headers: { host: 'reviews', 'end-user': 'jason' } });
      assert.equal(routeOf(t), 'split');
      assert.equal(t.outcome.ok, false);
      assert.equal(t.outcome.code, 'cluster_not_found');
      assert.match(t.outcome.message, /^503 NC cluster_not_found for 20% of requests \(weight 20 of 100\): cluster "outbound\|9080\|v2\|reviews\.default\.svc\.cluster\.local" is not among this dump's clusters/);
      assert.ok(t.outcome.closest!.includes('outbound|9080|v1|reviews.default.svc.cluster.local'));
    });
    it('takes the cluster from cluster_header, and answers 503 NC without the header', () => {
      const without = trace(f, 'http://reviews:9080/dyn/x', { headers: { host: 'reviews' } });
      assert.equal(without.outcome.code, 'cluster_not_found');
      const withHeader = trace(f, 'http://reviews:9080/dyn/x', { headers: { host: 'reviews', 'x-target-cluster': 'outbound|9080|v3|reviews.default.svc.cluster.local' } });
      assert.equal(withHeader.outcome.message, '→ 10.4.1.21:9080 (UNKNOWN)');
    });
    it('redirects with path_redirect, keeping the query string', () => {
      const t = trace(f, 'http://reviews:9080/old?a=1', { headers: { host: 'reviews' } });
      assert.equal(t.outcome.code, 'redirect');
      assert.equal(t.outcome.message, '→ 301 redirect to http://reviews/new?a=1');
    });
    it('finds no inbound filter chain for plaintext when the port only accepts mTLS', () => {
      const t = trace(f, 'http://10.4.1.7:9080/', { direction: 'inbound' });
      assert.equal(t.outcome.code, 'filter_chain_not_found');
      const mtls = trace(f, 'http://10.4.1.7:9080/', { direction: 'inbound', sni: 'outbound_.9080_._.reviews.default.svc.cluster.local', alpn: ['istio-peer-exchange', 'istio'] });
      assert.equal(chainOf(mtls), '0.0.0.0_9080');
      assert.deepEqual(hopNames(mtls, 'cluster'), ['inbound|9080||']);
    });
    it('points every hop at the name of its definition', () => {
      const t = trace(f, 'http://ratings:9080/ratings/0');
      const text = readFileSync(path.join(FIX, f), 'utf8');
      for (const h of t.hops) {
        if (h.kind === 'filterChain') continue; // unnamed chains point at the chain object
        assert.ok(h.span, `${h.kind} ${h.name} has a span`);
        assert.ok(text.slice(h.span.start, h.span.end).includes(h.name), `${h.kind} span covers "${h.name}"`);
      }
    });
  });
}

describe('resources re-read from the source', () => {
  it('reads camelCase istioctl outputs across files (listeners → routes → clusters)', () => {
    const files = ['istioctl-listeners.camel.json', 'istioctl-routes.camel.yaml', 'istioctl-clusters.camel.json'].map((x) => path.join(FIX, x));
    const t = traceFiles(files, parseTarget('http://ratings:9080/', { headers: { host: 'ratings' } }));
    assert.deepEqual(hopNames(t, 'routeConfig'), ['9080']);
    assert.equal(t.hops.find((h) => h.kind === 'routeConfig')!.uri, files[1]);
    assert.equal(t.outcome.code, 'cluster_not_found'); // v2 is not in the cluster output
    assert.match(t.outcome.message, /for 50% of requests/);
    const tcp = traceFiles(files, parseTarget('tcp://10.0.0.3:3306'));
    assert.deepEqual(hopNames(tcp, 'cluster'), ['outbound|3306||mysql.db.svc.cluster.local']);
    assert.equal(tcp.outcome.ok, true); // no endpoint output: endpoints unknown, not a dead end
    const alone = traceFiles([files[0]], parseTarget('http://ratings:9080/'));
    assert.equal(alone.outcome.code, 'not_traced');
  });
  it('tolerates a status line and trailing commas (envoy-rev0 style JSON)', () => {
    const t = trace('envoy.bootstrap.json', 'http://x:10000/typo');
    assert.equal(t.outcome.code, 'cluster_not_found');
    assert.deepEqual(t.outcome.closest, ['service_backend']);
    assert.equal(trace('envoy.bootstrap.json', 'http://x:10000/service/a').outcome.message, '→ backend:8000 (UNKNOWN, resolved by DNS)');
  });
  it('gives the same trace from a string and from bytes, with UTF-16 spans', () => {
    const text = JSON.stringify({
      static_resources: {
        listeners: [{ name: 'l-é', address: { socket_address: { address: '0.0.0.0', port_value: 80 } }, filter_chains: [{ filters: [{ name: 'envoy.filters.network.tcp_proxy', typed_config: { cluster: 'c' } }] }] }],
        clusters: [{ name: 'c', type: 'STATIC', load_assignment: { cluster_name: 'c', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '10.0.0.1', port_value: 80 } } } }] }] } }],
      },
    });
    const req = parseTarget('tcp://1.2.3.4:80');
    const run = (src: string | Uint8Array) => {
      const ws = new Workspace();
      ws.set(analyze('u', src));
      return traceRequest(ws, 'u', src, req);
    };
    const a = run(text);
    const b = run(Buffer.from(text, 'utf8'));
    assert.deepEqual(a, b);
    assert.equal(a.outcome.message, '→ 10.0.0.1:80 (UNKNOWN)');
    const l = a.hops[0];
    assert.equal(text.slice(l.span!.start, l.span!.end), '"l-é"');
  });
  it('keeps spans aligned after a UTF-8 BOM, in JSON and YAML', () => {
    for (const f of ['sidecar.json', 'sidecar.yaml']) {
      const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), readFileSync(path.join(FIX, f))]);
      const json = f.endsWith('.json');
      const ws = new Workspace();
      ws.set(analyze(f, bytes, { languageId: json ? 'json' : 'yaml' }));
      const t = traceRequest(ws, f, bytes, parseTarget('http://ratings:9080/'));
      assert.equal(t.outcome.message, '→ 10.4.1.12:9080 (HEALTHY)', f);
      const text = new TextDecoder('utf-8', { ignoreBOM: json }).decode(bytes);
      const l = t.hops[0];
      assert.equal(text.slice(l.span!.start, l.span!.end), json ? '"virtualOutbound"' : 'virtualOutbound', f);
    }
  });
  it('says when no listener takes the connection and nothing intercepts it', () => {
    const t = trace('trace-domains.json', 'http://10.0.0.1:5000/');
    assert.equal(t.outcome.code, 'listener_not_found');
    assert.match(t.outcome.message, /no listener takes connections to 10\.0\.0\.1:5000 and there is no virtualOutbound/);
    assert.equal(t.hops.length, 0);
  });
});

/** A bootstrap with the given listeners and one STATIC cluster `c`, traced from a string. */
function inline(listeners: unknown[], to: string, opts: TargetOptions = {}): Trace {
  const text = JSON.stringify({
    static_resources: {
      listeners,
      clusters: [{ name: 'c', type: 'STATIC', load_assignment: { cluster_name: 'c', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '10.9.9.9', port_value: 80 } } } }] }] } }],
    },
  });
  const ws = new Workspace();
  ws.set(analyze('inline', text));
  return traceRequest(ws, 'inline', text, parseTarget(to, opts));
}
const HCM = { name: 'envoy.filters.network.http_connection_manager', typed_config: { route_config: { virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'c' } }] }] } } };
const TCP = { name: 'envoy.filters.network.tcp_proxy', typed_config: { cluster: 'c' } };
const DOWNSTREAM_TLS = { name: 'envoy.transport_sockets.tls', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext' } };
const at = (ip: string, port: number) => ({ socket_address: { address: ip, port_value: port } });

describe('listeners and terminal filters', () => {
  it('finds a listener by its additional_addresses too', () => {
    const l = { name: 'dual', address: at('10.0.0.1', 80), additional_addresses: [{ address: at('10.0.0.2', 80) }], filter_chains: [{ filters: [TCP] }] };
    assert.deepEqual(hopNames(inline([l], 'tcp://10.0.0.2:80'), 'listener'), ['dual']);
    assert.equal(inline([l], 'tcp://10.0.0.3:80').outcome.code, 'listener_not_found');
  });
  it('prefers the listener bound to the exact address over 0.0.0.0 on the same port', () => {
    const ls = [
      { name: 'any', address: at('0.0.0.0', 80), filter_chains: [{ filters: [TCP] }] },
      { name: 'exact', address: at('10.0.0.1', 80), filter_chains: [{ filters: [TCP] }] },
    ];
    assert.deepEqual(hopNames(inline(ls, 'tcp://10.0.0.1:80'), 'listener'), ['exact']);
    assert.deepEqual(hopNames(inline(ls, 'tcp://10.0.0.2:80'), 'listener'), ['any']);
  });
  it('fails a plaintext connection on a chain that terminates TLS', () => {
    const l = { name: 'tls', address: at('0.0.0.0', 443), filter_chains: [{ filters: [HCM], transport_socket: DOWNSTREAM_TLS }] };
    assert.equal(inline([l], 'http://x:443/').outcome.code, 'tls_required');
    assert.equal(inline([l], 'https://x:443/').outcome.message, '→ 10.9.9.9:80 (UNKNOWN)');
  });
  it('cannot read HTTP through TLS it does not terminate, nor route a plain TCP connection', () => {
    const l = { name: 'plain', address: at('0.0.0.0', 80), filter_chains: [{ filters: [HCM] }] };
    assert.equal(inline([l], 'https://x:80/').outcome.code, 'not_http');
    assert.equal(inline([l], 'tcp://10.0.0.1:80').outcome.code, 'not_http');
    assert.equal(inline([l], 'http://x:80/').outcome.ok, true);
  });
  it('names the chains that came closest when no filter chain matches', () => {
    const l = {
      name: 'sni',
      address: at('0.0.0.0', 443),
      filter_chains: [
        { name: 'a', filter_chain_match: { server_names: ['a.example.com'] }, filters: [TCP] },
        { name: 'p', filter_chain_match: { destination_port: 8443 }, filters: [TCP] },
      ],
    };
    const t = inline([l], 'tls://b.example.com:443');
    assert.equal(t.outcome.code, 'filter_chain_not_found');
    assert.deepEqual(t.outcome.closest, ['"a"']);
  });
});

describe('matchers on their own', () => {
  it('snakeKey converts proto field names only', () => {
    assert.equal(snakeKey('routeConfigName'), 'route_config_name');
    assert.equal(snakeKey('route_config_name'), 'route_config_name');
    assert.equal(snakeKey('@type'), '@type');
    assert.equal(snakeKey('envoy.extensions.upstreams.http.v3.HttpProtocolOptions'), 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions');
    assert.equal(snakeKey('X-Custom'), 'X-Custom');
  });
  it('selectVirtualHost follows exact > suffix > prefix > "*"', () => {
    const vhs = [
      { name: 'star', domains: ['*'] },
      { name: 'pre', domains: ['api.*'] },
      { name: 'suf', domains: ['*.io'] },
      { name: 'ex', domains: ['api.io'] },
    ];
    assert.equal(selectVirtualHost(vhs, 'api.io').index, 3);
    assert.equal(selectVirtualHost(vhs, 'x.api.io').index, 2);
    assert.equal(selectVirtualHost(vhs, 'api.dev').index, 1);
    assert.equal(selectVirtualHost(vhs, 'other').index, 0);
    assert.equal(selectVirtualHost(vhs.slice(1), 'other').index, undefined);
  });
  it('headerMatch: empty exact value matches any value; missing headers fail non-presence matchers', () => {
    const h = new Map([['a', 'x']]);
    assert.equal(headerMatch({ name: 'a', exact_match: '' }, h).ok, true);
    assert.equal(headerMatch({ name: 'b', exact_match: 'x', invert_match: true }, h).ok, false);
    assert.equal(headerMatch({ name: 'b', present_match: true, invert_match: true }, h).ok, true);
    assert.equal(headerMatch({ name: 'b', string_match: { exact: '' }, treat_missing_header_as_empty: true }, h).ok, true);
    assert.equal(headerMatch({ name: 'a' }, h).ok, true); // no specifier: presence
  });
  it('matchRoute: prefix matching sees the query string; grpc needs application/grpc', () => {
    const req = (p: string, headers: Record<string, string> = {}) => ({ path: p, method: 'GET', headers: new Map(Object.entries(headers)), query: new Map() });
    assert.equal(matchRoute({ prefix: '/a?b' }, req('/a?b=1')).ok, true);
    assert.equal(matchRoute({ prefix: '/', grpc: {} }, req('/svc/M')).ok, false);
    assert.equal(matchRoute({ prefix: '/', grpc: {} }, req('/svc/M', { 'content-type': 'application/grpc+proto' })).ok, true);
  });
  it('runRegex: RE2 syntax, full match, and an invalid pattern never matches', () => {
    assert.equal(runRegex('(?P<v>v[0-9]+)', 'v2').ok, true);
    assert.equal(runRegex('(?i)abc', 'ABC').ok, true);
    assert.equal(runRegex('abc', 'xabcx').ok, false); // a full match, not a search
    const bad = runRegex('(unclosed', '(unclosed');
    assert.equal(bad.ok, false);
    assert.match(bad.note!, /not valid RE2 \(missing closing \)/);
  });
  it('selectFilterChain: an explicit /0 ties with no ranges; wrong ports never match', () => {
    const c = selectFilterChain([{ filter_chain_match: { destination_port: 1 } }, {}], false, {
      destinationPort: 2,
      transportProtocol: 'raw_buffer',
      applicationProtocols: [],
    });
    assert.equal(c.index, 1);
    assert.match(c.rejected[0].reason, /destination_port 1 ≠ 2/);
  });
  it('normalizePath removes dot segments and merges slashes', () => {
    assert.equal(normalizePath('/a/./b/../c?x=/..', false), '/a/c?x=/..');
    assert.equal(normalizePath('//a//b', true), '/a/b');
  });
  it('parseTarget: Host as written, IP only for IP literals, SNI for names', () => {
    const h = parseTarget('http://ratings:9080/ratings/0?x=1');
    assert.equal(h.port, 9080);
    assert.equal(h.address, undefined);
    assert.deepEqual(h.http, { host: 'ratings:9080', path: '/ratings/0?x=1', method: 'GET', scheme: 'http', headers: {} });
    const d = parseTarget('http://reviews/');
    assert.equal(d.port, 80);
    assert.equal(d.http!.host, 'reviews');
    const s = parseTarget('https://10.0.0.5/');
    assert.equal(s.address, '10.0.0.5');
    assert.equal(s.sni, undefined);
    assert.equal(parseTarget('https://Example.com/').sni, 'example.com');
    const t = parseTarget('10.0.0.5:3306');
    assert.deepEqual(t, { direction: 'outbound', port: 3306, address: '10.0.0.5', transport: 'raw_buffer' });
    assert.equal(parseTarget('tcp://[::1]:80').address, '::1');
    assert.throws(() => parseTarget('ftp://x/'), /Unsupported scheme/);
    assert.throws(() => parseTarget('tcp://x'), /needs a port/);
  });
});

// ------------------------------------------------------------------ CLI

function cli(...argv: string[]): { code: number; out: string; err: string } {
  const out: string[] = [];
  const err: string[] = [];
  const code = runTrace(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('envoy-lens trace', () => {
  const fx = (f: string) => path.join(FIX, f);
  it('prints one line per hop with path:line:col, then the outcome; exit 0 at an endpoint', () => {
    const r = cli(fx('sidecar.json'), '--to', 'http://ratings:9080/ratings/0');
    assert.equal(r.code, 0);
    const lines = r.out.split('\n');
    assert.equal(lines[0], 'request      outbound http GET /ratings/0, Host ratings:9080 → (unknown IP):9080 (raw_buffer, ALPN http/1.1)');
    assert.match(lines[1], /^listener +virtualOutbound \(0\.0\.0\.0:15001\) .*→ hands off to 0\.0\.0\.0_9080 \(use_original_dst/);
    assert.equal(lines[lines.length - 1], '→ 10.4.1.12:9080 (HEALTHY)');
    const text = readFileSync(fx('sidecar.json'), 'utf8').split('\n');
    for (const l of lines.filter((x) => /^(listener|routeConfig|virtualHost|route|cluster) /.test(x))) {
      const m = /(\S+):(\d+):(\d+)$/.exec(l)!;
      const name = /^\S+ +(?:\[[^\]]*\] )?(.+?)(?::| \()/.exec(l)![1];
      assert.equal(text[Number(m[2]) - 1].slice(Number(m[3]) - 1, Number(m[3]) + name.length), `"${name}`, l);
    }
  });
  it('exits 1 at a dead end with ✗ and the reason', () => {
    const r = cli(fx('sidecar.yaml'), '--to', 'http://reviews:9080/reviews/1', '--header', 'host=reviews', '--header', 'end-user: jason');
    assert.equal(r.code, 1);
    assert.match(r.out.split('\n').pop()!, /^✗ 503 NC cluster_not_found for 20% of requests/);
  });
  it('prints one JSON object with --format json', () => {
    const r = cli(fx('trace-istio.json'), '--to', 'tcp://10.96.0.5:3306', '--format', 'json');
    assert.equal(r.code, 0);
    const o = JSON.parse(r.out) as { request: TraceRequest; hops: Array<Record<string, unknown>>; outcome: Record<string, unknown> };
    assert.deepEqual(Object.keys(o), ['request', 'hops', 'outcome', 'notes']);
    assert.equal(o.request.port, 3306);
    for (const h of o.hops) for (const k of ['kind', 'name', 'path', 'line', 'column', 'detail']) assert.ok(k in h, k);
    assert.deepEqual(o.outcome, {
      ok: true,
      code: 'forwarded',
      message: '→ 10.4.0.1:3306 (HEALTHY)',
      cluster: 'outbound|3306||mysql.db.svc.cluster.local',
      endpoint: '10.4.0.1:3306',
    });
    const dead = JSON.parse(cli(fx('trace-istio.json'), '--to', 'http://reviews:9080/', '--format=json').out) as { outcome: Record<string, unknown> };
    assert.equal(dead.outcome.ok, false);
    assert.equal(dead.outcome.code, 'no_healthy_upstream');
  });
  it('takes --inbound, --method, --sni and --alpn', () => {
    const r = cli(fx('trace-chains.json'), '--inbound', '--to', 'tls://s.example.com:7100', '--alpn', 'http/1.1,h2');
    assert.match(r.out, /filterChain +tls-h2/);
    const m = cli(fx('trace-routes.json'), '--to', 'http://x:8080/x', '--method', 'connect');
    assert.match(m.out, /route +connect/);
    const s = cli(fx('trace-chains.json'), '--to', 'tcp://10.0.0.1:443', '--sni', 'www.example.com');
    assert.match(s.out, /filterChain +exact-www/);
  });
  it('exits 2 on usage errors and 3 on unreadable input', () => {
    assert.equal(cli().code, 2);
    assert.equal(cli(fx('sidecar.json')).code, 2);
    assert.equal(cli(fx('sidecar.json'), '--to', 'ftp://x/').code, 2);
    assert.equal(cli(fx('sidecar.json'), '--to', 'tcp://x:1', '--method', 'GET').code, 2);
    assert.equal(cli(fx('sidecar.json'), '--to', 'tcp://x:1', '--format', 'xml').code, 2);
    assert.equal(cli(fx('sidecar.json'), '--bogus').code, 2);
    assert.equal(cli('--help').code, 0);
    const missing = cli(fx('nope.json'), '--to', 'tcp://x:1');
    assert.equal(missing.code, 3);
    assert.match(missing.err, /does not exist/);
  });
});

// ------------------------------------------------------------------ golden traces

interface GoldenCase {
  name: string;
  file: string;
  args: string[];
  /** The corpus file name, when the case reads ../shared/corpus. */
  corpus?: boolean;
  /** Expected exit code, stated from the documented behaviour before looking at the output. */
  exit: number;
}

const GOLDENS: GoldenCase[] = [
  { name: 'sidecar-outbound-ratings', file: 'sidecar.json', args: ['--to', 'http://ratings:9080/ratings/0'], exit: 0 },
  { name: 'sidecar-weighted-503NC', file: 'sidecar.json', args: ['--to', 'http://reviews:9080/reviews/1', '--header', 'host=reviews', '--header', 'end-user=jason'], exit: 1 },
  { name: 'sidecar-inbound-mtls', file: 'sidecar.yaml', args: ['--inbound', '--to', 'http://10.4.1.7:9080/', '--sni', 'outbound_.9080_._.reviews.default.svc.cluster.local', '--alpn', 'istio-peer-exchange,istio'], exit: 0 },
  { name: 'istio-blackhole', file: 'trace-istio.json', args: ['--to', 'tcp://10.0.0.7:5555'], exit: 1 },
  { name: 'istio-panic', file: 'trace-istio.yaml', args: ['--to', 'http://details:9080/'], exit: 0 },
  { name: 'domains-404NR', file: 'trace-domains.json', args: ['--to', 'http://ratingz:9090/'], exit: 1 },
  { name: 'chains-port-before-sni', file: 'trace-chains.yaml', args: ['--inbound', '--to', 'tls://b.example.com:9080'], exit: 0 },
  { name: 'bookinfo-productpage-to-ratings', file: 'zhaohuabing__bookinfo-bookinfo-config-dump__productpage-config-dump', corpus: true, args: ['--to', 'http://ratings:9080/ratings/0'], exit: 0 },
  { name: 'bookinfo-productpage-to-reviews-ip', file: 'zhaohuabing__bookinfo-bookinfo-config-dump__productpage-config-dump', corpus: true, args: ['--to', 'http://10.107.156.4:9080/reviews/0'], exit: 0 },
  { name: 'bookinfo-productpage-inbound-9080', file: 'zhaohuabing__bookinfo-bookinfo-config-dump__productpage-config-dump', corpus: true, args: ['--inbound', '--to', 'http://productpage:9080/productpage'], exit: 0 },
  { name: 'bookinfo-productpage-own-ip-blackhole', file: 'zhaohuabing__bookinfo-bookinfo-config-dump__productpage-config-dump', corpus: true, args: ['--to', 'http://10.32.0.14:8080/'], exit: 1 },
  { name: 'scout-productpage-to-reviews', file: 'slime-io__scout__config_dump.json', corpus: true, args: ['--to', 'http://reviews:9080/reviews/0'], exit: 0 },
  { name: 'scout-productpage-inbound-9080', file: 'slime-io__scout__config_dump.json', corpus: true, args: ['--inbound', '--to', 'http://productpage:9080/productpage'], exit: 0 },
  { name: 'describe-productpage-to-reviews', file: 'istio__istio__istioctl__cmd__testdata__describe__productpage-v1-7bbd79f8fd-k6j79.json', corpus: true, args: ['--to', 'http://reviews:9080/reviews/0'], exit: 0 },
  { name: 'describe-productpage-inbound-9080', file: 'istio__istio__istioctl__cmd__testdata__describe__productpage-v1-7bbd79f8fd-k6j79.json', corpus: true, args: ['--inbound', '--to', 'http://productpage:9080/productpage'], exit: 0 },
  { name: 'ingressgateway-tls-sni-503NC', file: 'zhaohuabing__bookinfo-bookinfo-config-dump__ingressgateway_config_dump', corpus: true, args: ['--inbound', '--to', 'https://httpbin.example.com/status/200'], exit: 1 },
  { name: 'ingressgateway-404NR', file: 'zhaohuabing__bookinfo-bookinfo-config-dump__ingressgateway_config_dump', corpus: true, args: ['--inbound', '--to', 'https://httpbin.example.com/headers'], exit: 1 },
  { name: 'ingressgateway-sni-not-found', file: 'zhaohuabing__bookinfo-bookinfo-config-dump__ingressgateway_config_dump', corpus: true, args: ['--inbound', '--to', 'https://bookinfo.example.com/productpage'], exit: 1 },
  { name: 'ingressgateway-http-direct-404', file: 'zhaohuabing__bookinfo-bookinfo-config-dump__ingressgateway_config_dump', corpus: true, args: ['--inbound', '--to', 'http://bookinfo.example.com/productpage'], exit: 1 },
  { name: 'bochuxt-app-503NC', file: 'bochuxt__marathon-envoy-poc__config-dump-prety.json', corpus: true, args: ['--to', 'http://127.0.0.1:8000/app'], exit: 1 },
];

describe('golden traces', () => {
  const haveCorpus = existsSync(CORPUS);
  if (UPDATE) mkdirSync(GOLDEN, { recursive: true });
  for (const g of GOLDENS) {
    it(g.name, (t) => {
      if (g.corpus && !haveCorpus) {
        t.skip(`${CORPUS} does not exist`);
        return;
      }
      const file = g.corpus ? path.join(CORPUS, g.file) : path.join(FIX, g.file);
      const r = cli(file, ...g.args);
      assert.equal(r.err, '');
      assert.equal(r.code, g.exit, r.out);
      // Paths in the output relative to a fixed root, so the goldens do not depend on the checkout's location.
      const out = `${r.out.split(g.corpus ? CORPUS : FIX).join(g.corpus ? '<corpus>' : '<fixtures>')}\n`;
      const golden = path.join(GOLDEN, `${g.name}.txt`);
      if (UPDATE) writeFileSync(golden, out);
      assert.equal(out, readFileSync(golden, 'utf8'));
    });
  }
});
