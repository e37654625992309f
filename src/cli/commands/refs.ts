/** `envoy-lens refs --name NAME`: every definition and reference of a name. */
import { EXIT_INPUT, EXIT_OK, EXIT_PROBLEMS, UsageError, str, type Command } from '../command';
import { istioConfigLabel } from '../../core/facade';
import { load, positionsOf, type Loaded } from '../load';
import { FILES_NOTE, MAX_SIZE, RECURSIVE, maxSizeOf } from './common';

export const refsCommand: Command = {
  name: 'refs',
  summary: 'The definitions and every reference of NAME, as path:line:col kind.',
  synopsis: 'FILE... --name NAME [options]',
  description: `Prints every definition and reference of NAME as path:line:col kind definition|reference. A definition
istiod generated says from which Istio resource ("from VirtualService reviews.default").
${FILES_NOTE}`,
  flags: [
    { name: 'name', value: 'NAME', help: 'The name to look for (required).' },
    RECURSIVE,
    MAX_SIZE,
  ],
  exitCodes: 'Exit codes: 0 found, 1 not found, 2 usage error, 3 an input could not be used.',
  run(values, operands, io) {
    const name = str(values, 'name');
    if (operands.length === 0) throw new UsageError('refs needs at least one FILE.', 'refs');
    if (name === undefined || name === '') throw new UsageError('refs needs --name NAME.', 'refs');
    const { loaded, failed } = load(operands, io, maxSizeOf(values, 'refs'), { recursive: values.recursive === true });
    const lines: Array<{ l: Loaded; start: number; text: string }> = [];
    for (const l of loaded) {
      for (const d of l.analysis.defs) {
        if (d.name !== name) continue;
        // Istio's resource behind the definition, when istiod recorded it: the thing to edit.
        const from = d.info.istio ? ` from ${istioConfigLabel(d.info.istio)}` : '';
        lines.push({ l, start: d.nameSpan.start, text: `${d.kind} definition (${d.section})${from}` });
      }
      for (const r of l.analysis.refs) {
        if (r.name === name) lines.push({ l, start: r.span.start, text: `${r.kind} reference (${r.via})` });
      }
    }
    lines.sort((a, b) => (a.l === b.l ? a.start - b.start : loaded.indexOf(a.l) - loaded.indexOf(b.l)));
    const at = new Map(loaded.map((l) => [l, positionsOf(l, lines.filter((x) => x.l === l).map((x) => x.start))]));
    for (const x of lines) {
      const pos = at.get(x.l)!.get(x.start)!;
      io.out(`${x.l.path}:${pos.line + 1}:${pos.character + 1} ${x.text}`);
    }
    if (lines.length === 0 && failed === 0) io.err(`envoy-lens: "${name}" is neither defined nor referenced in the given files.`);
    if (failed > 0) return EXIT_INPUT;
    return lines.length > 0 ? EXIT_OK : EXIT_PROBLEMS;
  },
};
