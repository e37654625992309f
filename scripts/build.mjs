// Bundles each entry point with esbuild (one command per entry, as STYLE.md describes).
// dist/cli.js is the `envoy-lens` bin; dist/extension.js and dist/indexWorker.js are the VS Code extension.
import * as esbuild from 'esbuild';
import { chmodSync, existsSync } from 'node:fs';

const production = process.argv.includes('--production');
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
};

await esbuild.build({
  ...common,
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/cli.js',
  banner: { js: '#!/usr/bin/env node' },
});
chmodSync('dist/cli.js', 0o755);

if (existsSync('src/vscode/extension.ts')) {
  await esbuild.build({ ...common, entryPoints: ['src/vscode/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] });
  // Large documents are indexed in this worker thread, off the extension host's main path.
  await esbuild.build({ ...common, entryPoints: ['src/vscode/indexWorker.ts'], outfile: 'dist/indexWorker.js' });
}
