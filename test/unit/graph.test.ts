/** The graph webview's messages: the page names a node; only a location of the graph drawn may be revealed. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { parseGraphMessage, revealTarget, type GraphData } from '../../src/core/facade';

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
