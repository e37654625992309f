// A KubeConfig for one context, with credentials resolved up front.
//
// Credential exec plugins (gke-gcloud-auth-plugin, kubelogin, aws eks get-token) are run once per call,
// here, under the call's deadline and AbortSignal: a plugin that hangs (waiting for a browser login, say)
// is killed when the call times out or is cancelled, and the error says it was the plugin. The resulting
// token or client certificate is then put into a plain user entry, so the API calls and WebSockets that
// follow never spawn the plugin again.
import * as childProcess from 'node:child_process';
import type * as https from 'node:https';
import type { Cluster, Context, KubeConfig, User } from '@kubernetes/client-node';
import { ClientNode, loadClientNode } from './clientLoader';
import { KubeConfigError } from './errors';
import type { MergedKubeConfig } from './kubeconfig';
import type { CallScope } from './callScope';
import { CallTarget, classifyCredentialError } from './classify';

export interface PreparedContext {
  readonly k8s: ClientNode;
  readonly kc: KubeConfig;
  readonly target: CallTarget;
  readonly contextNamespace: string | undefined;
}

/** Finds the context, resolves its credentials under the scope's deadline, returns a ready KubeConfig. */
export async function prepareContext(merged: MergedKubeConfig, contextName: string, scope: CallScope): Promise<PreparedContext> {
  const k8s = await scope.race(loadClientNode());
  const context = merged.contexts.find((c) => c.name === contextName);
  if (!context) {
    const names = merged.contexts.map((c) => `"${c.name}"`).slice(0, 8).join(', ');
    throw new KubeConfigError('unknown-context',
      `The context "${contextName}" is not in the kubeconfig; pick one of ${names || '(none defined)'}.`,
      `files: ${merged.files.join(', ')}`);
  }
  const cluster = merged.clusters.find((c) => c.name === context.cluster);
  if (!cluster) {
    throw new KubeConfigError('kubeconfig-invalid',
      `The context "${contextName}" refers to cluster "${context.cluster}", which no kubeconfig file defines; fix the kubeconfig.`,
      `files: ${merged.files.join(', ')}`);
  }
  const user = merged.users.find((u) => u.name === context.user);
  const target: CallTarget = { context: contextName, cluster, user };
  const kc = makeKubeConfig(k8s, cluster, user, context);
  if (user) {
    bindCredentialProcesses(kc, scope);
    const options: https.RequestOptions = {};
    scope.phase = user.exec
      ? `running the credential plugin "${user.exec.command}"`
      : user.authProvider ? `getting a token from the auth provider "${user.authProvider.name}"` : 'reading the client credentials';
    const defaultHint = scope.timeoutHint;
    if (user.exec) {
      scope.timeoutHint = `run "${[user.exec.command, ...(user.exec.args ?? [])].join(' ')}" in a terminal to finish its login, or raise the timeout (${scope.names.timeout})`;
    }
    try {
      await scope.race(kc.applyToHTTPSOptions(options));
    } catch (e) {
      scope.check();
      throw classifyCredentialError(e, target);
    }
    scope.timeoutHint = defaultHint;
    if (user.exec || user.authProvider) {
      const resolved = resolvedUser(user, options);
      return { k8s, kc: makeKubeConfig(k8s, cluster, resolved, context), target, contextNamespace: context.namespace };
    }
  }
  return { k8s, kc, target, contextNamespace: context.namespace };
}

/** Options for client-node's generated API calls that abort the HTTP request with the scope. */
export function requestOptions(scope: CallScope): Record<string, unknown> {
  // The ObjectParam API hands these to the Observable API as they are, so the middleware returns the
  // generated code's Observable shape (anything with toPromise()), not a Promise.
  const observable = <T>(value: T): { toPromise(): Promise<T> } => ({ toPromise: () => Promise.resolve(value) });
  const middleware = {
    pre: (ctx: { setSignal(signal: AbortSignal): void }) => { ctx.setSignal(scope.signal); return observable(ctx); },
    post: <T>(ctx: T) => observable(ctx),
  };
  return { middleware: [middleware], middlewareMergeStrategy: 'append' };
}

function makeKubeConfig(k8s: ClientNode, cluster: Cluster, user: User | undefined, context: Context): KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({ clusters: [cluster], users: user ? [user] : [], contexts: [context], currentContext: context.name });
  return kc;
}

function resolvedUser(user: User, options: https.RequestOptions): User {
  const headers = (options.headers ?? {}) as Record<string, unknown>;
  const auth = typeof headers.Authorization === 'string' ? headers.Authorization : undefined;
  const token = auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length) : undefined;
  const b64 = (v: unknown): string | undefined =>
    typeof v === 'string' || Buffer.isBuffer(v) ? Buffer.from(v).toString('base64') : undefined;
  return {
    name: user.name,
    token,
    certData: b64(options.cert),
    keyData: b64(options.key),
    username: user.username,
    password: user.password,
    impersonateUser: user.impersonateUser,
  };
}

type SpawnFn = (command: string, args: readonly string[], options: childProcess.SpawnOptions) => childProcess.ChildProcess;

/** Makes client-node's ExecAuth spawn plugins tied to the scope's signal, so they die with the call. */
function bindCredentialProcesses(kc: KubeConfig, scope: CallScope): void {
  // ExecAuth keeps its spawn function in a public-at-runtime field `execFn` (private in the typings).
  const authenticators = (kc as unknown as { authenticators?: unknown[] }).authenticators ?? [];
  for (const auth of authenticators) {
    if (typeof auth === 'object' && auth !== null && typeof (auth as { execFn?: unknown }).execFn === 'function') {
      const spawn: SpawnFn = (command, args, options) =>
        childProcess.spawn(command, args ?? [], { ...options, signal: scope.signal, windowsHide: true });
      (auth as { execFn: SpawnFn }).execFn = spawn;
    }
  }
}
