/** `envoy-lens fetch` against the loopback fake API server, through the real @kubernetes/client-node. */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../src/cli/main';
import { dumpFileName, runFetch } from '../../src/cli/fetch';
import { defaultPods, startFakeApiServer, type FakeApiServer } from '../fake-apiserver/fakeApiServer';

const ROOT = path.join(__dirname, '..', '..', '..');
const DUMP = fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'sidecar.json'), 'utf8');

let server: FakeApiServer;
let tmp: string;
let kubeconfig: string;

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'envoy-lens-fetch-'));
  server = await startFakeApiServer({
    pods: [
      ...defaultPods(),
      { namespace: 'bookinfo', name: 'reviews-v1-545db', containers: ['reviews', 'istio-proxy'], behaviour: { body: DUMP } },
    ],
  });
  kubeconfig = server.writeKubeconfig(path.join(tmp, 'kubeconfig'), [
    { name: 'admin', token: 'admin-token', namespace: 'bookinfo' },
    { name: 'no-exec', token: 'no-exec-token', namespace: 'bookinfo' },
  ], 'admin');
});

after(async () => {
  await server.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('envoy-lens fetch', () => {
  it('saves the dump whole and checks it like check', async () => {
    const file = path.join(tmp, 'out.json');
    const r = await run('fetch', '--kubeconfig', kubeconfig, 'reviews-v1-545db', '-o', file);
    assert.equal(r.code, 1, r.err); // the fixture has a listener-error
    assert.equal(fs.readFileSync(file, 'utf8'), DUMP + '\n');
    assert.match(r.err, /saved .* from pod bookinfo\/reviews-v1-545db \(exec\)/);
    assert.match(r.out, /out\.json:\d+:\d+: error listener-error: /);
    assert.equal(r.out.split('\n').length, 18);
  });

  it('writes YAML with --yaml, under the default name when -o is absent', async () => {
    const cwd = process.cwd();
    process.chdir(tmp);
    try {
      const r = await run('fetch', '--kubeconfig', kubeconfig, '--context', 'admin', '--namespace', 'bookinfo', 'reviews-v1-545db', '--yaml', '--fail-on', 'never');
      assert.equal(r.code, 0, r.err);
      const saved = fs.readdirSync(tmp).find((f) => f.endsWith('.config_dump.yaml'))!;
      assert.match(saved, /^reviews-v1-545db\.bookinfo\.\d{8}T\d{6}Z\.config_dump\.yaml$/);
      assert.match(fs.readFileSync(path.join(tmp, saved), 'utf8'), /^configs:\n {2}- "@type": type\.googleapis\.com\/envoy\.admin\.v3\.BootstrapConfigDump/);
    } finally {
      process.chdir(cwd);
    }
  });

  it('names the RBAC rule when exec is forbidden, and writes nothing', async () => {
    const file = path.join(tmp, 'forbidden.json');
    const r = await run('fetch', '--kubeconfig', kubeconfig, '--context', 'no-exec', '--method', 'exec', 'reviews-v1-545db', '-o', file);
    assert.equal(r.code, 3);
    assert.match(r.err, /"create" on "pods\/exec"/);
    assert.equal(r.err.split('\n').length, 1);
    assert.equal(fs.existsSync(file), false);
  });

  it('reports a missing pod and bad usage', async () => {
    const r = await run('fetch', '--kubeconfig', kubeconfig, 'nope-123');
    assert.equal(r.code, 3);
    assert.match(r.err, /does not exist/);
    assert.equal((await run('fetch', '--kubeconfig', kubeconfig)).code, 2);
    assert.equal((await run('fetch', '--method', 'ssh', 'x')).code, 2);
  });

  it('cancelled mid-transfer, leaves no file', async () => {
    const file = path.join(tmp, 'cancelled.json');
    const abort = new AbortController();
    const err: string[] = [];
    const code = await runFetch(
      {
        pod: 'slow-stall', kubeconfig, output: file, yaml: false, failOn: 'error', signal: abort.signal,
        // The first progress report means bytes are flowing: cancel then, as Ctrl+C would.
        progress: () => abort.abort(),
      },
      { out: () => undefined, err: (s) => err.push(s) },
    );
    assert.equal(code, 3);
    assert.match(err.join('\n'), /cancelled/);
    assert.equal(fs.existsSync(file), false);
  });

  it('suggests the same file name as the editor', () => {
    assert.equal(dumpFileName('p', 'ns', new Date('2026-11-22T10:30:00.123Z'), false), 'p.ns.20261122T103000Z.config_dump.json');
  });

  it('works from the bundled bin, which carries client-node inside it', async () => {
    const file = path.join(tmp, 'bundled.json');
    const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'fetch', '--kubeconfig', kubeconfig, 'reviews-v1-545db', '-o', file, '--fail-on', 'never'], {
      cwd: tmp,
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0, err);
    assert.equal(fs.readFileSync(file, 'utf8'), DUMP + '\n');
  });
});
