// Bundles each entry point with esbuild (one command per entry, as STYLE.md describes).
// dist/cli.js is the `envoy-lens` bin; dist/extension.js and dist/indexWorker.js are the VS Code extension; both
// front ends load dist/kubeClient.js (@kubernetes/client-node) on their first cluster call.
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
  // jsonc-parser's "main" is a UMD build whose dynamic requires esbuild cannot follow; its "module" build bundles.
  mainFields: ['module', 'main'],
};

// @kubernetes/client-node is ESM-only, so an installed extension (no node_modules) must carry it. It is bundled
// into its own file, dist/kubeClient.js, which src/kube/clientLoader.ts requires on the first cluster call: in
// extension.js it would add 14 MB that the extension host parses at every activation (~750 ms measured on Node 20,
// against ~25 ms without it), and the extension activates on every JSON or YAML file.
const kubeClientFile = {
  name: 'kube-client-file',
  setup(build) {
    // clientLoader's `import('@kubernetes/client-node')` (taken when ENVOY_LENS_BUNDLE is defined) becomes a
    // require of ./kubeClient.js beside the bundle: a plain require, so Node needs no ESM loader for 14 MB.
    build.onResolve({ filter: /^@kubernetes\/client-node$/ }, (args) =>
      args.kind === 'dynamic-import' ? { path: 'kube-client', namespace: 'kube-client' } : undefined);
    build.onLoad({ filter: /.*/, namespace: 'kube-client' }, () =>
      ({ contents: "module.exports = require('./kubeClient.js');", loader: 'js' }));
    build.onResolve({ filter: /^\.\/kubeClient\.js$/ }, (args) =>
      args.namespace === 'kube-client' ? { path: './kubeClient.js', external: true } : undefined);
  },
};

// src/kube/channelSocket.ts imports `ws` only to construct sockets for exec and port-forward. In the CLI, `ws`
// becomes a class whose constructor returns the real WebSocket from dist/kubeClient.js, so `check` neither parses
// ws nor loads node:http, node:https and node:zlib under it.
const lazyWs = {
  name: 'lazy-ws',
  setup(build) {
    build.onResolve({ filter: /^ws$/ }, () => ({ path: 'ws', namespace: 'lazy-ws' }));
    build.onResolve({ filter: /^\.\/kubeClient\.js$/ }, (args) =>
      args.namespace === 'lazy-ws' ? { path: './kubeClient.js', external: true } : undefined);
    build.onLoad({ filter: /.*/, namespace: 'lazy-ws' }, () => ({
      contents: "module.exports = class WebSocket { constructor(...args) { return new (require('./kubeClient.js').envoyLensWebSocket)(...args); } };",
      loader: 'js',
    }));
  },
};

await esbuild.build({
  ...common,
  // `ws` rides along (client-node depends on it anyway) for the CLI's lazyWs.
  stdin: {
    contents: "export * from '@kubernetes/client-node'; export { default as envoyLensWebSocket } from 'ws';",
    resolveDir: '.', sourcefile: 'kubeClient.js', loader: 'js',
  },
  outfile: 'dist/kubeClient.js',
});

// The CLI loads the client the same way, only for `fetch`: bundled inline, Node parsed its 14 MB at every start
// (`envoy-lens --help` took 0.27 s against 0.09 s for a bare `node`), though `check` and the rest never call it.
// re2js and yaml are more than half of the CLI's code (266 + 253 KB) and `envoy-lens --help` uses neither: Node
// parsed them at every start. In the CLI each is its own file beside the bundle (dist/cliRe2.js, dist/cliYaml.js),
// and the bundle sees a module of getters that require that file on first use: a JSON dump without regexes never
// loads either.
const LAZY_LIBS = {
  re2js: { file: './cliRe2.js', names: ['RE2JS'] },
  yaml: { file: './cliYaml.js', names: ['Composer', 'Document', 'Parser', 'isAlias', 'isMap', 'isPair', 'isScalar', 'isSeq', 'stringify'] },
};
const lazyLibs = {
  name: 'lazy-libs',
  setup(build) {
    build.onResolve({ filter: /^(re2js|yaml)$/ }, (args) => ({ path: args.path, namespace: 'lazy-libs' }));
    build.onResolve({ filter: /^\.\/cli(Re2|Yaml)\.js$/ }, (args) =>
      args.namespace === 'lazy-libs' ? { path: args.path, external: true } : undefined);
    build.onLoad({ filter: /.*/, namespace: 'lazy-libs' }, (args) => {
      const lib = LAZY_LIBS[args.path];
      const getters = lib.names.map((n) => `get ${n}() { return load().${n}; }`).join(', ');
      return { contents: `let m; const load = () => (m ??= require('${lib.file}')); module.exports = { ${getters} };`, loader: 'js' };
    });
  },
};
for (const [lib, { file }] of Object.entries(LAZY_LIBS)) {
  await esbuild.build({ ...common, stdin: { contents: `module.exports = require('${lib}');`, resolveDir: '.', loader: 'js' }, outfile: `dist/${file.slice(2)}` });
}

await esbuild.build({
  ...common,
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/cli.js',
  banner: { js: '#!/usr/bin/env node' },
  define: { ENVOY_LENS_BUNDLE: 'true' },
  plugins: [kubeClientFile, lazyWs, lazyLibs],
});
chmodSync('dist/cli.js', 0o755);

if (existsSync('src/vscode/extension.ts')) {
  await esbuild.build({
    ...common,
    entryPoints: ['src/vscode/extension.ts'],
    outfile: 'dist/extension.js',
    external: ['vscode'],
    define: { ENVOY_LENS_BUNDLE: 'true' },
    plugins: [kubeClientFile],
  });
  // Large documents are indexed in this worker thread, off the extension host's main path.
  await esbuild.build({ ...common, entryPoints: ['src/vscode/indexWorker.ts'], outfile: 'dist/indexWorker.js' });
}
