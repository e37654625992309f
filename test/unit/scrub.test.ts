/**
 * `scrub` (issue 13 §3): secret material of every kind leaves, counted per kind; the copy parses; with
 * --pseudonymize names and IPs are replaced consistently and `check` still finds the same codes and counts. The
 * property holds over every corpus dump (../shared/corpus, skipped with a notice when absent).
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import YAML from 'yaml';
import { analyze, check, scrubDump, secretRows, Workspace } from '../../src/core/facade';
import { eachCorpusDump } from './corpusDumps';
import { runCliAsync, type CliRun } from './cliRun';

const ROOT = path.join(__dirname, '..', '..', '..');
const FIX = path.join(ROOT, 'test', 'fixtures');

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const JWT_TEXT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl';
const PEM_CERT = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ2VydGlmaWNhdGUgYm9keSBieXRlcw==\n-----END CERTIFICATE-----\n';
const PEM_KEY = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n';
const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** Codes and their counts as `check` reports them for one file. */
function codes(text: string, lang: 'json' | 'yaml'): Record<string, number> {
  const ws = new Workspace();
  const a = analyze('f', text, { languageId: lang });
  ws.set(a);
  const out: Record<string, number> = {};
  for (const d of check(ws, 'f')) out[d.code] = (out[d.code] ?? 0) + 1;
  return out;
}

/** istioctl's secret table of one file (certificates' subject, serial, validity …, judged at the dump's time). */
function secrets(text: string, lang: 'json' | 'yaml'): unknown {
  const ws = new Workspace();
  const a = analyze('f', text, { languageId: lang });
  ws.set(a);
  return secretRows(ws, a, { now: () => 0 });
}

/** Anything secret-looking left in a text. */
function leaks(text: string): string[] {
  const found: string[] = [];
  if (/-----BEGIN [A-Z ]+-----/.test(text)) found.push('PEM');
  if (/LS0tLS1CRUdJTi/.test(text)) found.push('base64 PEM');
  if (/eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\./.test(text)) found.push('JWT');
  return found;
}

/** A sidecar dump with secrets planted everywhere issue 13 names. */
function planted(): J {
  const v = JSON.parse(readFileSync(path.join(FIX, 'trace-istio.json'), 'utf8')) as J;
  const S = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret';
  v.configs.push({ '@type': 'type.googleapis.com/envoy.admin.v3.SecretsConfigDump', dynamic_active_secrets: [
    { name: 'default', version_info: '1', secret: { '@type': S, name: 'default', tls_certificate: {
      certificate_chain: { inline_bytes: b64(PEM_CERT) }, private_key: { inline_bytes: b64(PEM_KEY) } } } },
    { name: 'ROOTCA', secret: { '@type': S, name: 'ROOTCA', validation_context: { trusted_ca: { inline_string: PEM_CERT } } } },
  ] });
  const boot = v.configs.find((c: J) => c.bootstrap).bootstrap;
  boot.static_resources ??= {};
  boot.static_resources.clusters = [{ name: 'sds-grpc', type: 'STATIC', connect_timeout: '1s', load_assignment: { cluster_name: 'sds-grpc', endpoints: [] } }];
  boot.dynamic_resources = { ads_config: { api_type: 'GRPC', grpc_services: [{ google_grpc: {
    target_uri: 'istiod.istio-system.svc:15012', stat_prefix: 'xds',
    channel_credentials: { ssl_credentials: { root_certs: { inline_string: PEM_CERT } } },
    call_credentials: [{ access_token: 'ya29.secret-access-token' }, { google_refresh_token: 'refresh-me' }],
  }, initial_metadata: [{ key: 'authorization', value: `Bearer ${JWT_TEXT}` }, { key: 'x-request-source', value: 'sidecar' }] }] } };
  const rds = v.configs.find((c: J) => String(c['@type']).endsWith('RoutesConfigDump'));
  const vh = rds.dynamic_route_configs[0].route_config.virtual_hosts[0];
  vh.routes[0].match.headers = [
    { name: 'authorization', string_match: { exact: 'Basic YWxpY2U6czNjcjN0' } },
    { name: 'x-user', string_match: { exact: 'alice' } },
  ];
  vh.request_headers_to_add = [
    { header: { key: 'x-api-key', value: 'k-123456789' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
    { header: { key: 'x-trace', value: 'on' } },
  ];
  vh.typed_per_filter_config = { 'envoy.filters.http.lua': { '@type': 'type.googleapis.com/envoy.extensions.filters.http.lua.v3.LuaPerRoute',
    source_code: { inline_string: `-- token ${JWT_TEXT}` } } };
  vh.metadata = { filter_metadata: { custom: { password: 'hunter2', api_key: 'ak-1', note: 'plain words' } } };
  return v;
}

describe('scrub', () => {
  it('removes every planted secret, counts each kind, keeps everything else', () => {
    const v = planted();
    const text = JSON.stringify(v, null, 2);
    const r = scrubDump(text);
    assert.equal(r.format, 'json');
    const out = JSON.parse(r.text) as J;
    assert.deepEqual(leaks(r.text), []);
    for (const s of ['hunter2', 'ak-1', 'k-123456789', 'YWxpY2U6czNjcjN0', 'ya29.secret-access-token', 'refresh-me', JWT_TEXT]) {
      assert.ok(!r.text.includes(s), s);
    }
    assert.deepEqual(r.counts, {
      certificates: 3,
      'private keys': 1,
      'call credentials': 2,
      'sensitive header values': 3,
      'passwords and secrets': 2,
      'tokens (JWT, bearer)': 1,
    });
    // What stays: names, other headers, other metadata, Envoy's own redaction; the layout (only values changed).
    const vh = out.configs.find((c: J) => String(c['@type']).endsWith('RoutesConfigDump')).dynamic_route_configs[0].route_config.virtual_hosts[0];
    assert.equal(vh.routes[0].match.headers[0].name, 'authorization');
    assert.equal(vh.routes[0].match.headers[1].string_match.exact, 'alice');
    assert.equal(vh.request_headers_to_add[1].header.value, 'on');
    assert.equal(vh.metadata.filter_metadata.custom.note, 'plain words');
    assert.equal(vh.typed_per_filter_config['envoy.filters.http.lua'].source_code.inline_string, '-- token [scrubbed JWT]');
    const cert = out.configs.at(-1).dynamic_active_secrets[0].secret.tls_certificate.certificate_chain.inline_bytes as string;
    assert.match(cert, /^\[scrubbed certificate: \d+ bytes, sha256:[0-9a-f]{16}\]( #1 error=not a valid X\.509 certificate.*)?$/);
    assert.equal(text.split('\n').length, r.text.split('\n').length);
    assert.deepEqual(codes(r.text, 'json'), codes(text, 'json'));
  });

  it('YAML in, YAML out: the same values scrubbed, block scalars included, the copy parses', () => {
    const v = planted();
    const yaml = YAML.stringify(v, { lineWidth: 0 }).replace(
      /inline_string: "-----BEGIN CERTIFICATE-----\\n[^"]*"/,
      `inline_string: |\n${PEM_CERT.trimEnd().split('\n').map((l) => `                    ${l}`).join('\n')}`,
    );
    const r = scrubDump(yaml, { languageId: 'yaml' });
    assert.equal(r.format, 'yaml');
    assert.deepEqual(leaks(r.text), []);
    const back = YAML.parse(r.text) as J;
    const json = JSON.parse(scrubDump(JSON.stringify(v, null, 2)).text) as J;
    assert.deepEqual(back, json);
  });

  it('--pseudonymize: consistent stand-ins, Istio names still parse, check finds the same, CIDRs still contain', () => {
    const text = readFileSync(path.join(FIX, 'trace-istio.json'), 'utf8');
    const r = scrubDump(text, { pseudonymize: true, seed: 7 });
    const again = scrubDump(text, { pseudonymize: true, seed: 7 });
    assert.equal(r.text, again.text);
    assert.ok(!/reviews|ratings|productpage/.test(r.text));
    assert.ok(!/10\.0\.0\.7|10\.1\.0\.1\b/.test(r.text));
    assert.match(r.text, /"outbound\|9080\|v1\|svc-\d+\.ns-\d+\.svc\.cluster\.local"|"outbound\|9080\|v1\|svc-\d+\.default\.svc\.cluster\.local"/);
    assert.deepEqual(codes(r.text, 'json'), codes(text, 'json'));
    assert.ok((r.counts.services ?? 0) >= 4 && (r.counts['IP addresses'] ?? 0) >= 5, JSON.stringify(r.counts));
    // Prefix-preserving: two addresses in one /24 stay in one /24, first octet kept.
    const ips = scrubDump('{"a": "10.1.0.1", "b": "10.1.0.2", "c": "10.2.0.1", "d": "0.0.0.0", "e": "127.0.0.6"}', { pseudonymize: true, seed: 3 });
    const m = JSON.parse(ips.text) as Record<string, string>;
    assert.equal(m.a.split('.').slice(0, 3).join('.'), m.b.split('.').slice(0, 3).join('.'));
    assert.notEqual(m.a, m.b);
    assert.equal(m.a.split('.')[0], '10');
    assert.deepEqual([m.d, m.e], ['0.0.0.0', '127.0.0.6']);
  });

  it('a SPIFFE ID keeps its shape; its parts map like the same names elsewhere', () => {
    const doc = { configs: [], x: ['spiffe://cluster.local/ns/shop/sa/cart', 'cart.shop.svc.cluster.local', 'outbound|80||cart.shop.svc.cluster.local'] };
    const r = scrubDump(JSON.stringify(doc), { pseudonymize: true, seed: 1 });
    const [id, fqdn, cluster] = (JSON.parse(r.text) as { x: string[] }).x;
    const m = /^spiffe:\/\/cluster\.local\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(id)!;
    assert.ok(m && m[1] !== 'shop' && m[2] !== 'cart');
    assert.equal(fqdn, `${m[2]}.${m[1]}.svc.cluster.local`);
    assert.equal(cluster, `outbound|80||${fqdn}`);
    assert.equal(r.counts['SPIFFE IDs'], 1);
  });
});

describe('envoy-lens scrub', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'envoy-lens-scrub-'));
  after(() => rmSync(tmp, { recursive: true, force: true }));
  const run = (...argv: string[]): Promise<CliRun> => runCliAsync(argv);

  it('writes the copy, counts on stderr, refuses its own input, exit codes', async () => {
    const input = path.join(tmp, 'dump.json');
    writeFileSync(input, JSON.stringify(planted(), null, 2));
    const out = path.join(tmp, 'out', 'scrubbed.json');
    const r = await run('scrub', input, '-o', out);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /^envoy-lens: certificates: 3 removed$/m);
    assert.match(r.err, /^envoy-lens: private keys: 1 removed$/m);
    assert.deepEqual(leaks(readFileSync(out, 'utf8')), []);
    assert.deepEqual(readdirSync(path.dirname(out)), ['scrubbed.json']); // no temporary file left
    const size = statSync(input).size;
    const same = await run('scrub', input, '-o', path.join(tmp, '.', 'dump.json'));
    assert.equal(same.code, 2);
    assert.match(same.err, /never writes over its input/);
    assert.equal(statSync(input).size, size);
    assert.equal((await run('scrub', input)).code, 2);
    assert.equal((await run('scrub', input, input, '-o', out)).code, 2);
    assert.equal((await run('scrub', path.join(tmp, 'missing.json'), '-o', out)).code, 3);
    const p = await run('scrub', '--pseudonymize', input, '-o', '-');
    assert.equal(p.code, 0);
    assert.ok(!p.out.includes('reviews'));
    assert.match(p.err, /^envoy-lens: services: \d+ replaced$/m);
  });
});

describe('scrub over the corpus', () => {
  eachCorpusDump('parses, same codes and counts, no PEM or JWT (plain and pseudonymized)', ({ name: f, languageId: lang }, bytes) => {
    const text = bytes.toString('utf8');
    const want = codes(text, lang);
    for (const pseudonymize of [false, true]) {
      const r = scrubDump(text, { languageId: lang, pseudonymize, seed: 11 });
      const parseErrors = (s: string): number => analyze('f', s, { languageId: lang }).problems.filter((p) => p.code === 'parse-error').length;
      assert.equal(parseErrors(r.text), parseErrors(text), `${f} parses (pseudonymize ${pseudonymize})`);
      assert.deepEqual(codes(r.text, lang), want, `${f} codes (pseudonymize ${pseudonymize})`);
      assert.deepEqual(leaks(r.text), [], f);
      // The certificates' public facts stay beside the scrubbed bytes: the same secret table.
      if (!pseudonymize) assert.deepEqual(secrets(r.text, lang), secrets(text, lang), `${f} secret table`);
    }
  });
});
