// The WebSocket under client-node's Exec and PortForward. client-node's own WebSocketHandler drops the
// body of a refused upgrade ("Unexpected server response: 403"), which is where the API server says what
// is wrong (the RBAC rule, the missing container); this handler keeps it, ties the socket to the call's
// AbortSignal, and speaks only the channel protocols whose framing is understood here.
import WebSocket from 'ws';
import type { KubeConfig } from '@kubernetes/client-node';
import type { CallScope } from './callScope';
import { FetchError, describeError, firstLine } from './errors';

/** Exec: v5 adds a close signal; both carry the exit Status as JSON on channel 3. Older versions have no
 *  JSON status, so a missing status could not be told from truncation: they are not offered. */
export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
/** Port-forward through the kubelet's WebSocket handler: data and error channel per port, port number first. */
export const PORT_FORWARD_PROTOCOLS = ['v4.channel.k8s.io'];

/** A Kubernetes Status object as sent in refused upgrades and on the exec status channel. */
export interface KubeStatus {
  readonly kind?: string;
  readonly status?: string;
  readonly message?: string;
  readonly reason?: string;
  readonly code?: number;
  readonly details?: { readonly name?: string; readonly kind?: string; readonly causes?: ReadonlyArray<{ readonly reason?: string; readonly message?: string }> };
}

/** The API server answered the upgrade request with an HTTP error instead of 101. */
export class UpgradeRefusedError extends Error {
  override readonly name = 'UpgradeRefusedError';
  constructor(readonly statusCode: number, readonly status: KubeStatus | undefined, readonly body: string) {
    super(`HTTP ${statusCode}: ${status?.message ?? body.slice(0, 200)}`);
  }
}

/** Shape client-node's Exec and PortForward expect (their WebSocketInterface, not exported by the package). */
export interface ChannelConnector {
  connect(path: string, textHandler: ((text: string) => boolean) | null,
    binaryHandler: ((stream: number, buff: Buffer) => boolean) | null): Promise<WebSocket>;
}

const CLOSE_SIGNAL_CHANNEL = 255;
/** Exec: stdout, stderr and the status (stdin 0 and resize 4 only go to the server). */
export const EXEC_CHANNELS: ReadonlySet<number> = new Set([1, 2, 3]);
/** Port-forward of one port: its data and error channels. */
export const PORT_FORWARD_CHANNELS: ReadonlySet<number> = new Set([0, 1]);
const STATUS_CHANNEL = 3;
const MAX_ERROR_BODY = 64 * 1024;

export class ChannelSocketHandler implements ChannelConnector {
  /** The socket once created (also while connecting), for close/terminate by the caller. */
  socket: WebSocket | undefined;
  /** Last socket error after the connection opened (e.g. ECONNRESET), for the log. */
  lastError: Error | undefined;
  closeCode: number | undefined;

  /**
   * @param channels the channels the server may send on; a frame on any other one, or an exec status that is not a
   *   JSON object, ends the call with a `protocol-error` (client-node would throw it out of the socket's event handler).
   * @param label what the stream is, for messages: `the exec stream of pod "x"`.
   */
  constructor(private readonly kc: KubeConfig, private readonly protocols: readonly string[], private readonly scope: CallScope,
    private readonly channels: ReadonlySet<number> = EXEC_CHANNELS, private readonly label = 'the stream') {}

  /** Ends the call: the output cannot be trusted after a frame this client does not understand. */
  private protocolError(ws: WebSocket, what: string, detail: string): void {
    this.scope.fail(new FetchError('protocol-error',
      `${capitalise(this.label)} sent ${what}, so the output cannot be trusted and nothing was kept; retry, and if it happens again check for a proxy between you and the API server.`,
      detail, this.scope.bytes));
    ws.terminate();
  }

  async connect(path: string, textHandler: ((text: string) => boolean) | null,
    binaryHandler: ((stream: number, buff: Buffer) => boolean) | null): Promise<WebSocket> {
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new Error('No cluster is defined for the current context.');
    // Like client-node: keep any path prefix of the server URL (e.g. Rancher's /k8s/clusters/<id>).
    const base = cluster.server.replace(/^http(s?):\/\//, (_m, s: string) => `ws${s}://`).replace(/\/+$/, '');
    const options: WebSocket.ClientOptions = { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 };
    await this.kc.applyToHTTPSOptions(options);
    this.scope.check();

    return new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(base + path, [...this.protocols], options);
      this.socket = ws;
      let opened = false;
      let settled = false;
      const settle = (err: unknown): void => {
        if (settled) return;
        settled = true;
        if (err === undefined) resolve(ws);
        else reject(err);
      };
      const off = this.scope.onAbort(() => ws.terminate());
      ws.on('unexpected-response', (req, res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => { if (size < MAX_ERROR_BODY) { chunks.push(c); size += c.length; } });
        const done = (): void => {
          const body = Buffer.concat(chunks).toString('utf8');
          let status: KubeStatus | undefined;
          try {
            const parsed = JSON.parse(body) as unknown;
            if (typeof parsed === 'object' && parsed !== null) status = parsed as KubeStatus;
          } catch { /* not a Status: keep the raw body */ }
          settle(new UpgradeRefusedError(res.statusCode ?? 0, status, body));
          req.destroy();
        };
        res.on('end', done);
        res.on('error', done);
      });
      ws.on('open', () => {
        opened = true;
        settle(undefined);
      });
      ws.on('error', (err) => {
        if (!opened) settle(err);
        else this.lastError = err;
      });
      ws.on('close', (code) => {
        off();
        this.closeCode = code;
        if (!opened) settle(new Error(`connection closed (code ${code}) before the upgrade completed`));
      });
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        if (this.scope.error) return;
        try {
          if (!isBinary) {
            if (textHandler && !textHandler(data.toString('utf8'))) ws.close();
            return;
          }
          if (data.length === 0) return;
          const channel = data[0];
          // v5 close signals (255, channel) only matter for stdin, which is never used here.
          if (channel === CLOSE_SIGNAL_CHANNEL) return;
          if (!this.channels.has(channel)) {
            this.protocolError(ws, `a frame on channel ${channel}, which it does not use`, `unexpected channel ${channel}, ${data.length - 1} bytes`);
            return;
          }
          const payload = data.subarray(1);
          if (channel === STATUS_CHANNEL && this.channels === EXEC_CHANNELS && payload.length > 0 && !isStatusObject(payload)) {
            const text = payload.subarray(0, 200).toString('utf8');
            this.protocolError(ws, `an exit status that is not a Kubernetes Status ("${firstLine(text, 60)}")`, `status frame: ${text}`);
            return;
          }
          if (binaryHandler && !binaryHandler(channel, payload)) ws.close();
        } catch (e) {
          // Whatever client-node's frame handling throws would otherwise escape the socket's event handler.
          this.protocolError(ws, `a frame that could not be handled (${firstLine(e instanceof Error ? e.message : String(e), 80)})`, describeError(e));
        }
      });
    });
  }
}

/** Whether an exec status frame is a JSON object (client-node JSON.parses it and reads its fields). */
function isStatusObject(payload: Buffer): boolean {
  try {
    const v = JSON.parse(payload.toString('utf8')) as unknown;
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
