/**
 * `envoy-lens diff A B`: what changed between two dumps, resource by resource (issue 13 §1), in any two shapes the
 * index reads. Text for people, JSON `{a, b, changes}` for scripts.
 * Exit codes: 0 equal, 1 different, 2 usage, 3 an input that cannot be read or is not Envoy.
 */
import { analyze, diffDumps, type DiffKind, type DumpChange } from '../../core/facade';
import { EXIT_INPUT, EXIT_OK, EXIT_PROBLEMS, UsageError, oneOf, type Command, type Io } from '../command';
import { notEnvoyMessage, readInput, type Input } from '../input';
import { MAX_SIZE, maxSizeOf } from './common';

const MAX_VALUE_CHARS = 160;

/** A value on one line, cut at MAX_VALUE_CHARS (the JSON output has it whole). */
function shown(v: unknown): string {
  if (v === null) return '(absent)';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > MAX_VALUE_CHARS ? `${s.slice(0, MAX_VALUE_CHARS - 1)}…` : s;
}

function textOf(c: DumpChange): string[] {
  const lines = [`${c.change === 'added' ? '+' : c.change === 'removed' ? '-' : '~'} ${c.kind} ${c.name}: ${c.change}`];
  for (const f of c.fields ?? []) lines.push(`    ${f.path}: ${shown(f.a)} → ${shown(f.b)}`);
  if (c.note) lines.push(`    note: ${c.note}`);
  return lines;
}

const KIND_WORDS: Record<DiffKind, string> = {
  bootstrap: 'the bootstrap',
  listener: 'listeners',
  route_configuration: 'route configurations',
  virtual_host: 'virtual hosts',
  route: 'routes',
  cluster: 'clusters',
  cluster_load_assignment: 'endpoints (ClusterLoadAssignments)',
  cluster_status: 'cluster statuses',
  secret: 'secrets',
  ecds_filter: 'ECDS filters',
  scoped_route: 'scoped routes',
};

function read(p: string, maxBytes: number, io: Io): { input: Input; analysis: ReturnType<typeof analyze> } | undefined {
  const input = readInput(p, maxBytes);
  if (typeof input === 'string') {
    io.err(`envoy-lens: ${input}`);
    return undefined;
  }
  const analysis = analyze(input.name, input.bytes, { languageId: input.languageId, endpointSamples: 0 });
  if (analysis.problems.some((x) => x.code === 'not-envoy')) {
    io.err(`envoy-lens: ${notEnvoyMessage(input.name, input.bytes, analysis)}`);
    return undefined;
  }
  const broken = analysis.problems.find((x) => x.code === 'parse-error');
  if (broken) io.err(`envoy-lens: ${input.name} does not parse completely (${broken.message}); the diff covers what could be read.`);
  return { input, analysis };
}

export const diffCommand: Command = {
  name: 'diff',
  summary: 'What changed between two dumps, resource by resource.',
  synopsis: '[options] A B',
  description: `Compares dump A with dump B: listeners, route configurations, virtual hosts, routes, clusters,
endpoints (a set, with health), secrets (by certificate hash, never content), ECDS filters and the bootstrap,
matched by name across any two shapes (a full dump and istioctl's per-type output, JSON and YAML, either casing,
active and warming). Prints each change with its field paths (Envoy's names) and old → new values, and what it does
where known ("route X now sends 20 % to cluster Y"). version_info, last_updated, nonces and last_update_attempt are
ignored unless --all. A or B may be - for standard input.`,
  flags: [
    { name: 'format', value: 'text|json', help: 'Output (default text). json: {a, b, changes: [{kind, name, change,\nfields?: [{path, a, b}], note?}]}; null stands for absent.' },
    { name: 'all', help: 'Compare the volatile fields too (version_info, last_updated, nonces).' },
    MAX_SIZE,
  ],
  exitCodes: 'Exit codes: 0 no difference, 1 differences, 2 usage error, 3 an input could not be used.',
  run(values, operands, io) {
    const format = oneOf(values, 'format', ['text', 'json'] as const, 'text', 'diff');
    if (operands.length !== 2) throw new UsageError(`diff needs two FILEs (A and B), not ${operands.length}.`, 'diff');
    if (operands[0] === '-' && operands[1] === '-') throw new UsageError('Standard input (-) can be read only once.', 'diff');
    const maxBytes = maxSizeOf(values, 'diff');
    const a = read(operands[0], maxBytes, io);
    const b = read(operands[1], maxBytes, io);
    if (!a || !b) return EXIT_INPUT;
    const result = diffDumps(
      { analysis: a.analysis, source: a.input.bytes },
      { analysis: b.analysis, source: b.input.bytes },
      { all: values.all === true },
    );
    for (const k of result.notCompared) {
      io.err(`envoy-lens: ${KIND_WORDS[k]} not compared: only one of the dumps has them.`);
    }
    if (format === 'json') {
      io.out(JSON.stringify({ a: a.input.name, b: b.input.name, changes: result.changes }, null, 2));
    } else {
      for (const c of result.changes) for (const l of textOf(c)) io.out(l);
      const n = { added: 0, removed: 0, changed: 0 };
      for (const c of result.changes) n[c.change]++;
      io.out(result.changes.length === 0
        ? `${a.input.name} and ${b.input.name}: no difference.`
        : `${result.changes.length} change${result.changes.length === 1 ? '' : 's'}: ${n.added} added, ${n.removed} removed, ${n.changed} changed.`);
    }
    return result.changes.length === 0 ? EXIT_OK : EXIT_PROBLEMS;
  },
};
