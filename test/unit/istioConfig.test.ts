/**
 * Which Istio resource made each definition (issue 10 §6): the path istiod writes in
 * `metadata.filter_metadata.istio.config`, read into `info.istio`, shown in hover and by `envoy-lens refs`.
 * The fixture istio-config.{json,yaml} is hand-written after the shapes of the corpus dumps; the corpus (when beside
 * this checkout) is counted against its own text.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { analyze, hoverAt, istioConfigLabel, parseIstioConfigPath, type Analysis } from '../../src/core/facade';
import { main } from '../../src/cli/main';
import { TWINS, at, loadFixture, loadText } from './fixtureWorkspace';
import { CORPUS, corpusDumps } from './corpusDumps';

const ROOT = path.join(__dirname, '..', '..', '..');

/** `kind name → label` for every definition that carries an Istio resource, in document order. */
function made(a: Analysis): string[] {
  return a.defs.filter((d) => d.info.istio).map((d) => `${d.kind} ${d.name} → ${istioConfigLabel(d.info.istio!)}`);
}

describe('parseIstioConfigPath', () => {
  it("reads istiod's paths into Istio's kind names", () => {
    const p = (s: string) => parseIstioConfigPath(s);
    assert.deepEqual(p('/apis/networking.istio.io/v1alpha3/namespaces/default/virtual-service/reviews'), {
      kind: 'VirtualService', namespace: 'default', name: 'reviews',
    });
    assert.deepEqual(p('/apis/networking.istio.io/v1alpha3/namespaces/bookinfo/destination-rule/ratings-dr'), {
      kind: 'DestinationRule', namespace: 'bookinfo', name: 'ratings-dr',
    });
    assert.equal(p('/apis/networking.istio.io/v1alpha3/namespaces/default/sidecar/default')?.kind, 'Sidecar');
    assert.equal(p('/apis/networking.istio.io/v1beta1/namespaces/istio-system/gateway/ingress')?.kind, 'Gateway');
    assert.equal(p('/apis/networking.istio.io/v1alpha3/namespaces/istio-system/envoy-filter/lua-hdr')?.kind, 'EnvoyFilter');
    assert.equal(p('/apis/networking.istio.io/v1/namespaces/db/service-entry/external-pg')?.kind, 'ServiceEntry');
    // Older releases wrote the group as `networking`.
    assert.deepEqual(p('/apis/networking/v1alpha3/namespaces/default/virtual-service/ratings'), {
      kind: 'VirtualService', namespace: 'default', name: 'ratings',
    });
    // A kind not in the table is turned back from istiod's one-dash-per-capital spelling.
    assert.equal(p('/apis/gateway.networking.k8s.io/v1/namespaces/web/h-t-t-p-route/frontend')?.kind, 'HTTPRoute');
  });

  it('refuses what is not such a path', () => {
    for (const s of [
      '',
      'reviews.default',
      '/apis/networking.istio.io/v1alpha3/namespaces/default/virtual-service',
      '/apis/networking.istio.io/v1alpha3/namespaces/default/virtual-service/reviews/extra',
      '/apis/networking.istio.io/v1alpha3/default/virtual-service/reviews',
      'apis/networking.istio.io/v1alpha3/namespaces/default/virtual-service/reviews',
      '/apis/networking.istio.io/v1alpha3/namespaces/default/Virtual_Service/reviews',
    ]) {
      assert.equal(parseIstioConfigPath(s), undefined, s);
    }
  });
});

describe('info.istio in the index', () => {
  for (const f of TWINS('istio-config')) {
    it(`${f}: filter chains, clusters and routes carry the resource istiod made them from`, () => {
      const { a } = loadFixture(f);
      assert.deepEqual(made(a), [
        'filterChain 0.0.0.0_9080 → Sidecar default.default',
        'filterChain sni payments.shop.svc.cluster.local → VirtualService payments-tls.shop',
        'cluster outbound|9080|v1|reviews.default.svc.cluster.local → DestinationRule reviews.default',
        'route reviews-v1 → VirtualService reviews.default',
        'route ratings-legacy → VirtualService ratings.default',
      ]);
      // Istio metadata without `config`, a path istiod does not write, and no metadata at all: nothing recorded.
      for (const name of ['outbound|9080||ratings.default.svc.cluster.local', 'outbound|9080||payments.shop.svc.cluster.local', 'default']) {
        const d = a.defs.find((x) => x.name === name && (x.kind === 'cluster' || x.kind === 'route'))!;
        assert.ok(d, name);
        assert.equal(d.info.istio, undefined, name);
      }
    });
  }

  it('reads the camelCase spelling of istioctl output, on listeners, route configs and virtual hosts too', () => {
    const cfg = (kind: string, name: string) =>
      `"metadata": {"filterMetadata": {"istio": {"config": "/apis/networking.istio.io/v1alpha3/namespaces/edge/${kind}/${name}"}}}`;
    const { a } = loadText(
      'file:///istioctl-routes.json',
      `[{"name": "http.8080", ${cfg('gateway', 'public')}, "virtualHosts": [{"name": "shop.example.com:80", "domains": ["shop.example.com"],
        ${cfg('virtual-service', 'shop-vh')}, "routes": [{"name": "cart", "match": {"prefix": "/cart"},
        "route": {"cluster": "outbound|80||cart.shop.svc.cluster.local"}, ${cfg('virtual-service', 'shop')}}]}]}]`,
    );
    assert.deepEqual(made(a), [
      'routeConfig http.8080 → Gateway public.edge',
      'virtualHost shop.example.com:80 → VirtualService shop-vh.edge',
      'route cart → VirtualService shop.edge',
    ]);
    const l = loadText(
      'file:///istioctl-listeners.json',
      `[{"name": "0.0.0.0_8443", "address": {"socketAddress": {"address": "0.0.0.0", "portValue": 8443}}, ${cfg('gateway', 'tls-gw')}, "filterChains": []}]`,
    );
    assert.deepEqual(made(l.a), ['listener 0.0.0.0_8443 → Gateway tls-gw.edge']);
  });
});

describe('hover and refs name the Istio resource', () => {
  for (const f of TWINS('istio-config')) {
    it(`${f}: hover on a route, a cluster and a reference to the cluster`, () => {
      const { ws, uri, text } = loadFixture(f);
      const route = hoverAt(ws, uri, at(text, 'name', 'reviews-v1'))!;
      assert.match(route.markdown, /^- from VirtualService `reviews\.default`$/m);
      const cluster = hoverAt(ws, uri, at(text, 'name', 'outbound|9080|v1|reviews.default.svc.cluster.local'))!;
      assert.match(cluster.markdown, /^- from DestinationRule `reviews\.default`$/m);
      const ref = hoverAt(ws, uri, at(text, 'cluster', 'outbound|9080|v1|reviews.default.svc.cluster.local'))!;
      assert.match(ref.markdown, /^- from DestinationRule `reviews\.default`$/m);
      const plain = hoverAt(ws, uri, at(text, 'name', 'outbound|9080||ratings.default.svc.cluster.local'))!;
      assert.doesNotMatch(plain.markdown, /- from /);
    });
  }

  it('envoy-lens refs says which resource a definition came from', () => {
    const out: string[] = [];
    const code = main(['refs', path.join(ROOT, 'test', 'fixtures', 'istio-config.json'), '--name', 'outbound|9080|v1|reviews.default.svc.cluster.local'], {
      out: (s) => out.push(s),
      err: () => undefined,
    });
    assert.equal(code, 0);
    const def = out.filter((l) => l.includes(' definition '));
    assert.equal(def.length, 1);
    assert.match(def[0], / cluster definition \(dynamic_active_clusters\) from DestinationRule reviews\.default$/);
    assert.ok(out.some((l) => / cluster reference \(route\)$/.test(l)));
  });
});

/** How many objects of a parsed dump carry `metadata.filter_metadata.istio.config` (either spelling) as a path. */
function countConfigured(value: unknown): number {
  let n = 0;
  const stack: unknown[] = [value];
  while (stack.length) {
    const v = stack.pop();
    if (Array.isArray(v)) {
      stack.push(...v);
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    const o = v as Record<string, unknown>;
    const md = o.metadata as Record<string, Record<string, Record<string, unknown>>> | undefined;
    const fm = md && typeof md === 'object' ? (md.filter_metadata ?? md.filterMetadata) : undefined;
    const c = fm?.istio?.config;
    if (typeof c === 'string' && c.startsWith('/apis/')) n++;
    for (const k of Object.keys(o)) if (k !== 'metadata') stack.push(o[k]);
  }
  return n;
}

describe('info.istio on the corpus', () => {
  const files = corpusDumps().filter((d) => d.languageId === 'json');
  if (files.length === 0) {
    it('is skipped: ../shared/corpus is not beside this checkout', (t) => {
      console.log(`# corpus part skipped: ${CORPUS} does not exist`);
      t.skip('corpus folder absent');
    });
    return;
  }
  it('records one resource for every object istiod marked, in every JSON dump of the corpus', () => {
    let total = 0;
    for (const { name: f, path: file } of files) {
      const bytes = readFileSync(file);
      let expected: number;
      try {
        expected = countConfigured(JSON.parse(bytes.toString('utf8')));
      } catch {
        continue; // not plain JSON (the index has its own test for those)
      }
      const a = analyze(f, bytes, { languageId: 'json' });
      const got = a.defs.filter((d) => d.info.istio && d.group === 'main').length;
      assert.equal(got, expected, f);
      total += got;
    }
    // The corpus holds real Istio dumps with DestinationRule clusters and VirtualService routes.
    assert.ok(total >= 100, `only ${total} definitions with an Istio resource in the corpus`);
  });

  it('names the VirtualService behind the routes of a real ingress gateway dump', (t) => {
    const f = 'istio__istio__istioctl__cmd__testdata__describe__istio-ingressgateway-5bf6c9887-vvvmj.json';
    if (!existsSync(path.join(CORPUS, f))) return t.skip(`${f} absent`);
    const a = analyze(f, readFileSync(path.join(CORPUS, f)), { languageId: 'json' });
    const routes = a.defs.filter((d) => d.kind === 'route' && d.info.istio);
    assert.equal(routes.length, 5);
    for (const r of routes) assert.equal(r.info.istio!.kind, 'VirtualService');
    const clusters = a.defs.filter((d) => d.kind === 'cluster' && d.info.istio);
    assert.equal(clusters.length, 34);
    for (const c of clusters) assert.equal(c.info.istio!.kind, 'DestinationRule');
  });
});
