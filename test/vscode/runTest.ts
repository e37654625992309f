/**
 * The standard @vscode/test-electron entry point. test-electron launches `vscodeExecutablePath` with VS Code's test
 * flags and judges its exit code, so here it points at code-shim.mjs, which runs the same mocha suite in the
 * project's code-server (VS Code 1.139.1 from npm: nothing else can be had on this network). Where VS Code can be
 * downloaded, VSCODE_TEST_DOWNLOAD=1 (optionally VSCODE_TEST_VERSION=1.139.1|stable|insiders) lets test-electron
 * fetch the desktop build into .cache/vscode-test/electron and run it instead (on Linux under a display, e.g.
 * xvfb-run). EXT_TEST_ENV='{"K":"V"}' passes env vars to the extension host either way.
 *
 *   node out/test/vscode/runTest.js
 */
import { chmodSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { makeWorkspace, ROOT, scratch, testEnv } from './harness';

async function main(): Promise<number> {
  const download = process.env.VSCODE_TEST_DOWNLOAD === '1';
  const extensionDevelopmentPath = ROOT;
  const extensionTestsPath = path.join(ROOT, 'out', 'test', 'vscode', 'suite', 'index.js');
  const extEnv = process.env.EXT_TEST_ENV ? (JSON.parse(process.env.EXT_TEST_ENV) as Record<string, string>) : {};
  const workspace = makeWorkspace();
  const profile = scratch('profile');
  // Explicit profile folders: otherwise test-electron puts them in ./.vscode-test of the current folder.
  const launchArgs = [workspace, `--user-data-dir=${path.join(profile, 'data')}`, `--extensions-dir=${path.join(profile, 'extensions')}`];
  try {
    if (download) {
      await runTests({
        version: process.env.VSCODE_TEST_VERSION || '1.139.1',
        cachePath: path.join(ROOT, '.cache', 'vscode-test', 'electron'),
        extensionDevelopmentPath,
        extensionTestsPath,
        launchArgs,
        extensionTestsEnv: extEnv,
      });
    } else {
      testEnv(); // install code-server & co. before the shim needs them
      const shim = path.join(ROOT, 'test', 'vscode', 'code-shim.mjs');
      if ((statSync(shim).mode & 0o111) === 0) chmodSync(shim, 0o755);
      await runTests({
        vscodeExecutablePath: shim,
        extensionDevelopmentPath,
        extensionTestsPath,
        launchArgs,
        extensionTestsEnv: Object.keys(extEnv).length ? { EXT_TEST_ENV: JSON.stringify(extEnv) } : {},
      });
    }
    return 0;
  } catch (e) {
    console.error('[runTest] failed:', (e as Error).message);
    return 1;
  } finally {
    rmSync(workspace, { recursive: true, force: true, maxRetries: 3 });
    rmSync(profile, { recursive: true, force: true, maxRetries: 3 });
  }
}

void main().then((code) => process.exit(code));
