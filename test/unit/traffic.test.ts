/**
 * The Envoy Traffic tree (core/features/traffic.ts) on sidecar.json and its YAML twin: the children of each node, their
 * labels and descriptions, and the request "Trace from here" sends. (Once read through a test-only command in the
 * VS Code suite; now plain Node.)
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { isInboundListener, traceRequest, parseTarget, trafficChildren, trafficItem, trafficTraceTarget, type TrafficNode } from '../../src/core/facade';
import { loadFixture, TWINS } from './fixtureWorkspace';

const RATINGS = 'outbound|9080||ratings.default.svc.cluster.local';
const V2 = 'outbound|9080|v2|reviews.default.svc.cluster.local';

for (const file of TWINS('sidecar')) {
  describe(`traffic tree: ${file}`, () => {
    const { ws, uri, text } = loadFixture(file);
    /** The children at a path of labels from the root (the root when the path is empty). */
    const nodes = (path: string[]): TrafficNode[] => {
      let out = trafficChildren(ws, uri);
      for (const l of path) {
        const n = out.find((x) => x.label === l);
        assert.ok(n, `no node ${l} among ${out.map((x) => x.label).join(', ')}`);
        out = trafficChildren(ws, uri, n);
      }
      return out;
    };
    const labels = (path: string[]) => nodes(path).map((n) => n.label);
    const kinds = (path: string[]) => nodes(path).map((n) => `${n.kind} ${n.label}`);

    it('listeners at the root, virtualInbound described as inbound', () => {
      assert.deepEqual(labels([]), ['0.0.0.0_9080', '0.0.0.0_8080', 'virtualOutbound', 'virtualInbound', '0.0.0.0_15010', '0.0.0.0_15090']);
      assert.ok(nodes([]).every((n) => n.kind === 'listener'));
      const vi = nodes([]).find((n) => n.label === 'virtualInbound')!;
      assert.match(trafficItem(ws, vi).description ?? '', /0\.0\.0\.0:15006 · inbound/);
    });

    it('chain › RDS route configuration › virtual hosts › routes › clusters › endpoints', () => {
      assert.deepEqual(labels(['0.0.0.0_9080']), ['any connection']);
      assert.deepEqual(kinds(['0.0.0.0_9080', 'any connection']), ['routeConfig 9080']);
      assert.deepEqual(labels(['0.0.0.0_9080', 'any connection', '9080']), ['ratings.default.svc.cluster.local:9080', 'reviews.default.svc.cluster.local:9080', 'allow_any']);
      const reviews = ['0.0.0.0_9080', 'any connection', '9080', 'reviews.default.svc.cluster.local:9080'];
      assert.deepEqual(labels(reviews), ['split', 'regex ^/dyn/.*', 'path /old']);
      assert.deepEqual(kinds([...reviews, 'split']), [
        'cluster outbound|9080|v1|reviews.default.svc.cluster.local',
        `missing ${V2}`,
        'missing outbound|9080||mirror.default.svc.cluster.local',
      ]);
      const missing = nodes([...reviews, 'split']).find((n) => n.kind === 'missing')!;
      assert.deepEqual(trafficItem(ws, missing), {
        leaf: true,
        revealable: false,
        description: 'not in the dump (cluster)',
        tooltip: `cluster "${V2}" is referenced but not defined in this dump`,
      });
      const ratings = ['0.0.0.0_9080', 'any connection', '9080', 'ratings.default.svc.cluster.local:9080', 'default'];
      assert.deepEqual(labels(ratings), [RATINGS]);
      assert.deepEqual(kinds([...ratings, RATINGS]), [`endpoints ${RATINGS}`]);
      const eps = nodes([...ratings, RATINGS, RATINGS]);
      assert.deepEqual(eps.map((n) => `${n.label} ${trafficItem(ws, n).description}`), ['10.4.1.12:9080 HEALTHY', '10.4.2.9:9080 UNHEALTHY']);
      assert.deepEqual(eps.map((n) => trafficItem(ws, n).usable), [true, false]);
      // A cluster row: its type, and it reveals its definition; its EDS row: the health counts.
      const item = trafficItem(ws, nodes(ratings)[0]);
      assert.equal(item.revealable, true);
      assert.equal(item.description, 'EDS');
      assert.equal(item.leaf, false);
      assert.match(trafficItem(ws, nodes([...ratings, RATINGS])[0]).description ?? '', /^1\/2 healthy$/);
    });

    it('TCP chains lead to clusters; a missing RDS name shows as missing; inline route configurations', () => {
      assert.deepEqual(kinds(['virtualOutbound', 'PassthroughFilterChain']), ['cluster PassthroughCluster']);
      assert.deepEqual(kinds(['0.0.0.0_8080', 'any connection']), ['missing 8080']);
      assert.equal(nodes(['0.0.0.0_15090', 'any connection'])[0]?.kind, 'routeConfig');
    });

    it('Trace from here on a route sends its virtual host and prefix, and the trace reaches the route', () => {
      const route = nodes(['0.0.0.0_9080', 'any connection', '9080', 'ratings.default.svc.cluster.local:9080'])[0];
      const target = trafficTraceTarget(ws, route);
      assert.ok(target);
      assert.equal(target.headers?.host, 'ratings.default.svc.cluster.local');
      assert.equal(target.uri, uri);
      const t = traceRequest(ws, uri, text, parseTarget(target.to, { direction: 'outbound', headers: target.headers }));
      assert.ok(t.outcome.ok, t.outcome.message);
      assert.ok(t.hops.some((h) => h.kind === 'route' && h.name === 'default'));
    });

    it('Trace from here on an HTTP listener sends an HTTP request; other nodes send none', () => {
      const l = nodes([]).find((n) => n.label === '0.0.0.0_9080')!;
      assert.match(trafficTraceTarget(ws, l)?.to ?? '', /^http:\/\/10\.0\.0\.1:9080\/$/);
      assert.equal(trafficTraceTarget(ws, nodes(['0.0.0.0_9080'])[0]), undefined);
    });
  });
}

describe('isInboundListener', () => {
  it('virtualInbound and inbound… names are inbound; others are not', () => {
    assert.equal(isInboundListener('virtualInbound'), true);
    assert.equal(isInboundListener('inbound|9080||'), true);
    assert.equal(isInboundListener('virtualOutbound'), false);
    assert.equal(isInboundListener('0.0.0.0_9080'), false);
  });
});
