/** `certificate-expired`: judged at the dump's own time (newest last_updated, or the fetch time in the name), never at the clock. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { CERT_TWINS, findings, fixtureText, withoutTimes } from '../certificateFixture';

describe('certificate-expired', () => {
  for (const name of CERT_TWINS) {
    it(`${name}: the certificate that expired before the dump was taken, at its data, as an error`, () => {
      const text = fixtureText(name);
      const f = findings(`file:///${name}`, text, 'certificate-expired');
      assert.deepEqual(f.map((x) => x.secret), ['kubernetes://expired-cert']);
      const [{ d, text: at }] = f;
      assert.equal(d.severity, 'error');
      assert.equal(
        d.message,
        'Certificate "O=envoy-lens test" (certificate chain #1) of secret "kubernetes://expired-cert" expired on 2026-05-15T00:00:00Z, 17 days before the dump\'s time (2026-06-01T00:00:00Z, its newest last_updated): TLS handshakes that rely on it fail.',
      );
      // The finding sits on the inline_bytes value the certificate was read from.
      assert.match(at, /^"?LS0tLS1CRUdJTi/);
    });

    it(`${name}: the same findings whatever the clock says (a year-old dump opened today is not "expired")`, () => {
      const text = fixtureText(name);
      const past = findings(`file:///${name}`, text, 'certificate-expired', Date.parse('2020-01-01T00:00:00Z'));
      const future = findings(`file:///${name}`, text, 'certificate-expired', Date.parse('2040-01-01T00:00:00Z'));
      assert.deepEqual(past.map((x) => x.d), future.map((x) => x.d));
      assert.equal(past.length, 1);
    });

    it(`${name}: a dump with no time is not judged`, () => {
      assert.deepEqual(findings(`file:///${name}`, withoutTimes(name), 'certificate-expired'), []);
    });
  }

  it('the UTC time in a fetched dump\'s name wins over last_updated', () => {
    const text = fixtureText('secrets.json');
    // Fetched 2026-05-10: the certificate that ends 2026-05-15 had not expired yet.
    assert.deepEqual(findings('file:///w/app-1.default.20260510T000000Z.config_dump.json', text, 'certificate-expired'), []);
    // Fetched 2036-06-01: everything has expired, the CA (2036-01-01) included, in the chain and as ROOTCA.
    const late = findings('file:///w/app-1.default.20360601T000000Z-2.config_dump.json', text, 'certificate-expired');
    assert.deepEqual(late.map((x) => x.secret), ['default', 'default', 'kubernetes://expiring-cert', 'kubernetes://expired-cert', 'kubernetes://future-cert', 'ROOTCA']);
    assert.match(late[1].d.message, /^Certificate "O=envoy-lens test, CN=Test Root CA" \(certificate chain #2\) of secret "default" expired on 2036-01-01T00:00:00Z, 152 days before the dump's time \(2036-06-01T00:00:00Z, fetched\)/);
  });
});
