/**
 * What the trace reports about the route and how the request ends (the `route` hop fields and the outcome fields,
 * a contract for scripts), and the routing inputs that settle what a configuration leaves to chance or to other
 * filters: random value, runtime values, dynamic metadata, internal requests. Checked on trace-actions.{json,yaml};
 * expectations come from Envoy's documented behaviour (weighted cluster = the branch `random % total weight` falls
 * in; runtime fraction = `random % denominator < numerator`; require_tls EXTERNAL_ONLY spares x-envoy-internal).
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { runTrace } from '../../src/cli/trace';
import { analyze, Workspace } from '../../src/core/facade';
import { parseTarget, traceRequest, type TargetOptions, type Trace, type TraceRequest } from '../../src/core/trace';

const ROOT = path.join(__dirname, '..', '..', '..');
const FIX = path.join(ROOT, 'test', 'fixtures');

function trace(file: string, to: string, opts: TargetOptions = {}, extra: Partial<TraceRequest> = {}): Trace {
  const p = path.join(FIX, file);
  const bytes = readFileSync(p);
  const ws = new Workspace();
  ws.set(analyze(p, bytes, { languageId: p.endsWith('.yaml') ? 'yaml' : 'json' }));
  return traceRequest(ws, p, bytes, { ...parseTarget(to, opts), ...extra });
}

const routeHop = (t: Trace) => t.hops.find((h) => h.kind === 'route');

for (const ext of ['json', 'yaml']) {
  const f = `trace-actions.${ext}`;
  const go = (p: string, extra: Partial<TraceRequest> = {}, opts: TargetOptions = {}) => trace(f, `http://app.example.com:8080${p}`, { headers: { host: 'app.example.com' }, ...opts }, extra);

  describe(`route hop report (${f})`, () => {
    it('reports the path and host forwarded after prefix_rewrite and host_rewrite_literal, the timeout and the landing', () => {
      const t = go('/api/users?x=1');
      assert.equal(routeHop(t)?.name, 'rewrite');
      assert.deepEqual(routeHop(t)?.route, {
        index: 0,
        action: 'cluster',
        cluster: 'svc-a',
        forwarded: { path: '/v2/users?x=1', host: 'backend.internal' },
        timeoutMs: 2500,
        virtualCluster: 'other',
      });
      assert.deepEqual(
        { ok: t.outcome.ok, code: t.outcome.code, cluster: t.outcome.cluster, endpoint: t.outcome.endpoint, status: t.outcome.status },
        { ok: true, code: 'forwarded', cluster: 'svc-a', endpoint: '10.1.0.1:80', status: undefined },
      );
    });
    it('names the virtual cluster the request falls in; the default timeout is 15 s; no endpoint when there are several', () => {
      const t = go('/orders/12', {}, { method: 'PUT' });
      const r = routeHop(t)!.route!;
      assert.equal(r.index, 8);
      assert.equal(r.virtualCluster, 'orders-put');
      assert.equal(r.timeoutMs, 15000);
      assert.deepEqual(r.forwarded, { path: '/orders/12', host: 'app.example.com' });
      assert.equal(t.outcome.cluster, 'svc-c');
      assert.equal(t.outcome.endpoint, undefined);
      assert.equal(go('/orders/12').hops.find((h) => h.kind === 'route')!.route!.virtualCluster, 'other');
    });
    it('lists weighted branches, and picks the one the random value falls in', () => {
      const all = go('/split');
      assert.deepEqual(routeHop(all)!.route!.weighted, [{ cluster: 'svc-a', weight: 30 }, { cluster: 'svc-b', weight: 70 }]);
      assert.equal(routeHop(all)!.route!.picked, undefined);
      assert.equal(all.outcome.cluster, undefined);
      assert.equal(all.hops.filter((h) => h.kind === 'cluster').length, 2);
      const pick = (n: number) => go('/split', { randomValue: n });
      for (const [n, want] of [[0, 'svc-a'], [29, 'svc-a'], [30, 'svc-b'], [99, 'svc-b'], [129, 'svc-a'], [130, 'svc-b']] as const) {
        const t = pick(n);
        assert.equal(routeHop(t)!.route!.picked, want, `random ${n}`);
        assert.equal(routeHop(t)!.route!.cluster, want);
        assert.equal(t.outcome.cluster, want);
        assert.deepEqual(t.hops.filter((h) => h.kind === 'cluster').map((h) => h.name), [want]);
      }
    });
    it('reports a redirect with its status and location; Envoy answers it itself (details direct_response)', () => {
      const t = go('/old/page?q=1');
      assert.deepEqual(routeHop(t)!.route, {
        index: 5,
        action: 'redirect',
        forwarded: { path: '/old/page?q=1', host: 'app.example.com' },
        redirect: { status: 302, location: 'http://app.example.com/new?q=1' },
        virtualCluster: 'other',
      });
      const o = t.outcome;
      assert.deepEqual([o.ok, o.code, o.status, o.details, o.location, o.flag], [true, 'redirect', 302, 'direct_response', 'http://app.example.com/new?q=1', undefined]);
    });
    it('reports a direct response with its status and the headers of its body ("ok")', () => {
      const t = go('/healthz');
      assert.equal(routeHop(t)!.route!.action, 'direct_response');
      assert.deepEqual(routeHop(t)!.route!.directResponse, { status: 200, headers: { 'content-type': 'text/plain', 'content-length': '2' } });
      assert.deepEqual([t.outcome.code, t.outcome.status, t.outcome.details, t.outcome.location], ['direct_response', 200, 'direct_response', undefined]);
    });
    it('takes the cluster from cluster_header, and says 503 NC cluster_not_found without the header', () => {
      const t = go('/by-header', {}, { headers: { host: 'app.example.com', 'x-cluster': 'svc-b' } });
      assert.deepEqual([routeHop(t)!.route!.action, routeHop(t)!.route!.cluster, t.outcome.cluster, t.outcome.endpoint], ['cluster_header', 'svc-b', 'svc-b', '10.1.0.2:80']);
      const none = go('/by-header');
      assert.equal(routeHop(none)!.route!.cluster, undefined);
      assert.deepEqual([none.outcome.ok, none.outcome.status, none.outcome.flag, none.outcome.details], [false, 503, 'NC', 'cluster_not_found']);
    });
    it('says 404 NR route_not_found when no virtual host matches', () => {
      const t = trace(f, 'http://nowhere.example.com:8080/');
      assert.deepEqual([t.outcome.code, t.outcome.status, t.outcome.flag, t.outcome.details], ['route_not_found', 404, 'NR', 'route_not_found']);
      assert.equal(routeHop(t), undefined);
    });
  });

  describe(`routing inputs (${f})`, () => {
    it('runtime_fraction: a share between 0 and 100 % is not taken without a random value, and a note gives the share', () => {
      const t = go('/canary');
      assert.equal(routeHop(t)!.name, 'default');
      assert.ok(t.notes.some((n) => /"canary".*25%.*runtime_fraction "app\.canary"/.test(n)), t.notes.join('\n'));
    });
    it('runtime_fraction: the random value settles it (random % 100 < 25)', () => {
      assert.equal(routeHop(go('/canary', { randomValue: 24 }))!.name, 'canary');
      assert.equal(routeHop(go('/canary', { randomValue: 25 }))!.name, 'default');
      assert.equal(routeHop(go('/canary', { randomValue: 124 }))!.name, 'canary');
    });
    it('runtime_fraction: a runtime value overrides the default share', () => {
      assert.equal(routeHop(go('/canary', { runtime: { 'app.canary': 100 } }))!.name, 'canary');
      assert.equal(routeHop(go('/canary', { runtime: { 'app.canary': 0 }, randomValue: 0 }))!.name, 'default');
      assert.equal(routeHop(go('/canary', { runtime: { 'app.canary': 50 }, randomValue: 40 }))!.name, 'canary');
    });
    it('runtime_fraction: a 0 % default never matches, whatever the random value, unless a runtime value turns it on', () => {
      assert.equal(routeHop(go('/feature'))!.name, 'default');
      assert.equal(routeHop(go('/feature', { randomValue: 0 }))!.name, 'default');
      assert.equal(routeHop(go('/feature', { runtime: { 'feature.on': 100 } }))!.name, 'feature-off');
    });
    it('dynamic_metadata: no match without metadata; matches the value it names', () => {
      const none = go('/tenant');
      assert.equal(routeHop(none)!.name, 'default');
      assert.ok(routeHop(none)!.rejected!.some((r) => /dynamic metadata envoy\.lb\.tenant does not match \(absent/.test(r)), routeHop(none)!.rejected!.join('\n'));
      assert.equal(routeHop(go('/tenant', { dynamicMetadata: { 'envoy.lb': { tenant: 'gold' } } }))!.name, 'tenant');
      assert.equal(routeHop(go('/tenant', { dynamicMetadata: { 'envoy.lb': { tenant: 'silver' } } }))!.name, 'default');
      assert.equal(routeHop(go('/tenant', { dynamicMetadata: { other: { tenant: 'gold' } } }))!.name, 'default');
    });
    it('require_tls EXTERNAL_ONLY redirects an external plaintext request, not an internal one', () => {
      const sec = { headers: { host: 'secure.example.com' } };
      const ext = trace(f, 'http://secure.example.com:8080/a?b=1', sec);
      assert.deepEqual([ext.outcome.code, ext.outcome.status, ext.outcome.location], ['redirect', 301, 'https://secure.example.com/a?b=1']);
      const internal = trace(f, 'http://secure.example.com:8080/a', sec, { internal: true });
      assert.deepEqual([internal.outcome.code, internal.outcome.cluster], ['forwarded', 'svc-a']);
      const header = trace(f, 'http://secure.example.com:8080/a', { headers: { host: 'secure.example.com', 'x-envoy-internal': 'true' } });
      assert.equal(header.outcome.code, 'forwarded');
      // TLS terminated in front: x-forwarded-proto https is not redirected.
      assert.equal(trace(f, 'http://secure.example.com:8080/a', { headers: { host: 'secure.example.com', 'x-forwarded-proto': 'https' } }).outcome.code, 'forwarded');
    });
  });
}

function cli(...argv: string[]): { code: number; out: string; err: string } {
  const out: string[] = [];
  const err: string[] = [];
  const code = runTrace(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('envoy-lens trace routing inputs', () => {
  const fx = path.join(FIX, 'trace-actions.yaml');
  const to = ['--to', 'http://app.example.com:8080/split', '-H', 'host=app.example.com'];
  const app = (p: string) => ['--to', `http://app.example.com:8080${p}`, '-H', 'host=app.example.com'];
  it('lists every input flag in --help', () => {
    const help = cli('--help').out;
    for (const flag of ['--random-value N', '--runtime KEY[=PERCENT]', '--metadata NS=JSON', '--internal']) assert.ok(help.includes(flag), flag);
  });
  it('--random-value picks the weighted branch; JSON carries the route and outcome fields', () => {
    const r = cli(fx, ...to, '--random-value', '45', '--format', 'json');
    assert.equal(r.code, 0, r.err);
    const o = JSON.parse(r.out) as { request: TraceRequest; hops: Array<Record<string, unknown>>; outcome: Record<string, unknown> };
    assert.equal(o.request.randomValue, 45);
    const route = o.hops.find((h) => h.kind === 'route')!.route as Record<string, unknown>;
    assert.deepEqual(route, {
      index: 4,
      action: 'weighted_clusters',
      forwarded: { path: '/split', host: 'app.example.com' },
      virtualCluster: 'other',
      timeoutMs: 15000,
      weighted: [{ cluster: 'svc-a', weight: 30 }, { cluster: 'svc-b', weight: 70 }],
      picked: 'svc-b',
      cluster: 'svc-b',
    });
    assert.deepEqual(o.outcome, { ok: true, code: 'forwarded', message: '→ 10.1.0.2:80 (UNKNOWN)', cluster: 'svc-b', endpoint: '10.1.0.2:80' });
    const text = cli(fx, ...to, '--random-value', '45');
    assert.match(text.out, /route +split: .*random value 45 → 45 of 100 picks svc-b/);
  });
  it('--runtime, --metadata and --internal reach the routing', () => {
    const rt = cli(fx, ...app('/canary'), '--runtime', 'app.canary', '--format', 'json');
    assert.equal((JSON.parse(rt.out) as { outcome: { cluster: string } }).outcome.cluster, 'svc-b');
    const pct = cli(fx, ...app('/canary'), '--runtime', 'app.canary=10', '--random-value', '15', '--format', 'json');
    assert.equal((JSON.parse(pct.out) as { outcome: { cluster: string } }).outcome.cluster, 'svc-c');
    const md = cli(fx, ...app('/tenant'), '--metadata', 'envoy.lb={"tenant":"gold"}', '--format', 'json');
    assert.equal((JSON.parse(md.out) as { outcome: { cluster: string } }).outcome.cluster, 'svc-b');
    const merged = cli(fx, ...app('/tenant'), '--metadata', 'envoy.lb={"tenant":"gold"}', '--metadata', 'envoy.lb={"zone":"a"}', '--format', 'json');
    assert.deepEqual((JSON.parse(merged.out) as { request: TraceRequest }).request.dynamicMetadata, { 'envoy.lb': { tenant: 'gold', zone: 'a' } });
    const ext = cli(fx, '--to', 'http://secure.example.com:8080/', '-H', 'host=secure.example.com');
    assert.match(ext.out.split('\n').pop()!, /^→ 301 redirect to https:\/\/secure\.example\.com\//);
    const internal = cli(fx, '--to', 'http://secure.example.com:8080/', '-H', 'host=secure.example.com', '--internal');
    assert.equal(internal.out.split('\n').pop(), '→ 10.1.0.1:80 (UNKNOWN)');
  });
  it('exits 2 on a bad value or an unknown flag', () => {
    for (const bad of [
      ['--random-value', 'x'],
      ['--random-value', '-1'],
      ['--runtime', 'k=150'],
      ['--runtime', '=5'],
      ['--metadata', 'ns'],
      ['--metadata', 'ns=[1]'],
      ['--metadata', 'ns={bad'],
      ['--random'],
      ['--runtime-value', '1'],
    ]) {
      const r = cli(fx, ...to, ...bad);
      assert.equal(r.code, 2, bad.join(' '));
      assert.match(r.err, /envoy-lens: .*--help/);
    }
    assert.equal(cli(fx, '--to', 'tcp://10.0.0.1:8080', '--internal').code, 2);
  });
});
