/**
 * The reference edge table is what hover, the checks, the summary, the traffic tree and the graph say about a
 * reference: these tests hold each reader to the table, so a changed entry shows everywhere or a test fails.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { DIAGNOSTIC_CODES, EDGES, Workspace, analyze, check, hoverAt, isTrafficHop, readValue, renderSummary, trafficChildren } from '../../src/core/facade';
import type { RefVia } from '../../src/core/facade';

const ROUTE_CONFIG = (cluster: object) => ({
  name: 'rc',
  virtual_hosts: [{ name: 'vh', domains: ['*'], routes: [{ match: { prefix: '/' }, route: cluster }] }],
});

/** A full-dump-like file: one listener using RDS "rc", a TCP listener, the route config, and the named clusters. */
function dump(opts: { routeAction: object; clusters: string[]; tcpCluster?: string }): string {
  const hcm = {
    name: 'envoy.filters.network.http_connection_manager',
    typed_config: {
      '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
      rds: { route_config_name: 'rc', config_source: { ads: {} } },
    },
  };
  const tcp = {
    name: 'envoy.filters.network.tcp_proxy',
    typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy', cluster: opts.tcpCluster ?? 'db' },
  };
  const listener = (name: string, port: number, filter: object) => ({
    '@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump.DynamicListener',
    name,
    active_state: { listener: { name, address: { socket_address: { address: '0.0.0.0', port_value: port } }, filter_chains: [{ filters: [filter] }] } },
  });
  return JSON.stringify({
    configs: [
      { '@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump', dynamic_listeners: [listener('http', 80, hcm), listener('tcp', 5432, tcp)] },
      {
        '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
        dynamic_active_clusters: opts.clusters.map((name) => ({ cluster: { name, type: 'STATIC', load_assignment: { cluster_name: name, endpoints: [] } } })),
      },
      { '@type': 'type.googleapis.com/envoy.admin.v3.RoutesConfigDump', dynamic_route_configs: [{ route_config: ROUTE_CONFIG(opts.routeAction) }] },
    ],
  });
}

function load(text: string): { ws: Workspace; uri: string; text: string } {
  const ws = new Workspace();
  const uri = 'file:///edges.json';
  ws.set(analyze(uri, text));
  return { ws, uri, text };
}

describe('reference edge table', () => {
  it('every diagnosed edge names a real code and says what Envoy does', () => {
    for (const [via, e] of Object.entries(EDGES)) {
      if (e.code) assert.ok((DIAGNOSTIC_CODES as readonly string[]).includes(e.code), via);
      assert.ok(e.consequence.length > 10, via);
      assert.ok(e.label && e.verb, via);
      if (e.soft) assert.equal(e.code, undefined, `${via}: a soft edge is never diagnosed`);
    }
  });

  it('the index takes each reference kind from the table', () => {
    const { ws, uri } = load(dump({ routeAction: { cluster: 'web', request_mirror_policies: [{ cluster: 'shadow' }] }, clusters: ['web', 'shadow', 'db'] }));
    const refs = ws.get(uri)!.refs;
    const vias = new Set(refs.map((r) => r.via));
    for (const v of ['rds', 'route', 'mirror', 'tcp-proxy'] as RefVia[]) assert.ok(vias.has(v), `no ${v} reference`);
    for (const r of refs) assert.equal(r.kind, EDGES[r.via].target, r.via);
  });

  it('a missing cluster is diagnosed with the verb and consequence of its edge', () => {
    const { ws, uri } = load(dump({ routeAction: { cluster: 'web', request_mirror_policies: [{ cluster: 'shadow' }] }, clusters: ['web'], tcpCluster: 'gone' }));
    const diags = check(ws, uri).filter((d) => d.code === 'unknown-cluster');
    const mirror = diags.find((d) => d.message.includes('"shadow"'));
    assert.ok(mirror, 'mirror not diagnosed');
    assert.ok(mirror.message.includes(EDGES.mirror.verb) && mirror.message.includes(EDGES.mirror.consequence), mirror.message);
    assert.equal(mirror.severity, EDGES.mirror.severity);
    const tcp = diags.find((d) => d.message.includes('"gone"'));
    assert.ok(tcp && tcp.message.includes(EDGES['tcp-proxy'].consequence), tcp?.message);
  });

  it('hover counts referrers with the edge labels', () => {
    const { ws, uri, text } = load(dump({ routeAction: { cluster: 'web', request_mirror_policies: [{ cluster: 'web' }] }, clusters: ['web', 'db'] }));
    const at = text.indexOf('"name":"web"') + 9;
    const h = hoverAt(ws, uri, at);
    assert.ok(h, 'no hover on the cluster');
    assert.ok(h.markdown.includes(`1 ${EDGES.route.label}`), h.markdown);
    assert.ok(h.markdown.includes(`1 ${EDGES.mirror.label}`), h.markdown);
  });

  it('the traffic tree follows only traffic hops, tagging the unusual ones', () => {
    const { ws, uri } = load(dump({ routeAction: { cluster: 'web', request_mirror_policies: [{ cluster: 'shadow' }] }, clusters: ['web', 'shadow', 'db'] }));
    const listeners = trafficChildren(ws, uri);
    const tcpChain = trafficChildren(ws, uri, listeners.find((l) => l.label === 'tcp'))[0];
    const tcpNext = trafficChildren(ws, uri, tcpChain);
    assert.deepEqual(tcpNext.map((n) => [n.label, n.via]), [['db', 'tcp-proxy']]);
    let node = listeners.find((l) => l.label === 'http');
    for (let depth = 0; depth < 4 && node; depth++) node = trafficChildren(ws, uri, node)[0];
    assert.equal(node?.kind, 'route');
    const upstream = trafficChildren(ws, uri, node);
    assert.deepEqual(upstream.map((n) => [n.label, n.via]).sort(), [['shadow', 'mirror'], ['web', 'route']]);
    assert.ok(upstream.every((n) => isTrafficHop(n.via!)));
  });

  it('summary names RDS as Route and tcp_proxy as Cluster, the routing and connection roles', () => {
    const { ws, uri, text } = load(dump({ routeAction: { cluster: 'web' }, clusters: ['web', 'db'] }));
    const out = renderSummary(ws, ws.get(uri)!, readValue(text));
    assert.match(out, /Route: rc/);
    assert.match(out, /Cluster: db/);
  });
});
