/** Outline and workspace symbols (src/core/features/symbols.ts) on the sidecar fixture and its YAML twin. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { documentSymbols, workspaceSymbols, type SymbolNode } from '../../src/core/facade';
import { loadFixture } from './fixtureWorkspace';

for (const ext of ['json', 'yaml']) {
  describe(`symbols (${ext})`, () => {
    const { ws, a } = loadFixture(`sidecar.${ext}`);

    it('builds a hierarchical outline', () => {
      const roots = documentSymbols(a);
      const find = (nodes: SymbolNode[], name: string): SymbolNode | undefined => nodes.find((n) => n.name === name);
      const inbound = find(roots, 'virtualInbound')!;
      assert.equal(inbound.children.length, 2);
      assert.equal(inbound.children[0].detail.includes('port 9080'), true);
      const rc = find(roots, '9080')!;
      assert.deepEqual(rc.children.map((c) => c.name), [
        'ratings.default.svc.cluster.local:9080',
        'reviews.default.svc.cluster.local:9080',
        'allow_any',
      ]);
      assert.equal(rc.children[1].children.length, 3);
      const prom = find(roots, '0.0.0.0_15090')!;
      assert.equal(prom.children[0].children[0].kind, 'routeConfig', 'inline route config sits under its filter chain');
    });

    it('lists workspace symbols by fuzzy name', () => {
      const syms = workspaceSymbols(ws, 'ratings');
      assert.ok(syms.some((s) => s.kind === 'cluster' && s.name === 'outbound|9080||ratings.default.svc.cluster.local'));
      assert.ok(syms.every((s) => s.name.toLowerCase().includes('r')));
    });  });
}
