/** `envoy-lens fetch POD`: the live dump of a pod's istio-proxy, saved, then checked like `check`. */
import { DEFAULT_TIMEOUT_MS } from '../../kube/callScope';
import { UsageError, oneOf, str, type Command } from '../command';
import { DEFAULT_MAX_MB } from '../input';
import { FAIL_ON, FAIL_ON_VALUES, maxSizeOf } from './common';

export const fetchCommand: Command = {
  name: 'fetch',
  summary: 'Fetch the live config dump of POD\'s istio-proxy through the Kubernetes API, save it and check it.',
  synopsis: '[options] POD',
  description: `Fetches the live config dump of POD's istio-proxy through the Kubernetes API (exec pilot-agent or curl, else a
port-forward to the admin port), saves it once it arrived whole and is valid JSON, then checks it like "check".`,
  flags: [
    { name: 'context', value: 'C', help: 'Kubeconfig context (default: the current context).' },
    { name: 'namespace', short: 'n', value: 'N', help: 'Namespace of POD (default: the context\'s namespace, else "default").' },
    { name: 'output', short: 'o', value: 'FILE', help: 'Where to save (default <pod>.<namespace>.<UTC time>.config_dump.json, or .yaml);\nmissing folders are created; the file is replaced only once the dump is complete.' },
    { name: 'yaml', help: 'Save as YAML instead of the JSON Envoy sent.' },
    { name: 'resource', value: 'NAME', help: 'Only this repeated field of the dump, e.g. dynamic_active_clusters\n(Envoy\'s config_dump?resource=); endpoint configs come with include_eds, always sent.' },
    { name: 'mask', value: 'FIELDS', help: 'Only these fields, comma-separated, e.g. cluster.name (config_dump?mask=); with\n--resource it applies to each resource, else to each top-level dump.' },
    { name: 'method', value: 'auto|exec|port-forward', help: 'How to reach Envoy\'s admin (default auto: exec, then port-forward).' },
    { name: 'admin-port', value: 'P', help: 'Envoy\'s admin port (default: the pod\'s proxyAdminPort annotation, else 15000).' },
    { name: 'kubeconfig', value: 'PATH', help: 'Kubeconfig file(s), like KUBECONFIG (default: KUBECONFIG, else ~/.kube/config).' },
    { name: 'timeout', value: 'S', help: `Give up after this many seconds, credential plugins included (default ${DEFAULT_TIMEOUT_MS / 1000}; 0 waits).` },
    { name: 'max-size', value: 'MB', help: `Stop when the dump passes this many megabytes (default ${DEFAULT_MAX_MB}).` },
    FAIL_ON,
  ],
  exitCodes: `Exit codes: 0 saved, no finding at or above --fail-on; 1 saved, with one; 2 usage error; 3 the fetch or the save
failed (one sentence on stderr, nothing written under the final name).`,
  run(values, operands, io) {
    // Required here, not imported: the cluster code and the Node built-ins under it (http, child_process, crypto…)
    // load only when fetch runs, so `envoy-lens --help` and `check` never parse or initialise them.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { isFilterValue } = require('../../kube/index') as typeof import('../../kube/index');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { runFetch } = require('../fetch') as typeof import('../fetch');
    if (operands.length !== 1) throw new UsageError(operands.length === 0 ? 'fetch needs at least one POD.' : 'fetch needs exactly one POD.', 'fetch');
    const failOn = oneOf(values, 'fail-on', FAIL_ON_VALUES, 'error', 'fetch');
    const timeout = str(values, 'timeout');
    const seconds = timeout === undefined ? DEFAULT_TIMEOUT_MS / 1000 : Number(timeout);
    if (timeout !== undefined && (timeout.trim() === '' || !Number.isFinite(seconds) || seconds < 0)) {
      throw new UsageError(`--timeout must be a number of seconds (0 waits as long as it takes), not "${timeout}".`, 'fetch');
    }
    for (const flag of ['resource', 'mask']) {
      const value = str(values, flag);
      if (value !== undefined && !isFilterValue(value)) {
        throw new UsageError(`--${flag} takes field names (letters, digits, "_", ".", "," and "-"), not "${value}".`, 'fetch');
      }
    }
    const maxBytes = maxSizeOf(values, 'fetch');
    const abort = new AbortController();
    // Ctrl+C cancels the transfer; nothing is written for an incomplete dump.
    const onSigint = () => abort.abort();
    process.once('SIGINT', onSigint);
    return runFetch(
      {
        pod: operands[0],
        context: str(values, 'context'),
        namespace: str(values, 'namespace'),
        output: str(values, 'output'),
        yaml: values.yaml === true,
        method: str(values, 'method'),
        adminPort: str(values, 'admin-port'),
        kubeconfig: str(values, 'kubeconfig'),
        failOn,
        timeoutMs: seconds * 1000,
        maxBytes,
        resource: str(values, 'resource'),
        mask: str(values, 'mask'),
        progress: io.errIsTerminal ? (line) => io.err(`envoy-lens: ${line}`) : undefined,
        signal: abort.signal,
      },
      io,
    ).catch((e: Error) => {
      if (e instanceof UsageError) throw e;
      io.err(`envoy-lens: internal error: ${e.message}`);
      return 3;
    }).finally(() => process.removeListener('SIGINT', onSigint));
  },
};
