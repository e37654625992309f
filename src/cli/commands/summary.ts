/** `envoy-lens summary`: istioctl-style tables of what the dumps hold. */
import { renderSummary } from '../../core/facade';
import { EXIT_INPUT, EXIT_OK, UsageError, type Command } from '../command';
import { load } from '../load';
import { FILES_NOTE, MAX_SIZE, RECURSIVE, maxSizeOf } from './common';

export const summaryCommand: Command = {
  name: 'summary',
  summary: 'Tables of listeners, routes, clusters, endpoints and secrets.',
  synopsis: '[options] FILE...',
  description: `Prints istioctl-style tables of listeners, routes, clusters, endpoints and secrets.
${FILES_NOTE}`,
  flags: [RECURSIVE, MAX_SIZE],
  exitCodes: 'Exit codes: 0 printed, 2 usage error, 3 an input could not be used.',
  run(values, operands, io) {
    if (operands.length === 0) throw new UsageError('summary needs at least one FILE.', 'summary');
    const { loaded, failed, ws } = load(operands, io, maxSizeOf(values, 'summary'), { endpointSamples: Infinity, recursive: values.recursive === true });
    for (const l of loaded) io.out(renderSummary(ws, l.analysis, loaded.length > 1 ? l.path : undefined));
    return failed > 0 ? EXIT_INPUT : EXIT_OK;
  },
};
