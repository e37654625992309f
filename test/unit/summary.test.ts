/** `envoy-lens summary` tables (src/core/features/summary.ts): what `pc all` prints, on the sidecar fixture and its YAML twin. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { pcParts, readValue, renderProxyConfig, renderSummary, table } from '../../src/core/facade';
import { loadFixture } from './fixtureWorkspace';

for (const ext of ['json', 'yaml']) {
  describe(`summary (${ext})`, () => {
    const { ws, a, text } = loadFixture(`sidecar.${ext}`);
    const out = renderSummary(ws, a, readValue(text, { languageId: ext }));

    it('prints the listener table of pc all: a row per filter chain in istioctl\'s words, sorted by port', () => {
      assert.match(out, /^NAME +ADDRESSES PORT +MATCH +DESTINATION$/m);
      assert.match(out, /^listener\/0\.0\.0\.0_9080 +0\.0\.0\.0 +9080 +ALL +Route: 9080$/m);
      assert.match(out, /^listener\/virtualOutbound +0\.0\.0\.0 +15001 +ALL +PassthroughCluster$/m);
      assert.match(out, /^listener\/virtualInbound +0\.0\.0\.0 +15006 +Trans: tls; App: TCP TLS; Addr: \*:9080 +Cluster: inbound\|9080\|\|$/m);
      assert.match(out, /^listener\/0\.0\.0\.0_15090 .*Inline Route: \/stats\/prometheus\*$/m);
      // istioctl lists active and static listeners only: the one in error_state is not a row.
      assert.doesNotMatch(out, /15010/);
    });

    it('lists the clusters with their Istio parts and the endpoints with their locality', () => {
      assert.match(out, /^cluster\/outbound\|9080\|\|ratings\.default\.svc\.cluster\.local +ratings\.default\.svc\.cluster\.local +9080 +- +outbound +EDS$/m);
      assert.match(out, /^cluster\/outbound\|9080\|v1\|reviews\.default\.svc\.cluster\.local +reviews\.default\.svc\.cluster\.local +9080 +v1 +outbound +EDS$/m);
      assert.match(out, /^endpoint\/10\.4\.2\.9:9080 +UNHEALTHY +r1\/z1 +outbound\|9080\|\|ratings\.default\.svc\.cluster\.local$/m);
    });

    it('is exactly what pc all prints', () => {
      assert.equal(out, renderProxyConfig('all', { parts: pcParts(readValue(text, { languageId: ext })), ws, analysis: a }, {}));
      assert.match(out, /^NAME +SERVICE FQDN +PORT +SUBSET +DIRECTION +TYPE +DESTINATION RULE$/m);
    });
  });
}

describe('summary secret table (istioctl pc secret)', () => {
  it('prints istioctl\'s columns, certificates judged at the dump\'s time', () => {
    const { ws, a, text } = loadFixture('secrets.json');
    const out = renderSummary(ws, a, readValue(text));
    assert.match(out, /^RESOURCE NAME +TYPE +STATUS +VALID CERT +SERIAL NUMBER +NOT AFTER +NOT BEFORE$/m);
    assert.match(out, /^secret\/kubernetes:\/\/expired-cert +Cert Chain +ACTIVE +false +0+1003 +2026-05-15T00:00:00Z/m);
    assert.match(out, /^secret\/ROOTCA +CA +ACTIVE +true /m);
  });
});

describe('table()', () => {
  it('pads every column but the last, two spaces apart, without trailing blanks', () => {
    assert.equal(table(['A', 'LONGER'], [['xxxx', 'y'], ['z', '']]), 'A     LONGER\nxxxx  y\nz');
    // istioctl's padding: 5 for most tables, 1 for listeners.
    assert.equal(table(['A', 'B'], [['xx', 'y']], 5), 'A      B\nxx     y');
    assert.equal(table(['A', 'B'], [['xx', 'y']], 1), 'A  B\nxx y');
  });
});
