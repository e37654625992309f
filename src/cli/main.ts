/**
 * `envoy-lens`: the core from a terminal and from CI. Reads files as bytes (the scanner never decodes a file just to
 * index it), puts them in one workspace so istioctl's per-type outputs resolve into each other, and prints.
 * Exit codes: 0 fine, 1 a problem at or above --fail-on, 2 usage error, 3 an input that cannot be read or is not Envoy.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  analyze,
  check,
  DIAGNOSTIC_CODES,
  LineIndex,
  renderSummary,
  Workspace,
  type Analysis,
  type Diagnostic,
  type Severity,
} from '../core/facade';
import { DEFAULT_TIMEOUT_MS, isFilterValue } from '../kube/index';
import { runFetch } from './fetch';
import { DEFAULT_MAX_MB, notEnvoyMessage, parseMaxSize, readInput } from './input';
import { runTrace } from './trace';


export const EXIT_OK = 0;
export const EXIT_PROBLEMS = 1;
export const EXIT_USAGE = 2;
export const EXIT_INPUT = 3;

const USAGE = `Usage: envoy-lens <command> [options] FILE...

Commands:
  check [--format text|json] [--fail-on error|warning|never] [--max-size MB] FILE...
        Check every cross-reference; prints path:line:col: severity code: message.
  summary [--max-size MB] FILE...
        Tables of listeners, routes, clusters and endpoints.
  refs FILE... --name NAME [--max-size MB]
        The definitions and every reference of NAME, as path:line:col kind.
  trace FILE... --to URL|HOST:PORT [--inbound] [--header K=V]... [--method M] [--sni NAME] [--alpn P,...] [--format text|json]
        Where a request goes: listener, filter chain, route configuration, virtual host, route, cluster, endpoints.
  fetch [--context C] [--namespace N] POD [-o FILE] [--yaml] [--resource NAME] [--mask FIELDS] ...
        Fetch the live config dump of POD's istio-proxy through the Kubernetes API, save it
        (default <pod>.<namespace>.<UTC time>.config_dump.json) and check it like "check".
        "envoy-lens fetch --help" lists all its options.

FILE may be - for standard input. Inputs larger than --max-size megabytes (default ${DEFAULT_MAX_MB}) are refused.

Options:
  -h, --help     Show this help ("envoy-lens COMMAND --help" for one command).
  -v, --version  Show the version.

Exit codes: 0 no problem at or above --fail-on (trace: the request reaches an upstream), 1 problems found (trace: a
dead end), 2 usage error, 3 unreadable, empty, too large or non-Envoy input, or a failed fetch. When the reader of
the output goes away (envoy-lens check ... | head), the CLI stops quietly with 141, as a Unix tool killed by SIGPIPE.`;

const COMMAND_USAGE: Record<string, string> = {
  check: `Usage: envoy-lens check [options] FILE...

Checks every cross-reference of the dumps in FILE... (one workspace; - reads standard input) and prints one line
per finding: path:line:col: severity code: message.

  --format text|json            Output (default text); json prints one object {files, problems}.
  --fail-on error|warning|never Exit 1 when a finding of this severity or worse exists (default error).
  --max-size MB                 Refuse inputs larger than this many megabytes (default ${DEFAULT_MAX_MB}).

Exit codes: 0 no finding at or above --fail-on, 1 there is one, 2 usage error, 3 an input could not be used.`,
  summary: `Usage: envoy-lens summary [options] FILE...

Prints istioctl-style tables of listeners, routes, clusters, endpoints and secrets (- reads standard input).

  --max-size MB                 Refuse inputs larger than this many megabytes (default ${DEFAULT_MAX_MB}).

Exit codes: 0 printed, 2 usage error, 3 an input could not be used.`,
  refs: `Usage: envoy-lens refs FILE... --name NAME [options]

Prints every definition and reference of NAME as path:line:col kind definition|reference (- reads standard input).

  --name NAME                   The name to look for (required).
  --max-size MB                 Refuse inputs larger than this many megabytes (default ${DEFAULT_MAX_MB}).

Exit codes: 0 found, 1 not found, 2 usage error, 3 an input could not be used.`,
  fetch: `Usage: envoy-lens fetch [options] POD

Fetches the live config dump of POD's istio-proxy through the Kubernetes API (exec pilot-agent or curl, else a
port-forward to the admin port), saves it once it arrived whole and is valid JSON, then checks it like "check".

  --context C                   Kubeconfig context (default: the current context).
  --namespace N                 Namespace of POD (default: the context's namespace, else "default").
  -o, --output FILE             Where to save (default <pod>.<namespace>.<UTC time>.config_dump.json, or .yaml);
                                missing folders are created; the file is replaced only once the dump is complete.
  --yaml                        Save as YAML instead of the JSON Envoy sent.
  --resource NAME               Only this repeated field of the dump, e.g. dynamic_active_clusters
                                (Envoy's config_dump?resource=); endpoint configs come with include_eds, always sent.
  --mask FIELDS                 Only these fields, comma-separated, e.g. cluster.name (config_dump?mask=); with
                                --resource it applies to each resource, else to each top-level dump.
  --method auto|exec|port-forward  How to reach Envoy's admin (default auto: exec, then port-forward).
  --admin-port P                Envoy's admin port (default: the pod's proxyAdminPort annotation, else 15000).
  --kubeconfig PATH             Kubeconfig file(s), like KUBECONFIG (default: KUBECONFIG, else ~/.kube/config).
  --timeout S                   Give up after this many seconds, credential plugins included (default ${DEFAULT_TIMEOUT_MS / 1000}; 0 waits).
  --max-size MB                 Stop when the dump passes this many megabytes (default ${DEFAULT_MAX_MB}).
  --fail-on error|warning|never Exit 1 when a finding of this severity or worse exists (default error).

Exit codes: 0 saved, no finding at or above --fail-on; 1 saved, with one; 2 usage error; 3 the fetch or the save
failed (one sentence on stderr, nothing written under the final name).`,
};

/** Output sinks, so tests can run the CLI in-process. */
export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

class UsageError extends Error {
  constructor(message: string, readonly command?: string) {
    super(message);
  }
}

interface Parsed {
  command: string;
  files: string[];
  flags: Map<string, string>;
  help: boolean;
}

/** Options each command takes (value options, then boolean ones); anything else is a usage error. */
const COMMAND_FLAGS: Record<string, { values: string[]; booleans: string[] }> = {
  check: { values: ['--format', '--fail-on', '--max-size'], booleans: [] },
  summary: { values: ['--max-size'], booleans: [] },
  refs: { values: ['--name', '--max-size'], booleans: [] },
  fetch: {
    values: ['--context', '--namespace', '-o', '--output', '--method', '--admin-port', '--kubeconfig', '--fail-on',
      '--timeout', '--max-size', '--resource', '--mask'],
    booleans: ['--yaml'],
  },
};

function parseArgs(argv: string[]): Parsed {
  const [command = '', ...rest] = argv;
  const known = COMMAND_FLAGS[command];
  if (!known) throw new UsageError(`Unknown command "${command}".`);
  const files: string[] = [];
  const flags = new Map<string, string>();
  let help = false;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === '--') {
      files.push(...rest.slice(i + 1));
      break;
    }
    if (a === '-h' || a === '--help') {
      help = true;
    } else if (known.booleans.includes(a)) {
      flags.set(a, 'true');
    } else if (a.startsWith('--') || (a.startsWith('-') && a !== '-')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(0, eq) : a;
      if (!known.values.includes(name)) throw new UsageError(`Unknown option ${name} for ${command}.`, command);
      const value = eq > 0 ? a.slice(eq + 1) : rest[++i];
      if (value === undefined) throw new UsageError(`Option ${name} needs a value.`, command);
      flags.set(name === '--output' ? '-o' : name, value);
    } else files.push(a);
  }
  return { command, files, flags, help };
}

/** --max-size in bytes; a usage error for anything but a positive number. */
function maxSizeOf(p: Parsed): number {
  const bytes = parseMaxSize(p.flags.get('--max-size'));
  if (bytes === undefined) throw new UsageError(`--max-size must be a positive number of megabytes, not "${p.flags.get('--max-size')}".`, p.command);
  return bytes;
}

interface Loaded {
  path: string;
  uri: string;
  bytes: Buffer;
  analysis: Analysis;
  lines?: LineIndex;
}

/** Reads and indexes the files; a file that cannot be read or is not Envoy gets one line on stderr. */
function load(files: string[], io: Io, maxBytes: number, endpointSamples?: number): { loaded: Loaded[]; failed: number; ws: Workspace } {
  if (files.filter((f) => f === '-').length > 1) throw new UsageError('Standard input (-) can be read only once.');
  const ws = new Workspace();
  const loaded: Loaded[] = [];
  let failed = 0;
  for (const p of files) {
    const input = readInput(p, maxBytes);
    if (typeof input === 'string') {
      io.err(`envoy-lens: ${input}`);
      failed++;
      continue;
    }
    const analysis = analyze(input.name, input.bytes, { languageId: input.languageId, endpointSamples });
    if (analysis.problems.some((x) => x.code === 'not-envoy')) {
      io.err(`envoy-lens: ${notEnvoyMessage(input.name, input.bytes, analysis)}`);
      failed++;
      continue;
    }
    ws.set(analysis);
    loaded.push({ path: input.name, uri: input.name, bytes: input.bytes, analysis });
  }
  return { loaded, failed, ws };
}

function linesOf(l: Loaded): LineIndex {
  // Decode as analyze() did: YAML text loses a leading BOM there (TextDecoder), JSON bytes keep it as one unit.
  l.lines ??= new LineIndex(l.analysis.format === 'yaml' ? new TextDecoder().decode(l.bytes) : l.bytes.toString('utf8'));
  return l.lines;
}

const RANK: Record<Severity, number> = { error: 3, warning: 2, information: 1, hint: 0 };

function counts(a: Analysis): Record<string, number> {
  const c = { listeners: 0, routeConfigs: 0, virtualHosts: 0, routes: 0, clusters: 0, endpointConfigs: 0, secrets: 0 };
  // Envoy lists inline route configurations again under static_route_configs: count them once.
  const skipInline = a.complete.has('routeConfig');
  const inInline = (i: number): boolean => {
    for (let p = i; p >= 0; p = a.defs[p].parent) if (a.defs[p].kind === 'routeConfig') return a.defs[p].state === 'inline';
    return false;
  };
  for (let i = 0; i < a.defs.length; i++) {
    const d = a.defs[i];
    if (d.group !== 'main') continue;
    if (skipInline && (d.kind === 'routeConfig' || d.kind === 'virtualHost' || d.kind === 'route') && inInline(i)) continue;
    switch (d.kind) {
      case 'listener':
        c.listeners++;
        break;
      case 'routeConfig':
        c.routeConfigs++;
        break;
      case 'virtualHost':
        c.virtualHosts++;
        break;
      case 'route':
        c.routes++;
        break;
      case 'cluster':
        c.clusters++;
        break;
      case 'endpoints':
        c.endpointConfigs++;
        break;
      case 'secret':
        c.secrets++;
        break;
      default:
        break;
    }
  }
  return c;
}

function runCheck(p: Parsed, io: Io): number {
  const format = p.flags.get('--format') ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, not "${format}".`);
  const failOn = p.flags.get('--fail-on') ?? 'error';
  if (failOn !== 'error' && failOn !== 'warning' && failOn !== 'never') {
    throw new UsageError(`--fail-on must be error, warning or never, not "${failOn}".`);
  }
  const { loaded, failed, ws } = load(p.files, io, maxSizeOf(p));
  const problems: Array<{ l: Loaded; d: Diagnostic }> = [];
  for (const l of loaded) for (const d of check(ws, l.uri)) problems.push({ l, d });
  const rows = problems.map(({ l, d }) => {
    const li = linesOf(l);
    const s = li.positionAt(d.span.start);
    const e = li.positionAt(d.span.end);
    return {
      path: l.path,
      line: s.line + 1,
      column: s.character + 1,
      endLine: e.line + 1,
      endColumn: e.character + 1,
      severity: d.severity,
      code: d.code,
      message: d.message,
    };
  });
  if (format === 'json') {
    const files = loaded.map((l) => ({ path: l.path, shape: l.analysis.shape, counts: counts(l.analysis) }));
    io.out(JSON.stringify({ files, problems: rows }, null, 2));
  } else {
    for (const r of rows) io.out(`${r.path}:${r.line}:${r.column}: ${r.severity} ${r.code}: ${r.message}`);
  }
  if (failed > 0) return EXIT_INPUT;
  if (failOn === 'never') return EXIT_OK;
  const threshold = RANK[failOn as Severity];
  return problems.some(({ d }) => RANK[d.severity] >= threshold) ? EXIT_PROBLEMS : EXIT_OK;
}

function runRefs(p: Parsed, io: Io): number {
  const name = p.flags.get('--name');
  if (name === undefined || name === '') throw new UsageError('refs needs --name NAME.');
  const { loaded, failed } = load(p.files, io, maxSizeOf(p));
  const byUri = new Map(loaded.map((l) => [l.uri, l]));
  const lines: Array<{ l: Loaded; start: number; text: string }> = [];
  for (const l of loaded) {
    for (const d of l.analysis.defs) {
      if (d.name === name) lines.push({ l, start: d.nameSpan.start, text: `${d.kind} definition (${d.section})` });
    }
    for (const r of l.analysis.refs) {
      if (r.name === name) lines.push({ l, start: r.span.start, text: `${r.kind} reference (${r.via})` });
    }
  }
  lines.sort((a, b) => (a.l === b.l ? a.start - b.start : loaded.indexOf(a.l) - loaded.indexOf(b.l)));
  for (const x of lines) {
    const pos = linesOf(byUri.get(x.l.uri)!).positionAt(x.start);
    io.out(`${x.l.path}:${pos.line + 1}:${pos.character + 1} ${x.text}`);
  }
  if (lines.length === 0 && failed === 0) io.err(`envoy-lens: "${name}" is neither defined nor referenced in the given files.`);
  if (failed > 0) return EXIT_INPUT;
  return lines.length > 0 ? EXIT_OK : EXIT_PROBLEMS;
}

function runSummary(p: Parsed, io: Io): number {
  const { loaded, failed, ws } = load(p.files, io, maxSizeOf(p), Infinity);
  for (const l of loaded) io.out(renderSummary(ws, l.analysis, loaded.length > 1 ? l.path : undefined));
  return failed > 0 ? EXIT_INPUT : EXIT_OK;
}

function version(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return 'unknown';
  }
}

function fetchCommand(p: Parsed, io: Io): Promise<number> {
  if (p.files.length !== 1) throw new UsageError('fetch needs exactly one POD.', 'fetch');
  const failOn = p.flags.get('--fail-on') ?? 'error';
  if (!['error', 'warning', 'never'].includes(failOn)) throw new UsageError(`--fail-on must be error, warning or never, not "${failOn}".`, 'fetch');
  const timeout = p.flags.get('--timeout');
  const seconds = timeout === undefined ? DEFAULT_TIMEOUT_MS / 1000 : Number(timeout);
  if (timeout !== undefined && (timeout.trim() === '' || !Number.isFinite(seconds) || seconds < 0)) {
    throw new UsageError(`--timeout must be a number of seconds (0 waits as long as it takes), not "${timeout}".`, 'fetch');
  }
  for (const flag of ['--resource', '--mask']) {
    const value = p.flags.get(flag);
    if (value !== undefined && !isFilterValue(value)) {
      throw new UsageError(`${flag} takes field names (letters, digits, "_", ".", "," and "-"), not "${value}".`, 'fetch');
    }
  }
  const abort = new AbortController();
  // Ctrl+C cancels the transfer; nothing is written for an incomplete dump.
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  return runFetch(
    {
      pod: p.files[0],
      context: p.flags.get('--context'),
      namespace: p.flags.get('--namespace'),
      output: p.flags.get('-o'),
      yaml: p.flags.has('--yaml'),
      method: p.flags.get('--method'),
      adminPort: p.flags.get('--admin-port'),
      kubeconfig: p.flags.get('--kubeconfig'),
      failOn,
      timeoutMs: seconds * 1000,
      maxBytes: maxSizeOf(p),
      resource: p.flags.get('--resource'),
      mask: p.flags.get('--mask'),
      progress: process.stderr.isTTY ? (line) => io.err(`envoy-lens: ${line}`) : undefined,
      signal: abort.signal,
    },
    io,
  ).finally(() => process.removeListener('SIGINT', onSigint));
}

/** Runs the CLI; returns the exit code (a promise for `fetch`, which talks to a cluster). */
export function main(argv: string[], io: Io): number | Promise<number> {
  try {
    if (argv.length === 0 || argv[0] === '-h' || argv[0] === '--help' || argv[0] === 'help') {
      const topic = argv[0] === 'help' ? argv[1] : undefined;
      if (topic === 'trace') return runTrace(['--help'], io);
      if (topic !== undefined && COMMAND_USAGE[topic]) {
        io.out(COMMAND_USAGE[topic]);
        return EXIT_OK;
      }
      (argv.length === 0 ? io.err : io.out)(USAGE);
      return argv.length === 0 ? EXIT_USAGE : EXIT_OK;
    }
    if (argv[0] === '-v' || argv[0] === '--version') {
      io.out(version());
      return EXIT_OK;
    }
    // trace parses its own flags (repeated --header), which parseArgs would reject.
    if (argv[0] === 'trace') return runTrace(argv.slice(1), io);
    const p = parseArgs(argv);
    if (p.help) {
      io.out(COMMAND_USAGE[p.command]);
      return EXIT_OK;
    }
    if (p.files.length === 0) throw new UsageError(`${p.command} needs at least one ${p.command === 'fetch' ? 'POD' : 'FILE'}.`, p.command);
    switch (p.command) {
      case 'fetch':
        return fetchCommand(p, io).catch((e: Error) => {
          if (e instanceof UsageError) return usage(e, io);
          io.err(`envoy-lens: internal error: ${e.message}`);
          return EXIT_INPUT;
        });
      case 'check':
        return runCheck(p, io);
      case 'refs':
        return runRefs(p, io);
      default:
        return runSummary(p, io);
    }
  } catch (e) {
    if (e instanceof UsageError) return usage(e, io);
    io.err(`envoy-lens: internal error: ${(e as Error).message}`);
    return EXIT_INPUT;
  }
}

function usage(e: UsageError, io: Io): number {
  io.err(`envoy-lens: ${e.message} Run "envoy-lens ${e.command ? `${e.command} ` : ''}--help" for usage.`);
  return EXIT_USAGE;
}

/** Codes, for `--help` readers and tests that the README lists them all. */
export const CODES = DIAGNOSTIC_CODES;

/** Exit status when the reader of the output goes away (`envoy-lens check … | head`): 128 + SIGPIPE, what a shell
 *  reports for a Unix tool killed by SIGPIPE (Node ignores the signal and reports EPIPE instead). */
export const EXIT_PIPE = 141;

/** Runs main() as the `envoy-lens` program: exit codes, a closed pipe and anything unexpected without a stack trace. */
function runAsProgram(): void {
  let closed = false;
  const onWriteError = (e: NodeJS.ErrnoException): void => {
    closed = true;
    if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') {
      // Anything else (a full disk behind a redirect): say so on stderr if it still works, once.
      try {
        fs.writeSync(2, `envoy-lens: the output cannot be written (${e.code ?? e.message}).\n`);
      } catch { /* stderr is gone too */ }
      process.exit(EXIT_INPUT);
    }
    process.exit(EXIT_PIPE);
  };
  process.stdout.on('error', onWriteError);
  process.stderr.on('error', onWriteError);
  const fatal = (e: unknown): void => {
    const debug = !!process.env.ENVOY_LENS_DEBUG;
    const text = e instanceof Error ? (debug ? e.stack ?? e.message : e.message) : String(e);
    try {
      fs.writeSync(2, `envoy-lens: internal error: ${debug ? text : text.split('\n')[0]}${debug ? '' : ' (set ENVOY_LENS_DEBUG=1 for the stack trace)'}\n`);
    } catch { /* stderr is gone */ }
    process.exit(EXIT_INPUT);
  };
  process.on('uncaughtException', fatal);
  process.on('unhandledRejection', fatal);
  const write = (stream: NodeJS.WriteStream) => (s: string): void => {
    if (!closed) stream.write(s + '\n');
  };
  void Promise.resolve(main(process.argv.slice(2), { out: write(process.stdout), err: write(process.stderr) })).then((code) => {
    process.exitCode = code;
  }, fatal);
}

if (require.main === module) runAsProgram();
