/** `envoy-lens summary`: istioctl-style tables of what the dumps hold. */
import { readValue, renderSummary } from '../../core/facade';
import { EXIT_INPUT, EXIT_OK, UsageError, type Command } from '../command';
import { load } from '../load';
import { FILES_NOTE, MAX_SIZE, RECURSIVE, maxSizeOf } from './common';

export const summaryCommand: Command = {
  name: 'summary',
  summary: 'What pc all prints: bootstrap, clusters, listeners, routes, secrets, endpoints.',
  synopsis: '[options] FILE...',
  description: `Prints what "envoy-lens pc all" prints (istioctl's proxy-config all): the bootstrap versions, then the
cluster, listener, route, secret and endpoint tables.
${FILES_NOTE}`,
  flags: [RECURSIVE, MAX_SIZE],
  exitCodes: 'Exit codes: 0 printed, 2 usage error, 3 an input could not be used.',
  run(values, operands, io) {
    if (operands.length === 0) throw new UsageError('summary needs at least one FILE.', 'summary');
    const { loaded, failed, ws } = load(operands, io, maxSizeOf(values, 'summary'), { endpointSamples: Infinity, recursive: values.recursive === true });
    // One file prints as pc all does; several keep a blank line after each.
    for (const l of loaded) {
      const text = renderSummary(ws, l.analysis, readValue(l.bytes), loaded.length > 1 ? l.path : undefined);
      io.out(loaded.length > 1 ? text : text.replace(/\n$/, ''));
    }
    return failed > 0 ? EXIT_INPUT : EXIT_OK;
  },
};
