/** `unknown-cluster`, `unknown-route-config`, `unknown-secret`, `unknown-extension-config` (checks/unknownReferences.ts). */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { unknownReferences } from '../../../src/core/checks/unknownReferences';
import { EDGES } from '../../../src/core/facade';
import { active, cluster, fullDump, inlineRoutesFilter, listener, rdsFilter, routeConfig, run, tcpProxy } from './dump';

const httpListener = active(listener('http', 80, [rdsFilter('rc')]));

describe('unknown-* (references to names nothing defines)', () => {
  it('says nothing when every name resolves', () => {
    const text = fullDump({ listeners: [httpListener], routes: [routeConfig('rc', [{ cluster: 'web' }])], clusters: [cluster('web')] });
    assert.deepEqual(run(unknownReferences, text).diags, []);
  });

  it('RDS route to a missing cluster: warning, 503 NC', () => {
    const text = fullDump({ listeners: [httpListener], routes: [routeConfig('rc', [{ cluster: 'gone' }])], clusters: [cluster('web')] });
    const r = run(unknownReferences, text);
    assert.equal(r.diags.length, 1);
    const [d] = r.diags;
    assert.equal(d.code, 'unknown-cluster');
    assert.equal(d.severity, 'warning');
    assert.equal(r.at(d), 'gone');
    assert.match(d.message, /sends requests to cluster "gone".*503 NC \(cluster_not_found\)/);
  });

  it('inline route configuration that validates clusters (the default): error, the listener is rejected', () => {
    const inline = active(listener('in', 81, [inlineRoutesFilter(routeConfig('inline', [{ cluster: 'gone' }]))]));
    const r = run(unknownReferences, fullDump({ listeners: [inline], clusters: [cluster('web')] }));
    assert.equal(r.diags.length, 1);
    assert.equal(r.diags[0].severity, 'error');
    assert.match(r.diags[0].message, /rejects the listener/);
  });

  it('inline route configuration with validate_clusters: false: warning', () => {
    const inline = active(listener('in', 81, [inlineRoutesFilter(routeConfig('inline', [{ cluster: 'gone' }], { validate_clusters: false }))]));
    const r = run(unknownReferences, fullDump({ listeners: [inline], clusters: [cluster('web')] }));
    assert.equal(r.diags[0].severity, 'warning');
  });

  it('weighted clusters and mirrors name their own consequence', () => {
    const actions = [{ weighted_clusters: { clusters: [{ name: 'web', weight: 80 }, { name: 'canary', weight: 20 }] } }, { cluster: 'web', request_mirror_policies: [{ cluster: 'shadow' }] }];
    const r = run(unknownReferences, fullDump({ listeners: [httpListener], routes: [routeConfig('rc', actions)], clusters: [cluster('web')] }));
    const byName = new Map(r.diags.map((d) => [r.at(d), d]));
    assert.deepEqual([...byName.keys()].sort(), ['canary', 'shadow']);
    assert.match(byName.get('canary')!.message, /splits requests to cluster "canary"/);
    assert.ok(byName.get('shadow')!.message.includes(EDGES.mirror.consequence));
  });

  it('tcp_proxy to a missing cluster: connections are closed', () => {
    const tcp = active(listener('tcp', 5432, [tcpProxy('db')]));
    const r = run(unknownReferences, fullDump({ listeners: [tcp], clusters: [cluster('web')] }));
    assert.equal(r.diags.length, 1);
    assert.match(r.diags[0].message, /closes each connection/);
    assert.equal(r.at(r.diags[0]), 'db');
  });

  it('RDS name no route configuration has: unknown-route-config, 404 NR', () => {
    const r = run(unknownReferences, fullDump({ listeners: [httpListener], routes: [routeConfig('other', [])], clusters: [] }));
    assert.equal(r.diags.length, 1);
    assert.equal(r.diags[0].code, 'unknown-route-config');
    assert.match(r.diags[0].message, /404 NR/);
  });

  it('an SDS secret no secret section has: unknown-secret', () => {
    const tls = {
      name: 'envoy.transport_sockets.tls',
      typed_config: {
        '@type': 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext',
        common_tls_context: { tls_certificate_sds_secret_configs: [{ name: 'missing-cert', sds_config: { ads: {} } }] },
      },
    };
    const l = active({ ...listener('tls', 443, [tcpProxy('web')]), filter_chains: [{ filters: [tcpProxy('web')], transport_socket: tls }] });
    const r = run(unknownReferences, fullDump({ listeners: [l], clusters: [cluster('web')], secrets: [{ name: 'other' }] }));
    const d = r.diags.find((x) => x.code === 'unknown-secret');
    assert.ok(d, JSON.stringify(r.diags));
    assert.equal(r.at(d), 'missing-cert');
    assert.match(d.message, /warming until the secret arrives/);
  });

  it('is silent when no file in scope holds the complete set of the kind (a listeners-only istioctl file)', () => {
    const text = JSON.stringify([{ name: 'tcp', address: { socket_address: { address: '0.0.0.0', port_value: 1 } }, filter_chains: [{ filters: [tcpProxy('db')] }] }]);
    assert.deepEqual(run(unknownReferences, text).diags, []);
  });

  it('does not flag Istio built-in clusters', () => {
    const tcp = active(listener('tcp', 5432, [tcpProxy('PassthroughCluster')]));
    assert.deepEqual(run(unknownReferences, fullDump({ listeners: [tcp], clusters: [cluster('web')] })).diags, []);
  });
});
