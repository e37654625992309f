/** CodeLens (core/features/codeLens.ts): where lenses go and what they say. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { codeLensSites, codeLensText, MAX_LENSES } from '../../src/core/facade';
import { loadFixture, loadText, textAt, TWINS } from './fixtureWorkspace';

const RATINGS = 'outbound|9080||ratings.default.svc.cluster.local';

for (const file of TWINS('sidecar')) {
  describe(`CodeLens: ${file}`, () => {
    const { ws, uri, text, a } = loadFixture(file);
    const sites = codeLensSites(ws, uri);
    const titleOf = (name: string, kind: string) => {
      const site = sites.find((s) => textAt(text, s.span) === name && a.defs[s.index].kind === kind);
      assert.ok(site, `a lens on ${kind} ${name}`);
      return codeLensText(ws, uri, site.index);
    };

    it('only on top-level listeners, route configurations, clusters, secrets and endpoint configs', () => {
      assert.ok(sites.length > 0);
      for (const s of sites) {
        const d = a.defs[s.index];
        assert.ok(['listener', 'routeConfig', 'cluster', 'secret', 'endpoints'].includes(d.kind), d.kind);
        assert.equal(d.group, 'main');
      }
    });

    it('a used cluster: its users and its endpoints', () => {
      const t = titleOf(RATINGS, 'cluster');
      assert.equal(t?.title, 'used by 1 reference · 2 endpoints · 1 healthy');
      assert.equal(typeof t?.referencesAt, 'number');
    });

    it('a route configuration counts listeners', () => {
      assert.match(titleOf('9080', 'routeConfig')?.title ?? '', /^used by 1 listener\b/);
    });

    it('nothing for a definition that is gone', () => {
      assert.equal(codeLensText(ws, uri, a.defs.length + 5), undefined);
      assert.equal(codeLensText(ws, 'file:///none.json', 0), undefined);
    });
  });
}

describe('CodeLens limits and unused definitions', () => {
  it('says "not referenced" and offers no references', () => {
    const { ws, uri } = loadText('file:///w/one.json', JSON.stringify({ static_resources: { clusters: [{ name: 'lonely' }] } }));
    const [site] = codeLensSites(ws, uri);
    assert.deepEqual(codeLensText(ws, uri, site.index), { title: 'not referenced', referencesAt: undefined });
  });

  it(`gives no lenses at all beyond ${MAX_LENSES} candidates`, () => {
    const clusters = Array.from({ length: MAX_LENSES + 1 }, (_, i) => ({ name: `c${i}` }));
    const { ws, uri } = loadText('file:///w/many.json', JSON.stringify({ static_resources: { clusters } }));
    assert.deepEqual(codeLensSites(ws, uri), []);
    const { ws: ws2, uri: uri2 } = loadText('file:///w/enough.json', JSON.stringify({ static_resources: { clusters: clusters.slice(1) } }));
    assert.equal(codeLensSites(ws2, uri2).length, MAX_LENSES);
  });
});
