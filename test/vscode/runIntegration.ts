/**
 * Runs the mocha integration suite inside a real VS Code extension host: one code-server on loopback, the workbench
 * in headless chromium, the extension and the tests given through the `payload` URL parameter (the smoke-test
 * driver), results through window.codeAutomationLog / codeAutomationExit. Exits with the suite's exit code.
 *
 *   node out/test/vscode/runIntegration.js [--extensionDevelopmentPath=DIR] [--extensionTestsPath=FILE] [--folder=DIR]
 *
 * Defaults: the project root, out/test/vscode/suite/index.js, and a temp copy of test/fixtures plus a package.json.
 * EXT_TEST_ENV='{"KUBECONFIG":"…"}' passes env vars to the extension host; EXT_TEST_TIMEOUT_MS bounds the run
 * (default 300000); MOCHA_GREP selects tests; VERBOSE=1 echoes the browser console.
 */
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { format } from 'node:util';
import { launchBrowser, log, makeWorkspace, OUTPUT, remoteUri, ROOT, startServer, testEnv, workbenchUrl } from './harness';

/** Workbench chatter the smoke-test driver forwards along with the tests' output (shown with VERBOSE=1). */
const NOISE = /^(Resolving connection token|Resolved connection token|Creating a socket|\[reconnection-grace-time\]|Ignoring fetching additional builtin extensions|Updating additional builtin extensions cache|\[Service Worker\]|\[AgentHost|\[AccountPolicyGate\])/;

function arg(name: string): string | undefined {
  const prefix = `--${name}=`;
  return process.argv.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

/** A tests path as test-electron passes it (a folder, a module without .js, or a file) → the index file. */
function testsFile(p: string): string {
  if (existsSync(p) && statSync(p).isDirectory()) return path.join(p, 'index.js');
  return existsSync(p) ? p : `${p}.js`;
}

async function main(): Promise<number> {
  const t0 = Date.now();
  const extDev = path.resolve(arg('extensionDevelopmentPath') ?? ROOT);
  const extTests = path.resolve(testsFile(arg('extensionTestsPath') ?? path.join(ROOT, 'out', 'test', 'vscode', 'suite')));
  if (!existsSync(extTests)) throw new Error(`no test suite at ${extTests} (compile with: tsc -p tsconfig.vscode-test.json)`);
  const ownFolder = !arg('folder');
  const folder = path.resolve(arg('folder') ?? makeWorkspace());
  const timeoutMs = Number(process.env.EXT_TEST_TIMEOUT_MS || 300_000);

  const extEnv: Record<string, string> = process.env.EXT_TEST_ENV ? (JSON.parse(process.env.EXT_TEST_ENV) as Record<string, string>) : {};
  if (process.env.MOCHA_GREP) extEnv.MOCHA_GREP = process.env.MOCHA_GREP;
  // The suite checks that env vars reach the extension host this way (a fetch test passes KUBECONFIG so).
  extEnv.ENVOY_LENS_EXT_TEST ??= '1';

  const env = testEnv();
  const server = await startServer({ env });
  log('runIntegration', `code-server ${server.url} up after ${Date.now() - t0} ms`);
  const browser = await launchBrowser(env);
  const counts: string[] = [];
  let code = 1;
  try {
    const { page } = browser;
    const exit = new Promise<number>((resolve) => {
      // The workbench calls these once extensionTestsPath is set: every console call of the extension host's test
      // run, then the exit code of the run.
      void page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
        const line = format(...args);
        if (!process.env.VERBOSE && NOISE.test(line)) return;
        if (/^\s*\d+ (passing|failing|pending)\b/.test(line)) counts.push(line.trim());
        (type === 'error' ? console.error : console.log)(line);
      });
      void page.exposeFunction('codeAutomationExit', (c: number) => resolve(c));
    });
    const payload: Array<[string, string]> = [
      ['extensionDevelopmentPath', remoteUri(server, extDev)],
      ['extensionTestsPath', remoteUri(server, extTests)],
      ['skipWelcome', 'true'],
      ['skipReleaseNotes', 'true'],
    ];
    payload.push(['extensionEnvironment', JSON.stringify(extEnv)]);
    const url = workbenchUrl(server, folder, payload);
    log('runIntegration', 'opening', url);
    await page.goto(url);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<number>((resolve) => {
      timer = setTimeout(() => {
        log('runIntegration', `TIMEOUT: no result after ${timeoutMs} ms`);
        resolve(2);
      }, timeoutMs);
    });
    code = await Promise.race([exit, timeout]);
    clearTimeout(timer);
    if (code !== 0) {
      mkdirSync(OUTPUT, { recursive: true });
      await page.screenshot({ path: path.join(OUTPUT, 'integration-failure.png') }).catch(() => undefined);
    }
  } finally {
    await browser.close();
    await server.stop();
    if (code !== 0) {
      mkdirSync(OUTPUT, { recursive: true });
      writeFileSync(path.join(OUTPUT, 'integration-server.log'), server.output());
      log('runIntegration', `server log: ${path.join(OUTPUT, 'integration-server.log')}`);
    }
    if (ownFolder) rmSync(folder, { recursive: true, force: true, maxRetries: 3 });
  }
  log('runIntegration', `exit code ${code} after ${((Date.now() - t0) / 1000).toFixed(1)} s; mocha: ${counts.join(', ') || 'no result line'}`);
  return code;
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    console.error('[runIntegration]', e.stack ?? e.message);
    process.exit(3);
  },
);
