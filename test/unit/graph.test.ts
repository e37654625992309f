/** The traffic graph (core/features/graph.ts): the graph built from a dump, and the webview messages it accepts. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { buildGraph, parseGraphMessage, revealTarget, type GraphData } from '../../src/core/facade';
import { loadFixture, TWINS } from './fixtureWorkspace';

const DUMP = 'file:///w/sidecar.json';
const graph: GraphData = {
  title: 'sidecar.json',
  nodes: [
    { id: 0, kind: 'listener', name: 'virtualInbound', side: 'inbound', uri: DUMP, start: 10, end: 26 },
    { id: 1, kind: 'cluster', name: 'missing', side: 'outbound', missing: true },
    { id: 2, kind: 'cluster', name: 'past the end', side: 'outbound', uri: DUMP, start: 990, end: 2000 },
    { id: 3, kind: 'cluster', name: 'other file', side: 'outbound', uri: 'file:///w/other.json', start: 0, end: 4 },
  ],
  edges: [[0, 1]],
};
const lengthOf = (uri: string) => (uri === DUMP ? 1000 : undefined);

describe('graph webview messages', () => {
  it('reveals a node of the graph drawn, at the place the extension put in it', () => {
    assert.deepEqual(revealTarget(graph, { type: 'reveal', id: 0 }, lengthOf), { uri: DUMP, start: 10, end: 26 });
  });

  it('refuses forged and malformed messages', () => {
    const forged: unknown[] = [
      { type: 'reveal', uri: 'file:///etc/passwd', start: 0 },
      { type: 'reveal', uri: 'command:workbench.action.terminal.new', start: 0, end: 0 },
      { type: 'reveal', id: 0, uri: 'file:///etc/passwd' },
      { type: 'reveal', id: '0' },
      { type: 'reveal', id: -1 },
      { type: 'reveal', id: 1.5 },
      { type: 'reveal', id: 99 },
      { type: 'reveal', id: 1 }, // a name the dump does not define: nowhere to go
      { type: 'reveal', id: 2 }, // a span past the end of its document
      { type: 'reveal', id: 3 }, // a document that is not indexed
      { type: 'open', id: 0 },
      [{ type: 'reveal', id: 0 }],
      'reveal',
      null,
      undefined,
    ];
    for (const m of forged) assert.equal(revealTarget(graph, m, lengthOf), undefined, JSON.stringify(m));
    assert.equal(revealTarget(undefined, { type: 'reveal', id: 0 }, lengthOf), undefined, 'no graph drawn: nothing to reveal');
  });

  it('parses exactly the messages the page sends', () => {
    assert.deepEqual(parseGraphMessage({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parseGraphMessage({ type: 'reveal', id: 3 }), { type: 'reveal', id: 3 });
    assert.equal(parseGraphMessage({ type: 'ready', extra: 1 }), undefined);
  });
});

for (const file of TWINS('sidecar')) {
  describe(`graph of ${file}`, () => {
    const { ws, uri, text } = loadFixture(file);
    const g = buildGraph(ws, uri, file);
    const byName = (kind: string, name: string) => g.nodes.find((n) => n.kind === kind && n.name === name);
    const edge = (from: string, to: string) => {
      const [fk, fn] = from.split(' ');
      const [tk, tn] = to.split(' ');
      const a = byName(fk, fn);
      const b = byName(tk, tn);
      return !!a && !!b && g.edges.some(([x, y]) => x === a.id && y === b.id);
    };
    const RATINGS = 'outbound|9080||ratings.default.svc.cluster.local';

    it('listener → route configuration → cluster → endpoint, each located where the dump names it', () => {
      assert.equal(g.title, file);
      assert.ok(edge('listener 0.0.0.0_9080', 'routeConfig 9080'));
      assert.ok(edge(`routeConfig 9080`, `cluster ${RATINGS}`));
      assert.ok(edge(`cluster ${RATINGS}`, 'endpoint 10.4.1.12:9080'));
      const c = byName('cluster', RATINGS)!;
      assert.equal(c.detail, '1/2 healthy');
      assert.equal(text.slice(c.start, c.end).replace(/"/g, ''), RATINGS);
      assert.equal(byName('endpoint', '10.4.2.9:9080')?.detail, 'UNHEALTHY');
    });

    it('sides: virtualInbound is inbound, the 9080 listener outbound; missing names are marked', () => {
      assert.equal(byName('listener', 'virtualInbound')?.side, 'inbound');
      assert.equal(byName('listener', '0.0.0.0_9080')?.side, 'outbound');
      const v2 = byName('cluster', 'outbound|9080|v2|reviews.default.svc.cluster.local');
      assert.equal(v2?.missing, true);
      assert.equal(v2?.uri, undefined, 'nothing to reveal for a name the dump lacks');
      assert.equal(byName('routeConfig', '8080')?.missing, true);
    });

    it('every edge joins two nodes; every revealable node lies within the document', () => {
      for (const [x, y] of g.edges) assert.ok(g.nodes[x] && g.nodes[y]);
      for (const n of g.nodes) if (n.uri) assert.ok(n.start! >= 0 && n.end! <= text.length && n.start! <= n.end!);
    });

    it('an empty graph for a file the workspace does not hold', () => {
      assert.deepEqual(buildGraph(ws, 'file:///none.json', 'none'), { title: 'none', nodes: [], edges: [] });
    });
  });
}
