#!/usr/bin/env node
// `npm run package`: a VSIX of the bundled extension, made with @vscode/vsce.
// vsce runs the `vscode:prepublish` script (the minified esbuild bundle) and packs what .vscodeignore allows.
// Usage: node scripts/package.mjs [--out DIR] [--prebuilt]   (default DIR: the project root) → prints the .vsix path
//   --prebuilt  packs dist/ as it is, without bundling: vsce runs in a copy of the project (under the system temp
//               folder) whose package.json has no vscode:prepublish, so nothing in the project is written. For tests
//               (test/unit/vsix.test.ts checks what .vscodeignore lets into the VSIX).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const outIdx = argv.indexOf('--out');
const outDir = path.resolve(outIdx >= 0 ? argv[outIdx + 1] : ROOT);
const prebuilt = argv.includes('--prebuilt');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const vsix = path.join(outDir, `${pkg.name}-${pkg.version}.vsix`);
const t0 = Date.now();

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`[package] failed: ${cmd} ${args.join(' ')}`);
    process.exit(r.status || 1);
  }
}

if (!pkg.main || !existsSync(path.join(ROOT, 'src', 'vscode', 'extension.ts'))) {
  console.error('[package] package.json has no "main" or src/vscode/extension.ts is missing: there is no extension to package yet.');
  process.exit(1);
}
if (prebuilt && !existsSync(path.join(ROOT, pkg.main))) {
  console.error(`[package] --prebuilt: ${pkg.main} is missing; run npm run build first.`);
  process.exit(1);
}

// Where vsce runs: the project, or (--prebuilt) a copy of it without what never ships and is large or shared.
let cwd = ROOT;
if (prebuilt) {
  cwd = mkdtempSync(path.join(os.tmpdir(), 'envoy-lens-package-'));
  const skip = new Set(['node_modules', '.git', '.cache', 'out', 'test-output']);
  cpSync(ROOT, cwd, {
    recursive: true,
    filter: (src) => {
      const rel = path.relative(ROOT, src);
      return !skip.has(rel.split(path.sep)[0]) && !rel.endsWith('.vsix');
    },
  });
  const staged = { ...pkg, scripts: { ...pkg.scripts } };
  delete staged.scripts['vscode:prepublish'];
  writeFileSync(path.join(cwd, 'package.json'), JSON.stringify(staged, null, 2) + '\n');
} else if (!pkg.scripts?.['vscode:prepublish']) {
  // vsce runs vscode:prepublish itself; without that script, bundle here.
  run(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs'), '--production']);
}

mkdirSync(outDir, { recursive: true });
const hasLicense = readdirSync(ROOT).some((f) => /^LICEN[CS]E/i.test(f));
const r = spawnSync(process.execPath, [
  path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce'),
  'package',
  '--no-dependencies', // everything the extension needs is in the esbuild bundles
  ...(pkg.repository ? [] : ['--allow-missing-repository']),
  // Without a repository vsce cannot turn the README's relative image (media/screenshot.png) into a URL; the VSIX
  // carries media/, so the relative link is kept as it is.
  ...(pkg.repository ? [] : ['--no-rewrite-relative-links']),
  ...(hasLicense ? [] : ['--skip-license']),
  '--out', vsix,
], { cwd, stdio: 'inherit' });
if (cwd !== ROOT) rmSync(cwd, { recursive: true, force: true });
if (r.status !== 0) {
  console.error('[package] failed: vsce package');
  process.exit(r.status || 1);
}
console.log(`[package] ${path.relative(process.cwd(), vsix) || vsix}: ${(statSync(vsix).size / 1024).toFixed(0)} KiB in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
