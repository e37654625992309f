/** The CLI contract: commands, flags, text and JSON output, exit codes, and one-line errors on bad input. */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { main } from '../../src/cli/main';

const ROOT = path.join(__dirname, '..', '..', '..');
const FIX = path.join(ROOT, 'test', 'fixtures');
const fx = (f: string) => path.join(FIX, f);

function run(...argv: string[]): { code: number; out: string; err: string } {
  const out: string[] = [];
  const err: string[] = [];
  const code = main(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  if (typeof code !== 'number') throw new Error('expected a synchronous command');
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'envoy-lens-cli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('envoy-lens check', () => {
  it('prints path:line:col: severity code: message, 1-based', () => {
    const r = run('check', '--fail-on', 'never', fx('sidecar.json'));
    assert.equal(r.code, 0);
    const lines = r.out.split('\n');
    assert.equal(lines.length, 18);
    for (const l of lines) assert.match(l, /^.+sidecar\.json:\d+:\d+: (error|warning|information|hint) [a-z-]+: .+$/);
    // The error_state listener, checked by hand against the fixture: line 66 (1-based) holds `"name": "0.0.0.0_15010"`.
    const err = lines.find((l) => l.includes('listener-error'))!;
    const [, line, col] = /:(\d+):(\d+):/.exec(err)!;
    const text = readFileSync(fx('sidecar.json'), 'utf8').split('\n');
    assert.equal(text[Number(line) - 1].slice(Number(col) - 1, Number(col) - 1 + 14), '"0.0.0.0_15010');
  });

  it('exits 1 on errors by default, and follows --fail-on', () => {
    assert.equal(run('check', fx('sidecar.json')).code, 1); // listener-error
    assert.equal(run('check', fx('istioctl-listeners.camel.json')).code, 0);
    const pair = [fx('istioctl-listeners.camel.json'), fx('istioctl-routes.camel.json')];
    assert.equal(run('check', ...pair).code, 0); // warnings only
    assert.equal(run('check', '--fail-on', 'warning', ...pair).code, 1);
    assert.equal(run('check', '--fail-on=never', fx('sidecar.json')).code, 0);
  });

  it('prints exactly one JSON object in the documented shape', () => {
    const r = run('check', '--format', 'json', fx('sidecar.yaml'), fx('istioctl-routes.camel.json'));
    const o = JSON.parse(r.out) as {
      files: Array<{ path: string; shape: string; counts: Record<string, number> }>;
      problems: Array<Record<string, unknown>>;
    };
    assert.deepEqual(Object.keys(o), ['files', 'problems']);
    assert.deepEqual(Object.keys(o.files[0]), ['path', 'shape', 'counts']);
    assert.deepEqual(Object.keys(o.files[0].counts), ['listeners', 'routeConfigs', 'virtualHosts', 'routes', 'clusters', 'endpointConfigs', 'secrets']);
    assert.deepEqual(o.files[0].counts, { listeners: 6, routeConfigs: 2, virtualHosts: 4, routes: 6, clusters: 11, endpointConfigs: 4, secrets: 2 });
    assert.equal(o.files[1].shape, 'istioctl-routes');
    assert.ok(o.problems.length >= 18);
    for (const p of o.problems) {
      assert.deepEqual(Object.keys(p), ['path', 'line', 'column', 'endLine', 'endColumn', 'severity', 'code', 'message']);
      assert.ok(['error', 'warning', 'information', 'hint'].includes(p.severity as string));
    }
  });

  it('rejects bad usage with exit 2', () => {
    assert.equal(run().code, 2);
    assert.equal(run('check').code, 2);
    assert.equal(run('check', '--format', 'xml', fx('sidecar.json')).code, 2);
    assert.equal(run('check', '--fail-on', 'sometimes', fx('sidecar.json')).code, 2);
    assert.equal(run('check', '--bogus', fx('sidecar.json')).code, 2);
    assert.equal(run('frobnicate', fx('sidecar.json')).code, 2);
    assert.equal(run('refs', fx('sidecar.json')).code, 2);
    assert.equal(run('--help').code, 0);
  });

  it('gives one line, no stack, for a missing file, a directory, binary input and non-Envoy JSON', () => {
    const bin = path.join(tmp, 'dump.json.gz');
    writeFileSync(bin, Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00]));
    const pkg = path.join(tmp, 'package.json');
    writeFileSync(pkg, JSON.stringify({ name: 'x', version: '1.0.0' }));
    for (const [p, re] of [
      [path.join(tmp, 'nope.json'), /does not exist/],
      [tmp, /is a directory/],
      [bin, /binary file.*gzip/],
      [pkg, /not an Envoy config dump/],
    ] as const) {
      const r = run('check', p);
      assert.equal(r.code, 3, p);
      assert.equal(r.err.split('\n').length, 1, r.err);
      assert.match(r.err, re);
      assert.doesNotMatch(r.err, /\n\s+at /);
    }
  });
});

describe('envoy-lens refs', () => {
  it('lists the definition and every reference of a name', () => {
    const r = run('refs', fx('sidecar.json'), '--name', 'PassthroughCluster');
    assert.equal(r.code, 0);
    const lines = r.out.split('\n');
    assert.equal(lines.length, 3);
    assert.match(lines[0], /sidecar\.json:\d+:\d+ cluster definition \(dynamic_active_clusters\)$/);
    assert.ok(lines.some((l) => / cluster reference \(tcp-proxy\)$/.test(l)));
    assert.ok(lines.some((l) => / cluster reference \(route\)$/.test(l)));
  });

  it('works across istioctl files and says so when nothing matches', () => {
    const r = run('refs', fx('istioctl-listeners.camel.json'), fx('istioctl-routes.camel.json'), '--name', '9080');
    assert.equal(r.out.split('\n').length, 2);
    const none = run('refs', fx('sidecar.json'), '--name', 'no-such-thing');
    assert.equal(none.code, 1);
    assert.match(none.err, /neither defined nor referenced/);
  });
});

describe('envoy-lens summary', () => {
  it('prints the istioctl-style tables', () => {
    const r = run('summary', fx('sidecar.json'));
    assert.equal(r.code, 0);
    assert.match(r.out, /^NAME\s+ADDRESSES\s+PORT\s+MATCH\s+DESTINATION$/m);
    assert.match(r.out, /^virtualInbound\s+0\.0\.0\.0\s+15006\s+port 9080 · tls · istio-peer-exchange, istio\s+Cluster: inbound\|9080\|\|$/m);
    assert.match(r.out, /^0\.0\.0\.0_9080\s+0\.0\.0\.0\s+9080\s+any connection\s+Route: 9080$/m);
    assert.match(r.out, /^SERVICE FQDN\s+PORT\s+SUBSET\s+DIRECTION\s+TYPE\s+HEALTHY\/ENDPOINTS$/m);
    assert.match(r.out, /^ratings\.default\.svc\.cluster\.local\s+9080\s+-\s+outbound\s+EDS\s+1\/2$/m);
    assert.match(r.out, /^ENDPOINT\s+STATUS\s+CLUSTER$/m);
    assert.match(r.out, /^10\.4\.2\.9:9080\s+UNHEALTHY\s+outbound\|9080\|\|ratings/m);
  });
});

describe('the bundled bin', () => {
  it('runs as a program and exits with the documented code', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'check', fx('sidecar.json')], { encoding: 'utf8' });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /listener-error/);
  });

  it('traces with the bundled bin (every dependency resolves inside the bundle)', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'trace', fx('sidecar.json'), '--to', 'http://ratings:9080/ratings/0'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /→ 10\.4\.1\.12:9080 \(HEALTHY\)$/m);
  });
});
