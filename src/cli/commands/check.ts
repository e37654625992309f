/** `envoy-lens check`: every cross-reference of the dumps, one line (or SARIF result, or annotation) per finding. */
import { check, SEVERITY_RANK, type Severity } from '../../core/facade';
import { EXIT_INPUT, EXIT_OK, EXIT_PROBLEMS, UsageError, oneOf, type Command } from '../command';
import { FORMATS, githubLine, packageJson, sarifLog, textLine, type Row } from '../formats';
import { counts, load, positionsOf, type Loaded } from '../load';
import { FAIL_ON, FAIL_ON_VALUES, FILES_NOTE, MAX_SIZE, RECURSIVE, maxSizeOf } from './common';

/** The findings of every loaded file, positioned. */
export function findingRows(loaded: Loaded[], ws: import('../../core/facade').Workspace): Row[] {
  const rows: Row[] = [];
  for (const l of loaded) {
    const found = check(ws, l.uri);
    const at = positionsOf(l, found.flatMap((d) => [d.span.start, d.span.end]));
    for (const d of found) {
      const s = at.get(d.span.start)!;
      const e = at.get(d.span.end)!;
      rows.push({
        path: l.path,
        line: s.line + 1,
        column: s.character + 1,
        endLine: e.line + 1,
        endColumn: e.character + 1,
        severity: d.severity,
        code: d.code,
        message: d.message,
      });
    }
  }
  return rows;
}

/** Exit 1 when a finding reaches --fail-on. */
export function failExit(findings: ReadonlyArray<{ severity: Severity }>, failOn: (typeof FAIL_ON_VALUES)[number]): number {
  if (failOn === 'never') return EXIT_OK;
  const threshold = SEVERITY_RANK[failOn];
  return findings.some((r) => SEVERITY_RANK[r.severity] >= threshold) ? EXIT_PROBLEMS : EXIT_OK;
}

export const checkCommand: Command = {
  name: 'check',
  summary: 'Check every cross-reference; prints path:line:col: severity code: message.',
  synopsis: '[options] FILE...',
  description: `Checks every cross-reference of the dumps in FILE... (one workspace) and prints one line per finding:
path:line:col: severity code: message (1-based; the severity word is coloured on a terminal).
${FILES_NOTE}`,
  flags: [
    { name: 'format', value: 'text|json|sarif|github', help: 'Output (default text). json: one object {files, problems};\nsarif: SARIF 2.1.0 for code scanning; github: workflow annotations.' },
    FAIL_ON,
    RECURSIVE,
    MAX_SIZE,
  ],
  exitCodes: 'Exit codes: 0 no finding at or above --fail-on, 1 there is one, 2 usage error, 3 an input could not be used.',
  run(values, operands, io) {
    const format = oneOf(values, 'format', FORMATS, 'text', 'check');
    const failOn = oneOf(values, 'fail-on', FAIL_ON_VALUES, 'error', 'check');
    if (operands.length === 0) throw new UsageError('check needs at least one FILE.', 'check');
    const { loaded, failed, ws } = load(operands, io, maxSizeOf(values, 'check'), { recursive: values.recursive === true });
    const rows = findingRows(loaded, ws);
    switch (format) {
      case 'json': {
        const files = loaded.map((l) => ({ path: l.path, shape: l.analysis.shape, counts: counts(l.analysis) }));
        io.out(JSON.stringify({ files, problems: rows }, null, 2));
        break;
      }
      case 'sarif':
        io.out(JSON.stringify(sarifLog(rows, packageJson().version ?? '0.0.0'), null, 2));
        break;
      case 'github':
        for (const r of rows) io.out(githubLine(r));
        break;
      default:
        for (const r of rows) io.out(textLine(r, io.colour));
    }
    if (failed > 0) return EXIT_INPUT;
    return failExit(rows, failOn);
  },
};
