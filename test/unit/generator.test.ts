import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import YAML from 'yaml';
import {
  generateDump, generateDumpWithStats, sizeToServices, toYaml, DEFAULT_SIZE_OPTIONS, type GenerateOptions,
} from '../../bench/generateDump';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const BASE: GenerateOptions = { services: 12, portsPerService: 2, casing: 'snake', includeEds: true, seed: 7 };

const TYPES = [
  'type.googleapis.com/envoy.admin.v3.BootstrapConfigDump',
  'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
  'type.googleapis.com/envoy.admin.v3.ListenersConfigDump',
  'type.googleapis.com/envoy.admin.v3.ScopedRoutesConfigDump',
  'type.googleapis.com/envoy.admin.v3.RoutesConfigDump',
  'type.googleapis.com/envoy.admin.v3.SecretsConfigDump',
  'type.googleapis.com/envoy.admin.v3.EndpointsConfigDump',
];

/** Reads a field in either spelling. */
function f(o: Json | undefined, snake: string): Json | undefined {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return undefined;
  if (snake in o) return o[snake];
  return o[snake.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase())];
}

function arr(v: Json | undefined): Json[] {
  return Array.isArray(v) ? v : [];
}

function section(doc: Obj, suffix: string): Obj {
  const s = arr(doc.configs).find((c) => String((c as Obj)['@type']).endsWith(`.${suffix}`));
  assert.ok(s, `section ${suffix}`);
  return s as Obj;
}

function clusterNames(doc: Obj): Set<string> {
  const c = section(doc, 'ClustersConfigDump');
  const names = new Set<string>();
  for (const k of ['static_clusters', 'dynamic_active_clusters']) {
    for (const e of arr(f(c, k))) names.add(String(f(f(e, 'cluster'), 'name')));
  }
  return names;
}

/** Every cluster reference in RoutesConfigDump's dynamic route configs. */
function routeRefs(doc: Obj): string[] {
  const out: string[] = [];
  for (const rc of arr(f(section(doc, 'RoutesConfigDump'), 'dynamic_route_configs'))) {
    for (const vh of arr(f(f(rc, 'route_config'), 'virtual_hosts'))) {
      for (const r of arr(f(vh, 'routes'))) {
        const route = f(r, 'route');
        const c = f(route, 'cluster');
        if (typeof c === 'string') out.push(c);
        for (const w of arr(f(f(route, 'weighted_clusters'), 'clusters'))) out.push(String(f(w, 'name')));
        for (const m of arr(f(route, 'request_mirror_policies'))) out.push(String(f(m, 'cluster')));
      }
    }
  }
  return out;
}

function scalars(v: Json, out: Json[] = []): Json[] {
  if (v !== null && typeof v === 'object') {
    for (const x of Array.isArray(v) ? v : Object.values(v)) scalars(x, out);
  } else {
    out.push(v);
  }
  return out;
}

function keys(v: Json, out = new Set<string>()): Set<string> {
  if (Array.isArray(v)) for (const x of v) keys(x, out);
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) { out.add(k); keys(x, out); }
  return out;
}

test('snake dump parses and has every section of a full /config_dump', () => {
  const text = generateDump(BASE);
  assert.ok(text.startsWith('{\n  "configs": [\n    {\n      "@type": '), 'pretty-printed with 2 spaces');
  const doc = JSON.parse(text) as Obj;
  assert.deepEqual(arr(doc.configs).map((c) => (c as Obj)['@type']), TYPES);
  assert.equal(text, JSON.stringify(doc, null, 2) + '\n', 'same layout as JSON.stringify(…, null, 2)');

  const names = clusterNames(doc);
  for (const n of ['prometheus_stats', 'agent', 'sds-grpc', 'xds-grpc', 'PassthroughCluster', 'BlackHoleCluster',
    'InboundPassthroughClusterIpv4']) assert.ok(names.has(n), n);
  assert.ok([...names].some((n) => /^outbound\|\d+\|\|svc-\d+\.ns-\d+\.svc\.cluster\.local$/.test(n)));
  assert.ok([...names].some((n) => /^outbound\|\d+\|v1\|svc-\d+\.ns-\d+\.svc\.cluster\.local$/.test(n)));
  assert.ok([...names].some((n) => /^inbound\|\d+\|\|$/.test(n)));

  const listeners = arr(f(section(doc, 'ListenersConfigDump'), 'dynamic_listeners')) as Obj[];
  const byName = new Map(listeners.map((l) => [String(l.name), f(f(l, 'active_state'), 'listener') as Obj]));
  assert.equal(byName.get('virtualOutbound')?.use_original_dst, true);
  assert.ok(byName.has('virtualInbound'));
  const httpListener = [...byName.keys()].find((n) => n.startsWith('0.0.0.0_'));
  assert.ok(httpListener);
  const rdsName = f(f(f(arr(f(arr(f(byName.get(httpListener), 'filter_chains'))[0], 'filters'))[0], 'typed_config'), 'rds'), 'route_config_name');
  assert.equal(rdsName, httpListener.slice('0.0.0.0_'.length));
  const routeNames = arr(f(section(doc, 'RoutesConfigDump'), 'dynamic_route_configs')).map((r) => f(f(r, 'route_config'), 'name'));
  assert.ok(routeNames.includes(rdsName));

  const secrets = arr(f(section(doc, 'SecretsConfigDump'), 'dynamic_active_secrets')).map((s) => f(s, 'name'));
  assert.deepEqual(secrets, ['default', 'ROOTCA']);
  assert.ok(text.includes('"tls_certificate_sds_secret_configs"') && text.includes('"validation_context_sds_secret_config"'));

  // Every EDS cluster has its ClusterLoadAssignment, keyed by eds_cluster_config.service_name.
  const cla = new Set(arr(f(section(doc, 'EndpointsConfigDump'), 'dynamic_endpoint_configs'))
    .map((e) => String(f(f(e, 'endpoint_config'), 'cluster_name'))));
  const eds = arr(f(section(doc, 'ClustersConfigDump'), 'dynamic_active_clusters')).map((e) => f(e, 'cluster') as Obj)
    .filter((c) => c.type === 'EDS');
  assert.ok(eds.length > 0);
  for (const c of eds) assert.ok(cla.has(String(f(f(c, 'eds_cluster_config'), 'service_name'))), String(c.name));
  assert.ok(text.includes('"health_status": "HEALTHY"') && text.includes('"lb_endpoints"'));
  assert.ok(!keys(doc).has('routeConfigName'));
});

test('camel dump is the same document with protojson field names', () => {
  const snake = JSON.parse(generateDump(BASE)) as Obj;
  const camelText = generateDump({ ...BASE, casing: 'camel' });
  const camel = JSON.parse(camelText) as Obj;
  assert.deepEqual(scalars(camel), scalars(snake), 'same values in the same order');
  const k = keys(camel);
  for (const name of ['routeConfigName', 'filterChains', 'dynamicActiveClusters', 'edsClusterConfig', 'serviceName',
    'lbEndpoints', 'clusterName', 'versionInfo', 'lastUpdated', 'socketAddress', 'portValue', 'useOriginalDst',
    'tlsCertificateSdsSecretConfigs', 'validationContextSdsSecretConfig', 'dynamicEndpointConfigs', 'weightedClusters',
    'requestMirrorPolicies', '@type']) assert.ok(k.has(name), name);
  for (const name of ['route_config_name', 'filter_chains', 'dynamic_active_clusters', 'eds_cluster_config', 'service_name',
    'lb_endpoints', 'cluster_name', 'version_info', 'last_updated', 'socket_address', 'port_value', 'typed_config',
    'weighted_clusters', 'request_mirror_policies']) assert.ok(!k.has(name), name);
  // Struct contents keep their spelling, as protojson prints them.
  assert.ok(k.has('default_original_port') && k.has('envoy.transport_socket_match'));
  assert.equal(clusterNames(camel).size, clusterNames(snake).size);
});

test('same seed gives the same text; another seed another text', () => {
  assert.equal(generateDump(BASE), generateDump(BASE));
  assert.notEqual(generateDump(BASE), generateDump({ ...BASE, seed: 8 }));
});

test('includeEds: false leaves the endpoints section out', () => {
  const doc = JSON.parse(generateDump({ ...BASE, includeEds: false })) as Obj;
  assert.deepEqual(arr(doc.configs).map((c) => (c as Obj)['@type']), TYPES.slice(0, 6));
});

test('sizeToServices(1 MB) gives a dump within 20% of 1 MB', () => {
  const target = 1_000_000;
  const services = sizeToServices(target);
  const { text, stats } = generateDumpWithStats({ ...DEFAULT_SIZE_OPTIONS, services });
  assert.equal(stats.bytes, Buffer.byteLength(text));
  assert.ok(Math.abs(stats.bytes - target) <= 0.2 * target, `${stats.bytes} bytes for ${services} services`);
  assert.ok(sizeToServices(10_000_000) > services);
});

for (const casing of ['snake', 'camel'] as const) {
  test(`danglingRate makes that fraction of route cluster references dangle (${casing})`, () => {
    for (const rate of [0, 0.1, 0.25]) {
      const { text, stats } = generateDumpWithStats({ ...BASE, services: 60, casing, danglingRate: rate });
      const doc = JSON.parse(text) as Obj;
      const names = clusterNames(doc);
      const refs = routeRefs(doc);
      const dangling = refs.filter((r) => !names.has(r)).length;
      assert.equal(refs.length, stats.routeClusterRefs);
      assert.equal(dangling, Math.floor(refs.length * rate), `rate ${rate}: ${dangling} of ${refs.length}`);
      assert.equal(dangling, stats.danglingRefs);
      if (rate > 0) assert.ok(dangling > 0);
    }
  });
}

test('routes include weighted clusters, mirrors and tcp_proxy chains', () => {
  const text = generateDump({ ...BASE, services: 60 });
  for (const s of ['"weighted_clusters"', '"request_mirror_policies"', '"envoy.filters.network.tcp_proxy"',
    '"use_original_dst": true', '"domains"', '"filter_metadata"', '"last_updated"', '"version_info"']) {
    assert.ok(text.includes(s), s);
  }
});

test('toYaml prints the same document in block style', () => {
  const text = generateDump({ ...BASE, services: 3 });
  const y = toYaml(text);
  assert.ok(y.startsWith("configs:\n  - '@type': type.googleapis.com/envoy.admin.v3.BootstrapConfigDump\n"), y.slice(0, 120));
  let flow = 0;
  YAML.visit(YAML.parseDocument(y), {
    Map: (_k, n) => void (n.flow && n.items.length > 0 && flow++),
    Seq: (_k, n) => void (n.flow && n.items.length > 0 && flow++),
  });
  assert.equal(flow, 0, 'block style: no flow collections but {} and []');
  assert.deepEqual(YAML.parse(y), JSON.parse(text));
});
