/** `envoy-lens trace` as a function of its arguments (after the word `trace`), for tests and callers. */
import { runCommand, type Io } from './command';
import { traceCommand } from './commands/trace';

export type TraceIo = Io;

/** Runs `envoy-lens trace ARGS`; trace never talks to a cluster, so the exit code is immediate. */
export function runTrace(args: string[], io: Io): number {
  return runCommand(traceCommand, args, io) as number;
}
