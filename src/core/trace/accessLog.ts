/**
 * One access-log line, read back into its fields: the start of "from the log line an SRE is staring at to the config
 * that produced it" (issue 10 §5). Pure: text in, a record out.
 *
 * Read are the formats proxies write when nobody configured one:
 * - Istio's default TEXT format. Istio 1.9 added `%RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS%` after the
 *   response flags; Istio 1.1–1.8 wrote `"%DYNAMIC_METADATA(istio.mixer:status)%"` there instead, 1.2 added
 *   `"%UPSTREAM_TRANSPORT_FAILURE_REASON%"` and 1.3 `%ROUTE_NAME%` at the end. Newer Istio writes
 *   `%UPSTREAM_CLUSTER_RAW%` where older wrote `%UPSTREAM_CLUSTER%`: the same position, read the same way.
 * - Envoy's own default format (`[%START_TIME%] "%REQ(:METHOD)% … %PROTOCOL%" %RESPONSE_CODE% … "%UPSTREAM_HOST%"`).
 * - Istio's JSON encoding (`accessLogEncoding: JSON`): one object whose keys are the operators' snake_case names.
 *
 * Envoy prints `-` for a value it does not have; every such field is absent from the record.
 */
import type { TraceDirection } from './types';

/** Which layout a line was read with. */
export type AccessLogFormat =
  /** Istio 1.9 and later: response code details and connection termination details after the flags. */
  | 'istio'
  /** Istio 1.3–1.8: mixer status and upstream transport failure reason after the flags, route name last. */
  | 'istio-1.3'
  /** Istio 1.2: as 1.3 without the route name. */
  | 'istio-1.2'
  /** Istio 1.1 and earlier: mixer status after the flags, no transport failure reason, no route name. */
  | 'istio-1.1'
  /** Envoy's default format. */
  | 'envoy'
  /** Istio's JSON encoding. */
  | 'istio-json';

/** The fields of one access-log line. A field Envoy printed as `-` (or that the format lacks) is absent. */
export interface AccessLogRecord {
  format: AccessLogFormat;
  /** `%START_TIME%` as written (`2026-12-04T10:00:00.123Z`). */
  startTime?: string;
  method?: string;
  /** `%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%`: the path before any rewrite, query included. */
  path?: string;
  protocol?: string;
  /** `%RESPONSE_CODE%`; 0 means no response was sent (the client went away first). */
  status?: number;
  /** `%RESPONSE_FLAGS%`, split at commas (`['UH']`, `['UF', 'URX']`). */
  flags?: string[];
  /** `%RESPONSE_CODE_DETAILS%` (`route_not_found`, `cluster_not_found`, `via_upstream` …). */
  details?: string;
  /** `%CONNECTION_TERMINATION_DETAILS%`. */
  terminationDetails?: string;
  /** `%UPSTREAM_TRANSPORT_FAILURE_REASON%` (a TLS handshake error, for example). */
  transportFailureReason?: string;
  bytesReceived?: number;
  bytesSent?: number;
  /** `%DURATION%` in milliseconds. */
  durationMs?: number;
  /** `%RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)%` in milliseconds. */
  upstreamServiceTimeMs?: number;
  forwardedFor?: string;
  userAgent?: string;
  requestId?: string;
  /** `%REQ(:AUTHORITY)%`: the Host the client sent, port included when the client wrote it. */
  authority?: string;
  /** `%UPSTREAM_HOST%`: the endpoint (`ip:port`) the request went to. */
  upstreamHost?: string;
  /** `%UPSTREAM_CLUSTER%` (or `_RAW`): the cluster Envoy picked. */
  upstreamCluster?: string;
  upstreamLocal?: string;
  /** `%DOWNSTREAM_LOCAL_ADDRESS%`: the address the connection was made to (the original destination when redirected). */
  downstreamLocal?: string;
  downstreamRemote?: string;
  /** `%REQUESTED_SERVER_NAME%`: the SNI. */
  serverName?: string;
  routeName?: string;
}

/** The record, or a one-sentence reason the line could not be read. */
export type AccessLogResult = { record: AccessLogRecord; error?: undefined } | { record?: undefined; error: string };

type Field = Exclude<keyof AccessLogRecord, 'format'>;
/** A field's slot in a text layout: its name (undefined for one we skip) and whether Envoy quotes it. */
type Slot = readonly [Field | undefined, 'bare' | 'quoted'];

const B = (f: Field | undefined): Slot => [f, 'bare'];
const Q = (f: Field | undefined): Slot => [f, 'quoted'];

/** What follows the request line in every format: from the byte counts to the upstream host. */
const COMMON: readonly Slot[] = [
  B('bytesReceived'), B('bytesSent'), B('durationMs'), B('upstreamServiceTimeMs'),
  Q('forwardedFor'), Q('userAgent'), Q('requestId'), Q('authority'), Q('upstreamHost'),
];
/** What Istio adds after the upstream host. */
const ISTIO_TAIL: readonly Slot[] = [
  B('upstreamCluster'), B('upstreamLocal'), B('downstreamLocal'), B('downstreamRemote'), B('serverName'),
];

/** The text layouts after `[START_TIME] "METHOD PATH PROTOCOL"`, tried in this order (their token counts differ). */
const LAYOUTS: ReadonlyArray<{ format: AccessLogFormat; slots: readonly Slot[] }> = [
  {
    format: 'istio',
    slots: [B('status'), B('flags'), B('details'), B('terminationDetails'), Q('transportFailureReason'), ...COMMON, ...ISTIO_TAIL, B('routeName')],
  },
  {
    format: 'istio-1.3',
    slots: [B('status'), B('flags'), Q(undefined), Q('transportFailureReason'), ...COMMON, ...ISTIO_TAIL, B('routeName')],
  },
  { format: 'istio-1.2', slots: [B('status'), B('flags'), Q(undefined), Q('transportFailureReason'), ...COMMON, ...ISTIO_TAIL] },
  { format: 'istio-1.1', slots: [B('status'), B('flags'), Q(undefined), ...COMMON, ...ISTIO_TAIL] },
  { format: 'envoy', slots: [B('status'), B('flags'), ...COMMON] },
];

/** Fields that hold a whole number of something; a layout whose slot holds anything else does not fit. */
const NUMERIC: ReadonlySet<Field> = new Set(['status', 'bytesReceived', 'bytesSent', 'durationMs', 'upstreamServiceTimeMs']);

/** Istio's JSON keys (the operators' snake_case names) → record fields. */
const JSON_KEYS: Readonly<Record<string, Field>> = {
  start_time: 'startTime',
  method: 'method',
  path: 'path',
  protocol: 'protocol',
  response_code: 'status',
  response_flags: 'flags',
  response_code_details: 'details',
  connection_termination_details: 'terminationDetails',
  upstream_transport_failure_reason: 'transportFailureReason',
  bytes_received: 'bytesReceived',
  bytes_sent: 'bytesSent',
  duration: 'durationMs',
  upstream_service_time: 'upstreamServiceTimeMs',
  x_forwarded_for: 'forwardedFor',
  user_agent: 'userAgent',
  request_id: 'requestId',
  authority: 'authority',
  upstream_host: 'upstreamHost',
  upstream_cluster: 'upstreamCluster',
  upstream_local_address: 'upstreamLocal',
  downstream_local_address: 'downstreamLocal',
  downstream_remote_address: 'downstreamRemote',
  requested_server_name: 'serverName',
  route_name: 'routeName',
};

/** The formats read, for messages. */
export const ACCESS_LOG_FORMATS = "Istio's default text format (Istio 1.1 and later), Envoy's default format and Istio's JSON encoding";

const NOT_READ = `The line fits none of the access-log formats read: ${ACCESS_LOG_FORMATS}`;

/** Reads one access-log line (Istio's default text or JSON format, or Envoy's default format). */
export function parseAccessLog(line: string): AccessLogResult {
  let s = line.trim();
  // `kubectl logs --timestamps` and many collectors put their own timestamp before the line.
  const lead = /^\d\S*\s+(?=[[{])/.exec(s);
  if (lead) s = s.slice(lead[0].length);
  if (s.startsWith('{')) return parseJson(s);
  if (s.startsWith('[')) return parseText(s);
  return { error: `${NOT_READ}.` };
}

/** A token of a text line: its text (quotes removed, escapes undone) and whether it was quoted. */
interface Token {
  text: string;
  quoted: boolean;
}

function parseText(s: string): AccessLogResult {
  const close = s.indexOf(']');
  if (close < 0) return { error: `${NOT_READ}.` };
  const startTime = s.slice(1, close).trim();
  const tokens = tokenize(s, close + 1);
  if (!tokens) return { error: `${NOT_READ} (a quoted field is not closed).` };
  const request = tokens.shift();
  if (!request || !request.quoted) return { error: `${NOT_READ} (no quoted "METHOD PATH PROTOCOL" after the start time).` };
  for (const layout of LAYOUTS) {
    const record = fit(layout.format, layout.slots, tokens);
    if (!record) continue;
    if (startTime !== '' && startTime !== '-') record.startTime = startTime;
    requestLine(record, request.text);
    return { record };
  }
  return { error: `${NOT_READ} (${tokens.length} fields follow the request line).` };
}

/** Splits the rest of a text line into bare and quoted tokens; undefined when a quote is left open. */
function tokenize(s: string, from: number): Token[] | undefined {
  const out: Token[] = [];
  let i = from;
  const n = s.length;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 32 || c === 9) {
      i++;
      continue;
    }
    if (c === 34 /* " */) {
      // A quote closes the field only where a field can end (before a blank or the end of the line), so a quote
      // inside a User-Agent does not split it; `\"` and `\\` are escapes.
      let text = '';
      let j = i + 1;
      let closed = false;
      while (j < n) {
        const d = s[j];
        if (d === '\\' && j + 1 < n && (s[j + 1] === '"' || s[j + 1] === '\\')) {
          text += s[j + 1];
          j += 2;
          continue;
        }
        if (d === '"' && (j + 1 === n || s[j + 1] === ' ' || s[j + 1] === '\t')) {
          closed = true;
          j++;
          break;
        }
        text += d;
        j++;
      }
      if (!closed) return undefined;
      out.push({ text, quoted: true });
      i = j;
      continue;
    }
    let j = i;
    while (j < n && s[j] !== ' ' && s[j] !== '\t') j++;
    out.push({ text: s.slice(i, j), quoted: false });
    i = j;
  }
  return out;
}

/** The record when the tokens have exactly the layout's shape and its numbers are numbers; otherwise undefined. */
function fit(format: AccessLogFormat, slots: readonly Slot[], tokens: Token[]): AccessLogRecord | undefined {
  if (tokens.length !== slots.length) return undefined;
  const record: AccessLogRecord = { format };
  for (let k = 0; k < slots.length; k++) {
    const [field, quoting] = slots[k];
    const tok = tokens[k];
    if (tok.quoted !== (quoting === 'quoted')) return undefined;
    if (!field) continue;
    if (!set(record, field, tok.text)) return undefined;
  }
  return record;
}

/** Sets one field from its text; false when a numeric field holds something else. `-` and empty leave it absent. */
function set(record: AccessLogRecord, field: Field, text: string): boolean {
  if (text === '-' || text === '') return true;
  if (NUMERIC.has(field)) {
    if (!/^\d{1,15}$/.test(text)) return false;
    (record as unknown as Record<string, number>)[field] = Number(text);
    return true;
  }
  if (field === 'flags') {
    record.flags = text.split(',').map((f) => f.trim()).filter((f) => f !== '' && f !== '-');
    if (record.flags.length === 0) delete record.flags;
    return true;
  }
  (record as unknown as Record<string, string>)[field] = text;
  return true;
}

/** `GET /ratings/0 HTTP/1.1` into method, path and protocol (`- - -` for a TCP connection). */
function requestLine(record: AccessLogRecord, text: string): void {
  const parts = text.trim().split(/\s+/);
  if (parts.length === 0 || parts[0] === '') return;
  const method = parts[0];
  const protocol = parts.length >= 3 ? parts[parts.length - 1] : undefined;
  const path = parts.length >= 3 ? parts.slice(1, -1).join(' ') : parts[1];
  set(record, 'method', method);
  if (path !== undefined) set(record, 'path', path);
  if (protocol !== undefined) set(record, 'protocol', protocol);
}

function parseJson(s: string): AccessLogResult {
  let value: unknown;
  try {
    value = JSON.parse(s);
  } catch {
    return { error: `${NOT_READ} (the line starts with "{" but is not valid JSON).` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { error: `${NOT_READ}.` };
  const record: AccessLogRecord = { format: 'istio-json' };
  let known = 0;
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const field = Object.prototype.hasOwnProperty.call(JSON_KEYS, key) ? JSON_KEYS[key] : undefined;
    if (!field) continue;
    known++;
    // Envoy's JSON formatter writes numbers for numeric operators and null (or "-") for a missing value.
    if (v === null || v === undefined) continue;
    const text = typeof v === 'number' ? String(v) : typeof v === 'string' ? v : undefined;
    if (text === undefined) continue;
    if (!set(record, field, text)) return { error: `${NOT_READ} ("${key}" is not a number).` };
  }
  // A JSON object that shares no more than one key with Istio's is some other log.
  if (known < 2) return { error: `${NOT_READ} (the JSON object has none of Istio's access-log keys).` };
  return { record };
}

/**
 * Which way the logged request went through the proxy, from the name of the cluster it was sent to: Istio names
 * clusters `inbound|port||` and `outbound|port|subset|host`, and its catch-all clusters say it in their names.
 * `unknown` when the line names no cluster (a `404 NR` has none) or one Istio did not name.
 */
export function directionOf(record: AccessLogRecord): TraceDirection | 'unknown' {
  const c = record.upstreamCluster;
  if (!c) return 'unknown';
  if (c.startsWith('inbound|') || c.startsWith('InboundPassthroughCluster')) return 'inbound';
  if (c.startsWith('outbound|') || c === 'PassthroughCluster' || c === 'BlackHoleCluster') return 'outbound';
  return 'unknown';
}

/** `10.0.0.7:9080` or `[fd00::7]:9080` into address and port; undefined when the text is no such pair. */
export function splitAddress(text: string | undefined): { address: string; port: number } | undefined {
  if (!text) return undefined;
  const m = /^\[([0-9A-Fa-f:.%a-zA-Z]+)\]:(\d{1,5})$/.exec(text) ?? /^([^:[\]]+):(\d{1,5})$/.exec(text);
  if (!m) return undefined;
  const port = Number(m[2]);
  return port <= 65535 ? { address: m[1], port } : undefined;
}
