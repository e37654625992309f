/**
 * `envoy-lens`: the core from a terminal and from CI. Reads files as bytes (the scanner never decodes a file just to
 * index it), puts them in one workspace so istioctl's per-type outputs resolve into each other, and prints.
 * Commands are a table (src/cli/commands); this file dispatches to them and runs the program.
 * Exit codes: 0 fine, 1 a problem at or above --fail-on, 2 usage error, 3 an input that cannot be read or is not Envoy,
 * 141 the reader of the output went away.
 */
import * as fs from 'node:fs';
import { DIAGNOSTIC_CODES } from '../core/facade';
import { didYouMean, EXIT_INPUT, EXIT_OK, EXIT_PIPE, EXIT_USAGE, runCommand, usageOf, type Io } from './command';
import { COMMANDS, findCommand } from './commands/index';
import { packageJson, wantColour } from './formats';
import { DEFAULT_MAX_MB } from './input';

export { EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_INPUT, EXIT_PIPE } from './command';
export type { Io } from './command';

/** `envoy-lens --help`: the commands, from the table. */
export function topUsage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 4;
  const list = COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`).join('\n');
  return `Usage: envoy-lens <command> [options] FILE...

Commands:
${list}

FILE may be - for standard input, or a directory (the Envoy dumps in it; --recursive descends). Inputs larger
than --max-size megabytes (default ${DEFAULT_MAX_MB}) are refused.

Options:
  -h, --help     Show this help ("envoy-lens help COMMAND" or "envoy-lens COMMAND --help" for one command).
  -v, --version  Show the version (so does "envoy-lens version", as in kubectl and istioctl).

Exit codes: 0 no problem at or above --fail-on (trace: the request reaches an upstream), 1 problems found (trace: a
dead end), 2 usage error, 3 unreadable, empty, too large or non-Envoy input, or a failed fetch. When the reader of
the output goes away (envoy-lens check ... | head), the CLI stops quietly with 141, as a Unix tool killed by SIGPIPE.`;
}

function usageError(message: string, io: Io): number {
  io.err(`envoy-lens: ${message} Run "envoy-lens --help" for usage.`);
  return EXIT_USAGE;
}

/** Every name and alias of the command table, for suggestions. */
function commandNames(): string[] {
  return COMMANDS.flatMap((c) => [c.name, ...(c.aliases ?? [])]);
}

/** Runs the CLI; returns the exit code (a promise for `fetch`, which talks to a cluster). */
export function main(argv: string[], io: Io): number | Promise<number> {
  const [first, ...rest] = argv;
  try {
    if (first === undefined) {
      io.err(topUsage());
      return EXIT_USAGE;
    }
    if (first === '-h' || first === '--help') {
      io.out(topUsage());
      return EXIT_OK;
    }
    if (first === 'help') {
      if (rest.length === 0) {
        io.out(topUsage());
        return EXIT_OK;
      }
      const c = findCommand(rest[0]);
      if (!c) return usageError(`Unknown command "${rest[0]}".${didYouMean(rest[0], commandNames())}`, io);
      io.out(usageOf(c));
      return EXIT_OK;
    }
    if (first === '-v' || first === '--version' || first === 'version') {
      io.out(packageJson().version ?? 'unknown');
      return EXIT_OK;
    }
    const c = findCommand(first);
    if (!c) return usageError(first.startsWith('-') ? `Unknown option ${first}.` : `Unknown command "${first}".${didYouMean(first, commandNames())}`, io);
    return runCommand(c, rest, io);
  } catch (e) {
    io.err(`envoy-lens: internal error: ${(e as Error).message}`);
    return EXIT_INPUT;
  }
}

/** Codes, for `--help` readers and tests that the README lists them all. */
export const CODES = DIAGNOSTIC_CODES;

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
  const io: Io = {
    out: write(process.stdout),
    err: write(process.stderr),
    colour: wantColour(!!process.stdout.isTTY, process.env),
    errIsTerminal: !!process.stderr.isTTY,
  };
  void Promise.resolve(main(process.argv.slice(2), io)).then((code) => {
    process.exitCode = code;
  }, fatal);
}

if (require.main === module) runAsProgram();
