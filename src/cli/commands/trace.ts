/**
 * `envoy-lens trace FILE... --to URL|HOST:PORT | --log LINE [--inbound] [-H K=V]... [--method M] [--sni NAME] [--alpn P,...]
 *  [--random-value N] [--runtime KEY[=PERCENT]]... [--metadata NS=JSON]... [--internal] [--format text|json]`: where a request goes through the proxy whose dump is FILE (further files resolve what it
 * lacks, e.g. istioctl's per-type outputs). One line per hop with `path:line:col`, then the outcome.
 * Exit codes: 0 the request reaches an upstream, 1 a dead end, 2 usage, 3 an input that cannot be read or is not Envoy.
 * With --log (an access-log line instead of --to): 0 the dump explains the line, 1 it does not.
 */
import { analyze, LineIndex, Workspace } from '../../core/facade';
import { parseTarget, traceRequest, type Trace, type TraceHop, type TraceRequest } from '../../core/facade';
import { explainLog, istioConfigLabel, parseAccessLog, requestFromLog, type AccessLogRecord } from '../../core/facade';
import { readFileSync } from 'node:fs';
import { UsageError, oneOf, str, type Command, type Io, type Values } from '../command';
import { notEnvoyMessage, readInput } from '../input';
import { MAX_SIZE, maxSizeOf } from './common';

/** Repeated --header / -H values as one header map; a repeated name is one value joined with commas, as Envoy's
 *  header matchers see it. */
function headersOf(v: Values): Record<string, string> {
  const headers: Record<string, string> = {};
  const given = v.header;
  for (const value of Array.isArray(given) ? given : []) {
    const m = /^([^=:]+)\s*[=:]\s*(.*)$/.exec(value);
    if (!m) throw new UsageError(`--header needs NAME=VALUE, not "${value}".`, 'trace');
    const k = m[1].trim().toLowerCase();
    headers[k] = k in headers ? `${headers[k]},${m[2]}` : m[2];
  }
  return headers;
}

/** --random-value N: a non-negative integer. */
function randomValueOf(v: Values): number | undefined {
  const t = str(v, 'random-value');
  if (t === undefined) return undefined;
  if (!/^\d{1,15}$/.test(t.trim())) throw new UsageError(`--random-value needs a non-negative integer, not "${t}".`, 'trace');
  return Number(t.trim());
}

/** Repeated --runtime KEY[=PERCENT]: a runtime key turned on (100 % when no percent is given). */
function runtimeOf(v: Values): Record<string, number> | undefined {
  const given = Array.isArray(v.runtime) ? v.runtime : [];
  if (!given.length) return undefined;
  const out: Record<string, number> = {};
  for (const value of given) {
    const eq = value.indexOf('=');
    const key = (eq < 0 ? value : value.slice(0, eq)).trim();
    const pct = eq < 0 ? '100' : value.slice(eq + 1).trim().replace(/%$/, '');
    if (!key) throw new UsageError(`--runtime needs KEY or KEY=PERCENT, not "${value}".`, 'trace');
    if (!/^\d+(\.\d+)?$/.test(pct) || Number(pct) > 100) throw new UsageError(`--runtime ${key} needs a percentage from 0 to 100, not "${pct}".`, 'trace');
    out[key] = Number(pct);
  }
  return out;
}

/** Repeated --metadata NAMESPACE=JSON: dynamic metadata; a namespace given twice merges its fields (the later wins). */
function metadataOf(v: Values): Record<string, unknown> | undefined {
  const given = Array.isArray(v.metadata) ? v.metadata : [];
  if (!given.length) return undefined;
  const out: Record<string, Record<string, unknown>> = {};
  for (const value of given) {
    const eq = value.indexOf('=');
    const ns = eq < 0 ? '' : value.slice(0, eq).trim();
    if (!ns) throw new UsageError(`--metadata needs NAMESPACE=JSON, not "${value}".`, 'trace');
    let parsed: unknown;
    try {
      parsed = JSON.parse(value.slice(eq + 1));
    } catch {
      throw new UsageError(`--metadata ${ns} needs a JSON object after "=", e.g. ${ns}='{"key":"value"}'.`, 'trace');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new UsageError(`--metadata ${ns} needs a JSON object after "=", e.g. ${ns}='{"key":"value"}'.`, 'trace');
    }
    out[ns] = { ...(out[ns] ?? {}), ...(parsed as Record<string, unknown>) };
  }
  return out;
}

interface Loaded {
  path: string;
  text: string;
  bytes: Buffer;
  lines?: LineIndex;
}

function position(l: Loaded | undefined, offset: number | undefined): { line: number; column: number } | undefined {
  if (!l || offset === undefined) return undefined;
  l.lines ??= new LineIndex(l.text);
  const p = l.lines.positionAt(offset);
  return { line: p.line + 1, column: p.character + 1 };
}

function describeRequest(t: Trace): string {
  const r = t.request;
  const dst = `${r.address ?? '(unknown IP)'}:${r.port}`;
  const conn = [r.transport ?? 'raw_buffer', r.sni ? `SNI ${r.sni}` : '', r.applicationProtocols?.length ? `ALPN ${r.applicationProtocols.join(',')}` : '']
    .filter(Boolean)
    .join(', ');
  if (r.http) {
    const hdrs = Object.entries(r.http.headers ?? {}).map(([k, v]) => `${k}: ${v}`);
    return `${r.direction} ${r.http.scheme} ${r.http.method} ${r.http.path}, Host ${r.http.host} → ${dst} (${conn})${hdrs.length ? `, headers ${hdrs.join(', ')}` : ''}`;
  }
  return `${r.direction} TCP → ${dst} (${conn})`;
}

const KIND_WIDTH = 12;

/** The access-log line of --log: the text given, or standard input's first non-blank line for `-`. */
function logLineOf(values: Values, files: string[]): string | undefined {
  const given = str(values, 'log');
  if (given === undefined) return undefined;
  if (given !== '-') return given;
  if (files.includes('-')) throw new UsageError('Standard input (-) can be read only once: give the dump as a file with --log -.', 'trace');
  let text: string;
  try {
    text = readFileSync(0, 'utf8');
  } catch (e) {
    throw new UsageError(`--log - could not read standard input: ${(e as Error).message}`, 'trace');
  }
  return text.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
}

/** The request of an access-log line, with the record and the notes made reading it. */
function requestOfLog(line: string, values: Values): { req: TraceRequest; record: AccessLogRecord; notes: string[] } {
  for (const f of ['to', 'method', 'sni', 'alpn'] as const) {
    if (str(values, f) !== undefined) throw new UsageError(`--log gives the request; it cannot be combined with --${f}.`, 'trace');
  }
  const parsed = parseAccessLog(line);
  if (!parsed.record) throw new UsageError(`--log: ${parsed.error}`, 'trace');
  const made = requestFromLog(parsed.record, values.inbound === true ? { direction: 'inbound' } : {});
  if (!made.request) throw new UsageError(`--log: ${made.error}`, 'trace');
  return { req: made.request, record: parsed.record, notes: made.notes };
}

function run(values: Values, files: string[], io: Io): number {
  const to = str(values, 'to');
  const format = oneOf(values, 'format', ['text', 'json'] as const, 'text', 'trace');
  const headers = headersOf(values);
  const method = str(values, 'method');
  const alpn = str(values, 'alpn')?.split(',').map((s) => s.trim()).filter(Boolean);
  if (files.length === 0) throw new UsageError('trace needs a FILE.', 'trace');
  const logLine = logLineOf(values, files);
  if (!to && logLine === undefined) throw new UsageError('trace needs --to URL|HOST:PORT or --log LINE.', 'trace');
  const maxBytes = maxSizeOf(values, 'trace');
  if (files.filter((f) => f === '-').length > 1) throw new UsageError('Standard input (-) can be read only once.', 'trace');
  let req: TraceRequest;
  let fromLog: { record: AccessLogRecord; notes: string[] } | undefined;
  if (logLine !== undefined) {
    const r = requestOfLog(logLine, values);
    req = r.req;
    // Headers the log does not show (end-user, a canary cookie) can be added with -H.
    if ('host' in headers) throw new UsageError('--log gives the Host (the authority of the line); -H host=… cannot change it.', 'trace');
    if (req.http && Object.keys(headers).length) req.http.headers = { ...(req.http.headers ?? {}), ...headers };
    fromLog = { record: r.record, notes: r.notes };
  } else {
    try {
      req = parseTarget(to!, { direction: values.inbound === true ? 'inbound' : 'outbound', method, headers, sni: str(values, 'sni'), alpn });
    } catch (e) {
      throw new UsageError((e as Error).message, 'trace');
    }
  }
  if (!req.http && (method || Object.keys(headers).length)) throw new UsageError('--method and --header need an http:// or https:// target.', 'trace');
  const randomValue = randomValueOf(values);
  const runtime = runtimeOf(values);
  const dynamicMetadata = metadataOf(values);
  if (!req.http && (runtime || dynamicMetadata || values.internal === true)) {
    throw new UsageError('--runtime, --metadata and --internal need an http:// or https:// target.', 'trace');
  }
  if (randomValue !== undefined) req.randomValue = randomValue;
  if (runtime) req.runtime = runtime;
  if (dynamicMetadata) req.dynamicMetadata = dynamicMetadata;
  if (values.internal === true) req.internal = true;
  const ws = new Workspace();
  const loaded = new Map<string, Loaded>();
  const names: string[] = [];
  for (const p of files) {
    const input = readInput(p, maxBytes);
    if (typeof input === 'string') {
      io.err(`envoy-lens: ${input}`);
      return 3;
    }
    const analysis = analyze(input.name, input.bytes, { languageId: input.languageId });
    if (analysis.problems.some((x) => x.code === 'not-envoy')) {
      io.err(`envoy-lens: ${notEnvoyMessage(input.name, input.bytes, analysis)}`);
      return 3;
    }
    ws.set(analysis);
    names.push(input.name);
    // Offsets follow the analysis: a UTF-8 BOM counts in JSON and is dropped before YAML is parsed.
    const text = new TextDecoder('utf-8', { ignoreBOM: analysis.format === 'json' }).decode(input.bytes);
    loaded.set(input.name, { path: input.name, bytes: input.bytes, text });
  }
  const first = names[0];
  const trace = traceRequest(ws, first, loaded.get(first)!.bytes, req, { sourceOf: (u) => loaded.get(u)?.bytes });
  for (const n of fromLog?.notes ?? []) if (!trace.notes.includes(n)) trace.notes.unshift(n);
  const explained = fromLog ? explainLog(fromLog.record, trace) : undefined;
  const where = (h: TraceHop) => (h.span ? position(loaded.get(h.uri), h.span.start) : undefined);
  if (format === 'json') {
    const hops = trace.hops.map((h) => {
      const pos = where(h);
      const o: Record<string, unknown> = { kind: h.kind, name: h.name, path: h.uri || null, line: pos?.line ?? null, column: pos?.column ?? null, detail: h.detail };
      if (h.branch) o.branch = h.branch;
      if (h.rejected?.length) o.rejected = h.rejected;
      if (h.route) o.route = h.route;
      if (h.istio) o.istio = h.istio;
      return o;
    });
    const oc = trace.outcome;
    const outcome: Record<string, unknown> = { ok: oc.ok, code: oc.code, message: oc.message };
    for (const k of ['status', 'flag', 'details', 'location', 'cluster', 'endpoint', 'closest'] as const) if (oc[k] !== undefined) outcome[k] = oc[k];
    const doc: Record<string, unknown> = { request: trace.request, hops, outcome, notes: trace.notes };
    if (fromLog && explained) {
      doc.log = fromLog.record;
      doc.agrees = explained.agrees;
      doc.differences = explained.differences;
      doc.explanation = explained.summary;
    }
    io.out(JSON.stringify(doc, null, 2));
  } else {
    io.out(`${'request'.padEnd(KIND_WIDTH)} ${describeRequest(trace)}`);
    for (const h of trace.hops) {
      const pos = where(h);
      const loc = pos ? `  ${h.uri}:${pos.line}:${pos.column}` : '';
      const branch = h.branch ? `[${h.branch}] ` : '';
      const sep = h.detail.startsWith('(') ? ' ' : ': ';
      const from = h.istio ? `; from ${istioConfigLabel(h.istio)}` : '';
      io.out(`${h.kind.padEnd(KIND_WIDTH)} ${branch}${h.name}${sep}${h.detail}${from}${loc}`);
      const rej = h.rejected ?? [];
      for (const r of rej.slice(0, 6)) io.out(`${''.padEnd(KIND_WIDTH)}   ✗ ${r}`);
      if (rej.length > 6) io.out(`${''.padEnd(KIND_WIDTH)}   … ${rej.length - 6} more passed over`);
    }
    for (const n of trace.notes) io.out(`${'note'.padEnd(KIND_WIDTH)} ${n}`);
    io.out(trace.outcome.ok ? trace.outcome.message : `✗ ${trace.outcome.message}`);
    if (explained) io.out(`${explained.agrees ? '✓' : '✗'} ${explained.summary}`);
  }
  if (explained) return explained.agrees ? 0 : 1;
  return trace.outcome.ok ? 0 : 1;
}

export const traceCommand: Command = {
  name: 'trace',
  summary: 'Where a request goes: listener, filter chain, route configuration, virtual host, route, cluster, endpoints.',
  synopsis: 'FILE... (--to URL|HOST:PORT | --log LINE) [options]',
  description: `Where does this request go? Walks it through the dump of FILE as Envoy does: listener, filter chain,
route configuration, virtual host, route, cluster, endpoints. More files resolve what FILE lacks
(istioctl's per-type outputs). FILE may be - for standard input.
With --log, the request comes from an access-log line (Istio's default text or JSON format, or
Envoy's default format), and the trace says whether the dump explains it: the same upstream
cluster and the same answer (503 NC, 404 NR, 503 UH …), or where they part.`,
  flags: [
    { name: 'to', value: 'URL', help: 'http://HOST[:PORT]/PATH, https://HOST[:PORT]/PATH (TLS, SNI = HOST),\ntcp://HOST:PORT or HOST:PORT (TCP), tls://HOST:PORT. The destination IP is\nknown only when HOST is an IP address.' },
    { name: 'log', value: 'LINE', help: "An access-log line to explain instead of --to (- reads it from standard\ninput): Istio's default text or JSON format, or Envoy's default format.\nThe direction comes from the upstream cluster's Istio name unless --inbound." },
    { name: 'inbound', help: 'A connection to the pod (default: outbound, from the application).' },
    { name: 'header', short: 'H', value: 'K=V', multiple: true, help: 'A request header (repeatable; "K: V" works too). host=… replaces the Host header.' },
    { name: 'method', value: 'M', help: 'HTTP method (default GET).' },
    { name: 'sni', value: 'NAME', help: 'TLS server name to send (makes the connection TLS).' },
    { name: 'alpn', value: 'P,...', help: 'Application protocols offered (ALPN), e.g. h2,http/1.1.' },
    { name: 'random-value', value: 'N', help: "Envoy's random value for the request: picks the weighted cluster N % total\nweight falls in, and settles runtime fractions (N % denominator < share).\nWithout it every weighted branch is followed." },
    { name: 'runtime', value: 'KEY[=PERCENT]', multiple: true, help: 'A runtime value (repeatable): KEY at PERCENT (default 100) for the routes\nwhose runtime_fraction has that runtime_key.' },
    { name: 'metadata', value: 'NS=JSON', multiple: true, help: "Dynamic metadata of namespace NS (repeatable), for dynamic_metadata route\nmatches, e.g. envoy.lb='{\"canary\":true}'." },
    { name: 'internal', help: 'The request is internal (x-envoy-internal: true), which require_tls\nEXTERNAL_ONLY does not redirect.' },
    { name: 'format', value: 'text|json', help: 'Output (default text).' },
    MAX_SIZE,
  ],
  exitCodes: 'Exit codes: 0 the request reaches an upstream, 1 a dead end, 2 usage error, 3 unreadable or non-Envoy input.\nWith --log: 0 the dump explains the line, 1 it does not.',
  run,
};
