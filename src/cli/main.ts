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
import { runFetch } from './fetch';
import { readProblem } from './input';
import { runTrace } from './trace';


export const EXIT_OK = 0;
export const EXIT_PROBLEMS = 1;
export const EXIT_USAGE = 2;
export const EXIT_INPUT = 3;

const USAGE = `Usage: envoy-lens <command> [options] FILE...

Commands:
  check [--format text|json] [--fail-on error|warning|never] FILE...
        Check every cross-reference; prints path:line:col: severity code: message.
  summary FILE...
        Tables of listeners, routes, clusters and endpoints.
  refs FILE... --name NAME
        The definitions and every reference of NAME, as path:line:col kind.
  trace FILE... --to URL|HOST:PORT [--inbound] [--header K=V]... [--method M] [--sni NAME] [--alpn P,...] [--format text|json]
        Where a request goes: listener, filter chain, route configuration, virtual host, route, cluster, endpoints.
  fetch [--context C] [--namespace N] POD [-o FILE] [--yaml]
        [--method auto|exec|port-forward] [--admin-port P] [--kubeconfig PATH] [--fail-on ...]
        Fetch the live config dump of POD's istio-proxy through the Kubernetes API, save it
        (default <pod>.<namespace>.<UTC time>.config_dump.json) and check it like "check".

Options:
  -h, --help     Show this help.
  -v, --version  Show the version.

Exit codes: 0 no problem at or above --fail-on (trace: the request reaches an upstream), 1 problems found (trace: a
dead end), 2 usage error, 3 unreadable or non-Envoy input.`;

/** Output sinks, so tests can run the CLI in-process. */
export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

class UsageError extends Error {}

interface Parsed {
  command: string;
  files: string[];
  flags: Map<string, string>;
}

const VALUE_FLAGS = new Set(['--format', '--fail-on', '--name', '--context', '--namespace', '-o', '--output', '--method', '--admin-port', '--kubeconfig']);
const BOOLEAN_FLAGS = new Set(['--yaml']);

function parseArgs(argv: string[]): Parsed {
  const [command = '', ...rest] = argv;
  const files: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (a === '--') {
      files.push(...rest.slice(i + 1));
      break;
    }
    if (BOOLEAN_FLAGS.has(a)) {
      flags.set(a, 'true');
    } else if (a.startsWith('--') || a === '-o') {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(0, eq) : a;
      if (!VALUE_FLAGS.has(name)) throw new UsageError(`Unknown option ${name}.`);
      const value = eq > 0 ? a.slice(eq + 1) : rest[++i];
      if (value === undefined) throw new UsageError(`Option ${name} needs a value.`);
      flags.set(name, value);
    } else files.push(a);
  }
  return { command, files, flags };
}

interface Loaded {
  path: string;
  uri: string;
  bytes: Buffer;
  analysis: Analysis;
  lines?: LineIndex;
}

/** Reads and indexes the files; a file that cannot be read or is not Envoy gets one line on stderr. */
function load(files: string[], io: Io, endpointSamples?: number): { loaded: Loaded[]; failed: number; ws: Workspace } {
  const ws = new Workspace();
  const loaded: Loaded[] = [];
  let failed = 0;
  for (const p of files) {
    const reason = readProblem(p);
    if (typeof reason === 'string') {
      io.err(`envoy-lens: ${reason}`);
      failed++;
      continue;
    }
    const ext = path.extname(p).toLowerCase();
    const analysis = analyze(p, reason, { languageId: ext === '.yaml' || ext === '.yml' ? 'yaml' : 'json', endpointSamples });
    if (analysis.problems.some((x) => x.code === 'not-envoy')) {
      io.err(`envoy-lens: ${p} is not an Envoy config dump or config (no listeners, routes, clusters, endpoints or secrets found).`);
      failed++;
      continue;
    }
    ws.set(analysis);
    loaded.push({ path: p, uri: p, bytes: reason, analysis });
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
  const { loaded, failed, ws } = load(p.files, io);
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
  const { loaded, failed } = load(p.files, io);
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
  if (lines.length === 0) io.err(`envoy-lens: "${name}" is neither defined nor referenced in the given files.`);
  if (failed > 0) return EXIT_INPUT;
  return lines.length > 0 ? EXIT_OK : EXIT_PROBLEMS;
}

function runSummary(p: Parsed, io: Io): number {
  const { loaded, failed, ws } = load(p.files, io, Infinity);
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
  if (p.files.length !== 1) throw new UsageError('fetch needs exactly one POD.');
  const failOn = p.flags.get('--fail-on') ?? 'error';
  if (!['error', 'warning', 'never'].includes(failOn)) throw new UsageError(`--fail-on must be error, warning or never, not "${failOn}".`);
  const abort = new AbortController();
  // Ctrl+C cancels the transfer; nothing is written for an incomplete dump.
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  return runFetch(
    {
      pod: p.files[0],
      context: p.flags.get('--context'),
      namespace: p.flags.get('--namespace'),
      output: p.flags.get('-o') ?? p.flags.get('--output'),
      yaml: p.flags.has('--yaml'),
      method: p.flags.get('--method'),
      adminPort: p.flags.get('--admin-port'),
      kubeconfig: p.flags.get('--kubeconfig'),
      failOn,
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
    if (!['check', 'summary', 'refs', 'fetch'].includes(p.command)) throw new UsageError(`Unknown command "${p.command}".`);
    if (p.files.length === 0) throw new UsageError(`${p.command} needs at least one ${p.command === 'fetch' ? 'POD' : 'FILE'}.`);
    switch (p.command) {
      case 'fetch':
        return fetchCommand(p, io).catch((e: Error) => {
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
    if (e instanceof UsageError) {
      io.err(`envoy-lens: ${e.message} Run "envoy-lens --help" for usage.`);
      return EXIT_USAGE;
    }
    io.err(`envoy-lens: internal error: ${(e as Error).message}`);
    return EXIT_INPUT;
  }
}

/** Codes, for `--help` readers and tests that the README lists them all. */
export const CODES = DIAGNOSTIC_CODES;

if (require.main === module) {
  const write = (stream: NodeJS.WriteStream) => (s: string) => stream.write(s + '\n');
  void Promise.resolve(main(process.argv.slice(2), { out: write(process.stdout), err: write(process.stderr) })).then((code) => {
    process.exitCode = code;
  });
}
