/**
 * The X.509 reader (src/core/x509.ts) against Node's own (node:crypto X509Certificate, OpenSSL underneath) on every
 * certificate of the fixtures and of the corpus dumps, and against hostile input: truncated, bit-flipped and random
 * DER, bad base64, oversized and over-long bundles never throw and come back as errors.
 */
import { strict as assert } from 'node:assert';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { analyze } from '../../src/core/facade';
import { MAX_CERTS, MAX_CERT_DATA, decodeBase64, formatIp, parseCertificate, pemCertificates, readBase64PemBundle, readPemBundle } from '../../src/core/x509';
import { CORPUS, corpusDumps } from './corpusDumps';

const ROOT = path.join(__dirname, '..', '..', '..');
const FIXTURES = path.join(ROOT, 'test', 'fixtures');

/** Every PEM certificate block written in a dump's inline_bytes / inline_string values (found by text, not by our index). */
function pemsIn(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/"(?:inline_bytes|inlineBytes)"\s*:\s*"([A-Za-z0-9+/=]+)"/g)) out.push(Buffer.from(m[1], 'base64').toString('latin1'));
  for (const m of text.matchAll(/"(?:inline_string|inlineString)"\s*:\s*("(?:[^"\\]|\\.)*")/g)) out.push(JSON.parse(m[1]) as string);
  const blocks: string[] = [];
  for (const pem of out) for (const b of pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []) blocks.push(b);
  return blocks;
}

/** `IP:fe80::1` and OpenSSL's `IP:FE80:0:0:0:0:0:0:1` alike as eight lowercase groups. */
function expandIp(san: string): string {
  if (!san.startsWith('IP:') || !san.includes(':', 3)) return san;
  const [head, tail] = san.slice(3).toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail === undefined ? [] : tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return `IP:${[...left, ...zeros, ...right].map((g) => g.replace(/^0+(?=.)/, '')).join(':')}`;
}

/** Node's view of a certificate in our reader's terms. */
function nodeView(pem: string) {
  const x = new X509Certificate(pem);
  const sans = (x.subjectAltName ?? '')
    .split(', ')
    .filter(Boolean)
    .map((s) => expandIp(s.replace(/^IP Address:/, 'IP:')));
  return {
    subject: (x.subject ?? '').split('\n').join(', '),
    issuer: (x.issuer ?? '').split('\n').join(', '),
    serial: x.serialNumber.toLowerCase().replace(/^0+(?=.)/, ''),
    notBefore: Date.parse(x.validFrom),
    notAfter: Date.parse(x.validTo),
    sans,
    isCA: x.ca,
  };
}

/** Reads each PEM block with both readers: the same fields, or both refuse it. Returns how many both read. */
function compareAll(pems: string[]): number {
  let n = 0;
  for (const pem of pems) {
    const { certs } = readPemBundle(pem);
    assert.equal(certs.length, 1);
    const ours = certs[0];
    let theirs: ReturnType<typeof nodeView> | undefined;
    try {
      theirs = nodeView(pem);
    } catch {
      theirs = undefined;
    }
    if (!theirs) {
      assert.equal(ours.ok, false, 'Node refuses a certificate we read');
      continue;
    }
    assert.ok(ours.ok, `ours failed: ${!ours.ok && ours.error}`);
    const { ok: _ok, ...fields } = ours;
    assert.deepEqual({ ...fields, sans: fields.sans.map(expandIp) }, theirs);
    n++;
  }
  return n;
}

describe('x509 reader against node:crypto', () => {
  it('reads every certificate of the fixture as Node does (subject, issuer, serial, validity, SANs, CA)', () => {
    const pems = pemsIn(readFileSync(path.join(FIXTURES, 'secrets.json'), 'utf8'));
    assert.equal(pems.length, 7);
    assert.equal(compareAll(pems), 6, "the seventh block is garbage on purpose");
  });

  it('reads every certificate of the corpus dumps as Node does', (t) => {
    if (!existsSync(CORPUS)) {
      t.skip(`corpus not found at ${CORPUS}`);
      return;
    }
    let n = 0;
    for (const d of corpusDumps()) {
      const text = readFileSync(d.path, 'utf8');
      if (!/inline_?[bB]ytes|inline_?[sS]tring/.test(text)) continue;
      n += compareAll(pemsIn(text));
    }
    // 50-odd certificates across the Istio, SPIRE, Envoy Gateway and OSM dumps of the corpus.
    t.diagnostic(`${n} corpus certificates read alike`);
    assert.ok(n >= 20, `only ${n} certificates found in the corpus`);
  });

  it('indexes a secret with both spellings of its fields (camelCase as istioctl -o json prints)', () => {
    const pem = pemsIn(readFileSync(path.join(FIXTURES, 'secrets.json'), 'utf8'))[0];
    const camel = JSON.stringify({
      dynamicActiveSecrets: [{ name: 'default', lastUpdated: '2026-06-01T00:00:00Z', secret: { name: 'default', tlsCertificate: { certificateChain: { inlineBytes: Buffer.from(pem).toString('base64') } } } }],
    });
    const a = analyze('camel.json', camel);
    const certs = a.defs.find((d) => d.kind === 'secret')?.info.certificates;
    assert.equal(certs?.length, 1);
    assert.equal(certs[0].serial, '1001');
    assert.deepEqual(certs[0].sans, ['URI:spiffe://cluster.local/ns/default/sa/valid', 'DNS:valid.default.svc.cluster.local']);
  });
});

/** A small deterministic PRNG (mulberry32), so a failure reproduces. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('x509 reader on hostile input', () => {
  const pem = pemsIn(readFileSync(path.join(FIXTURES, 'secrets.json'), 'utf8'))[0];
  const der = new Uint8Array(new X509Certificate(pem).raw);

  it('every truncation of a certificate is an error, never an exception', { timeout: 30_000 }, () => {
    for (let n = 0; n < der.length; n++) {
      const r = parseCertificate(der.subarray(0, n));
      assert.equal(r.ok, false, `prefix of ${n} bytes read as a certificate`);
    }
    assert.equal(parseCertificate(der).ok, true);
  });

  it('bit flips and random bytes never throw', { timeout: 30_000 }, () => {
    const rand = rng(11);
    let read = 0;
    for (let k = 0; k < 20_000; k++) {
      const copy = der.slice();
      const flips = 1 + Math.floor(rand() * 4);
      for (let f = 0; f < flips; f++) copy[Math.floor(rand() * copy.length)] ^= 1 << Math.floor(rand() * 8);
      const r = parseCertificate(copy);
      if (r.ok) read++;
      const noise = new Uint8Array(Math.floor(rand() * 300));
      for (let i = 0; i < noise.length; i++) noise[i] = Math.floor(rand() * 256);
      if (rand() < 0.5 && noise.length > 1) noise[0] = 0x30;
      assert.equal(typeof parseCertificate(noise).ok, 'boolean');
    }
    // Flips inside names, the signature or the key still read; the rest are errors: both happen.
    assert.ok(read > 0 && read < 20_000, `${read} of 20000 flipped certificates read`);
  });

  it('IP SANs: IPv4 dotted, IPv6 as RFC 5952 writes it (as the WHATWG URL parser normalises a host)', () => {
    assert.equal(formatIp(new Uint8Array([10, 0, 0, 7])), '10.0.0.7');
    const rand = rng(5);
    for (let k = 0; k < 2000; k++) {
      const bytes = new Uint8Array(16);
      // Mostly zero groups, so runs of every length and position occur.
      for (let g = 0; g < 8; g++) if (rand() < 0.4) [bytes[2 * g], bytes[2 * g + 1]] = [Math.floor(rand() * 256), Math.floor(rand() * 256)];
      const full = Array.from({ length: 8 }, (_, g) => ((bytes[2 * g] << 8) | bytes[2 * g + 1]).toString(16)).join(':');
      assert.equal(`[${formatIp(bytes)}]`, new URL(`http://[${full}]/`).host, full);
    }
    assert.equal(formatIp(new Uint8Array([1, 2, 3])), '#010203');
  });

  it('lengths past the end, 5-byte lengths and indefinite lengths are errors', () => {
    for (const bytes of [[0x30, 0x84, 0xff, 0xff, 0xff, 0xff], [0x30, 0x85, 1, 0, 0, 0, 0], [0x30, 0x80, 0, 0], [0x30], [], [0x1f, 0x01, 0x00]]) {
      const r = parseCertificate(new Uint8Array(bytes));
      assert.equal(r.ok, false);
    }
  });

  it('base64: both alphabets, white space and missing padding read; other characters refused', () => {
    assert.deepEqual(Array.from(decodeBase64('AQID')!), [1, 2, 3]);
    assert.deepEqual(Array.from(decodeBase64('AQ I\nD')!), [1, 2, 3]);
    assert.deepEqual(Array.from(decodeBase64('AQ')!), [1]);
    assert.deepEqual(Array.from(decodeBase64('AQ==')!), [1]);
    assert.deepEqual(Array.from(decodeBase64('-_8')!), [0xfb, 0xff]);
    assert.equal(decodeBase64('A'), undefined);
    assert.equal(decodeBase64('AQ==AQ'), undefined);
    assert.equal(decodeBase64('AQ!D'), undefined);
    assert.equal(decodeBase64('AQé'), undefined);
    const r = readBase64PemBundle('%%%');
    assert.deepEqual(r.certs, [{ ok: false, error: 'inline_bytes is not base64' }]);
  });

  it('PEM without blocks, an unterminated block, garbage inside a block: errors in place, order kept', () => {
    assert.deepEqual(readPemBundle('hello').certs, [{ ok: false, error: 'no "BEGIN CERTIFICATE" block' }]);
    const mixed = readPemBundle(`${pem}\n-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n${pem}\n-----BEGIN CERTIFICATE-----\nAAAA`);
    assert.deepEqual(
      mixed.certs.map((c) => (c.ok ? c.serial : c.error)),
      ['1001', 'a certificate block is not base64', '1001', 'a "BEGIN CERTIFICATE" block has no END line'],
    );
    const notDer = readPemBundle('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----');
    assert.equal(notDer.certs.length, 1);
    assert.match((notDer.certs[0] as { error: string }).error, /^not a valid X\.509 certificate/);
  });

  it('a bundle of 5,000 certificates reads MAX_CERTS and counts the rest; oversized data is refused unread', { timeout: 30_000 }, () => {
    const many = Array.from({ length: 5000 }, () => pem).join('\n');
    const r = readPemBundle(many);
    assert.equal(r.certs.length, MAX_CERTS);
    assert.equal(r.more, 5000 - MAX_CERTS);
    assert.ok(r.certs.every((c) => c.ok));
    assert.equal(pemCertificates(many).blocks.length, MAX_CERTS);
    const huge = 'A'.repeat(MAX_CERT_DATA + 1);
    assert.match((readPemBundle(huge).certs[0] as { error: string }).error, /^too large to read/);
    assert.match((readBase64PemBundle(huge + huge).certs[0] as { error: string }).error, /^too large to read/);
  });

  it('a YAML secret copied by 20,000 aliases decodes its chain once and indexes every copy', { timeout: 30_000 }, () => {
    const b64 = Buffer.from(pem).toString('base64');
    const yaml = `s: &s {name: x, secret: {name: x, tls_certificate: {certificate_chain: {inline_bytes: "${b64}"}}}}\ndynamic_active_secrets: [${Array(20_000).fill('*s').join(', ')}]\n`;
    const a = analyze('aliases.yaml', yaml, { languageId: 'yaml' });
    const secrets = a.defs.filter((d) => d.kind === 'secret');
    assert.equal(secrets.length, 20_000);
    assert.ok(secrets.every((d) => d.info.certificates?.length === 1 && d.info.certificates[0].serial === '1001'));
  });

  it('a dump of hostile secrets indexes without throwing and records each failure on its secret', () => {
    const garbage = [
      '', '%%%', Buffer.from('-----BEGIN CERTIFICATE-----\n').toString('base64'), Buffer.from(der.subarray(0, 50)).toString('base64'),
      Buffer.from(`-----BEGIN CERTIFICATE-----\n${Buffer.from(der.subarray(0, 300)).toString('base64')}\n-----END CERTIFICATE-----`).toString('base64'),
    ];
    const dump = {
      configs: [{
        '@type': 'type.googleapis.com/envoy.admin.v3.SecretsConfigDump',
        dynamic_active_secrets: garbage.map((g, i) => ({ name: `s${i}`, secret: { name: `s${i}`, tls_certificate: { certificate_chain: { inline_bytes: g } }, validation_context: { trusted_ca: { inline_string: 42 } } } })),
      }],
    };
    const a = analyze('hostile.json', JSON.stringify(dump));
    const secrets = a.defs.filter((d) => d.kind === 'secret');
    assert.equal(secrets.length, garbage.length);
    for (const d of secrets) {
      const certs = d.info.certificates ?? [];
      assert.equal(certs.length, 1, d.name);
      assert.ok(certs[0].error, `${d.name} has an error`);
    }
  });
});
