/**
 * Secrets' certificates as features: `secretRows` (the rows of `istioctl proxy-config secret`) on the corpus dumps
 * istioctl's own tests use, held to the rows of istioctl's golden outputs; on the fixture; hover on a secret; and when
 * a dump was taken.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { analyze, dumpTime, hoverAt, parseTimestamp, rfc3339, secretRows, Workspace } from '../../src/core/facade';
import { certificateHoverLines } from '../../src/core/features/certificates';
import { CERT_TWINS, fixtureText, withoutTimes } from './certificateFixture';
import { at, loadText } from './fixtureWorkspace';
import { CORPUS } from './corpusDumps';

const ISTIOCTL_TESTDATA = 'istio__istio__istioctl__pkg__writer__envoy__configdump__testdata__secret__';

function corpusDump(t: { skip: (m: string) => void }, name: string) {
  const file = path.join(CORPUS, `${ISTIOCTL_TESTDATA}${name}__config_dump.json`);
  if (!existsSync(file)) {
    t.skip(`corpus dump not found: ${file}`);
    return undefined;
  }
  const ws = new Workspace();
  const a = analyze(`file:///${name}.json`, readFileSync(file));
  ws.set(a);
  return { ws, a };
}

/** istioctl judged VALID CERT at its clock when its golden files were written: any time after 2024-10-28 and before 2033 gives the same. */
const ISTIOCTL_CLOCK = Date.parse('2026-01-01T00:00:00Z');
const HEADERS = ['RESOURCE NAME', 'TYPE', 'STATUS', 'VALID CERT', 'SERIAL NUMBER', 'NOT AFTER', 'NOT BEFORE'];

describe('secretRows: istioctl proxy-config secret', () => {
  // The rows of istioctl/pkg/writer/envoy/configdump/testdata/secret/istio/output (istio master, 2026).
  it('the Istio dump of istioctl\'s tests: a warming secret with no data, the workload chain, ROOTCA', (t) => {
    const d = corpusDump(t, 'istio');
    if (!d) return;
    const table = secretRows(d.ws, d.a, { at: ISTIOCTL_CLOCK });
    assert.deepEqual(table.headers, HEADERS);
    assert.deepEqual(table.rows, [
      ['configmap://some/thing', '', 'WARMING', 'false', '', '', ''],
      ['default', 'Cert Chain', 'ACTIVE', 'false', '6fbee254c22900615cb1f74e3d2f1713', '2023-05-16T01:32:52Z', '2023-05-15T01:30:52Z'],
      ['ROOTCA', 'CA', 'ACTIVE', 'true', '0193a543fe2b0d9cd4847675394dfc54', '2033-05-02T03:41:33Z', '2023-05-05T03:41:33Z'],
    ]);
    assert.deepEqual(table.notes, []);
    assert.equal(table.atSource, 'given');
  });

  // The rows of istioctl/pkg/writer/envoy/configdump/testdata/secret/spire/output.
  it('the SPIRE dump: one ROOTCA row per federated trust domain, and the TRUST DOMAIN column', (t) => {
    const d = corpusDump(t, 'spire');
    if (!d) return;
    const table = secretRows(d.ws, d.a, { at: ISTIOCTL_CLOCK });
    assert.deepEqual(table.headers, [...HEADERS, 'TRUST DOMAIN']);
    assert.deepEqual(table.rows, [
      ['default', 'Cert Chain', 'ACTIVE', 'false', 'cd4902e499169b11ec171dad1668adbb', '2024-10-27T22:44:37Z', '2024-10-27T21:44:27Z', 'east.local'],
      ['ROOTCA', 'CA', 'ACTIVE', 'true', '529cbbaf623611d057b517d4ffe341e4e8035037', '2034-10-23T13:23:05Z', '2024-10-25T13:23:05Z', 'east.local'],
      ['ROOTCA', 'CA', 'ACTIVE', 'true', '6726e5fad145f8ca9a711f0550297ced839ee37f', '2034-10-23T13:23:05Z', '2024-10-25T13:23:05Z', 'west.local'],
    ]);
  });

  it('without a given time VALID CERT is judged at the dump\'s own time, its newest last_updated', (t) => {
    const d = corpusDump(t, 'istio');
    if (!d) return;
    const table = secretRows(d.ws, d.a);
    assert.equal(table.atSource, 'last_updated');
    assert.equal(rfc3339(table.at), '2025-04-11T14:59:35Z');
    // That dump's newest last_updated (another resource's) is after the workload certificate's end: false still.
    assert.deepEqual(table.rows.map((r) => r[3]), ['false', 'false', 'true']);
  });

  for (const name of CERT_TWINS) {
    it(`${name}: every kind of row, judged at the dump's time (2026-06-01)`, () => {
      const { ws, a } = loadText(`file:///${name}`, fixtureText(name));
      const table = secretRows(ws, a);
      assert.equal(table.atSource, 'last_updated');
      assert.deepEqual(table.headers, HEADERS, 'no TRUST DOMAIN: not every row has one');
      assert.deepEqual(table.rows, [
        ['kubernetes://pending', '', 'WARMING', 'false', '', '', ''],
        ['default', 'Cert Chain', 'ACTIVE', 'true', '00000000000000000000000000001001', '2026-08-01T00:00:00Z', '2026-05-01T00:00:00Z'],
        ['kubernetes://expiring-cert', 'Cert Chain', 'ACTIVE', 'true', '00000000000000000000000000001002', '2026-06-03T00:00:00Z', '2026-05-01T00:00:00Z'],
        ['kubernetes://expired-cert', 'Cert Chain', 'ACTIVE', 'false', '00000000000000000000000000001003', '2026-05-15T00:00:00Z', '2026-04-01T00:00:00Z'],
        ['kubernetes://future-cert', 'Cert Chain', 'ACTIVE', 'false', '00000000000000000000000000001004', '2026-12-01T00:00:00Z', '2026-07-01T00:00:00Z'],
        ['kubernetes://garbage', '', 'ACTIVE', 'false', '', '', ''],
        ['ROOTCA', 'CA', 'ACTIVE', 'true', '00000000000000000000000000001000', '2036-01-01T00:00:00Z', '2026-01-01T00:00:00Z'],
      ]);
    });
  }

  it('a dump with no time: judged now, with a note saying so', () => {
    const { ws, a } = loadText('file:///notime.json', withoutTimes('secrets.json'));
    const table = secretRows(ws, a, { now: () => Date.parse('2026-05-10T00:00:00Z') });
    assert.equal(table.atSource, 'clock');
    assert.deepEqual(table.notes, ['The dump has no last_updated nor a fetch time in its name: VALID CERT is judged now (2026-05-10T00:00:00Z), as istioctl judges a live proxy.']);
    assert.deepEqual(table.rows.map((r) => `${r[0]} ${r[3]}`), [
      'kubernetes://pending false', 'default true', 'kubernetes://expiring-cert true', 'kubernetes://expired-cert true',
      'kubernetes://future-cert false', 'kubernetes://garbage false', 'ROOTCA true',
    ]);
  });

  it('static secrets are not rows (istioctl lists dynamic ones); no dynamic secret: istioctl\'s sentence', () => {
    const dump = JSON.stringify({ configs: [{ '@type': 'type.googleapis.com/envoy.admin.v3.SecretsConfigDump', static_secrets: [{ name: 's', last_updated: '2026-01-01T00:00:00Z', secret: { name: 's' } }] }] });
    const { ws, a } = loadText('file:///static.json', dump);
    const table = secretRows(ws, a);
    assert.deepEqual(table.rows, []);
    assert.deepEqual(table.notes, ['No active or warming secrets found.']);
  });
});

describe('hover on a secret', () => {
  for (const name of CERT_TWINS) {
    it(`${name}: subject, SANs, issuer, serial, validity, at the dump's time and today`, () => {
      const { ws, uri, text, a } = loadText(`file:///${name}`, fixtureText(name));
      const h = hoverAt(ws, uri, at(text, 'name', 'default'));
      assert.ok(h);
      assert.match(h.markdown, /- certificate chain \\#1: subject `O=envoy-lens test` · SANs `URI:spiffe:\/\/cluster\.local\/ns\/default\/sa\/valid`, `DNS:valid\.default\.svc\.cluster\.local`/);
      assert.match(h.markdown, /issuer `O=envoy-lens test, CN=Test Root CA` · serial `1001`/);
      assert.match(h.markdown, /- certificate chain \\#2 \(CA\): subject `O=envoy-lens test, CN=Test Root CA`/);
      assert.match(h.markdown, /at the dump's time \(2026-06-01T00:00:00Z, its newest last_updated\): valid, 61 days left of 92 days · today: /);
      const def = a.defs.find((d) => d.name === 'default')!;
      assert.deepEqual(certificateHoverLines(a, def, Date.parse('2026-09-01T00:00:00Z')), [
        '- certificate chain \\#1: subject `O=envoy-lens test` · SANs `URI:spiffe://cluster.local/ns/default/sa/valid`, `DNS:valid.default.svc.cluster.local`',
        '  - issuer `O=envoy-lens test, CN=Test Root CA` · serial `1001`',
        '  - valid 2026-05-01T00:00:00Z → 2026-08-01T00:00:00Z',
        "  - at the dump's time (2026-06-01T00:00:00Z, its newest last_updated): valid, 61 days left of 92 days · today: expired 31 days ago",
        '- certificate chain \\#2 (CA): subject `O=envoy-lens test, CN=Test Root CA`',
        '  - issuer `O=envoy-lens test, CN=Test Root CA` · serial `1000`',
        '  - valid 2026-01-01T00:00:00Z → 2036-01-01T00:00:00Z',
        "  - at the dump's time (2026-06-01T00:00:00Z, its newest last_updated): valid, 3501 days left of 3652 days · today: valid, 3409 days left of 3652 days",
      ]);
    });
  }

  it('an unreadable certificate, a not-yet-valid one, and a dump with no time', () => {
    const { a } = loadText('file:///h.json', fixtureText('secrets.json'));
    const byName = (n: string) => a.defs.find((d) => d.name === n)!;
    assert.deepEqual(certificateHoverLines(a, byName('kubernetes://garbage')), ['- certificate chain \\#1: could not be read: a certificate block is not base64']);
    assert.match(certificateHoverLines(a, byName('kubernetes://future-cert'), Date.parse('2026-07-02T00:00:00Z'))[3], /not yet valid: starts 30 days later · today: valid, /);
    assert.deepEqual(certificateHoverLines(a, byName('kubernetes://pending')), []);
    const none = loadText('file:///n.json', withoutTimes('secrets.json')).a;
    const lines = certificateHoverLines(none, none.defs.find((d) => d.name === 'ROOTCA')!, Date.parse('2026-05-10T00:00:00Z'));
    assert.match(lines[0], /the dump has no `last_updated` \(nor a fetch time in its name\), so they are judged only today/);
    assert.match(lines[lines.length - 1], /^ {2}- today: valid, /);
  });

  it('a trust store of many CAs shows five and counts the rest', () => {
    const ca = fixtureText('secrets.json').match(/"inline_bytes": "([^"]+)"/g)!.at(-1)!.slice(17, -1);
    const pem = Buffer.from(ca, 'base64').toString();
    const dump = JSON.stringify({ dynamic_active_secrets: [{ name: 'ROOTCA', last_updated: '2026-06-01T00:00:00Z', secret: { name: 'ROOTCA', validation_context: { trusted_ca: { inline_string: pem.repeat(12) } } } }] });
    const { a } = loadText('file:///many.json', dump);
    const lines = certificateHoverLines(a, a.defs[0]);
    assert.equal(lines.filter((l) => l.startsWith('- trusted CA')).length, 5);
    assert.equal(lines.at(-1), '- … and 7 more certificates');
  });
});

describe('when a dump was taken', () => {
  it('RFC 3339 timestamps to the nanosecond and with offsets; anything else is no time', () => {
    assert.equal(parseTimestamp('2026-05-31T12:00:00.123456789Z'), Date.parse('2026-05-31T12:00:00.123Z'));
    assert.equal(parseTimestamp('2026-05-31T14:00:00+02:00'), Date.parse('2026-05-31T12:00:00Z'));
    assert.equal(parseTimestamp('2026-05-31T12:00:00Z'), Date.parse('2026-05-31T12:00:00Z'));
    for (const bad of ['', 'yesterday', '2026-05-31', '2026-05-31T12:00:00', '2026-13-01T00:00:00Z', '2026-05-31T24:00:00Z', '2026-05-31T12:00:00Zjunk']) assert.equal(parseTimestamp(bad), undefined, bad);
  });

  it('the newest last_updated; a fetched dump\'s name wins; none: undefined', () => {
    const json = fixtureText('secrets.json');
    assert.deepEqual(dumpTime(analyze('file:///a.json', json)), { at: Date.parse('2026-06-01T00:00:00Z'), source: 'last_updated' });
    assert.deepEqual(dumpTime(analyze('file:///d/reviews-v1-5f6.default.20261122T103000Z.config_dump.yaml', fixtureText('secrets.yaml'), { languageId: 'yaml' })), { at: Date.parse('2026-11-22T10:30:00Z'), source: 'fetch' });
    assert.equal(dumpTime(analyze('file:///b.json', withoutTimes('secrets.json'))), undefined);
  });
});
