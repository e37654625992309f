/** `envoy-lens summary` tables (src/core/features/summary.ts) on the sidecar fixture and its YAML twin. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { renderSummary, table } from '../../src/core/facade';
import { loadFixture } from './fixtureWorkspace';

for (const ext of ['json', 'yaml']) {
  describe(`summary (${ext})`, () => {
    const { ws, a } = loadFixture(`sidecar.${ext}`);
    const out = renderSummary(ws, a);
    const lines = out.split('\n');

    it('prints the listener table with the destination of each filter chain', () => {
      assert.match(lines[0], /^NAME +ADDRESSES +PORT +MATCH +DESTINATION$/);
      assert.match(out, /^0\.0\.0\.0_9080 +0\.0\.0\.0 +9080 +any connection +Route: 9080$/m);
      assert.match(out, /^virtualOutbound +0\.0\.0\.0 +15001 +default filter chain +Cluster: PassthroughCluster$/m);
      assert.match(out, /^0\.0\.0\.0_15090 .*Inline Route: /m);
      assert.match(out, /^0\.0\.0\.0_15010 .*ERROR: error adding listener/m);
    });

    it('lists the clusters with their Istio parts', () => {
      assert.match(out, /^ratings\.default\.svc\.cluster\.local +9080 +- +outbound +EDS +1\/2$/m);
      assert.match(out, /^reviews\.default\.svc\.cluster\.local +9080 +v1 +outbound +EDS +0\/1$/m);
    });
  });
}

describe('summary secret table (istioctl pc secret)', () => {
  it('prints istioctl\'s columns, certificates judged at the dump\'s time', () => {
    const { ws, a } = loadFixture('secrets.json');
    const out = renderSummary(ws, a);
    assert.match(out, /^RESOURCE NAME +TYPE +STATUS +VALID CERT +SERIAL NUMBER +NOT AFTER +NOT BEFORE$/m);
    assert.match(out, /^kubernetes:\/\/expired-cert +Cert Chain +ACTIVE +false +0+1003 +2026-05-15T00:00:00Z/m);
    assert.match(out, /^ROOTCA +CA +ACTIVE +true /m);
  });
});

describe('table()', () => {
  it('pads every column but the last, two spaces apart, without trailing blanks', () => {
    assert.equal(table(['A', 'LONGER'], [['xxxx', 'y'], ['z', '']]), 'A     LONGER\nxxxx  y\nz');
  });
});
