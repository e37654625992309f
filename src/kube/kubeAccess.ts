// The narrow interface the editor and the CLI use: load the kubeconfig once, then list contexts,
// namespaces and Envoy pods, and fetch config dumps. Node only; no 'vscode' here.
import { CallOptions, CallScope } from './callScope';
import { apiError, classifyTransportError, httpStatusOf } from './classify';
import { PreparedContext, prepareContext, requestOptions } from './connection';
import { FetchError, KubeError, KubeWarning, firstLine } from './errors';
import { FetchOptions, FetchResult, FetchedBytes, checkFetchOptions, fetchBytesWithContext, fetchWithContext } from './fetchDump';
import { KubeConfigSource, LoadKubeConfigOptions, MergedKubeConfig, readKubeConfig } from './kubeconfig';
import { checkName } from './names';
import { EnvoyPod, describeEnvoyPod } from './pods';

/** A context of the kubeconfig, as shown in a picker. */
export interface KubeContextInfo {
  readonly name: string;
  readonly cluster: string;
  readonly user: string;
  readonly namespace: string | undefined;
  /** API server URL, if the cluster is defined. */
  readonly server: string | undefined;
  readonly current: boolean;
}

/** Namespaces to offer. When listing is forbidden, `listed` is false and the caller lets the user type one. */
export interface NamespaceList {
  readonly namespaces: readonly string[];
  readonly listed: boolean;
  /** The context's namespace, else "default": preselect it. */
  readonly defaultNamespace: string;
  /** One sentence to show when `listed` is false. */
  readonly notice?: string;
  readonly detail?: string;
}

/** How to list pods: a label selector as kubectl's `-l` takes it (`app=reviews,version!=v3`). */
export interface ListPodsOptions extends CallOptions {
  readonly labelSelector?: string;
}

export interface KubeAccess {
  readonly source: KubeConfigSource;
  /** kubeconfig files read, first wins. */
  readonly files: readonly string[];
  /** Non-fatal findings, e.g. a duplicate context name across KUBECONFIG files. */
  readonly warnings: readonly KubeWarning[];
  readonly currentContext: string | undefined;
  listContexts(): KubeContextInfo[];
  listNamespaces(context: string, options?: CallOptions): Promise<NamespaceList>;
  /** Pods running Envoy (sidecars, native sidecars, gateways, waypoints), sorted by name (by namespace, then name,
   *  for every namespace: `namespace` undefined). */
  listEnvoyPods(context: string, namespace: string | undefined, options?: ListPodsOptions): Promise<EnvoyPod[]>;
  fetchConfigDump(options: FetchOptions): Promise<FetchResult>;
  /** The dump as received, not decoded to text (for checking many: the core indexes the bytes). */
  fetchConfigDumpBytes(options: Omit<FetchOptions, 'clusters'>): Promise<FetchedBytes>;
}

/** Loads the kubeconfig like kubectl (setting path, else KUBECONFIG, else ~/.kube/config, else in-cluster). */
export async function loadKubeConfig(options: LoadKubeConfigOptions = {}): Promise<KubeAccess> {
  return new KubeAccessImpl(await readKubeConfig(options));
}

class KubeAccessImpl implements KubeAccess {
  constructor(private readonly merged: MergedKubeConfig) {}

  get source(): KubeConfigSource { return this.merged.source; }
  get files(): readonly string[] { return this.merged.files; }
  get warnings(): readonly KubeWarning[] { return this.merged.warnings; }
  get currentContext(): string | undefined { return this.merged.currentContext; }

  listContexts(): KubeContextInfo[] {
    return this.merged.contexts.map((c) => ({
      name: c.name,
      cluster: c.cluster,
      user: c.user,
      namespace: c.namespace,
      server: this.merged.clusters.find((cl) => cl.name === c.cluster)?.server,
      current: c.name === this.merged.currentContext,
    }));
  }

  async listNamespaces(context: string, options: CallOptions = {}): Promise<NamespaceList> {
    return this.withContext(context, options, 'listing namespaces', async (p, scope) => {
      const defaultNamespace = p.contextNamespace ?? 'default';
      scope.phase = 'listing namespaces';
      try {
        const api = p.kc.makeApiClient(p.k8s.CoreV1Api);
        const list = await scope.race(api.listNamespace({}, requestOptions(scope)));
        const namespaces = list.items.map((n) => n.metadata?.name ?? '').filter((n) => n !== '').sort();
        return { namespaces, listed: true, defaultNamespace };
      } catch (e) {
        scope.check();
        const http = httpStatusOf(e);
        if (http?.code === 403) {
          return {
            namespaces: p.contextNamespace ? [p.contextNamespace] : [],
            listed: false,
            defaultNamespace,
            notice: `You may not list namespaces in context "${context}" (RBAC: "list" on "namespaces"); type the namespace instead${p.contextNamespace ? ` or use the context's namespace "${p.contextNamespace}"` : ''}.`,
            detail: http.raw,
          };
        }
        throw classifyTransportError(e, p.target) ?? apiError(e, p.target, 'listing namespaces');
      }
    });
  }

  async listEnvoyPods(context: string, namespace: string | undefined, options: ListPodsOptions = {}): Promise<EnvoyPod[]> {
    if (namespace !== undefined) checkName('namespace', namespace);
    const where = namespace === undefined ? 'every namespace' : `namespace "${namespace}"`;
    const labelSelector = options.labelSelector || undefined;
    return this.withContext(context, options, `listing pods in ${namespace === undefined ? where : `"${namespace}"`}`, async (p, scope) => {
      scope.phase = `listing pods in ${where}`;
      try {
        const api = p.kc.makeApiClient(p.k8s.CoreV1Api);
        const list = await scope.race(namespace === undefined
          ? api.listPodForAllNamespaces({ labelSelector }, requestOptions(scope))
          : api.listNamespacedPod({ namespace, labelSelector }, requestOptions(scope)));
        return list.items.map(describeEnvoyPod).filter((x): x is EnvoyPod => x !== undefined)
          .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
      } catch (e) {
        scope.check();
        const http = httpStatusOf(e);
        if (http?.code === 403) {
          throw new FetchError('forbidden-list',
            `You may not list pods in ${where} of context "${context}" (RBAC: "list" on "pods"${namespace === undefined ? ' at the cluster scope' : ''}); type the pod name instead.`,
            http.raw);
        }
        if (http?.code === 404 && namespace !== undefined) {
          throw new FetchError('api-error', `Namespace "${namespace}" was not found in context "${context}"; pick another namespace.`, http.raw);
        }
        if (http?.code === 400 && labelSelector !== undefined) {
          throw new FetchError('invalid-option', `The label selector "${labelSelector}" was refused by the API server (${firstLine(http.status?.message ?? http.raw, 160)}); fix --selector.`, http.raw);
        }
        throw classifyTransportError(e, p.target) ?? apiError(e, p.target, `listing pods in ${where}`);
      }
    });
  }

  async fetchConfigDump(options: FetchOptions): Promise<FetchResult> {
    checkFetchOptions(options);
    return this.withContext(options.context, options, `fetching the config dump of pod "${options.pod}"`,
      (p, scope) => fetchWithContext(p, options, scope));
  }

  async fetchConfigDumpBytes(options: Omit<FetchOptions, 'clusters'>): Promise<FetchedBytes> {
    checkFetchOptions(options);
    return this.withContext(options.context, options, `fetching the config dump of pod "${options.pod}"`,
      (p, scope) => fetchBytesWithContext(p, options, scope));
  }

  private async withContext<T>(context: string, options: CallOptions, what: string,
    run: (p: PreparedContext, scope: CallScope) => Promise<T>): Promise<T> {
    const scope = new CallScope(options, what);
    try {
      const prepared = await prepareContext(this.merged, context, scope);
      return await run(prepared, scope);
    } catch (e) {
      // Cancellation, timeout and the size cap are the real story even if a socket error got there first.
      if (scope.error) throw scope.error;
      if (e instanceof KubeError) throw e;
      throw new FetchError('api-error', `${what.charAt(0).toUpperCase()}${what.slice(1)} failed (${firstLine(e instanceof Error ? e.message : String(e), 160)}); see the log for details.`,
        e instanceof Error ? e.stack ?? e.message : String(e), 0, { cause: e });
    } finally {
      scope.dispose();
    }
  }
}
