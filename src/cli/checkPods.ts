/**
 * `envoy-lens check-pods (--namespace N | --all-namespaces)`: every Envoy pod's live dump, fetched through the
 * Kubernetes API with at most K transfers at once, checked like `check`, and dropped once checked. What is kept per pod
 * is its report (findings, counts) and, for pods with replicas, one short hash per resource, so the replicas of a
 * workload can be compared at the end ("works on 2 of 3 pods") without holding any dump.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { analyze, check, LineIndex, resourceFingerprints, Workspace, type DiffKind, type Severity } from '../core/facade';
import {
  CLI_OPTION_NAMES, DEFAULT_TIMEOUT_MS, isKubeError, loadKubeConfig, writeFileAtomic, type EnvoyPod, type FetchResult, type KubeAccess,
} from '../kube/index';
import { failExit } from './commands/check';
import { DEFAULT_CONCURRENCY } from './commands/checkPods';
import { dumpFileName } from './fetch';
import { packageJson, sarifLog, textLine, type Row } from './formats';
import { counts } from './load';

export { DEFAULT_CONCURRENCY };
export const CHECK_PODS_FORMATS = ['text', 'json', 'sarif'] as const;

export interface CheckPodsArgs {
  context?: string;
  /** One namespace; undefined with allNamespaces. */
  namespace?: string;
  allNamespaces: boolean;
  selector?: string;
  concurrency: number;
  format: (typeof CHECK_PODS_FORMATS)[number];
  failOn: 'error' | 'warning' | 'never';
  /** Folder to save each dump in (atomically, under the name `fetch` gives it). */
  save?: string;
  /** Deadline of the listing and of each pod's fetch; 0 waits. */
  timeoutMs: number;
  /** Not a flag (the CLI reads KUBECONFIG as kubectl does): for tests and the benchmark. */
  kubeconfig?: string;
  /** Progress lines (stderr when it is a terminal); undefined for none. */
  progress?: (line: string) => void;
  signal?: AbortSignal;
  colour?: boolean;
  /** Filled as the run goes: the most dumps held at once (fetched, not yet dropped). */
  stats?: CheckPodsStats;
}

export interface CheckPodsStats {
  /** The most fetches under way at once. */
  maxTransfers: number;
  maxDumpsHeld: number;
  /** Size of the largest dump received, in bytes. */
  largestDump: number;
}

export interface PodReport {
  namespace: string;
  pod: string;
  /** The owning controller as `Kind/name` (a ReplicaSet, StatefulSet, DaemonSet …); null for a bare pod. */
  workload: string | null;
  status: 'checked' | 'failed';
  /** The fetch layer's one sentence, for a pod that could not be read. */
  error?: string;
  counts?: Record<string, number>;
  problems: Row[];
}

export interface Disagreement {
  kind: DiffKind;
  name: string;
  /** The replicas that hold this resource differently from most (every replica compared, when there is no majority). */
  pods: string[];
}

export interface WorkloadReport {
  namespace: string;
  workload: string;
  pods: string[];
  disagree: Disagreement[];
}

export interface CheckPodsIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

/** Kinds not compared between replicas: each pod holds its own workload certificate (secrets), and the bootstrap
 *  carries the pod's own identity (never fingerprinted). */
const NOT_COMPARED: readonly DiffKind[] = ['secret'];

/** A short, fast hash for fingerprints (not a security boundary: only equality between replicas is asked). */
const fingerprintHash = (s: string): string => createHash('sha1').update(s).digest('base64').slice(0, 16);

const RANK: Record<Severity, number> = { error: 3, warning: 2, information: 1, hint: 0 };

/**
 * A copy of `s` that shares no memory with the dump's text. Names in the index are slices of the text, and V8 keeps a
 * whole string alive for any slice (or concatenation holding one) of it: a finding's message or a fingerprint key
 * kept past the pod would keep its 5 MB dump with it (200 pods: 1 GB, measured before this copy).
 */
function detach(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

/** Replicas of one workload while the run goes: per resource, which pods hold which version. */
class WorkloadTally {
  readonly pods: string[] = [];
  /** Pods fingerprinted, by index in `pods`. */
  private readonly compared: number[] = [];
  /** `kind \0 name` → hash → indexes of the pods holding that version. */
  private readonly versions = new Map<string, Map<string, number[]>>();

  constructor(readonly namespace: string, readonly workload: string) {}

  add(pod: string, prints: Map<string, string>): void {
    const i = this.pods.indexOf(pod);
    this.compared.push(i);
    for (const [key, hash] of prints) {
      let v = this.versions.get(key);
      if (!v) this.versions.set(detach(key), (v = new Map()));
      let list = v.get(hash);
      if (!list) v.set(hash, (list = []));
      list.push(i);
    }
  }

  disagreements(): Disagreement[] {
    if (this.compared.length < 2) return [];
    const out: Disagreement[] = [];
    for (const [key, v] of this.versions) {
      const groups = [...v.values()];
      const holding = groups.reduce((n, g) => n + g.length, 0);
      if (groups.length === 1 && holding === this.compared.length) continue;
      // Pods that lack the resource are one more version.
      if (holding < this.compared.length) {
        const has = new Set(groups.flat());
        groups.push(this.compared.filter((i) => !has.has(i)));
      }
      const sizes = groups.map((g) => g.length).sort((a, b) => b - a);
      const majority = sizes[0] > sizes[1] ? groups.find((g) => g.length === sizes[0]) : undefined;
      const odd = this.compared.filter((i) => !majority?.includes(i)).map((i) => this.pods[i]).sort();
      const [kind, name] = key.split('\u0000') as [DiffKind, string];
      out.push({ kind, name, pods: odd });
    }
    return out.sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

function workloadOf(p: EnvoyPod): string | null {
  return p.owner ? `${p.owner.kind}/${p.owner.name}` : null;
}

/** One sentence naming where the pods were looked for. */
function where(args: CheckPodsArgs): string {
  const scope = args.allNamespaces ? 'any namespace' : `namespace "${args.namespace}"`;
  return `${scope}${args.selector ? ` matching "${args.selector}"` : ''}`;
}

/** Runs the fleet check; returns the exit code (0; 1 a finding at or above --fail-on, or a pod not read; 3 nothing to check). */
export async function runCheckPods(args: CheckPodsArgs, io: CheckPodsIo): Promise<number> {
  let kube: KubeAccess;
  let context: string;
  let pods: EnvoyPod[];
  try {
    kube = await loadKubeConfig({ kubeconfigPath: args.kubeconfig, names: CLI_OPTION_NAMES });
    for (const w of kube.warnings) io.err(`envoy-lens: warning: ${w.message}`);
    const current = args.context ?? kube.currentContext;
    if (!current) {
      io.err('envoy-lens: The kubeconfig has no current context; pass --context NAME.');
      return 3;
    }
    context = current;
    args.progress?.(`listing the Envoy pods in ${where(args)}…`);
    pods = await kube.listEnvoyPods(context, args.allNamespaces ? undefined : args.namespace, {
      labelSelector: args.selector, timeoutMs: args.timeoutMs, signal: args.signal, names: CLI_OPTION_NAMES,
    });
  } catch (e) {
    if (!isKubeError(e)) throw e;
    io.err(`envoy-lens: ${e.message}`);
    return 3;
  }
  if (pods.length === 0) {
    io.err(`envoy-lens: No pod runs Envoy in ${where(args)} of context "${context}"; nothing to check.`);
    return 3;
  }

  // Workloads with two pods or more are compared; only their pods are fingerprinted.
  const tallies = new Map<string, WorkloadTally>();
  for (const p of pods) {
    const w = workloadOf(p);
    if (!w) continue;
    const key = `${p.namespace}\u0000${w}`;
    let t = tallies.get(key);
    if (!t) tallies.set(key, (t = new WorkloadTally(p.namespace, w)));
    t.pods.push(p.name);
  }

  const stats = args.stats ?? { maxTransfers: 0, maxDumpsHeld: 0, largestDump: 0 };
  let transfers = 0;
  let held = 0;
  let done = 0;
  let failed = 0;
  const reports = new Array<PodReport>(pods.length);

  const checkOne = async (p: EnvoyPod): Promise<PodReport> => {
    const base = { namespace: p.namespace, pod: p.name, workload: workloadOf(p) };
    let result: FetchResult | undefined;
    try {
      stats.maxTransfers = Math.max(stats.maxTransfers, ++transfers);
      try {
        result = await kube.fetchConfigDump({
          context, namespace: p.namespace, pod: p.name, timeoutMs: args.timeoutMs, signal: args.signal, names: CLI_OPTION_NAMES,
        });
      } finally {
        transfers--;
      }
      held++;
      stats.maxDumpsHeld = Math.max(stats.maxDumpsHeld, held);
      stats.largestDump = Math.max(stats.largestDump, result.bytes);
      const text = result.text;
      let label = `${p.namespace}/${p.name}`;
      if (args.save !== undefined) {
        label = path.join(args.save, dumpFileName(p.name, p.namespace, new Date(), false));
        await writeFileAtomic(label, text);
      }
      const analysis = analyze(label, text, { languageId: 'json' });
      const ws = new Workspace();
      ws.set(analysis);
      const found = check(ws, label);
      const lines = found.length ? new LineIndex(text) : undefined;
      const problems: Row[] = found.map((d) => {
        const s = lines!.positionAt(d.span.start);
        const e = lines!.positionAt(d.span.end);
        return {
          path: label, line: s.line + 1, column: s.character + 1, endLine: e.line + 1, endColumn: e.character + 1,
          severity: d.severity, code: d.code, message: detach(d.message),
        };
      });
      const tally = base.workload ? tallies.get(`${p.namespace}\u0000${base.workload}`) : undefined;
      if (tally && tally.pods.length > 1) {
        tally.add(p.name, resourceFingerprints({ analysis, source: text }, { hash: fingerprintHash, skip: NOT_COMPARED }));
      }
      return { ...base, status: 'checked', counts: counts(analysis), problems };
    } catch (e) {
      failed++;
      const message = isKubeError(e) ? e.message : `internal error: ${e instanceof Error ? e.message : String(e)}`;
      return { ...base, status: 'failed', error: message, problems: [] };
    } finally {
      // The dump (text, analysis, index) is dropped here: nothing above outlives this call but the report.
      if (result) held--;
      result = undefined;
      done++;
      args.progress?.(`${done} / ${pods.length} pods${failed ? ` (${failed} could not be read)` : ''}: ${p.namespace}/${p.name}`);
    }
  };

  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < pods.length) {
      const i = next++;
      reports[i] = await checkOne(pods[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(args.concurrency, pods.length) }, worker));

  const workloads: WorkloadReport[] = [...tallies.values()].map((t) => ({
    namespace: t.namespace, workload: t.workload, pods: t.pods, disagree: t.disagreements(),
  }));
  const rows = reports.flatMap((r) => r.problems);
  print(args, io, reports, workloads, rows);

  const disagreeing = workloads.filter((w) => w.disagree.length > 0).length;
  io.err(`envoy-lens: ${pods.length} pod${pods.length === 1 ? '' : 's'}: ${pods.length - failed} checked, ${failed} could not be read; `
    + `${rows.length} finding${rows.length === 1 ? '' : 's'}; ${disagreeing} workload${disagreeing === 1 ? '' : 's'} whose replicas disagree.`);
  if (failed > 0) return 1;
  return failExit(rows, args.failOn);
}

function print(args: CheckPodsArgs, io: CheckPodsIo, reports: PodReport[], workloads: WorkloadReport[], rows: Row[]): void {
  switch (args.format) {
    case 'json':
      io.out(JSON.stringify({ pods: reports, workloads }, null, 2));
      return;
    case 'sarif':
      io.out(JSON.stringify(sarifLog(rows, packageJson().version ?? '0.0.0'), null, 2));
      return;
    default:
      for (const r of reports) {
        const owner = r.workload ? ` (${r.workload})` : '';
        if (r.status === 'failed') {
          io.out(`${r.namespace}/${r.pod}${owner}: not checked: ${r.error}`);
          continue;
        }
        io.out(`${r.namespace}/${r.pod}${owner}: ${severityCounts(r.problems)}`);
        for (const row of r.problems) io.out(textLine(row, args.colour));
      }
      for (const w of workloads) {
        for (const d of w.disagree) {
          io.out(`${w.namespace} ${w.workload}: replicas disagree on ${d.kind} "${d.name}": ${d.pods.join(', ')} ${d.pods.length === 1 ? 'differs' : 'differ'} (of ${w.pods.length} pods)`);
        }
      }
  }
}

/** "no findings", "2 errors, 1 warning". */
function severityCounts(rows: Row[]): string {
  if (rows.length === 0) return 'no findings';
  const n = new Map<Severity, number>();
  for (const r of rows) n.set(r.severity, (n.get(r.severity) ?? 0) + 1);
  return (Object.keys(RANK) as Severity[]).filter((s) => n.has(s))
    .map((s) => `${n.get(s)} ${s === 'information' ? 'info' : s}${n.get(s)! > 1 && s !== 'information' ? 's' : ''}`).join(', ');
}

// --- the Job recipe -----------------------------------------------------------------------------------------------

export const JOB_SERVICE_ACCOUNT = 'envoy-lens-check-pods';

/** A batch/v1 Job that runs the same check inside the cluster, for one namespace, as YAML with a comment header. */
export function jobManifest(args: CheckPodsArgs): string {
  const ns = args.namespace ?? '';
  const version = packageJson().version ?? '0.1.0';
  const cliArgs = ['check-pods', '--namespace', ns];
  if (args.selector) cliArgs.push('--selector', args.selector);
  if (args.concurrency !== DEFAULT_CONCURRENCY) cliArgs.push('--concurrency', String(args.concurrency));
  if (args.format !== 'text') cliArgs.push('--format', args.format);
  if (args.failOn !== 'error') cliArgs.push('--fail-on', args.failOn);
  if (args.timeoutMs !== DEFAULT_TIMEOUT_MS) cliArgs.push('--timeout', String(args.timeoutMs / 1000));
  // A Job name is a DNS label (it becomes a label value): at most 63 characters.
  const name = `envoy-lens-check-pods-${ns}`.slice(0, 63).replace(/-+$/, '');
  const labels = { 'app.kubernetes.io/name': 'envoy-lens', 'app.kubernetes.io/component': 'check-pods' };
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, labels: { ...labels, 'envoy-lens/checked-namespace': ns } },
    spec: {
      backoffLimit: 0,
      ttlSecondsAfterFinished: 86400,
      template: {
        metadata: {
          // No sidecar in the checker itself: a Job whose pod keeps a proxy running never completes.
          labels: { ...labels, 'sidecar.istio.io/inject': 'false' },
        },
        spec: {
          serviceAccountName: JOB_SERVICE_ACCOUNT,
          restartPolicy: 'Never',
          containers: [{
            name: 'check-pods',
            image: `envoy-lens:${version}`,
            args: cliArgs,
            resources: {
              requests: { cpu: '200m', memory: '256Mi' },
              limits: { memory: '1Gi' },
            },
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 1000,
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
              capabilities: { drop: ['ALL'] },
            },
          }],
        },
      },
    },
  };
  const header = [
    `# envoy-lens check-pods as a Kubernetes Job, for namespace "${ns}". Apply it to the namespace that holds the`,
    `# service account "${JOB_SERVICE_ACCOUNT}" (kubectl apply -n envoy-lens -f -). The account needs, in "${ns}":`,
    '# "list" and "get" on pods, and "create" on pods/exec (or on pods/portforward). The image runs the envoy-lens',
    '# CLI as its entrypoint (README, "Checking every pod": the Dockerfile, the RBAC and a loop over namespaces).',
    '# The CLI reads the in-cluster service account; the findings are the Job pod\'s log.',
  ];
  return `${header.join('\n')}\n${stringify(job, { lineWidth: 0 })}`;
}
