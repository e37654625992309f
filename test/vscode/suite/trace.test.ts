/** "Where does this request go?" in the editor: the Trace Request command, the Envoy Traffic tree and the graph. */
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import { analyze, trafficChildren, Workspace, type Trace, type TrafficNode } from '../../../src/core/facade';
import { activate, open, waitForDiagnostics } from './helpers';

const RATINGS = 'outbound|9080||ratings.default.svc.cluster.local';
const V2 = 'outbound|9080|v2|reviews.default.svc.cluster.local';

suite('trace: Envoy Trace Request, Envoy Traffic tree and graph on sidecar.json', function () {
  let doc: vscode.TextDocument;

  suiteSetup(async () => {
    await activate();
    assert.ok((await vscode.commands.getCommands(true)).includes('envoyLens.traceRequest'), 'the trace command is registered');
    doc = await open('sidecar.json', true);
    await waitForDiagnostics(doc.uri);
  });

  const trace = (arg: { to: string; inbound?: boolean; headers?: Record<string, string> }) =>
    vscode.commands.executeCommand<Trace | undefined>('envoyLens.traceRequest', { ...arg, uri: doc.uri.toString() });
  /**
   * A node of the Envoy Traffic tree at a path of labels, from the core's model of the same text (the tree's labels
   * and children are tested in test/unit/traffic.test.ts; here only what the commands do with a node).
   */
  const node = (path: string[]): TrafficNode => {
    const ws = new Workspace();
    ws.set(analyze(doc.uri.toString(), doc.getText()));
    let nodes = trafficChildren(ws, doc.uri.toString());
    let found: TrafficNode | undefined;
    for (const l of path) {
      found = nodes.find((x) => x.label === l);
      assert.ok(found, `no node ${l}`);
      nodes = trafficChildren(ws, doc.uri.toString(), found);
    }
    assert.ok(found);
    return found;
  };

  test('an outbound request to ratings reaches the ratings cluster and its healthy endpoint', async () => {
    const t = await trace({ to: 'http://ratings:9080/' });
    assert.ok(t, 'the command returns the Trace');
    assert.equal(t.outcome.ok, true, t.outcome.message);
    assert.match(t.outcome.message, /10\.4\.1\.12:9080/);
    assert.deepEqual(
      t.hops.map((h) => h.kind),
      ['listener', 'listener', 'filterChain', 'routeConfig', 'virtualHost', 'route', 'cluster', 'endpoints'],
    );
    const cluster = t.hops.find((h) => h.kind === 'cluster')!;
    assert.equal(cluster.name, RATINGS);
    assert.ok(cluster.span, 'the cluster hop has a span to reveal');
    assert.equal(doc.getText(new vscode.Range(doc.positionAt(cluster.span.start), doc.positionAt(cluster.span.end))).replace(/"/g, ''), RATINGS);
    // Every hop with a span is in this document.
    for (const h of t.hops) if (h.span) assert.equal(h.uri, doc.uri.toString());
  });

  test('the FQDN with its port falls through to allow_any (no domain has the port), as Envoy matches Host', async () => {
    const t = await trace({ to: 'http://ratings.default.svc.cluster.local:9080/' });
    assert.ok(t);
    assert.ok(t.hops.some((h) => h.kind === 'virtualHost' && h.name === 'allow_any'));
    // With the Host header as Istio's domain list has it, the ratings cluster.
    const t2 = await trace({ to: 'http://ratings.default.svc.cluster.local:9080/', headers: { host: 'ratings.default.svc.cluster.local' } });
    assert.ok(t2?.outcome.ok);
    assert.ok(t2.hops.some((h) => h.kind === 'cluster' && h.name === RATINGS));
    assert.match(t2.outcome.message, /10\.4\.1\.12:9080/);
  });

  test('a request on a port whose route configuration is missing ends 404 NR', async () => {
    const t = await trace({ to: 'http://nope.example:8080/' });
    assert.ok(t);
    assert.equal(t.outcome.ok, false);
    assert.equal(t.outcome.status, 404);
    assert.equal(t.outcome.flag, 'NR');
    assert.match(t.outcome.message, /^404 NR route_not_found/);
  });

  test('the reviews split for end-user jason names the dangling v2 cluster: 503 NC', async () => {
    const t = await trace({ to: 'http://reviews:9080/reviews', headers: { host: 'reviews', 'end-user': 'jason' } });
    assert.ok(t);
    assert.equal(t.outcome.ok, false);
    assert.equal(t.outcome.flag, 'NC');
    assert.match(t.outcome.message, /503 NC cluster_not_found/);
    assert.ok(t.outcome.message.includes(V2));
    const route = t.hops.find((h) => h.kind === 'route');
    assert.equal(route?.name, 'split');
    const clusters = t.hops.filter((h) => h.kind === 'cluster').map((h) => `${h.name} ${h.branch ?? ''}`.trim());
    assert.deepEqual(clusters, ['outbound|9080|v1|reviews.default.svc.cluster.local weight 80/100', `${V2} weight 20/100`]);
  });

  test('an inbound plaintext connection finds no filter chain of virtualInbound', async () => {
    const t = await trace({ to: 'tcp 10.4.1.7:9080', inbound: true });
    assert.ok(t);
    assert.equal(t.outcome.code, 'filter_chain_not_found');
    assert.equal(t.hops[0]?.name, 'virtualInbound');
  });

  test('a bad target is an error message, not an exception', async () => {
    assert.equal(await trace({ to: 'ftp://x/y' }), undefined);
  });

  test('Trace from here on a route traces its virtual host and prefix', async () => {
    const route = node(['0.0.0.0_9080', 'any connection', '9080', 'ratings.default.svc.cluster.local:9080', 'default']);
    const t = await vscode.commands.executeCommand<Trace | undefined>('envoyLens.traffic.traceFromHere', route);
    assert.ok(t?.outcome.ok, t?.outcome.message);
    assert.ok(t.hops.some((h) => h.kind === 'route' && h.name === 'default'));
    assert.ok(t.hops.some((h) => h.kind === 'virtualHost' && h.name === 'ratings.default.svc.cluster.local:9080'));
  });

  test('Trace from here on a cluster is a message, not a trace', async () => {
    const cluster = node(['0.0.0.0_9080', 'any connection', '9080', 'ratings.default.svc.cluster.local:9080', 'default', RATINGS]);
    assert.equal(await vscode.commands.executeCommand('envoyLens.traffic.traceFromHere', cluster), undefined);
  });

  test('the hidden test-only envoyLens.traffic.labels command is gone', async () => {
    assert.equal((await vscode.commands.getCommands(true)).includes('envoyLens.traffic.labels'), false);
  });

  test('Show Traffic Graph opens a webview panel for the dump', async () => {
    await vscode.window.showTextDocument(doc, { preview: false });
    assert.equal(await vscode.commands.executeCommand('envoyLens.showGraph'), true);
    await waitFor(
      async () => vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => t.input instanceof vscode.TabInputWebview && t.label.startsWith('Envoy Graph'))),
      'a webview tab titled Envoy Graph',
    );
  });
});

async function waitFor(ready: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await ready()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not ready after ${timeoutMs} ms: ${what}`);
}
