/**
 * The core against hand-written fixtures: every JSON fixture has a YAML twin (scripts/yaml-twins.mjs) and every
 * assertion here runs on both, so nothing downstream of the parser may depend on the format.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { scanJson } from '../../src/core/parse/jsonScanner';
import { toValue } from '../../src/core/parse/nav';
import { SIDECAR_FINDINGS } from '../vscode/suite/expectations';
import { at } from './fixtureWorkspace';
import { analyze, check, Workspace } from '../../src/core/facade';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures');

function read(name: string): string {
  return readFileSync(path.join(FIXTURES, name), 'utf8');
}

/** The text of a span without JSON quotes. */
function slice(text: string, s: { start: number; end: number }): string {
  return text.slice(s.start, s.end).replace(/^"|"$/g, '');
}


function load(files: string[], binary = false): { ws: Workspace; texts: Map<string, string> } {
  const ws = new Workspace();
  const texts = new Map<string, string>();
  for (const f of files) {
    const text = read(f);
    texts.set(f, text);
    const input = binary ? Buffer.from(text) : text;
    ws.set(analyze(f, input, { languageId: f.endsWith('.yaml') ? 'yaml' : 'json' }));
  }
  return { ws, texts };
}

function findings(ws: Workspace, texts: Map<string, string>, uri: string): string[] {
  return check(ws, uri)
    .map((d) => `${d.code} ${d.severity} ${slice(texts.get(uri)!, d.span)}`)
    .sort();
}

for (const ext of ['json', 'yaml']) {
  describe(`full sidecar dump (${ext})`, () => {
    const file = `sidecar.${ext}`;
    const { ws, texts } = load([file]);
    const text = texts.get(file)!;
    const a = ws.get(file)!;

    it('recognizes the shape and counts every kind', () => {
      assert.equal(a.shape, 'config-dump');
      assert.equal(a.problems.length, 0);
      const main = a.defs.filter((d) => d.group === 'main');
      const count = (k: string) => main.filter((d) => d.kind === k).length;
      assert.equal(count('listener'), 6);
      assert.equal(count('cluster'), 11);
      // RDS 9080, the inline prometheus route, and Envoy's copy of it under static_route_configs.
      assert.equal(count('routeConfig'), 3);
      assert.equal(count('virtualHost'), 5);
      assert.equal(count('route'), 7);
      assert.equal(count('endpoints'), 4);
      assert.equal(count('secret'), 2);
      assert.equal(count('ecdsFilter'), 1);
      assert.deepEqual([...a.complete].sort(), ['cluster', 'ecdsFilter', 'endpoints', 'listener', 'routeConfig', 'secret']);
    });

    it('reports exactly the planted problems, with the severity Envoy behaviour implies', () => {
      assert.deepEqual(findings(ws, texts, file), SIDECAR_FINDINGS);
    });

    it('says what Envoy does in each message', () => {
      const byCode = (c: string) => check(ws, file).filter((d) => d.code === c).map((d) => d.message);
      assert.match(byCode('unknown-route-config')[0], /Listener "0.0.0.0_8080" asks RDS for route configuration "8080".*404 NR/);
      assert.ok(byCode('unknown-cluster').some((m) => /Route "split".*splits requests to cluster "outbound\|9080\|v2\|reviews.*503 NC/.test(m)));
      assert.ok(byCode('unknown-cluster').some((m) => /mirrors requests.*no mirror copy/.test(m)));
      assert.match(byCode('listener-error')[0], /no filter chains specified/);
      assert.match(byCode('missing-endpoints')[0], /503 UH/);
    });

    it('resolves references and goes to definitions', () => {
      const ref = at(text, 'cluster', 'outbound|9080||ratings.default.svc.cluster.local');
      const defs = ws.definitionAt(file, ref);
      assert.equal(defs.length, 1);
      assert.equal(slice(text, defs[0].span), 'outbound|9080||ratings.default.svc.cluster.local');
      assert.ok(defs[0].span.start < ref, 'the cluster is defined before the route that uses it');
      const rds = ws.definitionAt(file, at(text, 'route_config_name', '9080'));
      assert.equal(rds.length, 1);
      assert.equal(slice(text, rds[0].span), '9080');
      // The EDS cluster's service_name leads to its ClusterLoadAssignment, at the end of the dump.
      const svc = at(text, 'service_name', 'outbound|9080||ratings.default.svc.cluster.local');
      const eds = ws.definitionAt(file, svc);
      assert.equal(eds.length, 1);
      assert.equal(slice(text, eds[0].span), 'outbound|9080||ratings.default.svc.cluster.local');
      assert.ok(eds[0].span.start > ref);
      // Secrets and ECDS.
      assert.equal(ws.definitionAt(file, at(text, 'name', 'ROOTCA')).length, 1);
      assert.equal(ws.definitionAt(file, at(text, 'name', 'istio.stats')).length, 1);
    });

    it('finds every reference of a cluster', () => {
      const def = a.defs.find((d) => d.kind === 'cluster' && d.name === 'PassthroughCluster')!;
      const refs = ws.referencesAt(file, def.nameSpan.start + 1, false);
      // virtualOutbound's default chain and the allow_any route.
      assert.equal(refs.length, 2);
      for (const r of refs) assert.equal(slice(text, r.span), 'PassthroughCluster');
    });

  });

  describe(`istioctl per-type outputs across files (${ext})`, () => {
    const files = [`istioctl-listeners.camel.${ext}`, `istioctl-routes.camel.${ext}`, `istioctl-clusters.camel.${ext}`];

    it('says nothing about a listeners file alone', () => {
      const { ws, texts } = load([files[0]]);
      assert.equal(ws.get(files[0])!.shape, 'istioctl-listeners');
      assert.deepEqual(findings(ws, texts, files[0]), []);
    });

    it('does not resolve into, or get checked against, a full dump of some other proxy', () => {
      const { ws, texts } = load([files[0], `sidecar.${ext}`]);
      const lt = texts.get(files[0])!;
      assert.deepEqual(ws.definitionAt(files[0], at(lt, 'routeConfigName', '9080')), []);
      assert.deepEqual(findings(ws, texts, files[0]), []);
      const sidecar = ws.get(`sidecar.${ext}`)!;
      const rc = sidecar.defs.find((d) => d.kind === 'routeConfig' && d.name === '9080')!;
      assert.ok(ws.referencesTo(`sidecar.${ext}`, 'routeConfig', '9080').every((r) => r.uri === `sidecar.${ext}`), rc.name);
    });

    it('resolves camelCase references into the other files', () => {
      const { ws, texts } = load(files);
      const lt = texts.get(files[0])!;
      const rds = ws.definitionAt(files[0], at(lt, 'routeConfigName', '9080'));
      assert.equal(rds.length, 1);
      assert.equal(rds[0].uri, files[1]);
      const tcp = ws.definitionAt(files[0], at(lt, 'cluster', 'outbound|3306||mysql.db.svc.cluster.local'));
      assert.equal(tcp[0]?.uri, files[2]);
      assert.deepEqual(findings(ws, texts, files[0]), ['unknown-route-config warning 9090']);
      assert.deepEqual(findings(ws, texts, files[1]), [
        'unknown-cluster warning outbound|9080||shadow.default.svc.cluster.local',
        'unknown-cluster warning outbound|9080|v2|ratings.default.svc.cluster.local',
      ].sort());
      assert.deepEqual(findings(ws, texts, files[2]), []);
      const refs = ws.referencesAt(files[2], at(texts.get(files[2])!, 'name', 'outbound|3306||mysql.db.svc.cluster.local'), false);
      assert.deepEqual(refs.map((r) => r.uri), [files[0]]);
    });
  });

  describe(`hand-written bootstrap (${ext})`, () => {
    const file = `envoy.bootstrap.${ext}`;
    it('tolerates the status line and trailing commas, and checks static config strictly', () => {
      const { ws, texts } = load([file]);
      const a = ws.get(file)!;
      assert.equal(a.shape, 'bootstrap');
      assert.equal(a.problems.length, 0);
      assert.deepEqual(findings(ws, texts, file), [
        'duplicate-name error service_backend',
        'duplicate-name error service_backend',
        'unknown-cluster error service_backnd',
        'unknown-cluster warning ext_authz',
      ]);
      const dup = check(ws, file).find((d) => d.code === 'duplicate-name')!;
      assert.equal(dup.related?.length, 1);
      assert.match(check(ws, file).find((d) => d.severity === 'error' && d.code === 'unknown-cluster')!.message, /validate_clusters/);
    });
  });
}

describe('bytes and strings give the same analysis', () => {
  it('for ASCII and non-ASCII input', () => {
    const base = read('sidecar.json');
    // Non-ASCII before names shifts byte offsets but not UTF-16 offsets.
    const text = base.replace('"reviews.default"', '"révïews 😀 default"');
    const fromString = analyze('a', text);
    const fromBytes = analyze('a', Buffer.from(text));
    assert.deepEqual(fromBytes.defs, fromString.defs);
    assert.deepEqual(fromBytes.refs, fromString.refs);
    for (const d of fromBytes.defs) {
      if (d.nameSpan.end - d.nameSpan.start > 1) assert.equal(slice(text, d.nameSpan), d.name);
    }
  });
});

describe('bad input', () => {
  it('reports a parse error with a position and indexes what came before', () => {
    const text = read('sidecar.json');
    const cut = text.slice(0, text.indexOf('"@type": "type.googleapis.com/envoy.admin.v3.RoutesConfigDump"'));
    const a = analyze('cut.json', cut);
    assert.ok(a.problems.some((p) => p.code === 'parse-error'));
    assert.ok(a.defs.some((d) => d.name === 'virtualInbound'));
  });

  it('marks non-Envoy JSON', () => {
    const a = analyze('package.json', '{"name": "x", "version": "1.0.0", "dependencies": {}}');
    assert.equal(a.shape, 'unknown');
    assert.deepEqual(a.problems.map((p) => p.code), ['not-envoy']);
  });
});

describe('toValue (used by the trace engine to re-read resources)', () => {
  it('keeps a "__proto__" key as data, as JSON.parse does', () => {
    const t = scanJson('{"__proto__": {"polluted": true}, "name": "x"}');
    const v = toValue(t, t.roots[0]) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(v), Object.prototype);
    assert.deepEqual(Object.keys(v), ['__proto__', 'name']);
    assert.deepEqual(v, JSON.parse('{"__proto__": {"polluted": true}, "name": "x"}'));
  });
});
