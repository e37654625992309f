/** All checks, in the order their findings are listed. */
import type { Workspace } from '../workspace';
import { certificateExpired } from './certificateExpired';
import { certificateExpiring } from './certificateExpiring';
import { certificateNotYetValid } from './certificateNotYetValid';
import { duplicateName } from './duplicateName';
import { missingEndpoints, noEndpoints, noHealthyEndpoints } from './endpoints';
import { invalidRegex } from './invalidRegex';
import { listenerError } from './listenerError';
import { noEdsSection } from './noEdsSection';
import { parseErrors } from './parseErrors';
import type { Check, Diagnostic, Severity } from './types';
import { unknownReferences } from './unknownReferences';
import { unusedCluster } from './unusedCluster';
import { warming } from './warming';

export const CHECKS: readonly Check[] = [
  parseErrors,
  listenerError,
  duplicateName,
  unknownReferences,
  missingEndpoints,
  noHealthyEndpoints,
  noEndpoints,
  noEdsSection,
  warming,
  unusedCluster,
  invalidRegex,
  certificateExpired,
  certificateNotYetValid,
  certificateExpiring,
];

/**
 * At most this many findings are listed per file. A hostile file (aliases to a missing anchor fanned out, issue 8)
 * made 413,000 of them; no reader goes past the first screenful, and an editor slows down under that many.
 */
export const MAX_FINDINGS_PER_FILE = 1000;

const RANK: Record<Severity, number> = { error: 0, warning: 1, information: 2, hint: 3 };

/**
 * `12345` → `12,345`, as `toLocaleString('en-US')` writes an integer, without its cost: the first toLocaleString of
 * a process loads ICU's number formatting (~14 ms measured, as much as all the checks of a 50 MB dump).
 */
export function groupThousands(n: number): string {
  const s = String(Math.abs(Math.trunc(n)));
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (i > 0 && (s.length - i) % 3 === 0) out += ',';
    out += s[i];
  }
  return n < 0 ? `-${out}` : out;
}

const byPosition = (x: Diagnostic, y: Diagnostic): number => x.span.start - y.span.start;

/**
 * Keeps the `max` most severe findings (ties by position), listed by position, then one `too-many-findings` saying
 * how many were left out and of which codes. Errors are never dropped for hints.
 */
export function capFindings(all: Diagnostic[], max = MAX_FINDINGS_PER_FILE): Diagnostic[] {
  if (all.length <= max) return all.sort(byPosition);
  all.sort((x, y) => RANK[x.severity] - RANK[y.severity] || byPosition(x, y));
  const kept = all.slice(0, max).sort(byPosition);
  const left = new Map<string, number>();
  for (let i = max; i < all.length; i++) left.set(all[i].code, (left.get(all[i].code) ?? 0) + 1);
  const n = all.length - max;
  const codes = [...left].sort((x, y) => y[1] - x[1]).map(([c, k]) => `${groupThousands(k)} ${c}`);
  kept.push({
    code: 'too-many-findings',
    severity: 'information',
    message: `${groupThousands(n)} more finding${n === 1 ? '' : 's'} not shown (${codes.join(', ')}); only the first ${groupThousands(max)}, most severe first, are listed.`,
    span: { start: 0, end: 0 },
  });
  return kept;
}

/** Runs every check on one file of the workspace; findings sorted by position, at most MAX_FINDINGS_PER_FILE of them. */
export function runChecks(workspace: Workspace, uri: string): Diagnostic[] {
  const analysis = workspace.get(uri);
  if (!analysis) return [];
  const out: Diagnostic[] = [];
  // No spread: a check can return hundreds of thousands of findings, more than a call's arguments may hold.
  for (const check of CHECKS) for (const d of check({ uri, analysis, workspace })) out.push(d);
  return capFindings(out);
}
