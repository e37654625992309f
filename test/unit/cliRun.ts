/** The CLI run in this process with its output captured, for the CLI suites. */
import { type Io } from '../../src/cli/command';
import { main } from '../../src/cli/main';

export interface CliRun {
  code: number;
  /** Standard output, lines joined with \n. */
  out: string;
  /** Standard error, lines joined with \n. */
  err: string;
}

function capture(argv: string[], extra: Partial<Io>): { result: number | Promise<number>; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const result = main(argv, { out: (s) => out.push(s), err: (s) => err.push(s), ...extra });
  return { result, out, err };
}

/** A command that finishes synchronously (check, summary, refs, trace, pc, diff…); throws if it did not. */
export function runCli(argv: string[], extra: Partial<Io> = {}): CliRun {
  const { result, out, err } = capture(argv, extra);
  if (typeof result !== 'number') throw new Error('expected a synchronous command');
  return { code: result, out: out.join('\n'), err: err.join('\n') };
}

/** Any command, awaited (fetch, check-pods and scrub read or write asynchronously). */
export async function runCliAsync(argv: string[], extra: Partial<Io> = {}): Promise<CliRun> {
  const { result, out, err } = capture(argv, extra);
  const code = await result;
  return { code, out: out.join('\n'), err: err.join('\n') };
}
