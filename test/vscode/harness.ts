/**
 * The real-VS-Code harness: one code-server (VS Code 1.139 with a Node extension host) on loopback, in its own
 * process group with scratch HOME/XDG/user-data/extensions folders, and headless Debian chromium driven by
 * playwright-core. Both come from .cache/vscode-test/, installed by scripts/vscode-test-env.mjs.
 * Used by runIntegration.ts (mocha inside the extension host), e2e.ts (the UI as a user sees it) and code-shim.js.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as Playwright from 'playwright-core';

/** The project root (this file compiles to out/test/vscode/harness.js). */
export const ROOT = path.resolve(__dirname, '..', '..', '..');
/** Screenshots and logs of the VS Code suites (gitignored). */
export const OUTPUT = path.join(ROOT, 'test-output');
export const EXTENSION_ID = 'envoy-lens.envoy-lens';

export interface TestEnv {
  node: string;
  codeServer: string;
  codeServerDir: string;
  playwright: string;
  chromium: string;
}

/** The installed tools; runs the idempotent installer first (a no-op when warm). */
export function testEnv(): TestEnv {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'vscode-test-env.mjs'), '--quiet'], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('the VS Code test environment is not installed (see the message above)');
  const cache = path.resolve(process.env.VSCODE_TEST_CACHE || path.join(ROOT, '.cache', 'vscode-test'));
  const marker = JSON.parse(readFileSync(path.join(cache, 'installed.json'), 'utf8')) as { paths: TestEnv };
  return marker.paths;
}

export function log(tag: string, ...args: unknown[]): void {
  console.log(`[${tag}]`, ...args);
}

/** Process groups of running servers and scratch folders, for the exit and signal handlers below. */
const groups = new Set<number>();
const scratchDirs = new Set<string>();
const cleanups = new Set<() => Promise<void>>();
let handlersInstalled = false;

/**
 * Interrupted runs clean up too: Ctrl+C (SIGINT), SIGTERM or SIGHUP stop the servers and browsers and remove the
 * scratch folders; on any exit, server process groups still alive get SIGKILL (they are detached, so a terminal's
 * Ctrl+C does not reach them).
 */
function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', () => {
    for (const pgid of groups) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    for (const d of scratchDirs) rmSync(d, { recursive: true, force: true });
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      log('harness', `${sig}: stopping`);
      void Promise.allSettled([...cleanups].map((f) => f())).then(() => process.exit(130));
    });
  }
}

/** A scratch folder under the system temp folder (removed at exit at the latest). */
export function scratch(prefix: string): string {
  installHandlers();
  const dir = mkdtempSync(path.join(os.tmpdir(), `envoy-lens-${prefix}-`));
  scratchDirs.add(dir);
  return dir;
}

/** HOME and XDG folders inside `dir`, so neither code-server nor chromium writes to the real home. */
export function homeEnv(dir: string): NodeJS.ProcessEnv {
  const home = path.join(dir, 'home');
  const env: NodeJS.ProcessEnv = { HOME: home };
  for (const [k, sub] of [['XDG_CONFIG_HOME', '.config'], ['XDG_CACHE_HOME', '.cache'], ['XDG_DATA_HOME', '.local/share'], ['XDG_STATE_HOME', '.local/state']]) {
    env[k] = path.join(home, sub);
    mkdirSync(env[k]!, { recursive: true });
  }
  env.XDG_RUNTIME_DIR = path.join(home, 'run');
  mkdirSync(env.XDG_RUNTIME_DIR, { recursive: true, mode: 0o700 });
  return env;
}

/** User settings for a quiet, offline, deterministic workbench. */
export const SETTINGS: Record<string, unknown> = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.enableExperiments': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'update.mode': 'none',
  'chat.disableAIFeatures': true,
  'json.schemaDownload.enable': false,
  'npm.fetchOnlinePackageInfo': false,
  'git.enabled': false,
  'editor.minimap.enabled': false,
  'window.restoreWindows': 'none',
};

export interface Server {
  /** e.g. http://127.0.0.1:41234 (no trailing slash) */
  url: string;
  /** host:port, for vscode-remote:// URIs */
  authority: string;
  state: string;
  extensionsDir: string;
  logFile: string;
  /** The server log so far. */
  output(): string;
  /** Kills the process group and removes the scratch folders. */
  stop(): Promise<void>;
}

export interface ServerOptions {
  /** 0 (default) lets the OS pick a free port; code-server prints the one it got. */
  port?: number;
  /** Extra user settings. */
  settings?: Record<string, unknown>;
  /** Extra code-server arguments. */
  args?: string[];
  /** Keep the state folder (logs) after stop. */
  keepState?: boolean;
  env?: TestEnv;
  /** Prepare the extensions dir (e.g. install a VSIX) before the server starts. */
  beforeStart?: (s: { state: string; extensionsDir: string; userDataDir: string; env: NodeJS.ProcessEnv }) => void;
}

/** Runs code-server with this env's Node (for --install-extension and the like); returns its exit code. */
export function codeServerCli(env: TestEnv, args: string[], procEnv: NodeJS.ProcessEnv): { status: number; output: string } {
  const r = spawnSync(env.node, [env.codeServer, ...args], { env: procEnv, encoding: 'utf8' });
  return { status: r.status ?? 1, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/**
 * Starts one code-server on 127.0.0.1 with the smoke-test driver enabled (without it the workbench ignores the
 * `payload` URL parameter, so no tests would run). Resolves once it prints the address it listens on.
 */
export async function startServer(opts: ServerOptions = {}): Promise<Server> {
  const env = opts.env ?? testEnv();
  const state = scratch('code-server');
  const userDataDir = path.join(state, 'data');
  const extensionsDir = path.join(state, 'extensions');
  mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify({ ...SETTINGS, ...opts.settings }, null, 2));
  const config = path.join(state, 'config.yaml');
  writeFileSync(config, 'auth: none\ncert: false\n');
  const procEnv: NodeJS.ProcessEnv = { ...process.env, ...homeEnv(state) };
  // Not inherited from a VS Code terminal or another code-server: they would redirect the CLI to that instance.
  for (const k of Object.keys(procEnv)) if (k.startsWith('VSCODE_') || k === 'ELECTRON_RUN_AS_NODE') delete procEnv[k];
  // No extension gallery: offline, every marketplace query would only fail (an empty gallery disables them).
  procEnv.EXTENSIONS_GALLERY ??= '{}';
  opts.beforeStart?.({ state, extensionsDir, userDataDir, env: procEnv });

  const args = [
    env.codeServer,
    '--config', config,
    '--bind-addr', `127.0.0.1:${opts.port ?? 0}`,
    '--auth', 'none',
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--ignore-last-opened',
    '--vscode-option', 'enable-smoke-test-driver',
    ...(opts.args ?? []),
  ];
  const logFile = path.join(state, 'server.log');
  let output = '';
  // detached: its own process group, so stop() ends the server and every extension host it started.
  const child: ChildProcess = spawn(env.node, args, { env: procEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid) groups.add(child.pid);
  const append = (b: Buffer) => {
    output += b.toString();
    if (output.length > 2_000_000) output = output.slice(-1_000_000);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => done(new Error('code-server did not start within 60 s')), 60_000);
    const onData = () => {
      const m = /HTTP server listening on (http:\/\/[^\s/]+)/.exec(output);
      if (m) done(undefined, m[1]);
    };
    const onExit = (code: number | null) => done(new Error(`code-server exited (${code}) before listening`));
    function done(err?: Error, u?: string) {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.stderr!.off('data', onData);
      child.off('exit', onExit);
      if (err) reject(new Error(`${err.message}\n${output}`));
      else resolve(u!);
    }
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', onExit);
  }).catch(async (e: Error) => {
    await killGroup(child);
    rmSync(state, { recursive: true, force: true, maxRetries: 3 });
    throw e;
  });

  let stopped = false;
  const server: Server = {
    url,
    authority: new URL(url).host,
    state,
    extensionsDir,
    logFile,
    output: () => output,
    async stop() {
      if (stopped) return;
      stopped = true;
      cleanups.delete(server.stop);
      await killGroup(child);
      if (child.pid) groups.delete(child.pid);
      writeFileSync(logFile, output);
      scratchDirs.delete(state);
      if (!opts.keepState) rmSync(state, { recursive: true, force: true, maxRetries: 3 });
    },
  };
  cleanups.add(server.stop);
  return server;
}

/** SIGTERM to the process group, SIGKILL if it is still there after 5 s; resolves when the leader exited. */
function killGroup(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      signalGroup(child, 'SIGKILL'); // children of an exited leader
      return resolve();
    }
    const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      signalGroup(child, 'SIGKILL');
      resolve();
    });
    signalGroup(child, 'SIGTERM');
  });
}

function signalGroup(child: ChildProcess, sig: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, sig);
  } catch {
    // already gone
  }
}

/** Headless Debian chromium through playwright-core, with a scratch profile and HOME. */
export async function launchBrowser(env: TestEnv, viewport = { width: 1600, height: 1000 }): Promise<{ browser: Playwright.Browser; page: Playwright.Page; close(): Promise<void> }> {
  const pw = createRequire(path.join(env.playwright, 'package.json'))('playwright-core') as typeof Playwright;
  const dir = scratch('chromium');
  const browser = await pw.chromium.launch({
    executablePath: env.chromium,
    headless: true,
    env: { ...process.env, ...homeEnv(dir) },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.on('pageerror', (e) => log('pageerror', e.message));
  if (process.env.VERBOSE) page.on('console', (m) => log('browser', m.type(), m.text()));
  const handle = {
    browser,
    page,
    async close() {
      cleanups.delete(handle.close);
      await browser.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    },
  };
  cleanups.add(handle.close);
  return handle;
}

/** A server-side absolute path as the workbench's remote URI. */
export function remoteUri(server: Server, p: string): string {
  return `vscode-remote://${server.authority}${path.resolve(p)}`;
}

/** The workbench URL opening `folder`, with payload entries (extensionDevelopmentPath, extensionTestsPath, …). */
export function workbenchUrl(server: Server, folder: string | undefined, payload: Array<[string, string]> = []): string {
  const q: string[] = [];
  if (folder) q.push(`folder=${encodeURIComponent(path.resolve(folder))}`);
  if (payload.length) q.push(`payload=${encodeURIComponent(JSON.stringify(payload))}`);
  return `${server.url}/${q.length ? '?' + q.join('&') : ''}`;
}

/** A scratch workspace: a copy of test/fixtures plus an ordinary package.json (not a dump). */
export function makeWorkspace(): string {
  const dir = scratch('workspace');
  cpSync(path.join(ROOT, 'test', 'fixtures'), dir, { recursive: true });
  writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: 'plain-package', version: '1.0.0', description: 'An ordinary package.json, not an Envoy dump', scripts: { test: 'node --test' }, license: 'MIT' }, null, 2) + '\n',
  );
  return dir;
}

/** Whether the extension is built (package.json main → dist/extension.js). */
export function extensionBuilt(): boolean {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { main?: string };
  return !!pkg.main && existsSync(path.join(ROOT, pkg.main));
}
