/** `envoy-lens check-pods`: every Envoy pod of a namespace (or of all), fetched K at a time, checked, compared by workload. */
import { DEFAULT_TIMEOUT_MS } from '../../kube/callScope';
import { UsageError, oneOf, str, type Command } from '../command';
import { FAIL_ON, FAIL_ON_VALUES } from './common';

const FORMATS = ['text', 'json', 'sarif'] as const;
export const DEFAULT_CONCURRENCY = 4;
const MAX_CONCURRENCY = 64;

export const checkPodsCommand: Command = {
  name: 'check-pods',
  summary: 'Fetch and check the live dump of every Envoy pod of a namespace; report replicas that disagree.',
  synopsis: '(--namespace N | --all-namespaces) [options]',
  description: `Lists the pods that run Envoy (sidecars, native sidecars, gateways, waypoints) through the Kubernetes API,
fetches each one's config dump with at most --concurrency transfers at once, checks it like "check" and drops it.
A pod that cannot be read is reported with its error and the run goes on. Pods with the same owner (a ReplicaSet,
StatefulSet, DaemonSet …) are compared: resources whose replicas hold them differently, volatile fields aside, are
reported with the pods that differ. The kubeconfig is found as kubectl finds it (KUBECONFIG, ~/.kube/config, the
in-cluster service account). --print-job prints a Kubernetes Job that runs this check inside the cluster instead.`,
  flags: [
    { name: 'context', value: 'C', help: 'Kubeconfig context (default: the current context).' },
    { name: 'namespace', short: 'n', value: 'N', help: 'Check the Envoy pods of this namespace.' },
    { name: 'all-namespaces', short: 'A', help: 'Check the Envoy pods of every namespace.' },
    { name: 'selector', short: 'l', value: 'LABELS', help: 'Only pods with these labels, as kubectl -l takes them (app=reviews,version!=v3).' },
    { name: 'concurrency', value: 'K', help: `Fetch at most K dumps at once (default ${DEFAULT_CONCURRENCY}); memory stays near K dumps.` },
    { name: 'format', value: 'text|json|sarif', help: 'Output (default text: findings grouped per pod, then replicas that\ndisagree). json: {pods, workloads}; sarif: SARIF 2.1.0, one run.' },
    FAIL_ON,
    { name: 'save', value: 'DIR', help: 'Also save each dump in DIR (created when missing), atomically, named as fetch\nnames them: <pod>.<namespace>.<UTC time>.config_dump.json.' },
    { name: 'timeout', value: 'S', help: `Give up listing, or one pod's fetch, after this many seconds (default ${DEFAULT_TIMEOUT_MS / 1000}; 0 waits).` },
    { name: 'print-job', help: 'Print a batch/v1 Job (YAML) that runs this check in the cluster for --namespace,\nand exit; nothing is fetched.' },
  ],
  exitCodes: `Exit codes: 0 every pod checked, no finding at or above --fail-on; 1 a finding at or above --fail-on, or a pod
that could not be read; 2 usage error; 3 nothing to check (no Envoy pod, or the pods could not be listed).`,
  run(values, operands, io) {
    if (operands.length > 0) throw new UsageError(`check-pods takes no operands, not "${operands[0]}".`, 'check-pods');
    const format = oneOf(values, 'format', FORMATS, 'text', 'check-pods');
    const failOn = oneOf(values, 'fail-on', FAIL_ON_VALUES, 'error', 'check-pods');
    const namespace = str(values, 'namespace');
    const all = values['all-namespaces'] === true;
    if ((namespace === undefined) === !all) {
      throw new UsageError(all ? 'Give either --namespace or --all-namespaces, not both.' : 'check-pods needs --namespace N or --all-namespaces.', 'check-pods');
    }
    const k = str(values, 'concurrency');
    const concurrency = k === undefined ? DEFAULT_CONCURRENCY : Number(k);
    if (!(Number.isInteger(concurrency) && concurrency >= 1 && concurrency <= MAX_CONCURRENCY)) {
      throw new UsageError(`--concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}, not "${k}".`, 'check-pods');
    }
    const timeout = str(values, 'timeout');
    const seconds = timeout === undefined ? DEFAULT_TIMEOUT_MS / 1000 : Number(timeout);
    if (timeout !== undefined && (timeout.trim() === '' || !Number.isFinite(seconds) || seconds < 0)) {
      throw new UsageError(`--timeout must be a number of seconds (0 waits as long as it takes), not "${timeout}".`, 'check-pods');
    }
    const save = str(values, 'save');
    if (save === '') throw new UsageError('--save needs a folder.', 'check-pods');
    // Required here, not imported: the cluster code loads only when the command runs (as for fetch).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { isDnsLabel } = require('../../kube/index') as typeof import('../../kube/index');
    if (namespace !== undefined && !isDnsLabel(namespace)) {
      throw new UsageError(`"${namespace}" is not a namespace name (lowercase letters, digits and "-", at most 63 characters).`, 'check-pods');
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { jobManifest, runCheckPods } = require('../checkPods') as typeof import('../checkPods');
    const args = {
      context: str(values, 'context'),
      namespace,
      allNamespaces: all,
      selector: str(values, 'selector'),
      concurrency,
      format,
      failOn,
      save,
      timeoutMs: seconds * 1000,
      colour: io.colour,
    };
    if (values['print-job'] === true) {
      if (all) throw new UsageError('--print-job makes one Job per namespace: give --namespace N (a loop over namespaces is in the README).', 'check-pods');
      if (save !== undefined) throw new UsageError('--print-job cannot --save: the files would go with the Job\'s pod.', 'check-pods');
      io.out(jobManifest(args));
      return 0;
    }
    const abort = new AbortController();
    // Ctrl+C cancels the transfers under way; the pods not reached yet are reported as cancelled, with what was checked.
    const onSigint = () => abort.abort();
    process.once('SIGINT', onSigint);
    return runCheckPods({
      ...args,
      progress: io.errIsTerminal ? (line) => io.err(`envoy-lens: ${line}`) : undefined,
      signal: abort.signal,
    }, io).finally(() => process.removeListener('SIGINT', onSigint));
  },
};
