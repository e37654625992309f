/** `certificate-expiring`: less than a quarter of the lifetime left at the dump's time (Istio renews at half). */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { certificateStatus } from '../../../src/core/features/certificates';
import type { CertificateInfo } from '../../../src/core/model/types';
import { CERT_TWINS, findings, fixtureText, withoutTimes } from '../certificateFixture';

describe('certificate-expiring', () => {
  for (const name of CERT_TWINS) {
    it(`${name}: the certificate with 2 of its 33 days left, as a warning`, () => {
      const f = findings(`file:///${name}`, fixtureText(name), 'certificate-expiring');
      assert.deepEqual(f.map((x) => x.secret), ['kubernetes://expiring-cert']);
      assert.equal(f[0].d.severity, 'warning');
      assert.equal(
        f[0].d.message,
        'Certificate "O=envoy-lens test" (certificate chain #1) of secret "kubernetes://expiring-cert" expires on 2026-06-03T00:00:00Z, 2 days after the dump\'s time (2026-06-01T00:00:00Z, its newest last_updated): less than a quarter of its lifetime (33 days) was left, and Istio renews at half.',
      );
      // inline_string: the finding is on the PEM text itself.
      assert.match(f[0].text, /BEGIN CERTIFICATE/);
    });

    it(`${name}: no time, no judgement`, () => {
      assert.deepEqual(findings(`file:///${name}`, withoutTimes(name), 'certificate-expiring'), []);
    });
  }

  it('moves with the dump\'s time: fetched 2026-05-20 nothing is late; 2026-07-20 the leaf of "default" is', () => {
    const text = fixtureText('secrets.json');
    assert.deepEqual(findings('file:///p.ns.20260520T000000Z.config_dump.json', text, 'certificate-expiring'), []);
    const f = findings('file:///p.ns.20260720T000000Z.config_dump.json', text, 'certificate-expiring');
    assert.deepEqual(f.map((x) => x.secret), ['default']);
    assert.match(f[0].d.message, /expires on 2026-08-01T00:00:00Z, 12 days after .* its lifetime \(92 days\)/);
  });

  it('a CA with under a quarter of its ten years left: the message asks for a rotation, not for Istio', () => {
    const f = findings('file:///p.ns.20330801T000000Z.config_dump.json', fixtureText('secrets.json'), 'certificate-expiring');
    assert.deepEqual(f.map((x) => x.secret), ['default', 'ROOTCA']);
    assert.equal(
      f[1].d.message,
      'Certificate "O=envoy-lens test, CN=Test Root CA" (trusted CA #1) of secret "ROOTCA" expires on 2036-01-01T00:00:00Z, 883 days after the dump\'s time (2033-08-01T00:00:00Z, fetched): less than a quarter of its lifetime (3652 days) was left, and nothing renews a CA by itself: plan its rotation.',
    );
  });

  it('the boundaries: a quarter left is not late, a millisecond less is; the ends are inclusive', () => {
    const c = { source: 'certificate_chain', index: 0, span: { start: 0, end: 0 }, notBefore: 0, notAfter: 400 } as CertificateInfo;
    assert.equal(certificateStatus(c, 300), 'valid');
    assert.equal(certificateStatus(c, 301), 'expiring');
    assert.equal(certificateStatus(c, 400), 'expiring');
    assert.equal(certificateStatus(c, 401), 'expired');
    assert.equal(certificateStatus(c, 0), 'valid');
    assert.equal(certificateStatus(c, -1), 'not-yet-valid');
    assert.equal(certificateStatus({ ...c, notAfter: undefined, error: 'x' }, 100), undefined);
  });
});
