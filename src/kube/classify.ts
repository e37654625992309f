// Turning what client-node, node-fetch, ws, TLS and credential plugins throw into FetchErrors with one
// code each and a sentence that says what to do.
import type { Cluster, User } from '@kubernetes/client-node';
import { FetchError, describeError, firstLine } from './errors';
import { KubeStatus, UpgradeRefusedError } from './channelSocket';

/** Who was being talked to, for the wording of messages. */
export interface CallTarget {
  readonly context: string;
  readonly cluster: Cluster;
  readonly user: User | undefined;
  readonly namespace?: string;
  readonly pod?: string;
}

// Certificate verification failures reported by Node's TLS (err.code).
const TLS_TRUST_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_UNTRUSTED', 'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_SIGNATURE_FAILURE', 'CERT_REJECTED',
]);
const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE',
  'ERR_SOCKET_CONNECTION_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT',
]);

/** err.code of an error or of its cause chain (node-fetch and ws wrap the socket error). */
export function errorCode(e: unknown): string | undefined {
  for (let cur = e, depth = 0; cur && depth < 5; depth++) {
    if (typeof cur !== 'object') return undefined;
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const next = (cur as { cause?: unknown; error?: unknown }).cause ?? (cur as { error?: unknown }).error;
    cur = next;
  }
  return undefined;
}

/** HTTP status and Status body of a client-node ApiException or a refused WebSocket upgrade. */
export function httpStatusOf(e: unknown): { code: number; status: KubeStatus | undefined; raw: string } | undefined {
  if (e instanceof UpgradeRefusedError) return { code: e.statusCode, status: e.status, raw: e.body };
  if (typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'number'
    && 'body' in e && 'headers' in e) {
    const body = (e as { body?: unknown }).body;
    let status: KubeStatus | undefined;
    let raw = '';
    if (typeof body === 'string') {
      raw = body;
      try { status = JSON.parse(body) as KubeStatus; } catch { /* not JSON */ }
    } else if (typeof body === 'object' && body !== null) {
      status = body as KubeStatus;
      raw = JSON.stringify(body);
    }
    return { code: (e as unknown as { code: number }).code, status, raw };
  }
  return undefined;
}

/** Errors while getting credentials (exec plugin, auth provider, certificate files). */
export function classifyCredentialError(e: unknown, t: CallTarget): FetchError {
  const code = errorCode(e);
  const syscall = typeof e === 'object' && e !== null ? String((e as { syscall?: unknown }).syscall ?? '') : '';
  const plugin = t.user?.exec?.command;
  if (code === 'ENOENT' && syscall.startsWith('spawn')) {
    return new FetchError('credential-plugin-missing',
      `The credential plugin "${plugin ?? syscall.slice(6)}" of user "${t.user?.name ?? ''}" was not found; install it or put it on the PATH, then retry.`,
      describeError(e), 0, { cause: e });
  }
  if (code === 'ENOENT' || code === 'EACCES') {
    return fileError(e, t);
  }
  const text = e instanceof Error ? e.message : describeError(e);
  const what = plugin ? `The credential plugin "${plugin}"` : `The auth provider "${t.user?.authProvider?.name ?? 'unknown'}"`;
  return new FetchError('credential-plugin-failed',
    `${what} of context "${t.context}" failed${firstLine(text) ? ` (${firstLine(text, 120)})` : ''}; log in again (e.g. "gcloud auth login", "az login", "aws sso login") and retry.`,
    describeError(e), 0, { cause: e });
}

function fileError(e: unknown, t: CallTarget): FetchError {
  const file = typeof e === 'object' && e !== null ? String((e as { path?: unknown }).path ?? '') : '';
  return new FetchError('kubeconfig-invalid',
    `The file "${file}" named in the kubeconfig for context "${t.context}" cannot be read; fix the path in the kubeconfig.`,
    describeError(e), 0, { cause: e });
}

/** Errors common to every request: 401, TLS trust, network, unreadable files. Undefined if none of these. */
export function classifyTransportError(e: unknown, t: CallTarget): FetchError | undefined {
  const http = httpStatusOf(e);
  if (http?.code === 401) {
    return new FetchError('unauthorized',
      `The cluster rejected the credentials of context "${t.context}" (401 Unauthorized); the token has probably expired: log in again and retry.`,
      http.raw || 'HTTP 401', 0, { cause: e });
  }
  if (http) return undefined;
  const code = errorCode(e);
  if (code && TLS_TRUST_CODES.has(code)) {
    return new FetchError('untrusted-ca',
      `The certificate of the API server ${t.cluster.server} is not trusted (${code}); set certificate-authority-data for cluster "${t.cluster.name}" in the kubeconfig.`,
      describeError(e), 0, { cause: e });
  }
  if (code && NETWORK_CODES.has(code)) {
    return new FetchError('unreachable',
      `The API server ${t.cluster.server} cannot be reached (${code}); check the network, VPN or proxy, and that the cluster is up.`,
      describeError(e), 0, { cause: e });
  }
  if (code === 'ENOENT' || code === 'EACCES') return fileError(e, t);
  return undefined;
}

/** Any other HTTP error from the API server. */
export function apiError(e: unknown, t: CallTarget, doing: string): FetchError {
  const http = httpStatusOf(e);
  if (http) {
    const msg = http.status?.message ?? firstLine(http.raw, 120);
    return new FetchError('api-error',
      `The API server refused ${doing} (${http.code}${http.status?.reason ? ` ${http.status.reason}` : ''}${msg ? `: ${firstLine(msg, 160)}` : ''}); see the log for details.`,
      http.raw, 0, { cause: e });
  }
  return new FetchError('api-error',
    `${doing.charAt(0).toUpperCase()}${doing.slice(1)} failed (${firstLine(describeError(e), 160)}); see the log for details.`,
    describeError(e), 0, { cause: e });
}

/** The `message` of a Status or error, lower-cased for matching. */
export function statusText(s: KubeStatus | undefined, raw = ''): string {
  return `${s?.message ?? ''} ${s?.reason ?? ''} ${raw}`.toLowerCase();
}
