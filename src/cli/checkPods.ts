/**
 * `envoy-lens check-pods (--namespace N | --all-namespaces)`: every Envoy pod's live dump, fetched through the
 * Kubernetes API with at most K transfers at once, checked like `check`, and dropped once checked. What is kept per pod
 * is its report (findings, counts) and, for pods with replicas, one short hash per resource, so the replicas of a
 * workload can be compared at the end ("works on 2 of 3 pods") without holding any dump.
 */
import { stringify } from 'yaml';
import { severityCounts } from '../core/facade';
import { checkFleet, type FleetStats, type PodReport, type WorkloadReport } from '../kube/fleet';
import {
  CLI_OPTION_NAMES, DEFAULT_TIMEOUT_MS, isKubeError, loadKubeConfig, type EnvoyPod, type KubeAccess,
} from '../kube/index';
import { failExit } from './commands/check';
import { DEFAULT_CONCURRENCY } from './commands/checkPods';
import { dumpFileName } from './fetch';
import { packageJson, sarifLog, textLine, type Row } from './formats';

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
  stats?: FleetStats;
}

export type { PodReport, Disagreement, WorkloadReport, FleetStats as CheckPodsStats } from '../kube/fleet';

export interface CheckPodsIo {
  out: (s: string) => void;
  err: (s: string) => void;
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

  let failed = 0;
  const { reports, workloads } = await checkFleet(kube, pods, {
    context,
    concurrency: args.concurrency,
    timeoutMs: args.timeoutMs,
    names: CLI_OPTION_NAMES,
    signal: args.signal,
    save: args.save,
    fileName: (pod, namespace, when) => dumpFileName(pod, namespace, when, false),
    stats: args.stats,
    onPod: (r, done, total, failedSoFar) => {
      failed = failedSoFar;
      args.progress?.(`${done} / ${total} pods${failedSoFar ? ` (${failedSoFar} could not be read)` : ''}: ${r.namespace}/${r.pod}`);
    },
  });
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
