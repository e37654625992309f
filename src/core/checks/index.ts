/** All checks, in the order their findings are listed. */
import type { Workspace } from '../workspace';
import { duplicateName } from './duplicateName';
import { missingEndpoints, noHealthyEndpoints } from './endpoints';
import { invalidRegex } from './invalidRegex';
import { listenerError } from './listenerError';
import { noEdsSection } from './noEdsSection';
import { parseErrors } from './parseErrors';
import type { Check, Diagnostic } from './types';
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
  noEdsSection,
  warming,
  unusedCluster,
  invalidRegex,
];

/** Runs every check on one file of the workspace; findings sorted by position. */
export function runChecks(workspace: Workspace, uri: string): Diagnostic[] {
  const analysis = workspace.get(uri);
  if (!analysis) return [];
  const out: Diagnostic[] = [];
  for (const check of CHECKS) out.push(...check({ uri, analysis, workspace }));
  return out.sort((x, y) => x.span.start - y.span.start);
}
