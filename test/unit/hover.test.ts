/** Hover (src/core/features/hover.ts) on the sidecar fixture and its YAML twin. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { hoverAt } from '../../src/core/facade';
import { at, loadFixture } from './fixtureWorkspace';

for (const ext of ['json', 'yaml']) {
  describe(`hover (${ext})`, () => {
    const { ws, uri: file, text } = loadFixture(`sidecar.${ext}`);

    it('hovers with kind, Istio decoding, type, endpoints and users', () => {
      const h = hoverAt(ws, file, at(text, 'cluster', 'outbound|9080||ratings.default.svc.cluster.local'))!;
      assert.ok(h);
      assert.match(h.markdown, /\*\*Cluster\*\* `outbound\|9080\|\|ratings.default.svc.cluster.local`/);
      assert.match(h.markdown, /outbound to service ratings in namespace default, port 9080/);
      assert.match(h.markdown, /type: EDS/);
      assert.match(h.markdown, /endpoints \(EDS\): 2 · 1 healthy · 1 UNHEALTHY/);
      assert.match(h.markdown, /referenced by 1 route/);
      assert.match(h.markdown, /version_info: `2026-11-20T10:00:05Z\/12`/);
      const dangling = hoverAt(ws, file, at(text, 'cluster', 'outbound|9080||mirror.default.svc.cluster.local'))!;
      assert.match(dangling.markdown, /Not found among this dump's clusters/);
      const dyn = hoverAt(ws, file, at(text, 'cluster_header', 'x-target-cluster'))!;
      assert.match(dyn.markdown, /request header `x-target-cluster`/);
      const listener = hoverAt(ws, file, at(text, 'name', 'virtualInbound'))!;
      assert.match(listener.markdown, /address: `0.0.0.0:15006`/);
    });
  });
}
