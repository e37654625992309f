/** Document highlights (core/features/highlights.ts): every definition and reference of the name under the cursor. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { highlightsAt } from '../../src/core/facade';
import { at, loadFixture, textAt, TWINS } from './fixtureWorkspace';

for (const file of TWINS('sidecar')) {
  describe(`highlights: ${file}`, () => {
    const { ws, uri, text } = loadFixture(file);

    it('finds the definition (write) and both references (read) of PassthroughCluster', () => {
      const hs = highlightsAt(ws, uri, at(text, 'cluster', 'PassthroughCluster'));
      assert.equal(hs.length, 3);
      for (const h of hs) assert.equal(textAt(text, h.span), 'PassthroughCluster');
      assert.equal(hs.filter((h) => h.kind === 'write').length, 1);
      // The same answer from the definition's own name.
      const def = hs.find((h) => h.kind === 'write')!;
      assert.deepEqual(highlightsAt(ws, uri, def.span.start + 1), hs);
    });

    it('answers nothing off a name, and for a file the workspace does not hold', () => {
      assert.deepEqual(highlightsAt(ws, uri, 0), []);
      assert.deepEqual(highlightsAt(ws, 'file:///elsewhere.json', at(text, 'cluster', 'PassthroughCluster')), []);
    });
  });
}
