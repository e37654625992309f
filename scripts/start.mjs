#!/usr/bin/env node
// `npm start`: builds, then opens the bundled sample dump (test/fixtures/sidecar.json) in a VS Code with the
// extension loaded from this folder:
//   - the desktop `code` when it is on PATH: code --extensionDevelopmentPath=<root> <root>/test/fixtures/sidecar.json
//   - otherwise the project's own code-server (installed into .cache/vscode-test/ by scripts/vscode-test-env.mjs) on
//     127.0.0.1:8080 (or a free port), printing the URL to open; it runs until Ctrl+C.
// Options: --server (use code-server even when `code` exists), --port N. Its profile (settings, state, HOME) lives in
// .cache/vscode-test/start/, so nothing is written to your home folder.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SAMPLE_DIR = path.join(ROOT, 'test', 'fixtures');
const SAMPLE = path.join(SAMPLE_DIR, 'sidecar.json');
const argv = process.argv.slice(2);
const portArg = argv.includes('--port') ? Number(argv[argv.indexOf('--port') + 1]) : undefined;

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status || 1);
}

function onPath(bin) {
  return spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' }).stdout.trim() || undefined;
}

/** Resolves `port` when it can be bound on 127.0.0.1, else a port the OS picks. */
function freePort(port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => (port === 0 ? resolve(0) : freePort(0).then(resolve)));
    s.listen(port, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

console.log('[start] building');
run(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')]);
if (!existsSync(path.join(ROOT, 'dist', 'extension.js'))) {
  console.error('[start] dist/extension.js was not built (src/vscode/extension.ts is missing?)');
  process.exit(1);
}

const code = argv.includes('--server') ? undefined : onPath('code');
if (code) {
  console.log(`[start] ${code} --extensionDevelopmentPath=${ROOT} ${SAMPLE}`);
  run(code, [`--extensionDevelopmentPath=${ROOT}`, SAMPLE]);
  process.exit(0);
}

console.log('[start] no desktop `code` on PATH: using the project\'s code-server');
const { ensure } = await import('./vscode-test-env.mjs');
const { paths } = ensure();

const state = path.join(ROOT, '.cache', 'vscode-test', 'start');
const home = path.join(state, 'home');
const userData = path.join(state, 'data');
const extensions = path.join(state, 'extensions');
for (const d of [home, path.join(userData, 'User'), extensions]) mkdirSync(d, { recursive: true });
const settings = path.join(userData, 'User', 'settings.json');
if (!existsSync(settings)) {
  writeFileSync(settings, JSON.stringify({
    'security.workspace.trust.enabled': false,
    'workbench.startupEditor': 'none',
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'chat.disableAIFeatures': true,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
  }, null, 2) + '\n');
}
const config = path.join(state, 'config.yaml');
writeFileSync(config, 'auth: none\ncert: false\n');

const port = await freePort(portArg ?? 8080);
const env = {
  ...process.env,
  HOME: home,
  XDG_CONFIG_HOME: path.join(home, '.config'),
  XDG_CACHE_HOME: path.join(home, '.cache'),
  XDG_DATA_HOME: path.join(home, '.local', 'share'),
  XDG_STATE_HOME: path.join(home, '.local', 'state'),
  EXTENSIONS_GALLERY: process.env.EXTENSIONS_GALLERY ?? '{}', // offline: no marketplace queries
};
for (const k of Object.keys(env)) if (k.startsWith('VSCODE_')) delete env[k];
// --vscode-option enable-smoke-test-driver: lets the workbench read the `payload` URL parameter that loads the
// extension from this folder (extensionDevelopmentPath) and opens the sample file.
const child = spawn(paths.node, [
  paths.codeServer,
  '--config', config,
  '--bind-addr', `127.0.0.1:${port}`,
  '--auth', 'none',
  '--user-data-dir', userData,
  '--extensions-dir', extensions,
  '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override',
  '--vscode-option', 'enable-smoke-test-driver',
], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });

let stopping = false;
function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  console.log('\n[start] stopping code-server');
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    // already gone
  }
  const t = setTimeout(() => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    process.exit(code);
  }, 5000);
  child.once('exit', () => {
    clearTimeout(t);
    process.exit(code);
  });
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

let out = '';
let announced = false;
const onData = (b) => {
  const s = b.toString();
  if (process.env.VERBOSE) process.stdout.write(s);
  if (announced) return;
  out += s;
  const m = /HTTP server listening on (http:\/\/[^\s/]+)/.exec(out);
  if (!m) return;
  announced = true;
  const base = m[1];
  const authority = new URL(base).host;
  const remote = (p) => `vscode-remote://${authority}${p}`;
  const payload = [
    ['extensionDevelopmentPath', remote(ROOT)],
    ['openFile', remote(SAMPLE)],
    ['skipWelcome', 'true'],
  ];
  const url = `${base}/?folder=${encodeURIComponent(SAMPLE_DIR)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  console.log('\n[start] VS Code (code-server) with Envoy Lens loaded from this folder. Open in a browser on this machine:\n');
  console.log(`  ${url}\n`);
  console.log(`[start] (use 127.0.0.1 as printed, not localhost; the server log goes to stdout with VERBOSE=1; Ctrl+C stops it)`);
};
child.stdout.on('data', onData);
child.stderr.on('data', onData);
child.on('exit', (c) => {
  if (stopping) return;
  console.error(`[start] code-server exited (${c})${announced ? '' : `:\n${out}`}`);
  process.exit(c || 1);
});
