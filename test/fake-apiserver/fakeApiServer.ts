// A loopback-only fake Kubernetes API server for tests and benchmarks: real TLS (a CA generated with
// openssl under os.tmpdir()), bearer tokens with a tiny RBAC, namespaces and pods, and the two streaming
// subresources the fetch uses:
//   pods/exec         WebSocket, v5/v4.channel.k8s.io: an empty frame on channel 1 once established, stdout
//                     on 1, stderr on 2, the exit Status as JSON on 3; refusals are HTTP Status bodies.
//   pods/portforward  WebSocket, v4.channel.k8s.io: per port a data channel (2i) and an error channel (2i+1);
//                     the first frame on each carries the port number, little-endian. The data channel is
//                     bridged over TCP to a local HTTP server playing Envoy's admin interface.
// Pods carry behaviours (admin port down, no pilot-agent, drop or stall mid-stream, custom body, a broken status
// frame, a frame on a stray channel …), so each failure a real cluster produces can be reproduced without one.
// The admin interface understands config_dump's resource= and mask= query parameters well enough for tests
// (adminConfigDump below); every admin path asked for is logged as "admin <pod> GET /<path>".
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';

export type Permission = 'list-namespaces' | 'list-pods' | 'get-pods' | 'exec' | 'portforward';

export interface FakeUser {
  readonly token: string;
  readonly name: string;
  /** Permissions this user lacks (everything else is allowed). */
  readonly deny?: readonly Permission[];
}

export interface PodBehaviour {
  /** Nothing listens on the admin port: pilot-agent/curl fail to connect, port-forward reports refused. */
  readonly adminDown?: boolean;
  /** Executables present in istio-proxy; default ['pilot-agent'] (the distroless proxyv2 image has no curl). */
  readonly tools?: readonly string[];
  /** Cut the connection (no status frame, no close handshake) after this many payload bytes. */
  readonly dropAfterBytes?: number;
  /** Stop sending after this many payload bytes until the client goes away. */
  readonly stallAfterBytes?: number;
  /** Body of /config_dump instead of the server's shared dumps. */
  readonly body?: Buffer | string;
  /** Serve the big dump (dumpBytes) rather than the small one (smallDumpBytes). */
  readonly bigDump?: boolean;
  /** Exec: send this on the status channel (3) instead of the JSON Success status (a broken or foreign server). */
  readonly statusFrame?: string;
  /** Send one frame on this channel after the output (exec: before the status; port-forward: with the first data). */
  readonly strayChannel?: number;
}

export interface FakePod {
  readonly namespace: string;
  readonly name: string;
  readonly containers: readonly string[];
  readonly initContainers?: ReadonlyArray<{ readonly name: string; readonly restartPolicy?: string }>;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  /** istio-proxy args, e.g. ['proxy', 'router']. */
  readonly proxyArgs?: readonly string[];
  readonly phase?: string;
  /** Whether containers are running; default phase === 'Running'. */
  readonly running?: boolean;
  readonly adminPort?: number;
  readonly behaviour?: PodBehaviour;
  /** The controller owning the pod (metadata.ownerReferences, controller: true), e.g. a ReplicaSet. */
  readonly owner?: { readonly kind: string; readonly name: string };
}

export interface StreamEnd {
  readonly kind: 'exec' | 'port-forward';
  readonly pod: string;
  readonly bytesSent: number;
  /** complete: all sent; client-gone: the client closed first; dropped: we cut it; refused: error before data. */
  readonly outcome: 'complete' | 'client-gone' | 'dropped' | 'refused';
}

export interface FakeContextSpec {
  readonly name: string;
  /** Bearer token (a FakeUser's token, or anything for a rejected one). */
  readonly token?: string;
  /** Credential exec plugin instead of a token. */
  readonly exec?: { readonly command: string; readonly args?: readonly string[]; readonly env?: ReadonlyArray<{ name: string; value: string }> };
  readonly namespace?: string;
  /** Put the CA into the cluster entry (default true); false reproduces an untrusted CA. */
  readonly trustCa?: boolean;
  /** Names of the cluster and user entries (default: derived from the context name). */
  readonly cluster?: string;
  readonly user?: string;
  /** Server URL (default: this server). */
  readonly server?: string;
}

export interface FakeApiServerOptions {
  /** Size of the big config dump, served by pods with behaviour.bigDump; default 1 MiB. */
  readonly dumpBytes?: number;
  /** Size of the dump every other pod serves; default dumpBytes (then both are the same buffer). */
  readonly smallDumpBytes?: number;
  /** WebSocket frame size for exec output; default 32 KiB like the API server. */
  readonly frameBytes?: number;
  readonly users?: readonly FakeUser[];
  /** Pods; default: defaultPods(). */
  readonly pods?: readonly FakePod[];
  readonly namespaces?: readonly string[];
  /** Make the dumps pure ASCII (most real dumps are); default false: non-ASCII in every cluster. */
  readonly asciiDump?: boolean;
  /** Exec subprotocols the server accepts, in preference order; default v5 then v4. */
  readonly execProtocols?: readonly string[];
  /** The /config_dump body of a pod, made when asked for (so 200 distinct 5 MB dumps need not all be held); undefined:
   *  the pod's behaviour.body, else the shared dumps. */
  readonly dumpOf?: (pod: FakePod) => Buffer | string | undefined;
  /** Hold the output of every exec and port-forward stream until this many streams are open at once (the first time;
   *  after that streams flow freely): proves a client opens that many in parallel, and a client that never does hangs. */
  readonly holdUntilConcurrent?: number;
}

export interface FakeApiServer {
  readonly url: string;
  /** PEM of the CA that signed the server certificate. */
  readonly caPem: string;
  /** The big /config_dump body (pilot-agent prints it with a trailing newline). */
  readonly dump: Buffer;
  readonly dumpSha256: string;
  /** The /config_dump body of pods without behaviour.bigDump. */
  readonly smallDump: Buffer;
  /** One line per request, for debugging failed tests. */
  readonly log: string[];
  /** Emits 'stream-end' (StreamEnd) when an exec or port-forward stream finishes, whatever the reason. */
  readonly events: EventEmitter;
  /** Exec and port-forward streams open now, and the most that were ever open at once. */
  readonly streams: { readonly open: number; readonly maxOpen: number };
  /** Starts counting maxOpen afresh (from the streams open now). */
  resetStreamCount(): void;
  /** Resolves at the next stream end for that pod. */
  nextStreamEnd(pod: string): Promise<StreamEnd>;
  /** A kubeconfig object (JSON is YAML) with one context per spec. */
  kubeconfig(contexts: readonly FakeContextSpec[], currentContext?: string): Record<string, unknown>;
  /** Writes kubeconfig(...) to `file` and returns the path. */
  writeKubeconfig(file: string, contexts: readonly FakeContextSpec[], currentContext?: string): string;
  close(): Promise<void>;
}

export const DEFAULT_USERS: readonly FakeUser[] = [
  { token: 'admin-token', name: 'admin' },
  { token: 'viewer-token', name: 'viewer', deny: ['exec', 'portforward'] },
  { token: 'no-exec-token', name: 'no-exec', deny: ['exec'] },
  { token: 'no-ns-token', name: 'no-ns', deny: ['list-namespaces'] },
  { token: 'no-get-token', name: 'no-get', deny: ['get-pods'] },
  { token: 'no-pods-token', name: 'no-pods', deny: ['list-pods'] },
];

const MiB = 1024 * 1024;

/** The pods every test can rely on (namespace bookinfo unless said otherwise). */
export function defaultPods(): FakePod[] {
  const ns = 'bookinfo';
  return [
    { namespace: ns, name: 'productpage-v1-7d4', containers: ['productpage', 'istio-proxy'], proxyArgs: ['proxy', 'sidecar'],
      behaviour: { bigDump: true } },
    { namespace: ns, name: 'reviews-v2-native', containers: ['reviews'],
      initContainers: [{ name: 'istio-init' }, { name: 'istio-proxy', restartPolicy: 'Always' }], proxyArgs: ['proxy', 'sidecar'] },
    { namespace: ns, name: 'ratings-admin-down', containers: ['ratings', 'istio-proxy'], behaviour: { adminDown: true } },
    { namespace: ns, name: 'details-pending', containers: ['details', 'istio-proxy'], phase: 'Pending', running: false },
    { namespace: ns, name: 'legacy-no-mesh', containers: ['legacy'] },
    { namespace: ns, name: 'flaky-drop', containers: ['flaky', 'istio-proxy'], behaviour: { dropAfterBytes: MiB / 2 } },
    { namespace: ns, name: 'slow-stall', containers: ['slow', 'istio-proxy'], behaviour: { stallAfterBytes: MiB / 4 } },
    { namespace: ns, name: 'curl-only', containers: ['app', 'istio-proxy'], behaviour: { tools: ['curl'] } },
    { namespace: ns, name: 'no-tools', containers: ['app', 'istio-proxy'], behaviour: { tools: [] } },
    { namespace: ns, name: 'html-admin', containers: ['app', 'istio-proxy'],
      behaviour: { body: '<html><body>Envoy Admin</body></html>\n' } },
    { namespace: ns, name: 'custom-port', containers: ['app', 'istio-proxy'], adminPort: 15555,
      annotations: { 'proxy.istio.io/config': 'proxyAdminPort: 15555\n' } },
    { namespace: 'istio-system', name: 'istiod-5c9', containers: ['discovery'] },
    { namespace: 'istio-system', name: 'istio-ingressgateway-6f8', containers: ['istio-proxy'], proxyArgs: ['proxy', 'router'],
      labels: { istio: 'ingressgateway' } },
    { namespace: 'ambient', name: 'waypoint-5b7', containers: ['istio-proxy'], proxyArgs: ['proxy', 'waypoint'],
      labels: { 'gateway.networking.k8s.io/gateway-name': 'waypoint', 'gateway.istio.io/managed': 'istio.io-mesh-controller' } },
  ];
}

/** A syntactically real config dump of about `bytes` bytes. Unless `ascii`, every cluster carries
 *  non-ASCII text, so multi-byte characters straddle frame boundaries (and decoding takes V8's slow path). */
export function makeConfigDump(bytes: number, ascii = false): Buffer {
  const note = ascii ? 'cafe ok' : 'caf\u00e9 \u2713 \u{1F680}';
  const head = '{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.ClustersConfigDump","version_info":"2026-05-14T10:00:00Z/42","dynamic_active_clusters":[';
  const tail = ']}]}';
  const parts: string[] = [head];
  let size = Buffer.byteLength(head) + tail.length;
  for (let i = 0; size < bytes; i++) {
    const host = `svc-${i}.bookinfo.svc.cluster.local`;
    const entry = `${i ? ',' : ''}{"version_info":"2026-05-14T10:00:00Z/42","cluster":{"@type":"type.googleapis.com/envoy.config.cluster.v3.Cluster","name":"outbound|9080||${host}","type":"EDS","eds_cluster_config":{"eds_config":{"ads":{},"resource_api_version":"V3"},"service_name":"outbound|9080||${host}"},"connect_timeout":"10s","metadata":{"filter_metadata":{"istio":{"services":[{"host":"${host}","name":"svc-${i}","namespace":"bookinfo"}],"note":"${note}"}}}},"last_updated":"2026-05-14T10:00:00.000Z"}`;
    parts.push(entry);
    size += Buffer.byteLength(entry);
  }
  parts.push(tail);
  return Buffer.from(parts.join(''), 'utf8');
}

const status = (code: number, reason: string, message: string, details?: Record<string, unknown>): Record<string, unknown> =>
  ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code, ...(details ? { details } : {}) });

const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
const PORT_FORWARD_PROTOCOLS = ['v4.channel.k8s.io'];
const HIGH_WATER = 64; // frames in flight before the sender waits

export async function startFakeApiServer(options: FakeApiServerOptions = {}): Promise<FakeApiServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'envoy-lens-fake-apiserver-'));
  const tls = makeCertificates(dir);
  const dump = makeConfigDump(options.dumpBytes ?? MiB, options.asciiDump);
  const smallDump = options.smallDumpBytes === undefined ? dump : makeConfigDump(options.smallDumpBytes, options.asciiDump);
  const dumpSha256 = createHash('sha256').update(dump).digest('hex');
  const frameBytes = options.frameBytes ?? 32 * 1024;
  const users = new Map((options.users ?? DEFAULT_USERS).map((u) => [u.token, u]));
  const pods = [...(options.pods ?? defaultPods())];
  const namespaces = options.namespaces ?? [...new Set(['default', ...pods.map((p) => p.namespace)])].sort();
  const execProtocols = options.execProtocols ?? EXEC_PROTOCOLS;
  const log: string[] = [];
  const events = new EventEmitter();
  // Concurrency: a stream counts from its WebSocket's upgrade to its StreamEnd (exactly one per stream).
  const streams = { open: 0, maxOpen: 0 };
  let held: Array<() => void> | undefined = options.holdUntilConcurrent ? [] : undefined;
  const streamOpened = (): void => {
    streams.open++;
    streams.maxOpen = Math.max(streams.maxOpen, streams.open);
    if (held && streams.open >= (options.holdUntilConcurrent ?? 0)) {
      const release = held;
      held = undefined;
      for (const go of release) go();
    }
  };
  /** Resolves once streams may send (at once unless holdUntilConcurrent is still waiting). */
  const mayFlow = (): Promise<void> => (held ? new Promise<void>((resolve) => held!.push(resolve)) : Promise.resolve());
  const endStream = (e: StreamEnd): void => {
    streams.open--;
    log.push(`${e.kind} ${e.pod} ended: ${e.outcome} after ${e.bytesSent} bytes`);
    events.emit('stream-end', e);
  };

  // ---- Envoy's admin interface, reached through port-forward (one server; the pod is found by the
  // bridge socket's local port) ----
  const bridged = new Map<number, FakePod>();
  const admin = http.createServer((req, res) => {
    const pod = bridged.get(req.socket.remotePort ?? 0);
    const answer = pod ? adminResponse(pod, (req.url ?? '/').slice(1)) : { code: 500, body: Buffer.from('unknown bridge') };
    res.writeHead(answer.code, { 'content-type': answer.code === 200 ? 'application/json' : 'text/plain' });
    void writeChunked(res, answer.body); // no content-length: chunked, as Envoy streams large dumps
  });

  function adminResponse(pod: FakePod, adminPath: string): { code: number; body: Buffer } {
    log.push(`admin ${pod.name} GET /${adminPath}`);
    const [p] = adminPath.split('?');
    if (p === 'config_dump') {
      const body = options.dumpOf?.(pod) ?? pod.behaviour?.body;
      const full = body !== undefined ? Buffer.from(body) : pod.behaviour?.bigDump ? dump : smallDump;
      return adminConfigDump(full, new URLSearchParams(adminPath.slice(p.length + 1)));
    }
    if (p === 'clusters' && adminPath.includes('format=json')) {
      return { code: 200, body: Buffer.from(JSON.stringify({ cluster_statuses: [{ name: 'outbound|9080||reviews.bookinfo.svc.cluster.local', host_statuses: [] }] })) };
    }
    return { code: 404, body: Buffer.from('invalid path\n') };
  }

  // ---- REST ----
  const auth = (req: http.IncomingMessage): FakeUser | undefined => users.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
  const allowed = (u: FakeUser, perm: Permission): boolean => !(u.deny ?? []).includes(perm);
  const forbidden = (u: FakeUser, verb: string, resource: string, ns?: string, name?: string): Record<string, unknown> =>
    status(403, 'Forbidden', `${name ? `${resource.split('/')[0]} "${name}"` : resource} is forbidden: User "${u.name}" cannot ${verb} resource "${resource}" in API group ""${ns ? ` in the namespace "${ns}"` : ' at the cluster scope'}`,
      { ...(name ? { name } : {}), kind: resource.split('/')[0] });
  const json = (res: http.ServerResponse, code: number, body: unknown): void => {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  const server = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://fake');
    log.push(`${req.method} ${url.pathname}`);
    const user = auth(req);
    if (!user) return json(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
    let m: RegExpMatchArray | null;
    if (req.method === 'GET' && url.pathname === '/api/v1/namespaces') {
      if (!allowed(user, 'list-namespaces')) return json(res, 403, forbidden(user, 'list', 'namespaces'));
      return json(res, 200, { kind: 'NamespaceList', apiVersion: 'v1', metadata: {},
        items: namespaces.map((name) => ({ metadata: { name }, status: { phase: 'Active' } })) });
    }
    if (req.method === 'GET' && (url.pathname === '/api/v1/pods' || (m = url.pathname.match(/^\/api\/v1\/namespaces\/([^/]+)\/pods$/)))) {
      const ns = url.pathname === '/api/v1/pods' ? undefined : m![1];
      if (!allowed(user, 'list-pods')) return json(res, 403, forbidden(user, 'list', 'pods', ns));
      const selector = parseSelector(url.searchParams.get('labelSelector') ?? '');
      if (!selector) {
        return json(res, 400, status(400, 'BadRequest', `unable to parse requirement: found '${url.searchParams.get('labelSelector')}', expected: identifier`));
      }
      return json(res, 200, { kind: 'PodList', apiVersion: 'v1', metadata: {},
        items: pods.filter((p) => (ns === undefined || p.namespace === ns)).map(podObject)
          .filter((o) => selector((o.metadata as { labels: Record<string, string> }).labels)) });
    }
    if (req.method === 'GET' && (m = url.pathname.match(/^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/))) {
      if (!allowed(user, 'get-pods')) return json(res, 403, forbidden(user, 'get', 'pods', m[1], m[2]));
      const pod = pods.find((p) => p.namespace === m![1] && p.name === m![2]);
      if (!pod) return json(res, 404, status(404, 'NotFound', `pods "${m[2]}" not found`, { name: m[2], kind: 'pods' }));
      return json(res, 200, podObject(pod));
    }
    json(res, 404, status(404, 'NotFound', 'the server could not find the requested resource'));
  });

  // ---- WebSocket upgrades: exec and port-forward ----
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: (offered, req) => {
      const list = /\/portforward(\?|$)/.test(req.url ?? '') ? PORT_FORWARD_PROTOCOLS : execProtocols;
      return list.find((p) => offered.has(p)) ?? false;
    },
  });
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });

  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'https://fake');
    const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    log.push(`UPGRADE ${url.pathname}?${url.searchParams} [${offered.join(',')}]`);
    const reject = (code: number, body: Record<string, unknown>): void => {
      const text = JSON.stringify(body);
      socket.end(`HTTP/1.1 ${code} ${http.STATUS_CODES[code] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
    };
    const m = url.pathname.match(/^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/(exec|portforward)$/);
    const user = auth(req);
    if (!user) return reject(401, status(401, 'Unauthorized', 'Unauthorized'));
    if (!m) return reject(404, status(404, 'NotFound', 'the server could not find the requested resource'));
    const [, ns, podName, sub] = m;
    const kind = sub === 'exec' ? 'exec' : 'port-forward';
    if (!allowed(user, sub === 'exec' ? 'exec' : 'portforward')) {
      return reject(403, forbidden(user, 'create', `pods/${sub}`, ns, podName));
    }
    const pod = pods.find((p) => p.namespace === ns && p.name === podName);
    if (!pod) return reject(404, status(404, 'NotFound', `pods "${podName}" not found`, { name: podName, kind: 'pods' }));
    const running = pod.running ?? (pod.phase ?? 'Running') === 'Running';
    const protocols = kind === 'exec' ? execProtocols : PORT_FORWARD_PROTOCOLS;
    if (!offered.some((o) => protocols.includes(o))) {
      return reject(400, status(400, 'BadRequest', `requested protocol(s) are not supported: [${offered.join(' ')}]; supports [${protocols.join(' ')}]`));
    }
    if (kind === 'exec') {
      const names = [...pod.containers, ...(pod.initContainers ?? []).map((c) => c.name)];
      const container = url.searchParams.get('container');
      if (!container && pod.containers.length > 1) {
        return reject(400, status(400, 'BadRequest', `a container name must be specified for pod ${podName}, choose one of: [${names.join(' ')}]`));
      }
      if (container && !names.includes(container)) {
        return reject(400, status(400, 'BadRequest', `container ${container} is not valid for pod ${podName}`));
      }
      if (!running) {
        return reject(500, status(500, 'InternalError', `Internal error occurred: unable to upgrade connection: container not found ("${container ?? names[0]}")`));
      }
      const command = url.searchParams.getAll('command');
      wss.handleUpgrade(req, socket, head, (ws) => { streamOpened(); void runExec(ws, pod, command); });
    } else {
      if (!running) return reject(400, status(400, 'BadRequest', `unable to upgrade connection: pod ${podName} is not running`));
      const ports = url.searchParams.getAll('ports').flatMap((p) => p.split(',')).map(Number);
      if (ports.length !== 1 || !ports.every((p) => Number.isInteger(p) && p > 0 && p < 65536)) {
        return reject(400, status(400, 'BadRequest', 'exactly one valid port must be given in "ports"'));
      }
      wss.handleUpgrade(req, socket, head, (ws) => { streamOpened(); void mayFlow().then(() => runPortForward(ws, pod, ports[0])); });
    }
  });

  async function runExec(ws: WebSocket, pod: FakePod, command: string[]): Promise<void> {
    const send = (channel: number, data: Buffer | string): void => {
      if (ws.readyState === WebSocket.OPEN) ws.send(Buffer.concat([Buffer.from([channel]), Buffer.from(data)]));
    };
    const finish = (st: Record<string, unknown>): void => {
      send(3, JSON.stringify(st));
      ws.close(1000);
    };
    const fail = (exit: number, stderr: string): void => {
      if (stderr) send(2, stderr);
      finish({ metadata: {}, status: 'Failure', reason: 'NonZeroExitCode',
        message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${exit}`,
        details: { causes: [{ reason: 'ExitCode', message: String(exit) }] } });
      endStream({ kind: 'exec', pod: pod.name, bytesSent: 0, outcome: 'refused' });
    };
    log.push(`exec ${pod.name} protocol=${ws.protocol} command=${JSON.stringify(command)}`);
    send(1, ''); // "connection established": an empty frame on the first output channel
    const tools = pod.behaviour?.tools ?? ['pilot-agent'];
    const exe = command[0] ?? '';
    if (!tools.includes(exe)) {
      finish(status(500, 'InternalError', `Internal error occurred: error executing command in container: failed to exec in container: failed to start exec "3f9c": OCI runtime exec failed: exec failed: unable to start container process: exec: "${exe}": executable file not found in $PATH: unknown`));
      endStream({ kind: 'exec', pod: pod.name, bytesSent: 0, outcome: 'refused' });
      return;
    }
    const port = pod.adminPort ?? 15000;
    let adminPath: string | undefined;
    let requestedPort = 15000;
    if (exe === 'pilot-agent') {
      // pilot-agent request [--debug-port N] GET <path>
      const args = command.slice(1);
      if (args[0] !== 'request') return fail(1, `Error: unknown command "${args[0] ?? ''}" for "pilot-agent"\n`);
      let i = 1;
      if (args[i] === '--debug-port') { requestedPort = Number(args[i + 1]); i += 2; }
      if (args[i] !== 'GET' || !args[i + 1]) return fail(1, 'Error: requires 2 or 3 args\n');
      adminPath = args[i + 1].replace(/^\//, '');
    } else if (exe === 'curl') {
      const target = command.slice(1).find((a) => !a.startsWith('-')) ?? '';
      const u = new URL(target.includes('://') ? target : `http://${target}`);
      requestedPort = Number(u.port || 80);
      adminPath = `${u.pathname.slice(1)}${u.search}`;
    } else {
      return fail(1, `${exe}: unsupported by the fake\n`);
    }
    if (pod.behaviour?.adminDown || requestedPort !== port) {
      return exe === 'curl'
        ? fail(7, `curl: (7) Failed to connect to localhost port ${requestedPort} after 0 ms: Couldn't connect to server\n`)
        : fail(1, `Error: Get "http://localhost:${requestedPort}/${adminPath}": dial tcp 127.0.0.1:${requestedPort}: connect: connection refused\n`);
    }
    await mayFlow();
    const answer = adminResponse(pod, adminPath);
    // pilot-agent prints the body with fmt.Println (trailing newline) and exits 0 even for HTTP errors.
    const out = exe === 'pilot-agent' ? Buffer.concat([answer.body, Buffer.from('\n')]) : answer.body;
    const result = await streamFrames(ws, 1, out, frameBytes, pod.behaviour);
    if (result.outcome === 'complete') {
      const b = pod.behaviour;
      if (b?.strayChannel !== undefined) send(b.strayChannel, 'stray frame');
      if (b?.statusFrame !== undefined) {
        send(3, b.statusFrame);
        ws.close(1000);
      } else finish({ metadata: {}, status: 'Success' });
    }
    endStream({ kind: 'exec', pod: pod.name, bytesSent: result.sent, outcome: result.outcome });
  }

  function runPortForward(ws: WebSocket, pod: FakePod, port: number): void {
    if (ws.readyState !== WebSocket.OPEN) {
      endStream({ kind: 'port-forward', pod: pod.name, bytesSent: 0, outcome: 'client-gone' });
      return;
    }
    log.push(`portforward ${pod.name} protocol=${ws.protocol} port=${port}`);
    const portBytes = Buffer.from([port & 0xff, port >> 8]);
    ws.send(Buffer.concat([Buffer.from([0]), portBytes]));
    ws.send(Buffer.concat([Buffer.from([1]), portBytes]));
    if (pod.behaviour?.adminDown || port !== (pod.adminPort ?? 15000)) {
      ws.send(Buffer.concat([Buffer.from([1]), Buffer.from(`error forwarding port ${port} to pod 5b1e2c4a, uid : failed to execute portforward in network namespace "/var/run/netns/cni-7f3a": failed to connect to localhost:${port} inside namespace "5b1e2c4a", IPv4: dial tcp4 127.0.0.1:${port}: connect: connection refused IPv6 dial tcp6 [::1]:${port}: connect: connection refused `)]));
      ws.close(1000);
      endStream({ kind: 'port-forward', pod: pod.name, bytesSent: 0, outcome: 'refused' });
      return;
    }
    if (pod.behaviour?.strayChannel !== undefined) ws.send(Buffer.concat([Buffer.from([pod.behaviour.strayChannel]), Buffer.from('stray frame')]));
    const tcp = net.connect((admin.address() as net.AddressInfo).port, '127.0.0.1');
    tcp.on('connect', () => { bridged.set(tcp.localPort ?? 0, pod); });
    let sent = 0;
    let inflight = 0;
    let outcome: StreamEnd['outcome'] | undefined;
    const end = (o: StreamEnd['outcome']): void => {
      if (outcome) return;
      outcome = o;
      bridged.delete(tcp.localPort ?? 0);
      endStream({ kind: 'port-forward', pod: pod.name, bytesSent: sent, outcome: o });
    };
    ws.on('message', (data: Buffer) => { if (data[0] === 0 && data.length > 1) tcp.write(data.subarray(1)); });
    ws.on('close', () => { tcp.destroy(); end('client-gone'); });
    tcp.on('data', (chunk: Buffer) => {
      const b = pod.behaviour;
      if (b?.dropAfterBytes !== undefined && sent + chunk.length > b.dropAfterBytes) {
        chunk = chunk.subarray(0, Math.max(0, b.dropAfterBytes - sent));
        sent += chunk.length;
        tcp.destroy();
        end('dropped');
        // Frames are written in order: once this last one is out, cut the connection without a close frame.
        ws.send(Buffer.concat([Buffer.from([0]), chunk]), () => ws.terminate());
        return;
      }
      if (b?.stallAfterBytes !== undefined && sent >= b.stallAfterBytes) {
        tcp.pause(); // and never resume: the client has to give up
        return;
      }
      sent += chunk.length;
      inflight++;
      ws.send(Buffer.concat([Buffer.from([0]), chunk]), () => {
        inflight--;
        if (inflight < HIGH_WATER / 4 && tcp.isPaused() && !(b?.stallAfterBytes !== undefined && sent >= b.stallAfterBytes)) tcp.resume();
      });
      if (inflight >= HIGH_WATER) tcp.pause();
    });
    tcp.on('end', () => { end('complete'); ws.close(1000); });
    tcp.on('error', (err) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(Buffer.concat([Buffer.from([1]), Buffer.from(`error forwarding port ${port}: ${err.message}`)]));
      ws.close(1000);
    });
  }

  await Promise.all([
    new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve)),
    new Promise<void>((resolve) => admin.listen(0, '127.0.0.1', resolve)),
  ]);
  const url = `https://127.0.0.1:${(server.address() as net.AddressInfo).port}`;

  const kubeconfig = (contexts: readonly FakeContextSpec[], currentContext?: string): Record<string, unknown> => {
    const clusters = new Map<string, Record<string, unknown>>();
    const usersOut = new Map<string, Record<string, unknown>>();
    const contextsOut = contexts.map((c) => {
      const trust = c.trustCa ?? true;
      const clusterName = c.cluster ?? (trust ? 'fake' : 'fake-untrusted');
      const userName = c.user ?? `${c.name}-user`;
      if (!clusters.has(clusterName)) {
        clusters.set(clusterName, { name: clusterName, cluster: { server: c.server ?? url,
          ...(trust ? { 'certificate-authority-data': Buffer.from(tls.caPem).toString('base64') } : {}) } });
      }
      if (!usersOut.has(userName)) {
        usersOut.set(userName, { name: userName, user: c.exec
          ? { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: c.exec.command, args: c.exec.args ?? [],
            env: c.exec.env ?? null, interactiveMode: 'Never', provideClusterInfo: false } }
          : { token: c.token ?? 'admin-token' } });
      }
      return { name: c.name, context: { cluster: clusterName, user: userName, ...(c.namespace ? { namespace: c.namespace } : {}) } };
    });
    return { apiVersion: 'v1', kind: 'Config', 'current-context': currentContext ?? contexts[0]?.name ?? '',
      clusters: [...clusters.values()], users: [...usersOut.values()], contexts: contextsOut, preferences: {} };
  };

  return {
    url,
    caPem: tls.caPem,
    dump,
    dumpSha256,
    smallDump,
    log,
    events,
    streams,
    resetStreamCount: () => { streams.maxOpen = streams.open; },
    nextStreamEnd: (pod) => new Promise((resolve) => {
      const on = (e: StreamEnd): void => { if (e.pod === pod) { events.off('stream-end', on); resolve(e); } };
      events.on('stream-end', on);
    }),
    kubeconfig,
    writeKubeconfig: (file, contexts, currentContext) => {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, JSON.stringify(kubeconfig(contexts, currentContext), null, 2));
      return file;
    },
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      admin.closeAllConnections();
      await Promise.all([
        new Promise<void>((resolve) => server.close(() => resolve())),
        new Promise<void>((resolve) => admin.close(() => resolve())),
      ]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Sends `data` on a channel in frames, with a bounded number of frames in flight (so memory stays flat
 *  and throughput is not limited by one round trip per frame), honouring drop/stall behaviours. */
async function streamFrames(ws: WebSocket, channel: number, data: Buffer, frameBytes: number,
  behaviour: PodBehaviour | undefined): Promise<{ sent: number; outcome: StreamEnd['outcome'] }> {
  let inflight = 0;
  let wake: (() => void) | undefined;
  const closed = new Promise<void>((resolve) => ws.once('close', () => { wake?.(); resolve(); }));
  let sent = 0;
  for (let off = 0; off < data.length; off += frameBytes) {
    if (ws.readyState !== WebSocket.OPEN) return { sent, outcome: 'client-gone' };
    if (behaviour?.dropAfterBytes !== undefined && off >= behaviour.dropAfterBytes) {
      // Let what was sent reach the client, then cut the TCP connection: no status, no close frame,
      // like a load balancer idle timeout or a node drain.
      while (inflight > 0 && ws.readyState === WebSocket.OPEN) await new Promise<void>((resolve) => { wake = resolve; });
      ws.terminate();
      return { sent, outcome: 'dropped' };
    }
    if (behaviour?.stallAfterBytes !== undefined && off >= behaviour.stallAfterBytes) {
      await closed; // a stuck proxy: nothing more until the client gives up
      return { sent, outcome: 'client-gone' };
    }
    const n = Math.min(frameBytes, data.length - off);
    const frame = Buffer.allocUnsafe(n + 1);
    frame[0] = channel;
    data.copy(frame, 1, off, off + n);
    inflight++;
    sent += n;
    ws.send(frame, () => {
      inflight--;
      if (wake && (inflight <= HIGH_WATER / 2 || inflight === 0)) { const w = wake; wake = undefined; w(); }
    });
    if (inflight >= HIGH_WATER) {
      await new Promise<void>((resolve) => { wake = resolve; });
    }
  }
  return ws.readyState === WebSocket.OPEN ? { sent, outcome: 'complete' } : { sent, outcome: 'client-gone' };
}

async function writeChunked(res: http.ServerResponse, body: Buffer): Promise<void> {
  const chunk = 256 * 1024;
  for (let off = 0; off < body.length; off += chunk) {
    if (res.destroyed) return;
    if (!res.write(body.subarray(off, off + chunk))) {
      await new Promise<void>((resolve) => {
        const done = (): void => { res.off('drain', done); res.off('close', done); resolve(); };
        res.on('drain', done);
        res.on('close', done);
      });
    }
  }
  res.end();
}

function podObject(p: FakePod): Record<string, unknown> {
  const phase = p.phase ?? 'Running';
  const running = p.running ?? phase === 'Running';
  const container = (name: string): Record<string, unknown> => ({
    name, image: name === 'istio-proxy' ? 'docker.io/istio/proxyv2:1.26.0-distroless' : `example/${name}:1`,
    ...(name === 'istio-proxy' ? { args: [...(p.proxyArgs ?? ['proxy', 'sidecar'])] } : {}),
  });
  const containerStatus = (name: string): Record<string, unknown> => ({
    name, ready: running, restartCount: 0, image: 'x', imageID: 'x',
    state: running ? { running: { startedAt: '2026-05-14T10:00:00Z' } } : { waiting: { reason: 'ContainerCreating' } },
  });
  const natives = (p.initContainers ?? []).filter((c) => c.restartPolicy === 'Always').map((c) => c.name);
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: p.name, namespace: p.namespace, uid: createHash('md5').update(p.name).digest('hex'),
      labels: { app: p.name.split('-')[0], ...(p.labels ?? {}) }, annotations: { ...(p.annotations ?? {}) },
      ...(p.owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: p.owner.kind, name: p.owner.name,
        uid: createHash('md5').update(`${p.owner.kind}/${p.owner.name}`).digest('hex'), controller: true, blockOwnerDeletion: true }] } : {}) },
    spec: {
      containers: p.containers.map(container),
      initContainers: (p.initContainers ?? []).map((c) => ({ ...container(c.name), ...(c.restartPolicy ? { restartPolicy: c.restartPolicy } : {}) })),
    },
    status: {
      phase,
      containerStatuses: p.containers.map(containerStatus),
      initContainerStatuses: natives.map(containerStatus),
    },
  };
}

/** A label selector as the API server reads one, for what tests use: `k=v`, `k==v`, `k!=v`, `k`, `!k`, comma-separated
 *  (all must hold); undefined for one it cannot parse. */
export function parseSelector(text: string): ((labels: Record<string, string>) => boolean) | undefined {
  const tests: Array<(l: Record<string, string>) => boolean> = [];
  for (const raw of text.split(',').map((t) => t.trim()).filter(Boolean)) {
    let m: RegExpExecArray | null;
    if ((m = /^([\w./-]+)\s*(==|=|!=)\s*([\w.-]*)$/.exec(raw))) {
      const [, k, op, v] = m;
      tests.push(op === '!=' ? (l) => l[k] !== v : (l) => l[k] === v);
    } else if ((m = /^(!?)([\w./-]+)$/.exec(raw))) {
      const [, not, k] = m;
      tests.push(not ? (l) => !(k in l) : (l) => k in l);
    } else return undefined;
  }
  return (labels) => tests.every((t) => t(labels));
}

function makeCertificates(dir: string): { key: Buffer; cert: Buffer; caPem: string } {
  const f = (name: string): string => path.join(dir, name);
  const run = (args: string[]): void => { execFileSync('openssl', args, { stdio: 'ignore' }); };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run(['req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '1', '-subj', '/CN=envoy-lens fake CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  run(['req', ...ec, '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=fake-apiserver']);
  fs.writeFileSync(f('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  run(['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial',
    '-out', f('server.crt'), '-days', '1', '-extfile', f('server.ext')]);
  return { key: fs.readFileSync(f('server.key')), cert: fs.readFileSync(f('server.crt')), caPem: fs.readFileSync(f('ca.crt'), 'utf8') };
}

/** Type URLs of the repeated fields `resource=` can name, as Envoy packs each element. */
const RESOURCE_TYPES: Readonly<Record<string, string>> = {
  static_clusters: 'ClustersConfigDump.StaticCluster',
  dynamic_active_clusters: 'ClustersConfigDump.DynamicCluster',
  dynamic_warming_clusters: 'ClustersConfigDump.DynamicCluster',
  static_listeners: 'ListenersConfigDump.StaticListener',
  dynamic_listeners: 'ListenersConfigDump.DynamicListener',
  static_route_configs: 'RoutesConfigDump.StaticRouteConfig',
  dynamic_route_configs: 'RoutesConfigDump.DynamicRouteConfig',
  static_endpoint_configs: 'EndpointsConfigDump.StaticEndpointConfig',
  dynamic_endpoint_configs: 'EndpointsConfigDump.DynamicEndpointConfig',
  static_secrets: 'SecretsConfigDump.StaticSecret',
  dynamic_active_secrets: 'SecretsConfigDump.DynamicSecret',
};

/**
 * Envoy's config_dump query parameters, as far as tests need them: without resource= or mask= the body as it is;
 * `resource=F` answers the elements of the repeated field F of the first top-level dump that has it, each as its own
 * config with an @type (404 "F not found in config dump" when none has it, 400 when F is not a list); `mask=a.b,c`
 * keeps only those paths, of each element with resource=, else of each top-level dump (400 when it fits none).
 * Dumps with EDS (EndpointsConfigDump) only count when include_eds is asked for, as in Envoy.
 */
export function adminConfigDump(full: Buffer, query: URLSearchParams): { code: number; body: Buffer } {
  const resource = query.get('resource');
  const mask = query.get('mask');
  if (!resource && !mask) return { code: 200, body: full };
  let parsed: { configs?: Array<Record<string, unknown>> };
  try {
    parsed = JSON.parse(full.toString('utf8')) as typeof parsed;
  } catch {
    return { code: 200, body: full }; // a custom non-JSON body stays what it is
  }
  const text = (code: number, message: string): { code: number; body: Buffer } => ({ code, body: Buffer.from(message) });
  const json = (value: unknown): { code: number; body: Buffer } => ({ code: 200, body: Buffer.from(JSON.stringify(value, null, 1)) });
  const paths = mask ? mask.split(',').filter(Boolean) : [];
  const configs = (parsed.configs ?? []).filter((c) => query.has('include_eds') || !String(c['@type'] ?? '').endsWith('EndpointsConfigDump'));
  if (resource) {
    for (const c of configs) {
      if (!(resource in c)) continue;
      const list = c[resource];
      if (!Array.isArray(list)) return text(400, `${resource} is not a repeated field. Use ?mask=${resource} to get only this field`);
      const type = `type.googleapis.com/envoy.admin.v3.${RESOURCE_TYPES[resource] ?? 'Resource'}`;
      const out: unknown[] = [];
      for (const element of list as Array<Record<string, unknown>>) {
        const kept = paths.length ? keepPaths(element, paths) : element;
        if (kept === undefined) return text(400, `FieldMask paths: "${mask}" could not be successfully used.`);
        out.push({ '@type': type, ...kept });
      }
      return json({ configs: out });
    }
    return text(404, `${resource} not found in config dump`);
  }
  const out = configs.map((c) => {
    const kept = keepPaths(c, paths);
    return kept && { '@type': c['@type'], ...kept };
  }).filter((c) => c !== undefined);
  if (out.length === 0) return text(400, `FieldMask ${mask} could not be successfully applied to any configs.`);
  return json({ configs: out });
}

/** The object with only the given dotted paths (through arrays element-wise); undefined when no path exists in it. */
function keepPaths(o: Record<string, unknown>, paths: readonly string[]): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  let found = false;
  for (const p of paths) {
    const [head, ...rest] = p.split('.');
    if (!(head in o)) continue;
    const v = o[head];
    if (rest.length === 0) {
      out[head] = v;
      found = true;
    } else if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      const inner = keepPaths(v as Record<string, unknown>, [rest.join('.')]);
      if (inner) {
        out[head] = { ...(out[head] as Record<string, unknown> | undefined), ...inner };
        found = true;
      }
    }
  }
  return found ? out : undefined;
}
