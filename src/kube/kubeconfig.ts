// Finding and merging kubeconfig files the way kubectl does:
//   1. a path from the settings, if any (it overrides everything else);
//   2. else KUBECONFIG, a list of files separated by path.delimiter: missing files are skipped, and for a
//      cluster, user or context name defined in several files the FIRST file wins (client-node's own
//      loadFromDefault throws "Duplicate context" instead, which breaks setups kubectl accepts);
//      current-context comes from the first file that sets one;
//   3. else ~/.kube/config;
//   4. else the in-cluster service account (KUBERNETES_SERVICE_HOST/PORT and the mounted token).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Cluster, Context, User } from '@kubernetes/client-node';
import { loadClientNode } from './clientLoader';
import { CLI_OPTION_NAMES, KubeConfigError, KubeWarning, describeError, firstLine, type OptionNames } from './errors';

export interface LoadKubeConfigOptions {
  /** A kubeconfig path from the settings; overrides KUBECONFIG. May list several files like KUBECONFIG. */
  readonly kubeconfigPath?: string;
  /** Environment to read KUBECONFIG, HOME and KUBERNETES_SERVICE_* from; defaults to process.env. */
  readonly env?: NodeJS.ProcessEnv;
  /** Folder of the in-cluster service account files; defaults to the standard mount point. */
  readonly serviceAccountDir?: string;
  /** How messages name the kubeconfig path option (`--kubeconfig`, the editor setting); default the CLI's flags. */
  readonly names?: OptionNames;
}

/** Where the configuration came from. */
export type KubeConfigSource = 'setting' | 'KUBECONFIG' | 'home' | 'in-cluster';

/** The merged content of one or more kubeconfig files (client-node's own shapes). */
export interface MergedKubeConfig {
  readonly source: KubeConfigSource;
  /** Files actually read, in precedence order (empty for in-cluster). */
  readonly files: readonly string[];
  readonly clusters: readonly Cluster[];
  readonly users: readonly User[];
  readonly contexts: readonly Context[];
  readonly currentContext: string | undefined;
  readonly warnings: readonly KubeWarning[];
}

export const DEFAULT_SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** Reads and merges the kubeconfig files; throws KubeConfigError (`no-kubeconfig`, `kubeconfig-invalid`). */
export async function readKubeConfig(options: LoadKubeConfigOptions = {}): Promise<MergedKubeConfig> {
  const env = options.env ?? process.env;
  const option = (options.names ?? CLI_OPTION_NAMES).kubeconfig;
  const home = homeDir(env, options.env === undefined);
  const looked: string[] = [];

  let source: KubeConfigSource;
  let candidates: string[];
  if (options.kubeconfigPath && options.kubeconfigPath.trim() !== '') {
    source = 'setting';
    candidates = splitList(options.kubeconfigPath, home);
    looked.push(`${option} (${candidates.join(path.delimiter)})`);
  } else if (env.KUBECONFIG && env.KUBECONFIG.trim() !== '') {
    source = 'KUBECONFIG';
    candidates = splitList(env.KUBECONFIG, home);
    looked.push(`KUBECONFIG (${candidates.join(path.delimiter)})`);
  } else {
    source = 'home';
    candidates = home ? [path.join(home, '.kube', 'config')] : [];
    looked.push(home ? candidates[0] : '~/.kube/config (no home folder)');
  }

  const warnings: KubeWarning[] = [];
  for (const file of candidates) {
    if (isFolder(file)) {
      throw new KubeConfigError('kubeconfig-invalid', `The kubeconfig "${file}" is a folder, not a file; name the kubeconfig file inside it.`, `EISDIR: ${file}`);
    }
  }
  const existing = candidates.filter((file) => {
    if (fileExists(file)) return true;
    if (source !== 'home') {
      warnings.push({ code: 'kubeconfig-missing-file', message: `The kubeconfig file "${file}" does not exist; it was skipped.` });
    }
    return false;
  });

  if (existing.length === 0) {
    if (source === 'setting') {
      throw new KubeConfigError('no-kubeconfig',
        `The kubeconfig file "${candidates.join(path.delimiter)}" given by ${option} does not exist; fix ${option} or leave it out to use KUBECONFIG or ~/.kube/config.`,
        `looked in ${looked.join(', ')}`);
    }
    const inCluster = readInCluster(env, options.serviceAccountDir ?? DEFAULT_SERVICE_ACCOUNT_DIR);
    if (inCluster) return { ...inCluster, warnings };
    looked.push('the in-cluster service account');
    throw new KubeConfigError('no-kubeconfig',
      `No kubeconfig was found (looked in ${looked.join(', ')}); set KUBECONFIG or ${option}, or run kubectl's login for your cluster first.`,
      `env KUBECONFIG=${env.KUBECONFIG ?? '(unset)'} HOME=${home ?? '(unset)'}`);
  }

  const k8s = await loadClientNode();
  const clusters: Cluster[] = [];
  const users: User[] = [];
  const contexts: Context[] = [];
  const origin = { cluster: new Map<string, string>(), user: new Map<string, string>(), context: new Map<string, string>() };
  let currentContext: string | undefined;
  const files: string[] = [];

  for (const file of existing) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new KubeConfigError('kubeconfig-invalid', `The kubeconfig file "${file}" cannot be read (${firstLine(describeError(e))}); check its permissions.`, describeError(e), { cause: e });
    }
    if (text.trim() === '') {
      warnings.push({ code: 'kubeconfig-empty-file', message: `The kubeconfig file "${file}" is empty; it was skipped.` });
      continue;
    }
    const kc = new k8s.KubeConfig();
    try {
      // loadFromFile parses YAML, normalises the entries and makes relative certificate paths absolute.
      kc.loadFromFile(file);
    } catch (e) {
      throw new KubeConfigError('kubeconfig-invalid',
        `The kubeconfig file "${file}" is not valid (${firstLine(e instanceof Error ? e.message : String(e), 120)}); fix the file or choose another one.`,
        describeError(e), { cause: e });
    }
    files.push(file);
    mergeInto('cluster', clusters, kc.clusters, origin.cluster, file, warnings);
    mergeInto('user', users, kc.users, origin.user, file, warnings);
    mergeInto('context', contexts, kc.contexts, origin.context, file, warnings);
    if (currentContext === undefined && kc.currentContext) currentContext = kc.currentContext;
  }
  if (files.length === 0) {
    throw new KubeConfigError('no-kubeconfig', `The kubeconfig files in ${looked.join(', ')} are empty; log in to a cluster first (e.g. with your cloud's get-credentials command).`);
  }
  return { source, files, clusters, users, contexts, currentContext, warnings };
}

function mergeInto<T extends { name: string }>(
  kind: 'cluster' | 'user' | 'context', into: T[], items: readonly T[], origin: Map<string, string>, file: string, warnings: KubeWarning[],
): void {
  for (const item of items) {
    const first = origin.get(item.name);
    if (first !== undefined) {
      warnings.push({
        code: 'duplicate-name',
        message: `The ${kind} "${item.name}" is defined in both "${first}" and "${file}"; using the one from "${first}" (the first file wins, as with kubectl).`,
      });
      continue;
    }
    origin.set(item.name, file);
    into.push(item);
  }
}

function readInCluster(env: NodeJS.ProcessEnv, dir: string): Omit<MergedKubeConfig, 'warnings'> | undefined {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  const tokenFile = path.join(dir, 'token');
  if (!host || !port || !fileExists(tokenFile)) return undefined;
  const namespaceFile = path.join(dir, 'namespace');
  const namespace = fileExists(namespaceFile) ? fs.readFileSync(namespaceFile, 'utf8').trim() : undefined;
  const server = `https://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return {
    source: 'in-cluster',
    files: [],
    clusters: [{ name: 'in-cluster', server, caFile: path.join(dir, 'ca.crt'), skipTLSVerify: false }],
    // The tokenFile provider re-reads the projected token, which the kubelet rotates.
    users: [{ name: 'in-cluster', authProvider: { name: 'tokenFile', config: { tokenFile } } }],
    contexts: [{ name: 'in-cluster', cluster: 'in-cluster', user: 'in-cluster', namespace }],
    currentContext: 'in-cluster',
  };
}

function homeDir(env: NodeJS.ProcessEnv, mayAskOs: boolean): string | undefined {
  const fromEnv = env.HOME || env.USERPROFILE || (env.HOMEDRIVE && env.HOMEPATH ? env.HOMEDRIVE + env.HOMEPATH : undefined);
  return fromEnv || (mayAskOs ? os.homedir() : undefined);
}

function splitList(list: string, home: string | undefined): string[] {
  return list.split(path.delimiter).map((p) => p.trim()).filter((p) => p !== '')
    .map((p) => (home && (p === '~' || p.startsWith('~/') || p.startsWith('~\\')) ? path.join(home, p.slice(1)) : p))
    .map((p) => path.resolve(p))
    .filter((p, i, all) => all.indexOf(p) === i);
}

function isFolder(file: string): boolean {
  try {
    return fs.statSync(file).isDirectory();
  } catch {
    return false;
  }
}

function fileExists(file: string): boolean {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}
