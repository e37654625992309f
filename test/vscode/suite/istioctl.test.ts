/**
 * camelCase `istioctl pc listener|route|cluster -o json` arrays that resolve into each other. Runs first (see
 * index.ts): these checks depend on which files are open, and no full dump may be open yet.
 */
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import {
  activate, at, basename, definitions, describe, documentSymbols, open, ours, ourHover, references, textOf,
  waitForDiagnostics,
} from './helpers';

const MYSQL = 'outbound|3306||mysql.db.svc.cluster.local';

suite('istioctl per-type outputs across files', () => {
  let listeners: vscode.TextDocument;
  let routes: vscode.TextDocument;
  let clusters: vscode.TextDocument;

  suiteSetup(async () => {
    await activate();
  });

  test('a listeners file alone is indexed but says nothing', async () => {
    listeners = await open('istioctl-listeners.camel.json');
    // The symbol provider awaits the analysis, and the diagnostics are refreshed as soon as it is in.
    // (The built-in JSON outline adds the array items "0", "1", "2": keep our listeners.)
    const syms = (await documentSymbols(listeners)).filter((s) => s.kind === vscode.SymbolKind.Interface);
    assert.deepEqual(syms.map((s) => s.name), ['0.0.0.0_9080', '0.0.0.0_3306', '0.0.0.0_9090']);
    assert.deepEqual(ours(listeners.uri), []);
    const h = await ourHover(listeners, at(listeners, 'routeConfigName', '9080'));
    assert.ok(h, 'the reference still has a hover');
  });

  test('the two-file pair: the listener\'s RDS name resolves into the routes file', async () => {
    routes = await open('istioctl-routes.camel.json');
    // The routes file holds the complete set of route configurations: the listener's 9090 now dangles.
    const d = await waitForDiagnostics(listeners.uri);
    assert.deepEqual(describe(listeners.uri, d), ['unknown-route-config warning 9090']);
    const defs = await definitions(listeners, at(listeners, 'routeConfigName', '9080'));
    assert.equal(defs.length, 1);
    assert.equal(basename(defs[0].uri), 'istioctl-routes.camel.json');
    assert.equal(textOf(routes, defs[0].range), '9080');
    assert.equal(defs[0].range.start.line, at(routes, 'name', '9080').line);
    const h = await ourHover(listeners, at(listeners, 'routeConfigName', '9080'));
    assert.match(h ?? '', /\*\*Route configuration\*\* `9080`/);
    // The reverse direction: the route configuration is referenced from the listeners file.
    const refs = await references(routes, at(routes, 'name', '9080'));
    assert.ok(refs.some((l) => basename(l.uri) === 'istioctl-listeners.camel.json'), JSON.stringify(refs.map((l) => l.uri.path)));
  });

  test('opening the clusters output resolves the tcp_proxy cluster and checks the routes\' clusters', async () => {
    clusters = await open('istioctl-clusters.camel.json');
    const d = await waitForDiagnostics(routes.uri, (x) => x.length >= 2);
    assert.deepEqual(describe(routes.uri, d), [
      'unknown-cluster warning outbound|9080||shadow.default.svc.cluster.local',
      'unknown-cluster warning outbound|9080|v2|ratings.default.svc.cluster.local',
    ].sort());
    const tcp = await definitions(listeners, at(listeners, 'cluster', MYSQL));
    assert.equal(tcp.length, 1);
    assert.equal(basename(tcp[0].uri), 'istioctl-clusters.camel.json');
    assert.equal(textOf(clusters, tcp[0].range), MYSQL);
    // The weighted cluster v1 resolves into the clusters file too.
    const v1 = await definitions(routes, at(routes, 'name', 'outbound|9080|v1|ratings.default.svc.cluster.local'));
    assert.equal(basename(v1[0]?.uri ?? routes.uri), 'istioctl-clusters.camel.json');
    const refs = await references(clusters, at(clusters, 'name', MYSQL));
    const fromListeners = refs.filter((l) => basename(l.uri) === 'istioctl-listeners.camel.json');
    assert.equal(fromListeners.length, 1);
    assert.equal(fromListeners[0].range.start.line, at(listeners, 'cluster', MYSQL).line);
    assert.deepEqual(ours(clusters.uri), []);
    assert.deepEqual(describe(listeners.uri, ours(listeners.uri)), ['unknown-route-config warning 9090']);
  });

  test('hover across files names the cluster and where it is used', async () => {
    const h = await ourHover(clusters, at(clusters, 'name', MYSQL));
    assert.ok(h);
    assert.ok(h.includes('**Cluster**') && h.includes('`' + MYSQL + '`'), h);
    assert.match(h, /referenced by 1 tcp_proxy/);
  });
});
