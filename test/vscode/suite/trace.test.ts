/** "Where does this request go?" in the editor: the Trace Request command, the Envoy Traffic tree and the graph. */
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import type { Trace } from '../../../src/core/trace';
import { activate, open } from './helpers';

const RATINGS = 'outbound|9080||ratings.default.svc.cluster.local';
const V2 = 'outbound|9080|v2|reviews.default.svc.cluster.local';

interface Row {
  label: string;
  kind: string;
  description?: string;
  traceArgs?: { to: string; inbound?: boolean; headers?: Record<string, string> };
}

suite('trace: Envoy Trace Request, Envoy Traffic tree and graph on sidecar.json', function () {
  let doc: vscode.TextDocument;

  suiteSetup(async () => {
    await activate();
    assert.ok((await vscode.commands.getCommands(true)).includes('envoyLens.traceRequest'), 'the trace command is registered');
    doc = await open('sidecar.json', true);
    await waitFor(async () => ((await labels([])) ?? []).length > 0, 'the Envoy Traffic tree shows the dump');
  });

  const trace = (arg: { to: string; inbound?: boolean; headers?: Record<string, string> }) =>
    vscode.commands.executeCommand<Trace | undefined>('envoyLens.traceRequest', { ...arg, uri: doc.uri.toString() });
  const labels = (p: string[]) => vscode.commands.executeCommand<Row[] | undefined>('envoyLens.traffic.labels', p, doc.uri.toString());

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

  test('the Envoy Traffic tree: listeners at the root', async () => {
    const root = await labels([]);
    assert.ok(root);
    assert.deepEqual(
      root.map((r) => r.label),
      ['0.0.0.0_9080', '0.0.0.0_8080', 'virtualOutbound', 'virtualInbound', '0.0.0.0_15010', '0.0.0.0_15090'],
    );
    assert.ok(root.every((r) => r.kind === 'listener'));
    assert.match(root.find((r) => r.label === 'virtualInbound')!.description ?? '', /0\.0\.0\.0:15006 · inbound/);
  });

  test('the Envoy Traffic tree: chain › RDS route configuration › virtual hosts › routes › clusters › endpoints', async () => {
    const chains = await labels(['0.0.0.0_9080']);
    assert.deepEqual(chains?.map((r) => r.label), ['any connection']);
    assert.deepEqual((await labels(['0.0.0.0_9080', 'any connection']))?.map((r) => `${r.kind} ${r.label}`), ['routeConfig 9080']);
    const vhosts = await labels(['0.0.0.0_9080', 'any connection', '9080']);
    assert.deepEqual(vhosts?.map((r) => r.label), ['ratings.default.svc.cluster.local:9080', 'reviews.default.svc.cluster.local:9080', 'allow_any']);
    const routes = await labels(['0.0.0.0_9080', 'any connection', '9080', 'reviews.default.svc.cluster.local:9080']);
    assert.deepEqual(routes?.map((r) => r.label), ['split', 'regex ^/dyn/.*', 'path /old']);
    const split = await labels(['0.0.0.0_9080', 'any connection', '9080', 'reviews.default.svc.cluster.local:9080', 'split']);
    assert.deepEqual(split?.map((r) => `${r.kind} ${r.label}`), [
      'cluster outbound|9080|v1|reviews.default.svc.cluster.local',
      `missing ${V2}`,
      'missing outbound|9080||mirror.default.svc.cluster.local',
    ]);
    const ratings = ['0.0.0.0_9080', 'any connection', '9080', 'ratings.default.svc.cluster.local:9080', 'default'];
    assert.deepEqual((await labels(ratings))?.map((r) => r.label), [RATINGS]);
    assert.deepEqual((await labels([...ratings, RATINGS]))?.map((r) => `${r.kind} ${r.label}`), [`endpoints ${RATINGS}`]);
    const eps = await labels([...ratings, RATINGS, RATINGS]);
    assert.deepEqual(eps?.map((r) => `${r.label} ${r.description}`), ['10.4.1.12:9080 HEALTHY', '10.4.2.9:9080 UNHEALTHY']);
  });

  test('the Envoy Traffic tree: TCP chains lead to clusters; a missing RDS name shows as missing', async () => {
    const out = await labels(['virtualOutbound', 'PassthroughFilterChain']);
    assert.deepEqual(out?.map((r) => `${r.kind} ${r.label}`), ['cluster PassthroughCluster']);
    assert.deepEqual((await labels(['0.0.0.0_8080', 'any connection']))?.map((r) => `${r.kind} ${r.label}`), ['missing 8080']);
    const inline = await labels(['0.0.0.0_15090', 'any connection']);
    assert.equal(inline?.[0]?.kind, 'routeConfig');
  });

  test('Trace from here on a route traces its virtual host and prefix', async () => {
    const routes = await labels(['0.0.0.0_9080', 'any connection', '9080', 'ratings.default.svc.cluster.local:9080']);
    const args = routes?.[0]?.traceArgs;
    assert.ok(args);
    assert.equal(args.headers?.host, 'ratings.default.svc.cluster.local');
    const t = await trace(args);
    assert.ok(t?.outcome.ok, t?.outcome.message);
    assert.ok(t.hops.some((h) => h.kind === 'route' && h.name === 'default'));
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
