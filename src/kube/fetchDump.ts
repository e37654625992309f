// Getting Envoy's /config_dump out of a pod, three ways, in this order for method "auto":
//   1. exec `pilot-agent request GET config_dump?include_eds` in istio-proxy (works on distroless images);
//   2. exec `curl -sS http://localhost:15000/config_dump?include_eds` when pilot-agent is not there;
//   3. port-forward to the admin port and send the GET ourselves (also the first choice once exec is
//      forbidden by RBAC: port-forward needs "create" on "pods/portforward", a separate rule).
// A dump is only returned whole: exec output without the exit status frame is truncated, an HTTP body
// must be complete, and the text must parse as JSON.
import { scanJson } from '../core/parse/jsonScanner';
import { MSG_TOO_DEEP, type Tape } from '../core/parse/tape';
import * as http from 'node:http';
import type * as net from 'node:net';
import { Duplex, PassThrough, Writable } from 'node:stream';
import type WebSocket from 'ws';
import type { V1Pod } from '@kubernetes/client-node';
import { CallOptions, CallScope, formatBytes } from './callScope';
import {
  ChannelSocketHandler, EXEC_CHANNELS, EXEC_PROTOCOLS, KubeStatus, PORT_FORWARD_CHANNELS, PORT_FORWARD_PROTOCOLS, UpgradeRefusedError,
} from './channelSocket';
import { apiError, classifyTransportError, httpStatusOf, statusText } from './classify';
import { PreparedContext, requestOptions } from './connection';
import { CLI_OPTION_NAMES, FetchError, KubeError, describeError, firstLine, type OptionNames } from './errors';
import { checkName, checkPort } from './names';
import { strictJsonProblem } from './strictJson';
import { DEFAULT_ADMIN_PORT, ENVOY_CONTAINER, describeEnvoyPod, findEnvoyContainer } from './pods';

export type FetchMethod = 'auto' | 'exec' | 'port-forward';

export interface FetchOptions extends CallOptions {
  readonly context: string;
  readonly namespace: string;
  readonly pod: string;
  /** Container to exec in; default "istio-proxy". */
  readonly container?: string;
  /** Default "auto": exec (pilot-agent, then curl), then port-forward. */
  readonly method?: FetchMethod;
  /** Envoy admin port; default: the pod's proxyAdminPort annotation, else 15000. */
  readonly adminPort?: number;
  /** Add include_eds (endpoints); default true. */
  readonly includeEds?: boolean;
  /** Only this part of the dump, e.g. "dynamic_active_clusters" (config_dump?resource=). */
  readonly resource?: string;
  /** Field mask, e.g. "cluster.name" (config_dump?mask=). */
  readonly mask?: string;
  /** Refuse dumps larger than this; default 256 MB (256,000,000 bytes). */
  readonly maxBytes?: number;
  /** Also fetch /clusters?format=json (endpoint health), with the same method. */
  readonly clusters?: boolean;
  /** Called as bytes arrive with the running total. */
  readonly onProgress?: (bytes: number) => void;
}

export interface FetchResult {
  /** The dump exactly as received (pilot-agent adds a trailing newline); parses as JSON. */
  readonly text: string;
  readonly bytes: number;
  readonly method: 'exec' | 'port-forward';
  /** The kubectl command that does the same, for the log and the document header. */
  readonly command: string;
  /** The command run in the container (exec) or the HTTP request line (port-forward). */
  readonly argv: readonly string[];
  /** /clusters?format=json when asked for. */
  readonly clusters?: string;
  /** Ways tried before the one that worked, and why each was given up. */
  readonly attempts: readonly string[];
  readonly elapsedMs: number;
}

/** A dump as received, not decoded to text: what a fleet check reads (the core indexes UTF-8 bytes directly, so no
 *  string copy of the dump is ever made). */
export interface FetchedBytes extends Omit<FetchResult, 'text' | 'clusters'> {
  /** The dump exactly as received; strict JSON. */
  readonly data: Buffer;
  /** The scanner's tape of `data`, made while checking it; `analyze` may reuse it (`scanned`) instead of scanning again. */
  readonly tape: Tape;
}

/** 256 MB in decimal megabytes, as the --max-size flag and the envoyLens.fetch.maxSizeMB setting count them. */
export const DEFAULT_MAX_BYTES = 256 * 1_000_000;
const FILTER_VALUE = /^[A-Za-z0-9_.,\-]{1,200}$/;

/** Whether a resource= or mask= value is safe to pass (field names, dots and commas; nothing that needs quoting). */
export function isFilterValue(value: string): boolean {
  return FILTER_VALUE.test(value);
}
// pilot-agent request only talks to these local ports (istio pilot-agent "request" command).
const PILOT_AGENT_PORTS = new Set([15000, 15004, 15020, 15021]);

/** Validates the names and options; throws `invalid-name` / `invalid-option`. */
export function checkFetchOptions(o: FetchOptions): void {
  const names = o.names ?? CLI_OPTION_NAMES;
  checkName('namespace', o.namespace);
  checkName('pod', o.pod);
  checkName('container', o.container ?? ENVOY_CONTAINER);
  if (o.adminPort !== undefined) checkPort(o.adminPort, names.adminPort);
  for (const [key, value] of [['resource', o.resource], ['mask', o.mask]] as const) {
    if (value !== undefined && value !== '' && !isFilterValue(value)) {
      throw new KubeError('invalid-option', `The ${key} filter "${value}" is not valid (letters, digits, "_", ".", "," and "-" only); fix ${names[key]}.`);
    }
  }
  if (o.maxBytes !== undefined && !(o.maxBytes > 0)) {
    throw new KubeError('invalid-option', `The size limit ${String(o.maxBytes)} is not a positive number of bytes; fix ${names.maxSize}.`);
  }
  if (o.method !== undefined && !['auto', 'exec', 'port-forward'].includes(o.method)) {
    throw new KubeError('invalid-option', `The fetch method "${String(o.method)}" is unknown; set ${names.method} to auto, exec or port-forward.`);
  }
}

/** The admin path with its query, without the leading slash (pilot-agent's form). */
export function adminDumpPath(o: Pick<FetchOptions, 'includeEds' | 'resource' | 'mask'>): string {
  const query: string[] = [];
  if (o.includeEds ?? true) query.push('include_eds');
  if (o.resource) query.push(`resource=${encodeURIComponent(o.resource)}`);
  if (o.mask) query.push(`mask=${encodeURIComponent(o.mask)}`);
  return `config_dump${query.length ? `?${query.join('&')}` : ''}`;
}

interface Where {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  readonly port: number;
  /** How messages name the options. */
  readonly names: OptionNames;
  /** Whether resource= or mask= was asked for (Envoy then answers some requests with an error text). */
  readonly filtered: boolean;
}

/** Fetches the dump with a prepared context. The scope carries the deadline and cancellation. */
export async function fetchWithContext(p: PreparedContext, o: FetchOptions, scope: CallScope): Promise<FetchResult> {
  return fetchEither(p, o, scope, false) as Promise<FetchResult>;
}

/** Fetches the dump as bytes (`clusters` is not fetched). */
export async function fetchBytesWithContext(p: PreparedContext, o: Omit<FetchOptions, 'clusters'>, scope: CallScope): Promise<FetchedBytes> {
  return fetchEither(p, { ...o, clusters: false }, scope, true) as Promise<FetchedBytes>;
}

async function fetchEither(p: PreparedContext, o: FetchOptions, scope: CallScope, asBytes: boolean): Promise<FetchResult | FetchedBytes> {
  const started = Date.now();
  const attempts: string[] = [];
  const pod = await preflight(p, o, scope, attempts);
  const port = o.adminPort ?? (pod ? describeEnvoyPod(pod)?.adminPort : undefined) ?? DEFAULT_ADMIN_PORT;
  const w: Where = {
    namespace: o.namespace, pod: o.pod, container: o.container ?? ENVOY_CONTAINER, port, names: scope.names,
    filtered: !!(o.resource || o.mask),
  };
  const path = adminDumpPath(o);
  const maxBytes = o.maxBytes ?? DEFAULT_MAX_BYTES;
  const method = o.method ?? 'auto';

  type Step = { kind: 'exec'; tool: 'pilot-agent' | 'curl' } | { kind: 'port-forward' };
  const steps: Step[] = [];
  if (method !== 'port-forward') {
    if (PILOT_AGENT_PORTS.has(port)) steps.push({ kind: 'exec', tool: 'pilot-agent' });
    else attempts.push(`pilot-agent skipped: it only requests ports 15000, 15004, 15020 and 15021, not ${port}`);
    steps.push({ kind: 'exec', tool: 'curl' });
  }
  if (method !== 'exec') steps.push({ kind: 'port-forward' });

  let execForbidden: FetchError | undefined;
  let toolsMissing = 0;
  for (const step of steps) {
    if (step.kind === 'exec' && execForbidden) continue;
    const sink = new Sink(maxBytes, scope, o.onProgress, () => tooBig(w, maxBytes, scope.bytes));
    try {
      let argv: string[];
      let command: string;
      if (step.kind === 'exec') {
        argv = execArgv(step.tool, port, path);
        command = kubectl(p.target.context, w.namespace, ['exec', w.pod, '-c', w.container, '--', ...argv]);
        scope.phase = `running ${step.tool} in pod "${w.pod}"`;
        await runExec(p, scope, w, argv, sink);
      } else {
        argv = [`GET /${path}`];
        command = `${kubectl(p.target.context, w.namespace, ['port-forward', `pod/${w.pod}`, `:${port}`])} then GET http://localhost:<port>/${path}`;
        scope.phase = `port-forwarding to port ${port} of pod "${w.pod}"`;
        await runPortForward(p, scope, w, path, sink);
      }
      const raw = sink.take();
      const tape = checkJson(raw, w, step.kind === 'exec' ? step.tool : 'the port-forward', sink.bytes, `/${path}`, w.filtered);
      if (asBytes) {
        return { data: raw, tape, bytes: sink.bytes, method: step.kind, command, argv, attempts, elapsedMs: Date.now() - started };
      }
      const text = raw.toString('utf8');
      const result: FetchResult = {
        text, bytes: sink.bytes, method: step.kind, command, argv, attempts,
        elapsedMs: Date.now() - started,
      };
      if (!o.clusters) return result;
      const clusters = await fetchClustersJson(p, scope, w, step, maxBytes);
      return { ...result, clusters, elapsedMs: Date.now() - started };
    } catch (e) {
      scope.check(); // cancel, timeout and too-big win over whatever the transport reported
      if (e instanceof ToolMissing) {
        toolsMissing++;
        const why = /exec: "[^"]*": executable file not found in \$PATH|no such file or directory|command not found/.exec(e.detail)?.[0];
        attempts.push(`${e.tool} is not in container "${w.container}": ${why ?? firstLine(e.detail, 200)}`);
        continue;
      }
      if (e instanceof FetchError && e.code === 'forbidden-exec' && method === 'auto') {
        execForbidden = e;
        attempts.push(`exec forbidden: ${firstLine(e.detail, 200)}`);
        continue;
      }
      if (e instanceof FetchError && e.code === 'forbidden-port-forward' && execForbidden) {
        throw new FetchError('forbidden-exec',
          `You may neither exec into nor port-forward to pod "${w.pod}" (RBAC rules needed: "create" on "pods/exec" or on "pods/portforward" in namespace "${w.namespace}"); ask a cluster admin for one of them.`,
          `${execForbidden.detail}\n${e.detail}`);
      }
      throw e;
    }
  }
  // Only reached when every exec tool was missing and port-forward was not allowed by the method.
  throw new FetchError('exec-tool-missing',
    `Neither pilot-agent nor curl exists in container "${w.container}" of pod "${w.pod}"; use the port-forward method instead (${w.names.method} port-forward).`,
    `${toolsMissing} tool(s) missing; attempts:\n${attempts.join('\n')}`);
}

/** Reads the pod first: a gone pod, a pod without Envoy and a proxy that is not running get their own
 *  message before any exec. Skipped (undefined) if "get pods" is forbidden. */
async function preflight(p: PreparedContext, o: FetchOptions, scope: CallScope, attempts: string[]): Promise<V1Pod | undefined> {
  scope.phase = `reading pod "${o.pod}"`;
  const api = p.kc.makeApiClient(p.k8s.CoreV1Api);
  let pod: V1Pod;
  try {
    pod = await scope.race(api.readNamespacedPod({ name: o.pod, namespace: o.namespace }, requestOptions(scope)));
  } catch (e) {
    scope.check();
    const http = httpStatusOf(e);
    if (http?.code === 404) throw podGone(o.namespace, o.pod, http.raw);
    if (http?.code === 403) {
      attempts.push(`pod not read first ("get" on "pods" is forbidden): ${firstLine(http.status?.message ?? http.raw, 200)}`);
      return undefined;
    }
    throw classifyTransportError(e, p.target) ?? apiError(e, p.target, `reading pod "${o.pod}"`);
  }
  const container = o.container ?? ENVOY_CONTAINER;
  const envoy = container === ENVOY_CONTAINER ? findEnvoyContainer(pod) : undefined;
  const exists = envoy !== undefined
    || (container !== ENVOY_CONTAINER && [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].some((c) => c.name === container));
  if (!exists) {
    const names = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].map((c) => c.name);
    throw new FetchError('no-envoy-container',
      `Pod "${o.pod}" has no Envoy container "${container}"; pick a pod with an Istio sidecar, gateway or waypoint.`,
      `containers: ${names.join(', ') || '(none)'}`);
  }
  const described = describeEnvoyPod(pod);
  if (described && container === ENVOY_CONTAINER && !described.fetchable) {
    throw new FetchError('container-not-running',
      `Container "${container}" of pod "${o.pod}" is not running (${described.reason ?? described.phase}); wait until the pod is ready or pick another one.`,
      JSON.stringify(pod.status ?? {}).slice(0, 4000));
  }
  return pod;
}

function execArgv(tool: 'pilot-agent' | 'curl', port: number, path: string): string[] {
  if (tool === 'pilot-agent') {
    return port === DEFAULT_ADMIN_PORT
      ? ['pilot-agent', 'request', 'GET', path]
      : ['pilot-agent', 'request', '--debug-port', String(port), 'GET', path];
  }
  // -sS: no progress meter, but errors on stderr ("Failed to connect"), which tell a closed port apart.
  return ['curl', '-sS', `http://localhost:${port}/${path}`];
}

/** The executable is not in the container: try the next way. */
class ToolMissing extends Error {
  constructor(readonly tool: string, readonly detail: string) {
    super(`${tool} not found`);
  }
}

/** Collects output with the size cap and progress reports. */
class Sink {
  private chunks: Buffer[] = [];
  bytes = 0;

  constructor(private readonly maxBytes: number, private readonly scope: CallScope,
    private readonly onProgress: ((bytes: number) => void) | undefined, private readonly tooBig: () => FetchError,
    private readonly counts = true) {}

  push(chunk: Buffer): void {
    if (this.scope.error) return;
    this.bytes += chunk.length;
    if (this.counts) this.scope.bytes = this.bytes;
    if (this.bytes > this.maxBytes) {
      this.chunks = [];
      this.scope.fail(this.tooBig()); // closes the stream: no point receiving the rest
      return;
    }
    this.chunks.push(chunk);
    if (this.onProgress) {
      try { this.onProgress(this.bytes); } catch { /* a failing progress callback must not break the transfer */ }
    }
  }

  /** Everything received, as one buffer; the chunks are let go (a single chunk that owns its memory is returned
   *  as it is: no copy, and no larger receive buffer kept alive behind a slice). */
  take(): Buffer {
    const chunks = this.chunks;
    this.chunks = [];
    if (chunks.length === 1 && chunks[0].byteLength === chunks[0].buffer.byteLength) return chunks[0];
    return Buffer.concat(chunks, this.bytes);
  }
}

async function runExec(p: PreparedContext, scope: CallScope, w: Where, argv: string[], sink: Sink): Promise<void> {
  const handler = new ChannelSocketHandler(p.kc, EXEC_PROTOCOLS, scope, EXEC_CHANNELS, `the exec stream of pod "${w.pod}"`);
  const exec = new p.k8s.Exec(p.kc, handler);
  let stderr = '';
  const stdout = new Writable({ write(chunk: Buffer, _enc, cb) { sink.push(chunk); cb(); } });
  const stderrStream = new Writable({
    write(chunk: Buffer, _enc, cb) { if (stderr.length < 16_384) stderr += chunk.toString('utf8'); cb(); },
  });
  let status: KubeStatus | undefined;
  let statusArrived: () => void = () => undefined;
  const gotStatus = new Promise<void>((resolve) => { statusArrived = resolve; });
  let ws: WebSocket;
  try {
    ws = await scope.race(exec.exec(w.namespace, w.pod, w.container, argv, stdout, stderrStream, null, false,
      (s) => { status = s as KubeStatus; statusArrived(); }));
  } catch (e) {
    scope.check();
    throw classifyRefusal(e, p, w, 'exec');
  }
  try {
    // Frames arrive in order, so once the status is here all output is too (client-node then closes the
    // socket gracefully); a close without a status means the output was cut short.
    await scope.race(Promise.race([gotStatus, closed(ws)]));
  } catch (e) {
    ws.terminate();
    throw e;
  }
  if (!status) {
    ws.terminate();
    throw new FetchError('truncated',
      `The connection to pod "${w.pod}" dropped after ${formatBytes(sink.bytes)}, before the command's exit status arrived, so the dump is incomplete; retry.`,
      `exec ${argv.join(' ')}: socket closed with code ${handler.closeCode ?? '?'} and no status frame${handler.lastError ? `; ${describeError(handler.lastError)}` : ''}${stderr ? `\nstderr: ${stderr}` : ''}`,
      sink.bytes);
  }
  if (status.status === 'Success') return;
  throw classifyExecFailure(status, stderr, argv, w);
}

function closed(ws: WebSocket): Promise<void> {
  return new Promise((resolve) => {
    if (ws.readyState === ws.CLOSED) resolve();
    else ws.once('close', () => resolve());
  });
}

/** A non-Success exit status: missing executable, admin port closed, container gone or plain failure. */
function classifyExecFailure(status: KubeStatus, stderr: string, argv: string[], w: Where): Error {
  const text = `${statusText(status)} ${stderr.toLowerCase()}`;
  const exit = status.details?.causes?.find((c) => c.reason === 'ExitCode')?.message;
  const detail = `${firstLine(status.message ?? '', 300)}${stderr ? ` / stderr: ${firstLine(stderr, 300)}` : ''}\nexec ${argv.join(' ')}\nstatus: ${JSON.stringify(status)}${stderr ? `\nstderr: ${stderr}` : ''}`;
  if (/executable file not found|no such file or directory|command not found/.test(text)
    || (exit === '127' || exit === '126') && /not found/.test(text)) {
    return new ToolMissing(argv[0], detail);
  }
  if (/connection refused|failed to connect|couldn't connect|connect: /.test(text) || (argv[0] === 'curl' && exit === '7')) {
    return adminClosed(w, detail);
  }
  if (/container not found|is not running|not running|completed pod/.test(text)) {
    return notRunning(w, firstLine(status.message ?? stderr, 120), detail);
  }
  return new FetchError('exec-failed',
    `${argv[0]} in pod "${w.pod}" failed${exit ? ` with exit code ${exit}` : ''} (${firstLine(stderr || status.message || 'no message', 140)}); see the log for details.`,
    detail);
}

/** Errors of the WebSocket upgrade (exec or port-forward) and before it. */
function classifyRefusal(e: unknown, p: PreparedContext, w: Where, what: 'exec' | 'port-forward'): KubeError {
  if (e instanceof KubeError) return e;
  const transport = classifyTransportError(e, p.target);
  if (transport) return transport;
  if (e instanceof UpgradeRefusedError) {
    const text = statusText(e.status, e.body);
    const detail = `${e.status?.message ?? firstLine(e.body, 300)} (HTTP ${e.statusCode} refusing the ${what} upgrade)\n${e.body}`;
    switch (e.statusCode) {
      case 403:
        return what === 'exec'
          ? new FetchError('forbidden-exec',
            `You may not exec into pod "${w.pod}" (RBAC rule needed: "create" on "pods/exec" in namespace "${w.namespace}"); ask a cluster admin for it, or use the port-forward method (${w.names.method} port-forward).`,
            detail)
          : new FetchError('forbidden-port-forward',
            `You may not port-forward to pod "${w.pod}" (RBAC rule needed: "create" on "pods/portforward" in namespace "${w.namespace}"); ask a cluster admin for it, or use the exec method (${w.names.method} exec).`,
            detail);
      case 404:
        return podGone(w.namespace, w.pod, detail);
      default:
        if (/is not valid for pod|choose one of|container .* not found in pod|no container named/.test(text)) {
          return new FetchError('no-envoy-container',
            `Pod "${w.pod}" has no container "${w.container}"; pick a pod with an Istio sidecar, gateway or waypoint.`, detail);
        }
        if (/container not found|not running|completed pod|host assigned|containercreating/.test(text)) {
          return notRunning(w, firstLine(e.status?.message ?? e.body, 120), detail);
        }
        return apiError(e, p.target, `the ${what} request to pod "${w.pod}"`);
    }
  }
  return apiError(e, p.target, `opening the ${what} stream to pod "${w.pod}"`);
}

async function runPortForward(p: PreparedContext, scope: CallScope, w: Where, path: string, sink: Sink): Promise<void> {
  const handler = new ChannelSocketHandler(p.kc, PORT_FORWARD_PROTOCOLS, scope, PORT_FORWARD_CHANNELS, `the port-forward stream of pod "${w.pod}"`);
  const forward = new p.k8s.PortForward(p.kc, true, handler);
  // Bytes we write go out on the port's data channel; bytes from it come back through `tunnel`.
  const input = new PassThrough();
  const tunnel = new Duplex({
    read() { /* pushed from the WebSocket */ },
    write(chunk: Buffer, _enc, cb) { input.write(chunk); cb(); },
  });
  const output = new Writable({ write(chunk: Buffer, _enc, cb) { tunnel.push(chunk); cb(); } });
  let errorText = '';
  const errorStream = new Writable({
    write(chunk: Buffer, _enc, cb) { if (errorText.length < 16_384) errorText += chunk.toString('utf8'); cb(); },
  });
  let ws: WebSocket;
  try {
    ws = (await scope.race(forward.portForward(w.namespace, w.pod, [w.port], output, errorStream, input))) as WebSocket;
  } catch (e) {
    scope.check();
    throw classifyRefusal(e, p, w, 'port-forward');
  }
  void closed(ws).then(() => { tunnel.push(null); });
  let responded = false;
  let ok = false;
  try {
    await scope.race(new Promise<void>((resolve, reject) => {
      const req = http.request({
        createConnection: () => tunnel as unknown as net.Socket,
        method: 'GET',
        path: `/${path}`,
        headers: { host: `localhost:${w.port}`, connection: 'close', 'user-agent': 'envoy-lens' },
      });
      req.on('error', reject);
      req.on('response', (res) => {
        responded = true;
        if (res.statusCode !== 200) {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => { if (body.length < 4096) body += c; });
          res.on('end', () => reject(adminRefused(w, `/${path}`, `HTTP ${res.statusCode}`, body, w.filtered && path.startsWith('config_dump'))));
          return;
        }
        res.on('data', (c: Buffer) => sink.push(c));
        res.on('end', () => (res.complete ? resolve() : reject(new Error('response incomplete'))));
        res.on('error', reject);
        res.on('aborted', () => reject(new Error('response aborted')));
      });
      req.end();
    }));
    ok = true;
  } catch (e) {
    scope.check();
    if (e instanceof FetchError) throw e;
    const detail = `port-forward to ${w.port}: ${describeError(e)}${errorText ? `\nerror channel: ${errorText}` : ''}`;
    if (/connection refused|failed to connect|connect: |no such port/i.test(errorText)) throw adminClosed(w, detail);
    if (errorText.trim() !== '') {
      throw new FetchError('api-error',
        `Port-forwarding to port ${w.port} of pod "${w.pod}" failed (${firstLine(errorText, 140)}); see the log for details.`, detail);
    }
    throw new FetchError('truncated',
      responded
        ? `The port-forward connection to pod "${w.pod}" dropped after ${formatBytes(sink.bytes)}, before the dump was complete; retry.`
        : `The port-forward connection to pod "${w.pod}" closed before Envoy answered; retry, or check that the admin port ${w.port} is right (${w.names.adminPort}).`,
      detail, sink.bytes);
  } finally {
    // Envoy closes after the answer (Connection: close), and the kubelet then closes the socket; close it
    // ourselves too, gracefully when all went well.
    if (ok && ws.readyState === ws.OPEN) ws.close();
    else ws.terminate();
    input.end();
  }
}

async function fetchClustersJson(p: PreparedContext, scope: CallScope, w: Where,
  step: { kind: 'exec'; tool: 'pilot-agent' | 'curl' } | { kind: 'port-forward' }, maxBytes: number): Promise<string> {
  const path = 'clusters?format=json';
  const sink = new Sink(maxBytes, scope, undefined, () => tooBig(w, maxBytes, maxBytes + 1), false);
  scope.phase = `fetching /clusters from pod "${w.pod}"`;
  if (step.kind === 'exec') await runExec(p, scope, w, execArgv(step.tool, w.port, path), sink);
  else await runPortForward(p, scope, w, path, sink);
  const raw = sink.take();
  checkJson(raw, w, '/clusters?format=json', sink.bytes, `/${path}`, false);
  return raw.toString('utf8');
}

/**
 * The whole output must be strict JSON before a fetch counts as done: the project's own scanner checks the structure
 * (about half the time of JSON.parse and no object graph, which matters at 50 MB), and strictJsonProblem what the
 * scanner tolerates in hand-kept files but Envoy never sends (comments, trailing commas, bad escapes, raw control
 * characters, invalid UTF-8). A dump that passes both parses with JSON.parse, so converting it to YAML cannot fail.
 */
function checkJson(raw: Buffer, w: Where, source: string, bytes: number, adminPath: string, filtered: boolean): Tape {
  const text = (): string => raw.subarray(0, 4000).toString('utf8');
  let first = 0;
  while (first < raw.length && (raw[first] === 0x20 || raw[first] === 0x0a || raw[first] === 0x0d || raw[first] === 0x09)) first++;
  // pilot-agent and curl -sS print Envoy's error text (and exit 0) when it refuses a filter: "x not found in config dump".
  if (filtered && first < raw.length && raw[first] !== 0x7b && raw[first] !== 0x5b && raw.length < 64 * 1024) {
    throw adminRefused(w, adminPath, `${source} printed text instead of JSON`, text(), true);
  }
  const tape = scanJson(raw);
  // Nesting past the scanner's depth cut is still valid JSON (only our reading of it stops): not a damaged dump.
  const scanned = tape.problems.find((p) => p.message !== MSG_TOO_DEEP) ?? (tape.roots.length === 0 ? { message: 'No JSON value.', start: first } : undefined);
  // The strict reader first: its wording names what JSON.parse refuses; the scanner's finds what it does not.
  const problem = strictJsonProblem(raw) ?? (scanned ? { message: firstLine(scanned.message, 80).replace(/\.$/, ''), offset: scanned.start } : undefined);
  if (problem) {
    // The bytes around the problem, escaped so a control character or a stray byte shows.
    const at = Math.max(0, Math.min(problem.offset, raw.length));
    const from = Math.max(0, at - 24);
    const near = raw.subarray(from, Math.min(raw.length, at + 24)).toString('utf8')
      .replace(/[\u0000-\u001f\u007f]/g, (c) => (c === '\n' ? '\\n' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
    throw new FetchError('not-json',
      `The output of ${source} in pod "${w.pod}" is not valid JSON (${problem.message} at byte ${at}, near "${from > 0 ? '…' : ''}${near}…"), so nothing was kept.`,
      `${bytes} bytes; first 2000:\n${text().slice(0, 2000)}`, bytes);
  }
  return tape;
}

/** Envoy's admin refused the request (an HTTP error, or its error text through pilot-agent / curl). */
function adminRefused(w: Where, path: string, how: string, body: string, filtered: boolean): FetchError {
  const said = firstLine(body, 120);
  return new FetchError('admin-http-error',
    `Envoy's admin in pod "${w.pod}" refused "${path}"${said ? ` ("${said}")` : ''}; ${filtered
      ? `check the filters (${w.names.resource}, ${w.names.mask})`
      : `check the admin port (${w.names.adminPort})`}.`,
    `${how}\n${body}`);
}

function tooBig(w: Where, maxBytes: number, bytes: number): FetchError {
  return new FetchError('too-big',
    `The config dump of pod "${w.pod}" is larger than the ${formatBytes(maxBytes)} limit; fetch part of it (${w.names.resource} dynamic_active_clusters, or ${w.names.mask} with the fields you need), or raise the limit (${w.names.maxSize}).`,
    `stopped at ${bytes} bytes; e.g. config_dump?resource=dynamic_active_clusters, config_dump?resource=dynamic_listeners, config_dump?mask=configs.cluster`,
    bytes);
}

function podGone(namespace: string, pod: string, detail: string): FetchError {
  return new FetchError('pod-not-found',
    `Pod "${pod}" does not exist (any more) in namespace "${namespace}"; refresh the pod list and pick another one.`, detail);
}

function adminClosed(w: Where, detail: string): FetchError {
  return new FetchError('admin-port-closed',
    `Envoy's admin port ${w.port} is not listening in pod "${w.pod}"; if the mesh sets another proxyAdminPort, fetch with that port (${w.names.adminPort}).`,
    detail);
}

function notRunning(w: Where, why: string, detail: string): FetchError {
  return new FetchError('container-not-running',
    `Container "${w.container}" of pod "${w.pod}" is not running (${why}); wait until the pod is ready or pick another one.`, detail);
}

function kubectl(context: string, namespace: string, args: string[]): string {
  return ['kubectl', '--context', context, '-n', namespace, ...args].map(shellQuote).join(' ');
}

/** Quoting for display only: nothing here is ever run by a shell. */
function shellQuote(s: string): string {
  return /^[A-Za-z0-9_\-./:=@,+]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
