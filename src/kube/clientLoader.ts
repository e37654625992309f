// The one place that loads @kubernetes/client-node.
//
// client-node 1.x is ESM-only, and this project compiles to CommonJS with tsc (module "commonjs"), which
// rewrites a literal `import()` into `require()`. So by default the import is hidden from tsc inside a
// Function, which keeps it a real dynamic import at run time.
//
// When the extension is bundled, esbuild should see a literal `import()` so that it bundles the client:
// build with `--define:ENVOY_LENS_BUNDLE=true` and the first branch is taken. Nothing else in src/kube
// loads the client's code (other files import its types only).
import type * as ClientNodeModule from '@kubernetes/client-node';

export type ClientNode = typeof ClientNodeModule;

declare const ENVOY_LENS_BUNDLE: boolean | undefined;

// Deliberate: a native import() that tsc cannot rewrite into require().
const nativeImport = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

let loaded: Promise<ClientNode> | undefined;

/** Loads (once) and returns the @kubernetes/client-node module. */
export function loadClientNode(): Promise<ClientNode> {
  loaded ??= (typeof ENVOY_LENS_BUNDLE !== 'undefined' && ENVOY_LENS_BUNDLE
    ? import('@kubernetes/client-node')
    : (nativeImport('@kubernetes/client-node') as Promise<ClientNode>));
  // A failed load (e.g. node_modules missing) is not cached, so a later call may succeed.
  loaded.catch(() => { loaded = undefined; });
  return loaded;
}
