#!/usr/bin/env node
// A stand-in "VS Code executable" for @vscode/test-electron's runTests({ vscodeExecutablePath }) (see runTest.ts).
// It takes the command line test-electron gives VS Code (--extensionDevelopmentPath=…, --extensionTestsPath=…, a
// folder, and flags it ignores), runs the suite in code-server through runIntegration.js, and exits with the
// suite's exit code, which is all test-electron looks at. Env vars for the extension host come in EXT_TEST_ENV.
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const argv = process.argv.slice(2);
const get = (k) => argv.find((a) => a.startsWith(`--${k}=`))?.slice(k.length + 3);
const extDev = get('extensionDevelopmentPath');
const extTests = get('extensionTestsPath');
if (!extDev || !extTests) {
  console.error('code-shim: expected --extensionDevelopmentPath=DIR and --extensionTestsPath=PATH (as @vscode/test-electron passes them)');
  process.exit(2);
}
const folder = argv.find((a) => !a.startsWith('-'));
const args = [
  path.join(root, 'out', 'test', 'vscode', 'runIntegration.js'),
  `--extensionDevelopmentPath=${path.resolve(extDev)}`,
  `--extensionTestsPath=${path.resolve(extTests)}`,
  ...(folder ? [`--folder=${path.resolve(folder)}`] : []),
];
const child = spawn(process.execPath, args, { stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
