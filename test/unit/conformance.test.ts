/**
 * Envoy's own route-matching tests (the `router_check_tool` cases in ../shared/conformance/envoy-router-check, read
 * from there, never copied) run through the trace engine. Each RouteConfiguration is put inline in the HTTP
 * connection manager of one listener on port 80; each case's `input` becomes a TraceRequest; every `validate` field
 * the trace answers is compared with Envoy's expectation. A tally (right / wrong / unanswered, with reasons) is
 * printed; the test fails on any wrong answer and on any case left with a field unanswered.
 *
 * How the tool's inputs and checks map onto the trace (from router_check_tool's documentation and behaviour):
 * - `ssl` sets x-forwarded-proto, i.e. the request's scheme; `internal` sets x-envoy-internal: true;
 *   `random_value` defaults to 0 and is passed as the request's random value.
 * - `runtime` names the one runtime key the tool turns on: a runtime_fraction with that key keeps its default share,
 *   settled by the random value, and every other runtime_fraction is off. The tool also raises every 0 % default to
 *   1 % before it loads the configuration. The harness does the same: the same raise in the configuration's text, no
 *   runtime value for the key turned on, and a runtime value of 0 % for every other key (`--runtime KEY=0`).
 * - `dynamic_metadata` entries set namespaces in order; a later entry for the same namespace replaces it only with
 *   `allow_overwrite`.
 * - cluster, virtual cluster, virtual host, path and host rewrites are read from a forwarding route ("" for a
 *   redirect, a direct response or no route, as the tool reads them from the route entry only). `path_redirect` is
 *   the redirect's Location; for a direct response, Envoy's new URI is the request's own (scheme://host/path).
 *   `code_redirect` is the redirect or direct response status.
 * - `request_header_matches` is checked on the forwarded request: rewritten :path and :authority, the method, and the
 *   headers after the route's request_headers_to_add / _remove (the tool's requests come from 127.0.0.1);
 *   `response_header_matches` on Envoy's own answer to a direct response (content-type and content-length of its
 *   body, then the route's response_headers_to_add / _remove).
 */
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { analyze, Workspace } from '../../src/core/facade';
import { headerMatch, traceRequest, type Trace, type TraceRequest } from '../../src/core/trace';

const ROOT = path.join(__dirname, '..', '..', '..');
const DIR = path.resolve(ROOT, '..', 'shared', 'conformance', 'envoy-router-check');

/** The fields compared, as the tool names them. */
const FIELDS = ['cluster_name', 'virtual_cluster_name', 'virtual_host_name', 'path_rewrite', 'host_rewrite', 'path_redirect', 'code_redirect', 'timeout'] as const;

interface Case {
  test_name: string;
  input: {
    authority: string;
    path: string;
    method?: string;
    ssl?: boolean;
    internal?: boolean;
    random_value?: number;
    runtime?: string;
    additional_request_headers?: Array<{ key: string; value: string }>;
    dynamic_metadata?: Array<{ metadata_namespace: string; value: unknown; allow_overwrite?: boolean }>;
    [k: string]: unknown;
  };
  validate: Record<string, unknown>;
}

/** A bootstrap with one listener whose HTTP connection manager holds `routeConfigYaml` inline. */
function wrap(routeConfigYaml: string): string {
  const body = routeConfigYaml.replace(/\r\n/g, '\n').split('\n').map((l) => (l.trim() ? `            ${l}` : '')).join('\n');
  return `static_resources:
  listeners:
  - name: conformance
    address:
      socket_address:
        address: 0.0.0.0
        port_value: 80
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: conformance
          route_config:
${body}
`;
}

/** The runtime_fraction routes of a RouteConfiguration's text: key → default share (numerator, denominator). */
function runtimeKeys(yaml: string): Map<string, { numerator: number; denominator: string }> {
  const out = new Map<string, { numerator: number; denominator: string }>();
  const re = /runtime_fraction:\s*\n\s*runtime_key:\s*(\S+)\s*\n\s*default_value:\s*\n\s*numerator:\s*(\d+)\s*\n\s*denominator:\s*(\w+)/g;
  for (const m of yaml.matchAll(re)) out.set(m[1], { numerator: Number(m[2]), denominator: m[3] });
  if (/runtime_fraction/.test(yaml) && out.size === 0) throw new Error('a runtime_fraction the harness cannot read');
  return out;
}

function requestOf(c: Case, keys: Map<string, { numerator: number; denominator: string }>): { req: TraceRequest; unanswerable?: string } {
  const i = c.input;
  const headers: Record<string, string> = {};
  for (const h of i.additional_request_headers ?? []) {
    const k = h.key.toLowerCase();
    headers[k] = k in headers ? `${headers[k]},${h.value}` : h.value;
  }
  headers['x-forwarded-proto'] = i.ssl ? 'https' : 'http';
  const req: TraceRequest = {
    direction: 'outbound',
    address: '10.0.0.1',
    port: 80,
    transport: 'raw_buffer',
    http: { host: i.authority, path: i.path, method: i.method ?? 'GET', scheme: i.ssl ? 'https' : 'http', headers },
    randomValue: i.random_value ?? 0,
    // The downstream address router_check_tool's requests come from: its golden files expect it in the value of
    // %DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%.
    sourceAddress: '127.0.0.1',
  };
  if (i.internal) req.internal = true;
  let unanswerable: string | undefined;
  if (keys.size) {
    req.runtime = {};
    for (const [key, dflt] of keys) {
      if (dflt.denominator !== 'HUNDRED') unanswerable = `runtime_fraction ${key} has denominator ${dflt.denominator}`;
      if (key !== i.runtime) req.runtime[key] = 0;
    }
  }
  if (i.dynamic_metadata?.length) {
    const md: Record<string, unknown> = {};
    for (const e of i.dynamic_metadata) if (!(e.metadata_namespace in md) || e.allow_overwrite) md[e.metadata_namespace] = e.value;
    req.dynamicMetadata = md;
  }
  return { req, ...(unanswerable ? { unanswerable } : {}) };
}

const FORWARDING = new Set(['cluster', 'weighted_clusters', 'cluster_header', 'cluster_specifier_plugin']);

/** What the trace answers for one `validate` field; `{ why }` when it cannot. */
function answer(t: Trace, field: string): { value: string | number } | { why: string } {
  const route = t.hops.find((h) => h.kind === 'route')?.route;
  const vhost = t.hops.find((h) => h.kind === 'virtualHost');
  const fwd = route && FORWARDING.has(route.action) ? route : undefined;
  const o = t.outcome;
  switch (field) {
    case 'cluster_name':
      if (fwd?.action === 'cluster_specifier_plugin') return { why: 'a cluster specifier plugin picks the cluster' };
      return { value: fwd?.cluster ?? '' };
    case 'virtual_cluster_name':
      return { value: fwd?.virtualCluster ?? '' };
    case 'virtual_host_name':
      return { value: fwd ? vhost?.name ?? '' : '' };
    case 'path_rewrite':
      return { value: fwd?.forwarded.path ?? '' };
    case 'host_rewrite':
      return { value: fwd?.forwarded.host ?? '' };
    case 'path_redirect': {
      if (o.code === 'redirect') return { value: o.location ?? '' };
      const http = t.request.http!;
      if (route?.action === 'direct_response') return { value: `${http.scheme}://${http.host}${route.forwarded.path}` };
      return { value: '' };
    }
    case 'code_redirect':
      return { value: o.code === 'redirect' || o.code === 'direct_response' ? o.status ?? 0 : 0 };
    case 'timeout':
      return fwd?.timeoutMs !== undefined ? { value: `${fwd.timeoutMs / 1000}s` } : { value: '' };
    default:
      return { why: `${field} is not something the trace reports` };
  }
}

/**
 * request_header_matches, on the request as forwarded: rewritten :path and :authority, and the input's headers after
 * the route's request_headers_to_add / _remove (`forwarded.headers`).
 */
function requestHeaderMatches(t: Trace, c: Case): { ok: boolean } | { why: string } {
  const matchers = c.validate.request_header_matches as Array<Record<string, unknown>>;
  const route = t.hops.find((h) => h.kind === 'route')?.route;
  if (!route || !FORWARDING.has(route.action)) return { why: 'request_header_matches without a forwarding route' };
  const http = t.request.http!;
  const headers = new Map<string, string>(Object.entries(route.forwarded.headers ?? http.headers ?? {}));
  headers.set(':authority', route.forwarded.host);
  headers.set(':path', route.forwarded.path);
  headers.set(':method', http.method ?? 'GET');
  return { ok: matchers.every((m) => headerMatch(m, headers).ok) };
}

/** response_header_matches, on Envoy's own answer to a direct response (its body's headers, then the route's changes). */
function responseHeaderMatches(t: Trace, c: Case): { ok: boolean; headers: Record<string, string> } | { why: string } {
  const matchers = c.validate.response_header_matches as Array<Record<string, unknown>>;
  const route = t.hops.find((h) => h.kind === 'route')?.route;
  const headers = route?.directResponse?.headers;
  if (!headers) return { why: 'response_header_matches on a response from upstream, which the trace does not see' };
  return { ok: matchers.every((m) => headerMatch(m, new Map(Object.entries(headers))).ok), headers };
}

describe('Envoy router_check_tool conformance', () => {
  it('answers every case as Envoy does', { timeout: 60_000 }, (t) => {
    if (!existsSync(DIR)) {
      t.skip(`${DIR} does not exist`);
      return;
    }
    const files = readdirSync(DIR).filter((f) => f.endsWith('.golden.proto.json')).sort();
    let right = 0;
    const wrong: string[] = [];
    const unanswered: string[] = [];
    let total = 0;
    let compared = 0;
    for (const f of files) {
      const base = f.slice(0, -'.golden.proto.json'.length);
      const yaml = readFileSync(path.join(DIR, `${base}.yaml`), 'utf8');
      // The tool's own rewrite: a runtime_fraction defaulting to 0 % defaults to 1 % instead.
      const dump = wrap(yaml.replace(/(runtime_fraction:\s*\n(?:\s+(?:runtime_key:.*|default_value:)\s*\n)*\s+numerator:\s*)0\b/g, '$11'));
      const uri = `conformance/${base}.yaml`;
      const bytes = Buffer.from(dump);
      const a = analyze(uri, bytes, { languageId: 'yaml' });
      assert.deepEqual(a.problems.filter((p) => p.code === 'not-envoy'), [], base);
      const ws = new Workspace();
      ws.set(a);
      const keys = runtimeKeys(yaml);
      // protobuf's JSON reader takes a trailing comma (TestRoutes has one); JSON.parse does not.
      const text = readFileSync(path.join(DIR, f), 'utf8').replace(/,(\s*[\]}])/g, '$1');
      const cases = (JSON.parse(text) as { tests: Case[] }).tests;
      for (const c of cases) {
        total++;
        const id = `${base} / ${c.test_name}`;
        const { req, unanswerable } = requestOf(c, keys);
        const tr = traceRequest(ws, uri, bytes, req);
        const bad: string[] = [];
        const open: string[] = [];
        if (unanswerable) open.push(unanswerable);
        for (const field of Object.keys(c.validate)) {
          if ((FIELDS as readonly string[]).includes(field)) {
            const got = answer(tr, field);
            if ('why' in got) {
              open.push(`${field}: ${got.why}`);
              continue;
            }
            const want = c.validate[field];
            compared++;
            if (got.value !== want) bad.push(`${field}: expected ${JSON.stringify(want)}, traced ${JSON.stringify(got.value)}`);
          } else if (field === 'request_header_matches') {
            const r = requestHeaderMatches(tr, c);
            if ('why' in r) open.push(`${field}: ${r.why}`);
            else if ((compared++, !r.ok)) bad.push(`${field}: the forwarded request does not match`);
          } else if (field === 'response_header_matches') {
            const r = responseHeaderMatches(tr, c);
            if ('why' in r) open.push(`${field}: ${r.why}`);
            else if ((compared++, !r.ok)) bad.push(`${field}: Envoy's answer ${JSON.stringify(r.headers)} does not match`);
          } else {
            open.push(`${field}: not something the trace reports (Envoy's local reply and response headers)`);
          }
        }
        if (bad.length) wrong.push(`${id}: ${bad.join('; ')} [${tr.outcome.message}]`);
        else if (open.length) unanswered.push(`${id}: ${open.join('; ')}`);
        else right++;
      }
    }
    const lines = [
      `router_check_tool conformance: ${total} cases (${compared} fields compared), ${right} right, ${wrong.length} wrong, ${unanswered.length} with a field unanswered`,
      ...wrong.map((w) => `  wrong       ${w}`),
      ...unanswered.map((u) => `  unanswered  ${u}`),
    ];
    t.diagnostic(lines.join('\n'));
    console.log(lines.join('\n'));
    assert.ok(total >= 100, `only ${total} cases read`);
    assert.ok(compared >= 225, `only ${compared} fields compared`);
    assert.deepEqual(wrong, []);
    assert.deepEqual(unanswered, []);
  });
});
