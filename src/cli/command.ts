/**
 * The CLI's one command shape and one parser. Each command (src/cli/commands/<name>.ts) is a table entry: its name,
 * a one-line summary, what its operands are, its flags, and run(). Flags are parsed by node:util's parseArgs
 * (strict), help text is generated from the same table, so a flag cannot be listed without being read, or read
 * without being listed.
 */
import { parseArgs } from 'node:util';
import { closest, editDistance } from '../core/facade';

export const EXIT_OK = 0;
export const EXIT_PROBLEMS = 1;
export const EXIT_USAGE = 2;
export const EXIT_INPUT = 3;
/** Exit status when the reader of the output goes away (`envoy-lens check … | head`): 128 + SIGPIPE, what a shell
 *  reports for a Unix tool killed by SIGPIPE (Node ignores the signal and reports EPIPE instead). */
export const EXIT_PIPE = 141;

/** Output sinks, so tests can run the CLI in-process, and what the terminal allows. */
export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  /** Colour the text output (a terminal, NO_COLOR unset, or FORCE_COLOR). Default off. */
  colour?: boolean;
  /** stderr is a terminal: progress and counts go there. Default off. */
  errIsTerminal?: boolean;
}

export class UsageError extends Error {
  constructor(message: string, readonly command?: string) {
    super(message);
  }
}

export interface Flag {
  /** Long name without the dashes. */
  name: string;
  short?: string;
  /** The value's placeholder (`MB`, `FILE`); absent for a boolean flag. */
  value?: string;
  multiple?: boolean;
  /** Help text; may hold several lines (joined with the flag's indentation). */
  help: string;
}

export type Values = Record<string, string | boolean | string[] | undefined>;

export interface Command {
  name: string;
  /** One line for `envoy-lens --help`. */
  summary: string;
  /** The synopsis after `envoy-lens NAME`, e.g. `[options] FILE...`. */
  synopsis: string;
  /** Paragraph(s) between the usage line and the flags. */
  description: string;
  flags: Flag[];
  /** Other names `envoy-lens NAME` and `envoy-lens help NAME` accept (`proxy-config` for `pc`). */
  aliases?: string[];
  /** Rewrites the arguments before parsing (`pc` reads a bare `--verbose` as `--verbose=true`, as istioctl does). */
  preprocess?(args: string[]): string[];
  /** The Exit codes paragraph. */
  exitCodes: string;
  run(values: Values, operands: string[], io: Io): number | Promise<number>;
}

const FLAG_COLUMN = 32;

function flagLabel(f: Flag): string {
  const names = f.short ? `-${f.short}, --${f.name}` : `--${f.name}`;
  return f.value ? `${names} ${f.value}` : names;
}

/** The text `envoy-lens NAME --help` prints. */
export function usageOf(c: Command): string {
  const rows = c.flags.map((f) => {
    const label = `  ${flagLabel(f)}`;
    const [first, ...rest] = f.help.split('\n');
    const head = label.length < FLAG_COLUMN ? `${label.padEnd(FLAG_COLUMN)}${first}` : `${label}  ${first}`;
    return [head, ...rest.map((r) => `${''.padEnd(FLAG_COLUMN)}${r}`)].join('\n');
  });
  rows.push(`${'  -h, --help'.padEnd(FLAG_COLUMN)}Show this help.`);
  const aka = c.aliases?.length ? ` (alias: ${c.aliases.join(', ')})` : '';
  return `Usage: envoy-lens ${c.name} ${c.synopsis}${aka}\n\n${c.description}\n\n${rows.join('\n')}\n\n${c.exitCodes}`;
}

/**
 * ` Did you mean "check"?` when `word` is a slip of one of `known`: within one edit per three characters (none for a
 * word under three), as git and kubectl suggest; else the empty string.
 */
export function didYouMean(word: string, known: readonly string[], quote: (s: string) => string = (s) => `"${s}"`): string {
  const [best] = closest(word, known, 1);
  if (best === undefined) return '';
  const d = editDistance(word, best);
  return d > 0 && d <= Math.floor(word.length / 3) ? ` Did you mean ${quote(best)}?` : '';
}

/** parseArgs's sentences name options as `'--x <value>'` and go on for lines: say it in one sentence of ours. */
function usageSentence(e: Error & { code?: string }, c: Command): string {
  // `'-r, --recursive'`, `'--name <value>'`: the long name alone.
  const quoted = (/'([^']+)'/.exec(e.message)?.[1] ?? '').replace(/ <value>$/, '').split(', ').pop() ?? '';
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `Unknown option ${quoted} for ${c.name}.${quoted.startsWith('--') ? didYouMean(quoted.slice(2), ['help', ...c.flags.map((f) => f.name)], (s) => `--${s}`) : ''}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      if (/does not take an argument/.test(e.message)) return `Option ${quoted} takes no value.`;
      if (/ambiguous/.test(e.message)) return `Option ${quoted} needs a value (write ${quoted}=-VALUE for one starting with "-").`;
      return `Option ${quoted} needs a value.`;
    default:
      return e.message.split('\n')[0];
  }
}

export interface Parsed {
  values: Values;
  operands: string[];
  help: boolean;
}

/** Parses the arguments after the command word; a UsageError (exit 2) for anything the table does not list. */
export function parseCommand(c: Command, args: string[]): Parsed {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const f of c.flags) {
    options[f.name] = { type: f.value ? 'string' : 'boolean', ...(f.short ? { short: f.short } : {}), ...(f.multiple ? { multiple: true } : {}) };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: c.preprocess ? c.preprocess(args) : args, options, strict: true, allowPositionals: true });
  } catch (e) {
    throw new UsageError(usageSentence(e as Error & { code?: string }, c), c.name);
  }
  const values = parsed.values as Values;
  return { values, operands: parsed.positionals, help: values.help === true };
}

/** Runs one command: parse, --help, run; usage errors become one sentence and exit 2. */
export function runCommand(c: Command, args: string[], io: Io): number | Promise<number> {
  const onError = (e: unknown): number => {
    if (e instanceof UsageError) {
      io.err(`envoy-lens: ${e.message} Run "envoy-lens ${e.command ?? c.name} --help" for usage.`);
      return EXIT_USAGE;
    }
    throw e;
  };
  try {
    const p = parseCommand(c, args);
    if (p.help) {
      io.out(usageOf(c));
      return EXIT_OK;
    }
    const r = c.run(p.values, p.operands, io);
    return typeof r === 'number' ? r : r.catch(onError);
  } catch (e) {
    return onError(e);
  }
}

/** A string flag's value (the last one given when repeated). */
export function str(v: Values, name: string): string | undefined {
  const x = v[name];
  if (Array.isArray(x)) return x[x.length - 1];
  return typeof x === 'string' ? x : undefined;
}

/** One of `allowed`, or a usage error naming them. */
export function oneOf<T extends string>(v: Values, name: string, allowed: readonly T[], fallback: T, command: string): T {
  const x = str(v, name) ?? fallback;
  if (!(allowed as readonly string[]).includes(x)) {
    const list = allowed.length === 2 ? allowed.join(' or ') : `${allowed.slice(0, -1).join(', ')} or ${allowed[allowed.length - 1]}`;
    throw new UsageError(`--${name} must be ${list}, not "${x}".`, command);
  }
  return x as T;
}
