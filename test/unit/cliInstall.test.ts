/**
 * The CLI on its own: `npm pack` gives a tarball that carries only what `envoy-lens` needs, the bin in it runs with no
 * node_modules anywhere, and `npm install -g --prefix TMP` of the tarball provides a working `envoy-lens`.
 *
 * The install is offline (an empty temporary npm cache, `--offline`) when package.json has no `dependencies`: the
 * bundle needs none at run time. While it lists some, `npm install -g` fetches them from the registry (measured: 76
 * packages, 104 MB, ~8 s), so that step runs only with ENVOY_LENS_TEST_ONLINE=1 (`npm run test:install`) and is skipped
 * with a notice otherwise; the pack and the run of the unpacked tarball always run.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';

const ROOT = path.join(__dirname, '..', '..', '..');
const PKG = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string; dependencies?: Record<string, string> };
const fixture = path.join(ROOT, 'test', 'fixtures', 'sidecar.json');
const win = process.platform === 'win32';
const built = existsSync(path.join(ROOT, 'dist', 'cli.js'));

const tmp = mkdtempSync(path.join(os.tmpdir(), 'envoy-lens-install-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const cache = path.join(tmp, 'npm-cache');

function npm(args: string[], cwd = ROOT) {
  return spawnSync(win ? 'npm.cmd' : 'npm', [...args, '--cache', cache, '--no-update-notifier'], { cwd, encoding: 'utf8', shell: win, timeout: 300_000 });
}

/** The bin's answer to `check FIXTURE`: exit 1 (the fixture's listener-error) and its findings. */
function assertWorks(command: string[], label: string): void {
  const v = spawnSync(command[0], [...command.slice(1), '--version'], { encoding: 'utf8', cwd: tmp, shell: win });
  assert.equal(v.stdout.trim(), PKG.version, `${label}: ${v.stderr}`);
  const r = spawnSync(command[0], [...command.slice(1), 'check', fixture], { encoding: 'utf8', cwd: tmp, shell: win });
  assert.equal(r.status, 1, `${label}: ${r.stderr}`);
  assert.match(r.stdout, /sidecar\.json:\d+:\d+: error listener-error: /, label);
  const s = spawnSync(command[0], [...command.slice(1), 'trace', fixture, '--to', 'http://ratings:9080/ratings/0'], { encoding: 'utf8', cwd: tmp, shell: win });
  assert.equal(s.status, 0, `${label}: ${s.stderr}`);
  // A YAML dump with regexes: the lazily loaded yaml and re2js files (dist/cliYaml.js, dist/cliRe2.js) must be there.
  const y = spawnSync(command[0], [...command.slice(1), 'check', fixture.replace(/sidecar\.json$/, 'trace-regex.yaml')], { encoding: 'utf8', cwd: tmp, shell: win });
  assert.match(y.stdout, /trace-regex\.yaml:\d+:\d+: error invalid-regex: .*not a valid RE2 regex/, `${label}: ${y.stderr}`);
  const a = spawnSync(command[0], [...command.slice(1), 'summary', '-'], { encoding: 'utf8', cwd: tmp, shell: win, input: 'static_resources:\n  clusters:\n  - &c {name: a, type: STATIC}\n  - <<: *c\n    name: b\n' });
  assert.match(a.stdout, /^cluster\/b +cluster\/b +- +- +- +STATIC/m, `${label}: YAML anchors take the yaml package's path: ${a.stderr}`);
}

describe('the CLI package', { skip: built ? false : 'dist/cli.js is missing: run npm run build first' }, () => {
  let tarball = '';

  it('npm pack carries the bundle, README, CHANGELOG and LICENSE, nothing else', { timeout: 120_000 }, () => {
    const r = npm(['pack', '--json', '--pack-destination', tmp]);
    assert.equal(r.status, 0, r.stderr);
    const [info] = JSON.parse(r.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = path.join(tmp, info.filename);
    assert.ok(existsSync(tarball));
    // The CLI's lazily loaded libraries (scripts/build.mjs) must ship beside it.
    const expected = ['CHANGELOG.md', 'LICENSE', 'README.md', 'dist/cli.js', 'dist/cliRe2.js', 'dist/cliYaml.js', 'package.json'];
    if (existsSync(path.join(ROOT, 'dist', 'kubeClient.js'))) expected.push('dist/kubeClient.js');
    assert.deepEqual(info.files.map((f) => f.path).sort(), expected.sort());
    assert.match(readFileSync(path.join(ROOT, 'LICENSE'), 'utf8'), /^MIT License\n\nCopyright \(c\) 2026 Envoy Lens contributors\n/);
  });

  it('the unpacked bin runs with no node_modules in reach (every dependency is bundled)', { timeout: 60_000, skip: win }, () => {
    assert.ok(tarball, 'the pack test ran');
    const dir = path.join(tmp, 'unpacked');
    mkdirSync(dir);
    const x = spawnSync('tar', ['-xzf', tarball, '-C', dir], { encoding: 'utf8' });
    assert.equal(x.status, 0, x.stderr);
    for (let d = dir; ; d = path.dirname(d)) {
      assert.ok(!existsSync(path.join(d, 'node_modules')), `${d}/node_modules would be in reach`);
      if (path.dirname(d) === d) break;
    }
    assertWorks([process.execPath, path.join(dir, 'package', 'dist', 'cli.js')], 'unpacked');
  });

  const deps = Object.keys(PKG.dependencies ?? {});
  const online = process.env.ENVOY_LENS_TEST_ONLINE === '1';
  const installSkip = deps.length === 0 || online ? false
    : `package.json lists dependencies (${deps.join(', ')}), which npm install -g fetches from the registry; run with ENVOY_LENS_TEST_ONLINE=1 (npm run test:install)`;

  it('npm install -g --prefix TMP of the tarball gives a working envoy-lens', { timeout: 300_000, skip: installSkip }, () => {
    assert.ok(tarball, 'the pack test ran');
    const prefix = path.join(tmp, 'prefix');
    const args = ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', '--ignore-scripts', tarball];
    if (deps.length === 0) args.push('--offline');
    const r = npm(args, tmp);
    assert.equal(r.status, 0, r.stderr);
    const bin = win ? path.join(prefix, 'envoy-lens.cmd') : path.join(prefix, 'bin', 'envoy-lens');
    assert.ok(existsSync(bin), bin);
    assertWorks([bin], 'installed');
    const installed = path.join(prefix, win ? '' : 'lib', 'node_modules', 'envoy-lens');
    assert.ok(existsSync(path.join(installed, 'LICENSE')));
    if (deps.length === 0) assert.ok(!existsSync(path.join(installed, 'node_modules')), 'no dependency installed');
  });
});
