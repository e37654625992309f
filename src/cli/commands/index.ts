/** The command table: `envoy-lens --help` lists it, `envoy-lens NAME` and `envoy-lens help NAME` look names up in it. */
import type { Command } from '../command';
import { checkCommand } from './check';
import { checkPodsCommand } from './checkPods';
import { diffCommand } from './diff';
import { fetchCommand } from './fetch';
import { pcCommand } from './pc';
import { refsCommand } from './refs';
import { scrubCommand } from './scrub';
import { summaryCommand } from './summary';
import { traceCommand } from './trace';

export const COMMANDS: readonly Command[] = [checkCommand, summaryCommand, pcCommand, refsCommand, traceCommand, diffCommand, scrubCommand, fetchCommand, checkPodsCommand];

export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name || c.aliases?.includes(name));
}
