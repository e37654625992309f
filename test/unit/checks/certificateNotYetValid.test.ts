/** `certificate-not-yet-valid`: judged at the dump's own time, never at the clock. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { CERT_TWINS, findings, fixtureText, withoutTimes } from '../certificateFixture';

describe('certificate-not-yet-valid', () => {
  for (const name of CERT_TWINS) {
    it(`${name}: the certificate that starts after the dump was taken, as an error`, () => {
      const f = findings(`file:///${name}`, fixtureText(name), 'certificate-not-yet-valid');
      assert.deepEqual(f.map((x) => x.secret), ['kubernetes://future-cert']);
      assert.equal(f[0].d.severity, 'error');
      assert.equal(
        f[0].d.message,
        'Certificate "O=envoy-lens test" (certificate chain #1) of secret "kubernetes://future-cert" is not valid before 2026-07-01T00:00:00Z, 30 days after the dump\'s time (2026-06-01T00:00:00Z, its newest last_updated): TLS handshakes that rely on it fail until then (are the CA\'s and the proxy\'s clocks apart?).',
      );
      assert.match(f[0].text, /^"?LS0tLS1CRUdJTi/);
    });

    it(`${name}: no time, no judgement; the clock plays no part`, () => {
      assert.deepEqual(findings(`file:///${name}`, withoutTimes(name), 'certificate-not-yet-valid'), []);
      const early = findings(`file:///${name}`, fixtureText(name), 'certificate-not-yet-valid', Date.parse('2000-01-01T00:00:00Z'));
      assert.deepEqual(early.map((x) => x.secret), ['kubernetes://future-cert']);
    });
  }

  it('judged at the fetch time in the file name', () => {
    const text = fixtureText('secrets.json');
    assert.deepEqual(findings('file:///p.ns.20260715T000000Z.config_dump.json', text, 'certificate-not-yet-valid'), []);
    // Before every certificate of the fixture: all of them, the CA too.
    const f = findings('file:///p.ns.20251201T000000Z.config_dump.json', text, 'certificate-not-yet-valid');
    assert.deepEqual(f.map((x) => x.secret), ['default', 'default', 'kubernetes://expiring-cert', 'kubernetes://expired-cert', 'kubernetes://future-cert', 'ROOTCA']);
  });
});
