/**
 * `envoy-lens trace FILE... --to URL|HOST:PORT [--inbound] [--header K=V]... [--method M] [--sni NAME]
 *  [--alpn P,...] [--format text|json]`: where a request goes through the proxy whose dump is FILE (further files
 * resolve what it lacks, e.g. istioctl's per-type outputs). One line per hop with `path:line:col`, then the outcome.
 * Exit codes: 0 the request reaches an upstream, 1 a dead end, 2 usage, 3 an input that cannot be read or is not Envoy.
 */
import { analyze, LineIndex, Workspace } from '../core/facade';
import { parseTarget, traceRequest, type Trace, type TraceHop } from '../core/trace';
import { DEFAULT_MAX_MB, notEnvoyMessage, parseMaxSize, readInput } from './input';

/** Output sinks (the same shape as the CLI's Io). */
export interface TraceIo {
  out: (s: string) => void;
  err: (s: string) => void;
}

export const TRACE_USAGE = `Usage: envoy-lens trace FILE... --to URL|HOST:PORT [options]

Where does this request go? Walks it through the dump of FILE as Envoy does: listener, filter chain,
route configuration, virtual host, route, cluster, endpoints. More files resolve what FILE lacks
(istioctl's per-type outputs).

  --to URL            http://HOST[:PORT]/PATH, https://HOST[:PORT]/PATH (TLS, SNI = HOST),
                      tcp://HOST:PORT or HOST:PORT (TCP), tls://HOST:PORT. The destination IP is
                      known only when HOST is an IP address.
  --inbound           A connection to the pod (default: outbound, from the application).
  --header K=V        A request header (repeatable; "K: V" works too). host=… replaces the Host header.
  --method M          HTTP method (default GET).
  --sni NAME          TLS server name to send (makes the connection TLS).
  --alpn P,...        Application protocols offered (ALPN), e.g. h2,http/1.1.
  --format text|json  Output (default text).
  --max-size MB       Refuse inputs larger than this many megabytes (default ${DEFAULT_MAX_MB}).

FILE may be - for standard input.

Exit codes: 0 the request reaches an upstream, 1 a dead end, 2 usage error, 3 unreadable or non-Envoy input.`;

class UsageError extends Error {}

interface Args {
  files: string[];
  to?: string;
  inbound: boolean;
  headers: Record<string, string>;
  method?: string;
  sni?: string;
  alpn?: string[];
  format: 'text' | 'json';
  maxSize?: string;
}

function parseArgs(argv: string[]): Args | 'help' {
  const a: Args = { files: [], inbound: false, headers: {}, format: 'text' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') return 'help';
    if (arg === '--') {
      a.files.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '--inbound') {
      a.inbound = true;
      continue;
    }
    if (!arg.startsWith('-') || arg === '-') {
      a.files.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = (eq > 0 ? arg.slice(0, eq) : arg).replace(/^-H$/, '--header');
    if (!['--to', '--header', '-H', '--method', '--sni', '--alpn', '--format', '--max-size'].includes(name)) throw new UsageError(`Unknown option ${name}.`);
    const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new UsageError(`Option ${name} needs a value.`);
    switch (name) {
      case '--to':
        a.to = value;
        break;
      case '--header': {
        const m = /^([^=:]+)\s*[=:]\s*(.*)$/.exec(value);
        if (!m) throw new UsageError(`--header needs NAME=VALUE, not "${value}".`);
        const k = m[1].trim().toLowerCase();
        // A repeated header is one value joined with commas, as Envoy's header matchers see it.
        a.headers[k] = k in a.headers ? `${a.headers[k]},${m[2]}` : m[2];
        break;
      }
      case '--method':
        a.method = value;
        break;
      case '--sni':
        a.sni = value;
        break;
      case '--max-size':
        a.maxSize = value;
        break;
      case '--alpn':
        a.alpn = value.split(',').map((s) => s.trim()).filter(Boolean);
        break;
      default:
        if (value !== 'text' && value !== 'json') throw new UsageError(`--format must be text or json, not "${value}".`);
        a.format = value;
        break;
    }
  }
  return a;
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

/** Runs `envoy-lens trace`; `args` are the arguments after the command word. */
export function runTrace(args: string[], io: TraceIo): number {
  let a: Args | 'help';
  try {
    a = parseArgs(args);
  } catch (e) {
    io.err(`envoy-lens: ${(e as Error).message} Run "envoy-lens trace --help" for usage.`);
    return 2;
  }
  if (a === 'help') {
    io.out(TRACE_USAGE);
    return 0;
  }
  const usage = (msg: string): number => {
    io.err(`envoy-lens: ${msg} Run "envoy-lens trace --help" for usage.`);
    return 2;
  };
  if (a.files.length === 0) return usage('trace needs a FILE.');
  if (!a.to) return usage('trace needs --to URL|HOST:PORT.');
  const maxBytes = parseMaxSize(a.maxSize);
  if (maxBytes === undefined) return usage(`--max-size must be a positive number of megabytes, not "${a.maxSize}".`);
  if (a.files.filter((f) => f === '-').length > 1) return usage('Standard input (-) can be read only once.');
  let req;
  try {
    req = parseTarget(a.to, {
      direction: a.inbound ? 'inbound' : 'outbound',
      method: a.method,
      headers: a.headers,
      sni: a.sni,
      alpn: a.alpn,
    });
  } catch (e) {
    return usage((e as Error).message);
  }
  if (!req.http && (a.method || Object.keys(a.headers).length)) return usage('--method and --header need an http:// or https:// target.');
  const ws = new Workspace();
  const loaded = new Map<string, Loaded>();
  const names: string[] = [];
  for (const p of a.files) {
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
  if (a.format === 'json') {
    const hops = trace.hops.map((h) => {
      const pos = where(h);
      const o: Record<string, unknown> = { kind: h.kind, name: h.name, path: h.uri || null, line: pos?.line ?? null, column: pos?.column ?? null, detail: h.detail };
      if (h.branch) o.branch = h.branch;
      if (h.rejected?.length) o.rejected = h.rejected;
      return o;
    });
    const outcome: Record<string, unknown> = { ok: trace.outcome.ok };
    if (trace.outcome.code) outcome.code = trace.outcome.code;
    outcome.message = trace.outcome.message;
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
