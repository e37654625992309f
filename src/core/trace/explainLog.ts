/**
 * From an access-log line to the config that produced it (issue 10 §5): the request a logged line describes, and
 * whether a trace of that request through a dump gives the answer the log records (the same upstream cluster, the
 * same status and response flag) or where the two part. Pure: a record and a trace in, plain data out.
 */
import { parseIstioClusterName } from '../istio';
import { directionOf, splitAddress, type AccessLogRecord } from './accessLog';
import type { Trace, TraceDirection, TraceRequest } from './types';

/** The request a log line describes, or a one-sentence reason none can be made from it. */
export type LogRequestResult = { request: TraceRequest; notes: string[]; error?: undefined } | { request?: undefined; notes?: undefined; error: string };

/** Options of `requestFromLog`. */
export interface LogRequestOptions {
  /** The caller knows the direction (`--inbound`); otherwise it is read from the upstream cluster's Istio name. */
  direction?: TraceDirection;
}

/** One place where the log and the dump part. */
export interface LogDifference {
  /** `cluster`, `status` or `flag`. */
  field: 'cluster' | 'status' | 'flag';
  /** What the log says (null when it says nothing, e.g. no cluster on a `404 NR` line). */
  log: string | number | null;
  /** What the trace of the dump says (null when nothing). */
  dump: string | number | null;
  /** One sentence. */
  message: string;
}

/** Whether the dump explains the log line. */
export interface LogExplanation {
  agrees: boolean;
  differences: LogDifference[];
  /** One or two sentences: why they agree, or where they part and what that suggests. */
  summary: string;
}

/**
 * Response flags whose cause a dump shows: no route (`NR`), a route naming a cluster the dump lacks (`NC`), no healthy
 * endpoint (`UH`). Other flags (`UF` connection failure, `UT` timeout, `DC` the client went away …) happen at run time
 * to a request the dump forwards.
 */
const DECIDED_FLAGS: ReadonlySet<string> = new Set(['NR', 'NC', 'UH']);

/** Trace codes for which Envoy closes the connection and logs `NR`: no listener or filter chain for it. */
const NR_WITHOUT_STATUS: ReadonlySet<string> = new Set(['filter_chain_not_found', 'listener_not_found']);

/** The request an access-log record describes: Host, path and method from the line, the direction from the upstream
 *  cluster's Istio name (or the caller), the destination from `%DOWNSTREAM_LOCAL_ADDRESS%` when present. */
export function requestFromLog(record: AccessLogRecord, options: LogRequestOptions = {}): LogRequestResult {
  const notes: string[] = [];
  const guessed = directionOf(record);
  let direction: TraceDirection;
  if (options.direction) direction = options.direction;
  else if (guessed !== 'unknown') direction = guessed;
  else {
    direction = 'outbound';
    notes.push(
      record.upstreamCluster
        ? `The upstream cluster "${record.upstreamCluster}" has no Istio name that tells the direction: traced as outbound (give --inbound for a request to the pod).`
        : 'The line names no upstream cluster, so the direction is unknown: traced as outbound (give --inbound for a request to the pod).',
    );
  }
  const local = splitAddress(record.downstreamLocal);
  const istioCluster = record.upstreamCluster ? parseIstioClusterName(record.upstreamCluster) : undefined;
  const authority = record.authority ? splitHostPort(record.authority) : undefined;
  const isHttp = record.method !== undefined && (record.authority !== undefined || record.path !== undefined);
  const port =
    local?.port ??
    (istioCluster && istioCluster.port !== '' ? Number(istioCluster.port) : undefined) ??
    authority?.port ??
    (isHttp ? 80 : undefined);
  if (port === undefined) return { error: 'The line gives no destination port (no downstream local address, Istio cluster name or Host with a port), so there is no request to trace.' };
  const request: TraceRequest = { direction, port };
  if (local) request.address = local.address;
  const remote = splitAddress(record.downstreamRemote);
  if (remote) {
    request.sourceAddress = remote.address;
    request.sourcePort = remote.port;
  }
  if (record.serverName) {
    request.sni = record.serverName;
    request.transport = 'tls';
    // A sidecar's inbound mTLS filter chains match Istio's own ALPN, which the client sidecar offers.
    if (direction === 'inbound' && record.serverName.startsWith('outbound_.')) {
      const h2 = /^HTTP\/2/i.test(record.protocol ?? '');
      request.applicationProtocols = ['istio-peer-exchange', 'istio', h2 ? 'istio-h2' : 'istio-http/1.1'];
    } else if (isHttp) request.applicationProtocols = /^HTTP\/2/i.test(record.protocol ?? '') ? ['h2'] : ['http/1.1'];
  } else if (isHttp && /^HTTP\/2/i.test(record.protocol ?? '')) request.applicationProtocols = ['h2c'];
  if (isHttp) {
    const host = record.authority ?? (local ? `${local.address}:${local.port}` : '');
    if (!host) return { error: 'The line gives neither a Host (authority) nor a downstream local address, so there is no Host to route on.' };
    request.http = { host, path: record.path ?? '/', method: record.method };
    if (!record.authority) notes.push(`The line has no Host (authority): routed on the downstream local address ${host}.`);
  }
  return { request, notes };
}

/** `reviews:9080` / `[fd00::1]:80` / `reviews` into host and port. */
function splitHostPort(text: string): { host: string; port?: number } {
  const pair = splitAddress(text);
  return pair ? { host: pair.address, port: pair.port } : { host: text };
}

/** The clusters the trace sends the request to (every weighted branch when no random value picked one). */
function clustersOf(trace: Trace): string[] {
  const out = new Set<string>();
  for (const h of trace.hops) {
    if (h.kind !== 'cluster' || h.name.startsWith('(')) continue;
    out.add(h.name);
  }
  if (trace.outcome.cluster) out.add(trace.outcome.cluster);
  return [...out];
}

/** What the dump does, as a log would say it: `answers 503 NC`, `answers 404 NR`, `forwards it to cluster X`. */
function dumpAnswer(trace: Trace): string {
  const o = trace.outcome;
  if (o.status !== undefined) return `answers ${[o.status, o.flag].filter((x) => x !== undefined).join(' ')}`;
  const clusters = clustersOf(trace);
  if (o.ok) return clusters.length ? `forwards it to cluster ${clusters.join(', ')}` : 'forwards it';
  return `ends in ${o.code}`;
}

/** The log's answer as written: `503 NC`, `200`. */
function logAnswer(record: AccessLogRecord): string {
  return [record.status, record.flags?.join(',')].filter((x) => x !== undefined && x !== '').join(' ') || '(none)';
}

/** Compares a log record with the trace of the request it describes. */
export function explainLog(record: AccessLogRecord, trace: Trace): LogExplanation {
  const differences: LogDifference[] = [];
  const o = trace.outcome;
  const clusters = clustersOf(trace);
  const logCluster = record.upstreamCluster;
  // `UH` is the dump's to decide only when it holds the endpoints: a dump taken without ?include_eds cannot say.
  const endpointsUnknown = o.ok && trace.hops.some((h) => h.kind === 'endpoints' && !h.span);
  const logFlag = (record.flags ?? []).find((f) => DECIDED_FLAGS.has(f) && !(f === 'UH' && endpointsUnknown));
  const dumpCluster = clusters.length ? clusters.join(', ') : null;

  if (logCluster !== undefined && !clusters.includes(logCluster)) {
    differences.push({
      field: 'cluster',
      log: logCluster,
      dump: dumpCluster,
      message: dumpCluster
        ? `The log says cluster ${logCluster}, this dump routes to ${dumpCluster}: the dump is from another time or pod.`
        : `The log says cluster ${logCluster}, this dump sends the request to no cluster (it ${dumpAnswer(trace)}): the dump is from another time or pod.`,
    });
  }

  // The answer. The dump decides it when Envoy answers itself (no route, no cluster, no healthy endpoint, a redirect
  // or direct response); when the dump forwards the request, the status is the upstream's and any flag a run-time one.
  if (o.flag || logFlag) {
    const nrAgrees = !o.flag && logFlag === 'NR' && NR_WITHOUT_STATUS.has(o.code);
    if (o.flag !== logFlag && !nrAgrees) {
      differences.push({
        field: 'flag',
        log: logFlag ?? null,
        dump: o.flag ?? null,
        message: logFlag
          ? `The log says ${logAnswer(record)}, this dump ${dumpAnswer(trace)}: the dump is from another time or pod.`
          : `This dump ${dumpAnswer(trace)} (${o.code}), but the log says ${logAnswer(record)}: the dump is from another time or pod.`,
      });
    } else if (o.status !== undefined && record.status !== undefined && record.status !== o.status) {
      differences.push({ field: 'status', log: record.status, dump: o.status, message: `The log says status ${record.status}, this dump answers ${o.status}.` });
    }
  } else if (o.status !== undefined) {
    if (record.status !== o.status) {
      differences.push({
        field: 'status',
        log: record.status ?? null,
        dump: o.status,
        message: `This dump answers ${o.status} itself (${o.code}), but the log says ${logAnswer(record)}: the dump is from another time or pod.`,
      });
    }
  } else if (!o.ok) {
    differences.push({
      field: 'status',
      log: record.status ?? null,
      dump: o.code,
      message: `This dump's trace ends in ${o.code}, but the log says ${logAnswer(record)}.`,
    });
  }

  const agrees = differences.length === 0;
  return { agrees, differences, summary: agrees ? agreement(record, trace, clusters) : `The dump does not explain the log. ${differences.map((d) => d.message).join(' ')}` };
}

/** The sentence saying why the dump explains the line. */
function agreement(record: AccessLogRecord, trace: Trace, clusters: string[]): string {
  const o = trace.outcome;
  const answer = logAnswer(record);
  if (o.flag === 'NC') return `The dump explains the log: ${answer} because the route names cluster ${o.cluster ?? clusters[0] ?? '(unnamed)'}, which this dump lacks.`;
  if (o.flag === 'NR' || (record.flags ?? []).includes('NR')) {
    return `The dump explains the log: ${answer} because ${o.code === 'route_not_found' ? 'no virtual host or route matches the request' : `the trace ends in ${o.code}`} in this dump.`;
  }
  if (o.flag === 'UH') return `The dump explains the log: ${answer} because cluster ${o.cluster ?? clusters[0]} has no healthy endpoint in this dump.`;
  if (o.status !== undefined) return `The dump explains the log: Envoy answers ${answer} itself (${o.code}).`;
  const where = record.upstreamCluster ?? clusters[0];
  if ((record.flags ?? []).includes('UH')) {
    return `The dump explains the log as far as it can: both send the request to cluster ${where}, whose endpoints this dump does not hold, so it cannot say whether none was healthy (UH).`;
  }
  const runtime = (record.flags ?? []).length ? ` The flags ${record.flags!.join(',')} come from run time (the upstream connection or the client), which a dump does not show.` : '';
  return `The dump explains the log: both send the request to cluster ${where}${clusters.length > 1 ? ` (one of ${clusters.length} weighted branches)` : ''}, and the status ${record.status ?? '(none)'} is the upstream's answer.${runtime}`;
}
