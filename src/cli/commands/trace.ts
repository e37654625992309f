/**
 * `envoy-lens trace FILE... --to URL|HOST:PORT [--inbound] [-H K=V]... [--method M] [--sni NAME] [--alpn P,...]
 *  [--random-value N] [--runtime KEY[=PERCENT]]... [--metadata NS=JSON]... [--internal] [--format text|json]`: where a request goes through the proxy whose dump is FILE (further files resolve what it
 * lacks, e.g. istioctl's per-type outputs). One line per hop with `path:line:col`, then the outcome.
 * Exit codes: 0 the request reaches an upstream, 1 a dead end, 2 usage, 3 an input that cannot be read or is not Envoy.
 */
import { analyze, LineIndex, Workspace } from '../../core/facade';
import { parseTarget, traceRequest, type Trace, type TraceHop } from '../../core/facade';
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

function run(values: Values, files: string[], io: Io): number {
  const to = str(values, 'to');
  const format = oneOf(values, 'format', ['text', 'json'] as const, 'text', 'trace');
  const headers = headersOf(values);
  const method = str(values, 'method');
  const alpn = str(values, 'alpn')?.split(',').map((s) => s.trim()).filter(Boolean);
  if (files.length === 0) throw new UsageError('trace needs a FILE.', 'trace');
  if (!to) throw new UsageError('trace needs --to URL|HOST:PORT.', 'trace');
  const maxBytes = maxSizeOf(values, 'trace');
  if (files.filter((f) => f === '-').length > 1) throw new UsageError('Standard input (-) can be read only once.', 'trace');
  let req;
  try {
    req = parseTarget(to, { direction: values.inbound === true ? 'inbound' : 'outbound', method, headers, sni: str(values, 'sni'), alpn });
  } catch (e) {
    throw new UsageError((e as Error).message, 'trace');
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
  const where = (h: TraceHop) => (h.span ? position(loaded.get(h.uri), h.span.start) : undefined);
  if (format === 'json') {
    const hops = trace.hops.map((h) => {
      const pos = where(h);
      const o: Record<string, unknown> = { kind: h.kind, name: h.name, path: h.uri || null, line: pos?.line ?? null, column: pos?.column ?? null, detail: h.detail };
      if (h.branch) o.branch = h.branch;
      if (h.rejected?.length) o.rejected = h.rejected;
      if (h.route) o.route = h.route;
      return o;
    });
    const oc = trace.outcome;
    const outcome: Record<string, unknown> = { ok: oc.ok, code: oc.code, message: oc.message };
    for (const k of ['status', 'flag', 'details', 'location', 'cluster', 'endpoint', 'closest'] as const) if (oc[k] !== undefined) outcome[k] = oc[k];
    io.out(JSON.stringify({ request: trace.request, hops, outcome, notes: trace.notes }, null, 2));
  } else {
    io.out(`${'request'.padEnd(KIND_WIDTH)} ${describeRequest(trace)}`);
    for (const h of trace.hops) {
      const pos = where(h);
      const loc = pos ? `  ${h.uri}:${pos.line}:${pos.column}` : '';
      const branch = h.branch ? `[${h.branch}] ` : '';
      const sep = h.detail.startsWith('(') ? ' ' : ': ';
      io.out(`${h.kind.padEnd(KIND_WIDTH)} ${branch}${h.name}${sep}${h.detail}${loc}`);
      const rej = h.rejected ?? [];
      for (const r of rej.slice(0, 6)) io.out(`${''.padEnd(KIND_WIDTH)}   ✗ ${r}`);
      if (rej.length > 6) io.out(`${''.padEnd(KIND_WIDTH)}   … ${rej.length - 6} more passed over`);
    }
    for (const n of trace.notes) io.out(`${'note'.padEnd(KIND_WIDTH)} ${n}`);
    io.out(trace.outcome.ok ? trace.outcome.message : `✗ ${trace.outcome.message}`);
  }
  return trace.outcome.ok ? 0 : 1;
}

export const traceCommand: Command = {
  name: 'trace',
  summary: 'Where a request goes: listener, filter chain, route configuration, virtual host, route, cluster, endpoints.',
  synopsis: 'FILE... --to URL|HOST:PORT [options]',
  description: `Where does this request go? Walks it through the dump of FILE as Envoy does: listener, filter chain,
route configuration, virtual host, route, cluster, endpoints. More files resolve what FILE lacks
(istioctl's per-type outputs). FILE may be - for standard input.`,
  flags: [
    { name: 'to', value: 'URL', help: 'http://HOST[:PORT]/PATH, https://HOST[:PORT]/PATH (TLS, SNI = HOST),\ntcp://HOST:PORT or HOST:PORT (TCP), tls://HOST:PORT. The destination IP is\nknown only when HOST is an IP address.' },
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
  exitCodes: 'Exit codes: 0 the request reaches an upstream, 1 a dead end, 2 usage error, 3 unreadable or non-Envoy input.',
  run,
};
