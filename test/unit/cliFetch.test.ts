/** `envoy-lens fetch` against the loopback fake API server, through the real @kubernetes/client-node. */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dumpFileName, runFetch } from '../../src/cli/fetch';
import { defaultPods, startFakeApiServer, type FakeApiServer } from '../fake-apiserver/fakeApiServer';
import { runCliAsync, type CliRun } from './cliRun';

const ROOT = path.join(__dirname, '..', '..', '..');
const DUMP = fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'sidecar.json'), 'utf8');

/** Dumps JSON.parse refuses, each damaged in one way that the editor's tolerant scanner would read past. */
const DAMAGED: Record<string, string | Buffer> = {
  'bad-u-escape': DUMP.replace('"version_info":', '"note": "caf\\u00g9", "version_info":'),
  'bad-escape': DUMP.replace('"version_info":', '"note": "a\\qb", "version_info":'),
  'raw-control': DUMP.replace('"version_info":', '"note": "tab\there", "version_info":'),
  'raw-nul': DUMP.replace('"version_info":', '"note": "nul\u0000here", "version_info":'),
  'trailing-comma': DUMP.replace(/\]\s*\}\s*$/, ',]}'),
  'comment': `// fetched\n${DUMP}`,
  // A lone 0xff byte inside a string: no UTF-8 decoder that refuses bad input reads this.
  'bad-utf8': Buffer.from(DUMP.replace('"version_info":', '"note": "\u00ff", "version_info":'), 'latin1'),
};

/** What the message says of each. */
const WHY: Record<string, string> = {
  'bad-u-escape': 'an invalid \\\\u escape in a string',
  'bad-escape': 'an invalid escape in a string',
  'raw-control': 'a raw control character in a string',
  'raw-nul': 'a raw control character in a string',
  'trailing-comma': 'a trailing comma',
  'comment': 'text before the JSON value',
  'bad-utf8': 'invalid UTF-8',
};

/** Whether a strict reader (UTF-8 decoding that refuses bad bytes, then JSON.parse) refuses the text. */
function strictReaderRefuses(body: string | Buffer): boolean {
  try {
    JSON.parse(typeof body === 'string' ? body : new TextDecoder('utf-8', { fatal: true }).decode(body));
    return false;
  } catch {
    return true;
  }
}

let server: FakeApiServer;
let tmp: string;
let kubeconfig: string;

const run = (...argv: string[]): Promise<CliRun> => runCliAsync(argv);

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'envoy-lens-fetch-'));
  server = await startFakeApiServer({
    pods: [
      ...defaultPods(),
      { namespace: 'bookinfo', name: 'reviews-v1-545db', containers: ['reviews', 'istio-proxy'], behaviour: { body: DUMP } },
      // Broken servers and damaged dumps.
      { namespace: 'bookinfo', name: 'status-not-json', containers: ['app', 'istio-proxy'], behaviour: { statusFrame: 'exit 0, honest' } },
      { namespace: 'bookinfo', name: 'status-array', containers: ['app', 'istio-proxy'], behaviour: { statusFrame: '[]' } },
      { namespace: 'bookinfo', name: 'stray-channel', containers: ['app', 'istio-proxy'], behaviour: { strayChannel: 7 } },
      // Valid JSON nested 5,000 deep: JSON.parse reads it, yaml's recursive stringify cannot.
      { namespace: 'bookinfo', name: 'deep-nesting', containers: ['app', 'istio-proxy'],
        behaviour: { body: DUMP.replace('"version_info":', `"note": ${'['.repeat(5000)}${']'.repeat(5000)}, "version_info":`) } },
      ...Object.entries(DAMAGED).map(([name, body]) => ({ namespace: 'bookinfo', name, containers: ['app', 'istio-proxy'], behaviour: { body } })),
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

  it('stops quietly with 141 when stdout is closed, after saving the whole dump', async () => {
    for (let i = 0; i < 2; i++) {
      const file = path.join(tmp, `piped-${i}.json`);
      const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'fetch', '--kubeconfig', kubeconfig, 'reviews-v1-545db', '-o', file], { cwd: tmp });
      child.stdout.destroy(); // the reader is gone before the findings are printed
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      assert.equal(code, 141, err);
      assert.match(err, /^envoy-lens: saved .+ to .+piped-\d\.json\n$/);
      assert.equal(fs.readFileSync(file, 'utf8'), DUMP + '\n');
    }
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

/** Names of files in `dir`, including hidden ones (temporary files start with a dot). */
const listing = (dir: string): string[] => fs.readdirSync(dir).sort();

describe('envoy-lens fetch options and hostile servers', () => {
  it('--resource and --mask reach Envoy as config_dump query parameters, by exec and by port-forward', async () => {
    for (const method of ['exec', 'port-forward']) {
      const file = path.join(tmp, `filtered-${method}.json`);
      const before = server.log.length;
      const r = await run('fetch', '--kubeconfig', kubeconfig, 'productpage-v1-7d4', '--method', method, '-o', file,
        '--resource', 'dynamic_active_clusters', '--mask', 'cluster.name', '--fail-on', 'never');
      assert.equal(r.code, 0, r.err);
      assert.ok(server.log.slice(before).some((l) => l === 'admin productpage-v1-7d4 GET /config_dump?include_eds&resource=dynamic_active_clusters&mask=cluster.name'),
        server.log.slice(before).join('\n'));
      const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as { configs: Array<Record<string, unknown>> };
      assert.ok(saved.configs.length > 10);
      assert.deepEqual(Object.keys(saved.configs[0]), ['@type', 'cluster']);
      assert.match(String(saved.configs[0]['@type']), /ClustersConfigDump\.DynamicCluster$/);
    }
  });

  it('a filter Envoy refuses is one sentence naming --resource and --mask (exec prints the refusal, port-forward gets 404)', async () => {
    for (const method of ['exec', 'port-forward']) {
      const file = path.join(tmp, `refused-${method}.json`);
      const r = await run('fetch', '--kubeconfig', kubeconfig, 'productpage-v1-7d4', '--method', method, '-o', file, '--resource', 'no_such_field');
      assert.equal(r.code, 3, method);
      assert.match(r.err, /^envoy-lens: Envoy's admin in pod "productpage-v1-7d4" refused "\/config_dump\?include_eds&resource=no_such_field" \("no_such_field not found in config dump"\); check the filters \(--resource, --mask\)\.$/);
      assert.equal(fs.existsSync(file), false);
    }
  });

  it('--max-size and --timeout: the message names the flag to change', { timeout: 30_000 }, async () => {
    const big = await run('fetch', '--kubeconfig', kubeconfig, 'productpage-v1-7d4', '-o', path.join(tmp, 'big.json'), '--max-size', '0.1');
    assert.equal(big.code, 3);
    assert.match(big.err, /larger than the 100\.0 kB limit; fetch part of it \(--resource dynamic_active_clusters, or --mask with the fields you need\), or raise the limit \(--max-size\)\.$/);
    const slow = await run('fetch', '--kubeconfig', kubeconfig, 'slow-stall', '-o', path.join(tmp, 'slow.json'), '--timeout', '0.3');
    assert.equal(slow.code, 3);
    assert.match(slow.err, /timed out after 300 ms while .*; check the connection to the cluster or raise the timeout \(--timeout\)\.$/);
    for (const bad of [['--timeout', '-1'], ['--timeout', 'soon'], ['--max-size', '0'], ['--resource', 'a&b'], ['--mask', 'x y'], ['--bogus', 'x'], ['--format', 'json']]) {
      const r = await run('fetch', '--kubeconfig', kubeconfig, 'productpage-v1-7d4', ...bad);
      assert.equal(r.code, 2, bad.join(' '));
      assert.match(r.err, /Run "envoy-lens fetch --help" for usage\.$/);
    }
  });

  it('a status frame that is not a JSON Status, or a frame on a stray channel: protocol-error, exit 3, nothing saved', async () => {
    for (const [pod, method, re] of [
      ['status-not-json', 'exec', /exec stream of pod "status-not-json" sent an exit status that is not a Kubernetes Status \("exit 0, honest"\)/],
      ['status-array', 'exec', /exit status that is not a Kubernetes Status/],
      ['stray-channel', 'exec', /exec stream of pod "stray-channel" sent a frame on channel 7, which it does not use/],
      ['stray-channel', 'port-forward', /port-forward stream of pod "stray-channel" sent a frame on channel 7/],
    ] as const) {
      const file = path.join(tmp, `${pod}-${method}.json`);
      const r = await run('fetch', '--kubeconfig', kubeconfig, pod, '--method', method, '-o', file);
      assert.equal(r.code, 3, `${pod} ${method}: ${r.err}`);
      assert.match(r.err, re);
      assert.match(r.err, /the output cannot be trusted and nothing was kept; retry/);
      assert.equal(r.err.split('\n').length, 1);
      assert.equal(fs.existsSync(file), false);
    }
  });

  it('a dump JSON.parse refuses is refused, with and without --yaml, and nothing is saved', async () => {
    for (const pod of Object.keys(DAMAGED)) {
      assert.ok(strictReaderRefuses(DAMAGED[pod]), pod); // the fixture really is damaged
      for (const yaml of [[], ['--yaml']]) {
        const file = path.join(tmp, `${pod}${yaml.length ? '.yaml' : '.json'}`);
        const r = await run('fetch', '--kubeconfig', kubeconfig, pod, '-o', file, ...yaml);
        assert.equal(r.code, 3, `${pod} ${yaml.join('')}: ${r.err}`);
        assert.match(r.err, new RegExp(`^envoy-lens: The output of pilot-agent in pod "${pod}" is not valid JSON \\(${WHY[pod]} at byte \\d+, near ".+"\\), so nothing was kept\\.$`));
        assert.equal(r.err.split('\n').length, 1);
        assert.equal(fs.existsSync(file), false);
      }
    }
  });

  it('--yaml on a dump too deep to convert is one sentence, exit 3, nothing saved', async () => {
    const file = path.join(tmp, 'deep.yaml');
    const r = await run('fetch', '--kubeconfig', kubeconfig, 'deep-nesting', '-o', file, '--yaml');
    assert.equal(r.code, 3, r.err);
    assert.match(r.err, /^envoy-lens: The dump of pod "deep-nesting" could not be converted to YAML \(Maximum call stack size exceeded\), so nothing was saved; fetch it without --yaml\.$/);
    assert.equal(fs.existsSync(file), false);
  });

  it('-o creates missing folders; onto a folder or through a file it is one sentence before any request', async () => {
    const nested = path.join(tmp, 'new', 'deeper', 'dump.json');
    const ok = await run('fetch', '--kubeconfig', kubeconfig, 'reviews-v1-545db', '-o', nested, '--fail-on', 'never');
    assert.equal(ok.code, 0, ok.err);
    assert.equal(fs.readFileSync(nested, 'utf8'), DUMP + '\n');
    assert.deepEqual(listing(path.dirname(nested)), ['dump.json'], 'no temporary file left');
    const plain = path.join(tmp, 'plain.txt');
    fs.writeFileSync(plain, 'x');
    for (const [target, re] of [
      [tmp, /^envoy-lens: .+ is a folder; give a file name to save the dump to\.$/],
      [path.join(plain, 'dump.json'), /^envoy-lens: The dump cannot be saved to .+dump\.json, because .+plain\.txt is a file, not a folder; choose another path\.$/],
    ] as const) {
      const before = server.log.length;
      const r = await run('fetch', '--kubeconfig', kubeconfig, 'reviews-v1-545db', '-o', target);
      assert.equal(r.code, 3, r.err);
      assert.match(r.err, re);
      assert.equal(server.log.length, before, 'failed before contacting the cluster');
    }
  });

  it('a write that fails midway (file size limit, as a full disk) leaves the old file whole and no temporary file', { timeout: 60_000, skip: process.platform === 'win32' }, async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'efbig-'));
    const file = path.join(dir, 'dump.json');
    fs.writeFileSync(file, 'the previous dump\n');
    // ulimit -f 64: writes past 64 KiB fail with EFBIG (Node ignores SIGXFSZ), as ENOSPC does on a full disk. The
    // served dump is 1 MiB, so the old code left 64 KiB of it under the final name.
    const child = spawn('bash', ['-c', 'ulimit -f 64; exec "$0" "$@"', process.execPath, path.join(ROOT, 'dist', 'cli.js'),
      'fetch', '--kubeconfig', kubeconfig, 'productpage-v1-7d4', '-o', file], { cwd: dir });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(status, 3, stderr);
    assert.match(stderr, /^envoy-lens: The dump could not be saved to .+dump\.json \(the file size limit of this process or of the file system was reached; save elsewhere\), and nothing was written under that name\.\n$/);
    assert.equal(fs.readFileSync(file, 'utf8'), 'the previous dump\n');
    assert.deepEqual(listing(dir), ['dump.json']);
  });

  it('killed while writing (SIGKILL), the final name never holds part of a dump', { timeout: 60_000, skip: process.platform === 'win32' }, async () => {
    const big = await startFakeApiServer({ dumpBytes: 40 * 1024 * 1024, pods: defaultPods() });
    try {
      const cfg = big.writeKubeconfig(path.join(tmp, 'big-kubeconfig'), [{ name: 'admin', token: 'admin-token', namespace: 'bookinfo' }]);
      const dir = fs.mkdtempSync(path.join(tmp, 'kill-'));
      const file = path.join(dir, 'dump.json');
      const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'fetch', '--kubeconfig', cfg, 'productpage-v1-7d4', '-o', file], { cwd: dir });
      // Kill it as soon as any file appears in the folder: mid-write, for a 40 MB dump.
      const watcher = fs.watch(dir);
      let seen = '';
      watcher.on('change', (_type, name) => {
        if (seen) return;
        seen = String(name);
        child.kill('SIGKILL');
      });
      const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_c, sig) => resolve(sig)));
      watcher.close();
      assert.equal(signal, 'SIGKILL', 'killed before it finished');
      assert.match(seen, /^\.dump\.json\.\d+\.[0-9a-f]{8}\.tmp$/, 'the first file written is the temporary one');
      if (fs.existsSync(file)) assert.equal(fs.statSync(file).size, big.dump.length + 1, 'a file under the final name is whole');
    } finally {
      await big.close();
    }
  });
});
