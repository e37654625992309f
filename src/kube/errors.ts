// Errors of the Kubernetes layer. Each failure has a stable kebab-case code, a one-sentence message for the
// user (what failed, what to do) and a `detail` string for the log (server Status bodies, stderr, stacks).

/** Stable codes of every failure the kube layer reports; never reused for something else. */
export const KUBE_ERROR_CODES = [
  // kubeconfig
  'no-kubeconfig',
  'kubeconfig-invalid',
  'unknown-context',
  'invalid-name',
  'invalid-option',
  // credentials and connection
  'credential-plugin-missing',
  'credential-plugin-failed',
  'unauthorized',
  'untrusted-ca',
  'unreachable',
  // RBAC
  'forbidden-list',
  'forbidden-exec',
  'forbidden-port-forward',
  // the pod and its proxy
  'pod-not-found',
  'no-envoy-container',
  'container-not-running',
  'exec-tool-missing',
  'exec-failed',
  'admin-port-closed',
  'admin-http-error',
  // the transfer
  'not-json',
  'protocol-error',
  'truncated',
  'too-big',
  'cancelled',
  'timeout',
  'api-error',
  // saving the dump
  'write-failed',
] as const;

export type KubeErrorCode = (typeof KUBE_ERROR_CODES)[number];

/** Base class: `code` for programs, `message` (one sentence) for people, `detail` for the log. */
export class KubeError extends Error {
  override readonly name: string = 'KubeError';
  constructor(
    readonly code: KubeErrorCode,
    message: string,
    /** Raw material for the log: Status bodies, stderr, the underlying error. Never shown as the headline. */
    readonly detail: string = '',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The kubeconfig could not be loaded or does not contain what was asked for. */
export class KubeConfigError extends KubeError {
  override readonly name = 'KubeConfigError';
}

/** A call to the cluster failed: listing, credentials, exec, port-forward or the transfer itself. */
export class FetchError extends KubeError {
  override readonly name = 'FetchError';
  constructor(
    code: KubeErrorCode,
    message: string,
    detail = '',
    /** Bytes of output received before the failure (for truncated / cancelled / too-big). */
    readonly bytesReceived = 0,
    options?: { cause?: unknown },
  ) {
    super(code, message, detail, options);
  }
}

/**
 * How the caller spells the options a message may tell the user to change: the CLI's flags or the editor's settings.
 * A message then names something the user can actually set ("raise the timeout (--timeout)").
 */
export interface OptionNames {
  readonly kubeconfig: string;
  readonly timeout: string;
  readonly maxSize: string;
  readonly resource: string;
  readonly mask: string;
  readonly method: string;
  readonly adminPort: string;
}

/** The `envoy-lens fetch` flags (the default). */
export const CLI_OPTION_NAMES: OptionNames = {
  kubeconfig: '--kubeconfig',
  timeout: '--timeout',
  maxSize: '--max-size',
  resource: '--resource',
  mask: '--mask',
  method: '--method',
  adminPort: '--admin-port',
};

/** The VS Code settings. */
export const SETTING_OPTION_NAMES: OptionNames = {
  kubeconfig: 'the envoyLens.kubeconfig setting',
  timeout: 'the envoyLens.fetch.timeoutSeconds setting',
  maxSize: 'the envoyLens.fetch.maxSizeMB setting',
  resource: 'the envoyLens.fetch.resource setting',
  mask: 'the envoyLens.fetch.mask setting',
  method: 'the envoyLens.fetch.method setting',
  adminPort: 'the envoyLens.fetch.adminPort setting',
};

/** Something worth telling the user that did not stop the operation (e.g. a duplicate name across files). */
export interface KubeWarning {
  readonly code: 'duplicate-name' | 'kubeconfig-missing-file' | 'kubeconfig-empty-file';
  readonly message: string;
  readonly detail?: string;
}

/** Type guard that also works across bundles (checks the shape, not the prototype). */
export function isKubeError(e: unknown): e is KubeError {
  return e instanceof KubeError || (typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string'
    && typeof (e as { detail?: unknown }).detail === 'string' && e instanceof Error);
}

/** Formats any thrown value for the `detail` field (message plus the first lines of the stack). */
export function describeError(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    const stack = e.stack ? e.stack.split('\n').slice(0, 6).join('\n') : `${e.name}: ${e.message}`;
    return code !== undefined ? `[${String(code)}] ${stack}` : stack;
  }
  if (typeof e === 'object' && e !== null) {
    // ws reports handshake failures as ErrorEvent-like objects ({ message, error, target }).
    const inner = (e as { error?: unknown }).error;
    if (inner instanceof Error) return describeError(inner);
    const msg = (e as { message?: unknown }).message;
    if (typeof msg === 'string') return msg;
    try { return JSON.stringify(e); } catch { /* fall through */ }
  }
  return String(e);
}

/** First non-empty line of a text, cut to `max` characters (for quoting stderr or bodies in a message). */
export function firstLine(text: string, max = 160): string {
  const line = text.split(/\r?\n/).map((l) => l.trim()).find((l) => l.length > 0) ?? '';
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
