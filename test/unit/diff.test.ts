/**
 * `diff` (issue 13 §1): a dump against itself and against its YAML / compact / other-shape twins is empty; planted
 * changes are found exactly, with Envoy's field paths and the consequences we know; volatile fields are ignored
 * unless --all; secrets are named by hash, never printed. Corpus dumps (../shared/corpus) when present.
 */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { parse as parseJsonc } from 'jsonc-parser';
import YAML from 'yaml';
import { analyze, changeDocument, diffDumps, sha256Hex, type DiffResult } from '../../src/core/facade';
import { eachCorpusDump } from './corpusDumps';
import { runCli, type CliRun } from './cliRun';

const ROOT = path.join(__dirname, '..', '..', '..');
const FIX = path.join(ROOT, 'test', 'fixtures');

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function side(text: string | Uint8Array, lang: 'json' | 'yaml'): { analysis: ReturnType<typeof analyze>; source: string | Uint8Array } {
  return { analysis: analyze(`x.${lang}`, text, { languageId: lang }), source: text };
}

function diff(a: string | Uint8Array, b: string | Uint8Array, opts: { la?: 'json' | 'yaml'; lb?: 'json' | 'yaml'; all?: boolean } = {}): DiffResult {
  return diffDumps(side(a, opts.la ?? 'json'), side(b, opts.lb ?? 'json'), { all: opts.all });
}

function read(name: string): string {
  return readFileSync(path.join(FIX, name), 'utf8');
}

/** `kind name change` per change, for exact comparisons. */
function summary(r: DiffResult): string[] {
  return r.changes.map((c) => `${c.kind} ${c.name} ${c.change}`);
}

const toYaml = (v: unknown): string => YAML.stringify(v, { lineWidth: 0, aliasDuplicateObjects: false });

/** Every key camelCased except inside metadata maps, as istioctl (protojson) prints. */
function camel(v: unknown, opaque = false): unknown {
  if (Array.isArray(v)) return v.map((x) => camel(x, opaque));
  if (v === null || typeof v !== 'object') return v;
  const out: J = {};
  for (const [k, x] of Object.entries(v as J)) {
    const ck = opaque || k === '@type' ? k : k.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
    out[ck] = camel(x, opaque || k === 'metadata' || k === 'typed_per_filter_config');
  }
  return out;
}

const JSON_FIXTURES = ['sidecar.json', 'trace-istio.json', 'trace-chains.json', 'trace-domains.json', 'trace-routes.json', 'trace-regex.json',
  'envoy.bootstrap.json', 'istioctl-clusters.camel.json', 'istioctl-listeners.camel.json', 'istioctl-routes.camel.json'];

describe('diff: equal inputs give no change', () => {
  for (const f of JSON_FIXTURES) {
    it(`${f}: itself, its YAML twin, its compact and re-indented forms`, () => {
      const text = read(f);
      assert.deepEqual(summary(diff(text, text)), []);
      assert.deepEqual(summary(diff(Buffer.from(text), text)), []);
      assert.deepEqual(summary(diff(text, read(f.replace(/\.json$/, '.yaml')), { lb: 'yaml' })), []);
      const start = text.search(/[[{]/);
      const v = parseJsonc(text.slice(start), [], { allowTrailingComma: true }) as unknown; // the bootstrap fixture has trailing commas
      assert.deepEqual(summary(diff(text, JSON.stringify(v))), []);
      assert.deepEqual(summary(diff(text, JSON.stringify(v, null, 4))), []);
    });
  }

  it('a full dump against istioctl-shaped camelCase clusters: matched by name, only the state differs', () => {
    const dump = JSON.parse(read('trace-istio.json')) as J;
    const cds = dump.configs.find((c: J) => String(c['@type']).endsWith('ClustersConfigDump'));
    const clusters = [...(cds.static_clusters ?? []), ...(cds.dynamic_active_clusters ?? []), ...(cds.dynamic_warming_clusters ?? [])]
      .map((w: J) => w.cluster);
    const pc = JSON.stringify(camel(clusters), null, 2);
    const r = diff(read('trace-istio.json'), pc);
    assert.deepEqual(summary(r), ['cluster outbound|9080||warming.default.svc.cluster.local changed']);
    assert.equal(r.changes[0].note, 'cluster outbound|9080||warming.default.svc.cluster.local finished warming in B');
    assert.equal(r.changes[0].fields, undefined);
    // istioctl's array has no listeners, routes, endpoints or bootstrap: those are not compared, not "removed".
    assert.deepEqual(r.notCompared.sort(), ['bootstrap', 'cluster_load_assignment', 'listener', 'route_configuration']);
  });
});

/** trace-istio.json with planted changes. */
function planted(): { a: string; b: J } {
  const a = read('trace-istio.json');
  const b = JSON.parse(a) as J;
  const section = (suffix: string): J => b.configs.find((c: J) => String(c['@type']).endsWith(suffix));
  // 1. Weights 75/25 → 80/20 on the ratings route.
  const rds = section('RoutesConfigDump');
  const rc9080 = rds.dynamic_route_configs.find((w: J) => w.route_config.name === '9080').route_config;
  const ratings = rc9080.virtual_hosts.find((v: J) => v.name === 'ratings.default.svc.cluster.local:9080');
  ratings.routes[0].route.weighted_clusters.clusters[0].weight = 80;
  ratings.routes[0].route.weighted_clusters.clusters[1].weight = 20;
  // 2. One of the two healthy ratings-v1 endpoints turns unhealthy.
  const eds = section('EndpointsConfigDump');
  const v1 = eds.dynamic_endpoint_configs.find((w: J) => w.endpoint_config.cluster_name === 'outbound|9080|v1|ratings.default.svc.cluster.local');
  v1.endpoint_config.endpoints[0].lb_endpoints[1].health_status = 'UNHEALTHY';
  // 3. The details cluster is removed, a new cluster is added.
  const cds = section('ClustersConfigDump');
  const i = cds.dynamic_active_clusters.findIndex((w: J) => w.cluster.name === 'outbound|9080||details.default.svc.cluster.local');
  const [removed] = cds.dynamic_active_clusters.splice(i, 1);
  const added = JSON.parse(JSON.stringify(removed)) as J;
  added.cluster.name = 'outbound|9090||new.default.svc.cluster.local';
  added.cluster.eds_cluster_config.service_name = added.cluster.name;
  cds.dynamic_active_clusters.push(added);
  // 4. A virtual host's domains, and the order of the ratings and reviews virtual hosts (order of hosts is not
  //    meaningful: Envoy picks by domain) .
  const reviews = rc9080.virtual_hosts.find((v: J) => v.name === 'reviews.default.svc.cluster.local:9080');
  reviews.domains.push('reviews.default');
  // 5. Volatile fields everywhere.
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v as J)) {
        if (k === 'version_info') (v as J)[k] = '2';
        else if (k === 'last_updated') (v as J)[k] = '2030-01-01T00:00:00Z';
        else walk(x);
      }
    }
  };
  walk(b);
  return { a, b };
}

const EXPECTED = [
  'route 9080/ratings.default.svc.cluster.local:9080/default changed',
  'virtual_host 9080/reviews.default.svc.cluster.local:9080 changed',
  'cluster outbound|9080||details.default.svc.cluster.local removed',
  'cluster outbound|9090||new.default.svc.cluster.local added',
  'cluster_load_assignment outbound|9080|v1|ratings.default.svc.cluster.local changed',
].sort();

describe('diff: planted changes', () => {
  it('are found exactly, with field paths and consequences', () => {
    const { a, b } = planted();
    for (const [text, lang] of [[JSON.stringify(b, null, 2), 'json'], [toYaml(b), 'yaml'], [JSON.stringify(camel(b)), 'json']] as const) {
      const r = diff(a, text, { lb: lang });
      assert.deepEqual(summary(r).sort(), EXPECTED, lang);
      const route = r.changes.find((c) => c.kind === 'route')!;
      assert.deepEqual(route.fields, [
        { path: 'route.weighted_clusters.clusters[outbound|9080|v1|ratings.default.svc.cluster.local].weight', a: 75, b: 80 },
        { path: 'route.weighted_clusters.clusters[outbound|9080|v2|ratings.default.svc.cluster.local].weight', a: 25, b: 20 },
      ]);
      assert.equal(route.note, 'route default now sends 80 % to cluster outbound|9080|v1|ratings.default.svc.cluster.local (was 75 %), '
        + 'now sends 20 % to cluster outbound|9080|v2|ratings.default.svc.cluster.local (was 25 %)');
      const cla = r.changes.find((c) => c.kind === 'cluster_load_assignment')!;
      assert.deepEqual(cla.fields, [{ path: 'endpoints[10.1.0.2:9080].health_status', a: 'HEALTHY', b: 'UNHEALTHY' }]);
      assert.equal(cla.note, 'cluster outbound|9080|v1|ratings.default.svc.cluster.local lost 1 of 2 healthy endpoints (2 → 1)');
      const vh = r.changes.find((c) => c.kind === 'virtual_host')!;
      assert.deepEqual(vh.fields, [{ path: 'domains', a: ['reviews.default.svc.cluster.local', 'reviews', 'reviews:9080'],
        b: ['reviews.default.svc.cluster.local', 'reviews', 'reviews:9080', 'reviews.default'] }]);
    }
  });

  it('each change has a document on both sides (what the diff editor shows): normalized alike, differing where the change is', () => {
    const { a, b } = planted();
    const sa = side(a, 'json');
    for (const [text, lang] of [[JSON.stringify(b, null, 2), 'json'], [toYaml(b), 'yaml'], [JSON.stringify(camel(b)), 'json']] as const) {
      const sb = side(text, lang);
      const r = diffDumps(sa, sb);
      for (const c of r.changes) {
        const da = changeDocument(sa, c.kind, c.name);
        const db = changeDocument(sb, c.kind, c.name);
        if (c.change === 'added') assert.equal(da, undefined, `${c.kind} ${c.name} is not in A`);
        else assert.ok(da, `${c.kind} ${c.name} in A`);
        if (c.change === 'removed') assert.equal(db, undefined, `${c.kind} ${c.name} is not in B`);
        else assert.ok(db, `${c.kind} ${c.name} in B (${lang})`);
        if (c.change === 'changed' && c.fields?.length) assert.notEqual(da, db, `${c.kind} ${c.name} differs (${lang})`);
        for (const d of [da, db]) if (d) assert.doesNotMatch(d, /"(version_info|last_updated)"|[A-Z][a-z]+[A-Z]\w*":/, 'no volatile fields, snake_case keys');
      }
      const route = r.changes.find((c) => c.kind === 'route')!;
      assert.match(changeDocument(sa, 'route', route.name)!, /"weight": 75/);
      assert.match(changeDocument(sb, 'route', route.name)!, /"weight": 80/);
    }
    // Keys sorted: the same resource written in another key order reads the same.
    const one = side(read('sidecar.json'), 'json');
    const twin = side(toYaml(JSON.parse(read('sidecar.json'))), 'yaml');
    const name = 'outbound|9080||ratings.default.svc.cluster.local';
    assert.equal(changeDocument(one, 'cluster', name), changeDocument(twin, 'cluster', name));
  });

  it('volatile fields only: no change, unless --all', () => {
    const a = read('trace-istio.json');
    const b = a.replace(/"version_info": "1"/g, '"version_info": "12345"');
    assert.notEqual(a, b);
    assert.deepEqual(summary(diff(a, b)), []);
    const all = diff(a, b, { all: true });
    // One change per resource whose dump wrapper carries a version_info (the index knows which).
    const kinds = new Set(['listener', 'routeConfig', 'cluster', 'endpoints', 'secret', 'ecdsFilter']);
    const versioned = new Set(analyze('a.json', a).defs.filter((d) => d.group === 'main' && kinds.has(d.kind) && d.versionInfo === '1').map((d) => `${d.kind} ${d.name}`));
    assert.ok(versioned.size >= 15, String(versioned.size));
    assert.equal(all.changes.length, versioned.size);
    for (const c of all.changes) for (const f of c.fields ?? []) assert.match(f.path, /version_info$/);
  });

  it('same layout, volatile fields changed everywhere and one real edit: only the edit is a change', () => {
    const a = read('trace-istio.json');
    const b = a.replace(/"version_info": "1"/g, '"version_info": "7"').replace('"address": "10.1.0.3", "port_value": 9080}}},\n                    "health_status": "UNHEALTHY"',
      '"address": "10.1.0.3", "port_value": 9080}}},\n                    "health_status": "HEALTHY"');
    assert.equal(b.length, a.length - 2);
    const r = diff(a, b);
    assert.deepEqual(summary(r), ['cluster_load_assignment outbound|9080|v1|ratings.default.svc.cluster.local changed']);
    assert.deepEqual(r.changes[0].fields, [{ path: 'endpoints[10.1.0.3:9080].health_status', a: 'UNHEALTHY', b: 'HEALTHY' }]);
  });

  it('an endpoint gone, another added: the set is compared by address, whatever the order', () => {
    const a = read('trace-istio.json');
    const b = JSON.parse(a) as J;
    const eds = b.configs.find((c: J) => String(c['@type']).endsWith('EndpointsConfigDump'));
    const d = eds.dynamic_endpoint_configs.find((w: J) => w.endpoint_config.cluster_name === 'outbound|9080||details.default.svc.cluster.local');
    const lbs = d.endpoint_config.endpoints[0].lb_endpoints;
    lbs.reverse();
    lbs[2].endpoint.address.socket_address.address = '10.2.0.9'; // was 10.2.0.1, the one healthy endpoint
    const r = diff(a, JSON.stringify(b));
    assert.deepEqual(summary(r), ['cluster_load_assignment outbound|9080||details.default.svc.cluster.local changed']);
    assert.deepEqual(r.changes[0].fields!.map((f) => [f.path, f.a === null ? null : 'x', f.b === null ? null : 'x']), [
      ['endpoints[10.2.0.1:9080]', 'x', null],
      ['endpoints[10.2.0.9:9080]', null, 'x'],
    ]);
    assert.equal(r.changes[0].note, 'cluster outbound|9080||details.default.svc.cluster.local lost 1 of 1 healthy endpoint and gained 1 healthy endpoint (1 → 1)');
  });

  it('a listener in error_state in B, and one warming', () => {
    const a = read('sidecar.json');
    const b = JSON.parse(a) as J;
    const lds = b.configs.find((c: J) => String(c['@type']).endsWith('ListenersConfigDump'));
    const active = lds.dynamic_listeners.find((l: J) => l.active_state);
    active.error_state = { failed_configuration: active.active_state, details: 'bad config', last_update_attempt: '2030-01-01T00:00:00Z' };
    const r = diff(a, JSON.stringify(b));
    assert.deepEqual(summary(r), [`listener ${active.name} changed`]);
    assert.equal(r.changes[0].note, `listener ${active.name} is in error_state in B: bad config`);
    assert.deepEqual(r.changes[0].fields, [{ path: 'error_state.details', a: null, b: 'bad config' }]);
    active.warming_state = active.active_state;
    delete active.active_state;
    delete active.error_state;
    const w = diff(a, JSON.stringify(b));
    assert.deepEqual(summary(w), [`listener ${active.name} changed`]);
    assert.equal(w.changes[0].note, `listener ${active.name} is warming in B (not serving yet)`);
  });

  it('secrets are compared by certificate hash and never printed', () => {
    const a = read('trace-istio.json');
    const v = JSON.parse(a) as J;
    const cert = (s: string): string => Buffer.from(`-----BEGIN CERTIFICATE-----\n${s}\n-----END CERTIFICATE-----\n`).toString('base64');
    const secretDump = (c: string): J => ({ '@type': 'type.googleapis.com/envoy.admin.v3.SecretsConfigDump', dynamic_active_secrets: [{
      name: 'default', version_info: '1', secret: { '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret',
        name: 'default', tls_certificate: { certificate_chain: { inline_bytes: c }, private_key: { inline_bytes: 'W3JlZGFjdGVkXQ==' } } },
    }] });
    const ca = cert('MIIBoldoldold');
    const cb = cert('MIIBnewnewnew');
    const va = { ...v, configs: [...v.configs, secretDump(ca)] };
    const vb = { ...v, configs: [...v.configs, secretDump(cb)] };
    const r = diff(JSON.stringify(va), JSON.stringify(vb));
    assert.deepEqual(summary(r), ['secret default changed']);
    const f = r.changes[0].fields!;
    assert.equal(f.length, 1);
    assert.equal(f[0].path, 'tls_certificate.certificate_chain.inline_bytes');
    const hash = (b64: string): string => createHash('sha256').update(Buffer.from(b64, 'base64')).digest('hex').slice(0, 16);
    assert.equal(f[0].a, `sha256:${hash(ca)} (${Buffer.from(ca, 'base64').length} bytes)`);
    assert.equal(f[0].b, `sha256:${hash(cb)} (${Buffer.from(cb, 'base64').length} bytes)`);
    const out = JSON.stringify(r);
    assert.ok(!out.includes(ca) && !out.includes(cb) && !out.includes('MIIB'));
  });

  it('sha256Hex agrees with node:crypto', () => {
    for (const n of [0, 1, 55, 56, 63, 64, 65, 1000, 4099]) {
      const data = Buffer.alloc(n, 0).map((_x, i) => (i * 31 + n) & 0xff);
      assert.equal(sha256Hex(data), createHash('sha256').update(data).digest('hex'), `length ${n}`);
    }
  });
});

describe('envoy-lens diff', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'envoy-lens-diff-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));
  const run = (...argv: string[]): CliRun => runCli(argv);

  it('exit 0 equal, 1 different (text and JSON), 2 usage, 3 unreadable', () => {
    const fa = path.join(FIX, 'trace-istio.json');
    const eq = run('diff', fa, path.join(FIX, 'trace-istio.yaml'));
    assert.equal(eq.code, 0, eq.err);
    assert.match(eq.out, /no difference\.$/);
    const { b } = planted();
    const fb = path.join(tmp, 'b.json');
    writeFileSync(fb, JSON.stringify(b, null, 2));
    const t = run('diff', fa, fb);
    assert.equal(t.code, 1);
    assert.match(t.out, /^~ route 9080\/ratings\.default\.svc\.cluster\.local:9080\/default: changed$/m);
    assert.match(t.out, /^ {4}route\.weighted_clusters\.clusters\[outbound\|9080\|v1\|ratings\.default\.svc\.cluster\.local\]\.weight: 75 → 80$/m);
    assert.match(t.out, /^- cluster outbound\|9080\|\|details\.default\.svc\.cluster\.local: removed$/m);
    assert.match(t.out, /^5 changes: 1 added, 1 removed, 3 changed\.$/m);
    const j = run('diff', '--format', 'json', fa, fb);
    assert.equal(j.code, 1);
    const o = JSON.parse(j.out) as { a: string; b: string; changes: J[] };
    assert.deepEqual(Object.keys(o), ['a', 'b', 'changes']);
    assert.equal(o.a, fa);
    assert.equal(o.b, fb);
    assert.deepEqual(o.changes.map((c) => `${c.kind} ${c.name} ${c.change}`).sort(), EXPECTED);
    for (const c of o.changes) {
      for (const k of Object.keys(c)) assert.ok(['kind', 'name', 'change', 'fields', 'note'].includes(k), k);
      for (const f of c.fields ?? []) assert.deepEqual(Object.keys(f), ['path', 'a', 'b']);
    }
    assert.equal(run('diff', fa).code, 2);
    assert.equal(run('diff', '--format', 'xml', fa, fb).code, 2);
    assert.equal(run('diff', '-', '-').code, 2);
    const missing = run('diff', fa, path.join(tmp, 'nope.json'));
    assert.equal(missing.code, 3);
    assert.match(missing.err, /nope\.json does not exist/);
  });
});

describe('diff over the corpus', () => {
  eachCorpusDump('itself, and (JSON) its YAML twin', ({ languageId: lang }, bytes) => {
    assert.deepEqual(summary(diff(bytes, bytes, { la: lang, lb: lang })), []);
    if (lang !== 'json') return;
    let v: unknown;
    try {
      v = JSON.parse(bytes.toString('utf8'));
    } catch {
      return; // hand-kept files with comments: the self-diff above covers them
    }
    assert.deepEqual(summary(diff(bytes, toYaml(v), { lb: 'yaml' })), []);
  });
});
