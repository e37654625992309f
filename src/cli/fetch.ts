/**
 * `envoy-lens fetch [--context C] [--namespace N] POD [-o FILE] [--yaml]`: the live dump of a pod's istio-proxy through
 * the Kubernetes API (src/kube), written to a file only once it is complete and parses, then checked like `check`.
 */
import * as path from 'node:path';
import { stringify } from 'yaml';
import { analyze, check, LineIndex, Workspace } from '../core/facade';
import { failExit } from './commands/check';
import type { FAIL_ON_VALUES } from './commands/common';
import {
  CLI_OPTION_NAMES, FetchError, fileTimestamp, formatBytes, isKubeError, loadKubeConfig, targetProblem, writeFileAtomic,
  type FetchMethod,
} from '../kube/index';

export interface FetchArgs {
  pod: string;
  context?: string;
  namespace?: string;
  output?: string;
  yaml: boolean;
  method?: string;
  adminPort?: string;
  kubeconfig?: string;
  failOn: (typeof FAIL_ON_VALUES)[number];
  /** Deadline for the whole fetch; 0 waits as long as it takes. Default the kube layer's (120 s). */
  timeoutMs?: number;
  /** Size cap in bytes; default the kube layer's (256 MB). */
  maxBytes?: number;
  /** config_dump?resource= and ?mask=. */
  resource?: string;
  mask?: string;
  /** Where progress goes (stderr when it is a terminal); undefined for none. */
  progress?: (line: string) => void;
  signal?: AbortSignal;
}

export interface FetchIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

/** `<pod>.<namespace>.<UTC time>.config_dump.json`, the name the editor command suggests too. */
export function dumpFileName(pod: string, namespace: string, when: Date, yaml: boolean): string {
  return `${pod}.${namespace}.${fileTimestamp(when)}.config_dump.${yaml ? 'yaml' : 'json'}`;
}


/** Runs the fetch; returns the exit code (0, 1 when findings reach --fail-on, 3 when the fetch or the save failed). */
export async function runFetch(args: FetchArgs, io: FetchIo): Promise<number> {
  const methods = ['auto', 'exec', 'port-forward'];
  if (args.method !== undefined && !methods.includes(args.method)) {
    io.err(`envoy-lens: --method must be auto, exec or port-forward, not "${args.method}". Run "envoy-lens fetch --help" for usage.`);
    return 2;
  }
  const adminPort = args.adminPort === undefined ? undefined : Number(args.adminPort);
  if (adminPort !== undefined && !(Number.isInteger(adminPort) && adminPort > 0 && adminPort < 65536)) {
    io.err(`envoy-lens: --admin-port must be a port number, not "${args.adminPort}". Run "envoy-lens fetch --help" for usage.`);
    return 2;
  }
  try {
    // A folder (or a path through a file) as -o fails now, not after a long transfer.
    const early = args.output === undefined ? undefined : targetProblem(args.output);
    if (early) throw early;
    const kube = await loadKubeConfig({ kubeconfigPath: args.kubeconfig, names: CLI_OPTION_NAMES });
    for (const w of kube.warnings) io.err(`envoy-lens: warning: ${w.message}`);
    const context = args.context ?? kube.currentContext;
    if (!context) {
      io.err(kube.listContexts().length === 0
        ? `envoy-lens: The kubeconfig (${kube.files.join(', ') || kube.source}) defines no context; log in to a cluster first, or pass the right file with --kubeconfig.`
        : 'envoy-lens: The kubeconfig has no current context; pass --context NAME.');
      return 3;
    }
    const namespace = args.namespace ?? kube.listContexts().find((c) => c.name === context)?.namespace ?? 'default';
    let last = 0;
    const result = await kube.fetchConfigDump({
      context,
      namespace,
      pod: args.pod,
      method: (args.method ?? 'auto') as FetchMethod,
      adminPort,
      timeoutMs: args.timeoutMs,
      maxBytes: args.maxBytes,
      resource: args.resource,
      mask: args.mask,
      names: CLI_OPTION_NAMES,
      signal: args.signal,
      onProgress: (bytes) => {
        if (args.progress && (last === 0 || bytes - last >= 1 << 20)) {
          last = bytes;
          args.progress(`received ${formatBytes(bytes)}`);
        }
      },
    });
    const text = args.yaml ? toYaml(result.text, args.pod) : result.text;
    const file = args.output ?? dumpFileName(args.pod, namespace, new Date(), args.yaml);
    await writeFileAtomic(file, text);
    io.err(`envoy-lens: saved ${formatBytes(Buffer.byteLength(text))} from pod ${namespace}/${args.pod} (${result.method}) to ${file}`);
    const ws = new Workspace();
    const a = analyze(file, text, { languageId: args.yaml ? 'yaml' : 'json' });
    ws.set(a);
    const lines = new LineIndex(text);
    const findings = check(ws, file);
    for (const d of findings) {
      const p = lines.positionAt(d.span.start);
      io.out(`${path.normalize(file)}:${p.line + 1}:${p.character + 1}: ${d.severity} ${d.code}: ${d.message}`);
    }
    return failExit(findings, args.failOn);
  } catch (e) {
    if (isKubeError(e)) {
      io.err(`envoy-lens: ${e.message}`);
      return 3;
    }
    throw e;
  }
}

/** The dump as YAML. The fetch only returns JSON.parse-valid text; should that ever fail, it is a fetch error, not a crash. */
function toYaml(json: string, pod: string): string {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (e) {
    throw new FetchError('not-json', `The dump of pod "${pod}" is not valid JSON (${(e as Error).message.split('\n')[0]}), so it cannot be converted to YAML; fetch it without --yaml to look at it.`,
      String(e), Buffer.byteLength(json));
  }
  try {
    return stringify(value, { lineWidth: 0 });
  } catch (e) {
    // yaml's stringify recurses: a dump nested thousands deep (valid JSON) overflows the stack.
    throw new FetchError('write-failed', `The dump of pod "${pod}" could not be converted to YAML (${(e as Error).message.split('\n')[0]}), so nothing was saved; fetch it without --yaml.`,
      String(e), Buffer.byteLength(json));
  }
}
