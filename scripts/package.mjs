#!/usr/bin/env node
// `npm run package`: a VSIX of the bundled extension, made with @vscode/vsce.
// vsce runs the `vscode:prepublish` script (the minified esbuild bundle) and packs what .vscodeignore allows.
// Usage: node scripts/package.mjs [--out DIR]   (default: the project root) → prints the path of the .vsix
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const outIdx = argv.indexOf('--out');
const outDir = path.resolve(outIdx >= 0 ? argv[outIdx + 1] : ROOT);
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
// vsce runs vscode:prepublish itself; without that script, bundle here.
if (!pkg.scripts?.['vscode:prepublish']) run(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs'), '--production']);

mkdirSync(outDir, { recursive: true });
const hasLicense = readdirSync(ROOT).some((f) => /^LICEN[CS]E/i.test(f));
run(process.execPath, [
  path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce'),
  'package',
  '--no-dependencies', // everything the extension needs is in the esbuild bundle
  ...(pkg.repository ? [] : ['--allow-missing-repository']),
  // Without a repository vsce cannot turn the README's relative image (media/screenshot.png) into a URL; the VSIX
  // carries media/, so the relative link is kept as it is.
  ...(pkg.repository ? [] : ['--no-rewrite-relative-links']),
  ...(hasLicense ? [] : ['--skip-license']),
  '--out', vsix,
]);
console.log(`[package] ${path.relative(process.cwd(), vsix) || vsix}: ${(statSync(vsix).size / 1024).toFixed(0)} KiB in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
