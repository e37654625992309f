/**
 * `envoy-lens fetch [--context C] [--namespace N] POD [-o FILE] [--yaml]`: the live dump of a pod's istio-proxy through
 * the Kubernetes API (src/kube), written to a file only once it is complete and parses, then checked like `check`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { analyze, check, LineIndex, Workspace } from '../core/facade';
import { fileTimestamp, formatBytes, isKubeError, loadKubeConfig, type FetchMethod } from '../kube/index';

export interface FetchArgs {
  pod: string;
  context?: string;
  namespace?: string;
  output?: string;
  yaml: boolean;
  method?: string;
  adminPort?: string;
  kubeconfig?: string;
  failOn: string;
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

const RANK: Record<string, number> = { error: 3, warning: 2, information: 1, hint: 0 };

/** Runs the fetch; returns the exit code (0, 1 when findings reach --fail-on, 3 when the fetch failed). */
export async function runFetch(args: FetchArgs, io: FetchIo): Promise<number> {
  const methods = ['auto', 'exec', 'port-forward'];
  if (args.method !== undefined && !methods.includes(args.method)) {
    io.err(`envoy-lens: --method must be auto, exec or port-forward, not "${args.method}". Run "envoy-lens --help" for usage.`);
    return 2;
  }
  const adminPort = args.adminPort === undefined ? undefined : Number(args.adminPort);
  if (adminPort !== undefined && !(Number.isInteger(adminPort) && adminPort > 0 && adminPort < 65536)) {
    io.err(`envoy-lens: --admin-port must be a port number, not "${args.adminPort}". Run "envoy-lens --help" for usage.`);
    return 2;
  }
  try {
    const kube = await loadKubeConfig({ kubeconfigPath: args.kubeconfig });
    for (const w of kube.warnings) io.err(`envoy-lens: warning: ${w.message}`);
    const context = args.context ?? kube.currentContext;
    if (!context) {
      io.err('envoy-lens: the kubeconfig has no current context; pass --context NAME.');
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
      signal: args.signal,
      onProgress: (bytes) => {
        if (args.progress && (last === 0 || bytes - last >= 1 << 20)) {
          last = bytes;
          args.progress(`received ${formatBytes(bytes)}`);
        }
      },
    });
    const text = args.yaml ? stringify(JSON.parse(result.text), { lineWidth: 0 }) : result.text;
    const file = args.output ?? dumpFileName(args.pod, namespace, new Date(), args.yaml);
    fs.writeFileSync(file, text);
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
    if (args.failOn === 'never') return 0;
    return findings.some((d) => RANK[d.severity] >= (RANK[args.failOn] ?? 3)) ? 1 : 0;
  } catch (e) {
    if (isKubeError(e)) {
      io.err(`envoy-lens: ${e.message}`);
      return 3;
    }
    throw e;
  }
}
