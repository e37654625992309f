/** Diagnostics the checks produce: stable kebab-case codes, one-sentence messages, UTF-16 spans. */
import type { Analysis, Span } from '../model/types';
import type { Workspace } from '../workspace';

export type Severity = 'error' | 'warning' | 'information' | 'hint';

/** Severities ranked, most severe highest: what `--fail-on` and the summaries compare. */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { error: 3, warning: 2, information: 1, hint: 0 };

/** One finding placed in a file, 1-based line and column (UTF-16 units): what the CLI's formats and a fleet report print. */
export interface FindingRow {
  path: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  severity: Severity;
  code: string;
  message: string;
}

/** `no findings`, `2 errors, 1 warning`, `3 info`: findings counted by severity, most severe first. */
export function severityCounts(findings: ReadonlyArray<{ severity: Severity }>): string {
  if (findings.length === 0) return 'no findings';
  const n = new Map<Severity, number>();
  for (const f of findings) n.set(f.severity, (n.get(f.severity) ?? 0) + 1);
  return (Object.keys(SEVERITY_RANK) as Severity[])
    .filter((s) => n.has(s))
    .map((s) => `${n.get(s)} ${s === 'information' ? 'info' : s}${n.get(s)! > 1 && s !== 'information' ? 's' : ''}`)
    .join(', ');
}

/** Every diagnostic code. Codes are a contract (CI scripts filter on them): never rename or reuse one. */
export const DIAGNOSTIC_CODES = [
  'parse-error',
  'not-envoy',
  'unknown-cluster',
  'unknown-route-config',
  'unknown-secret',
  'unknown-extension-config',
  'missing-endpoints',
  'no-healthy-endpoints',
  'duplicate-name',
  'listener-error',
  'warming',
  'unused-cluster',
  'no-eds-section',
  'no-endpoints',
  'too-many-findings',
  'invalid-regex',
  'certificate-expired',
  'certificate-not-yet-valid',
  'certificate-expiring',
] as const;

export type DiagnosticCode = (typeof DIAGNOSTIC_CODES)[number];

export interface RelatedInformation {
  uri: string;
  span: Span;
  message: string;
}

export interface Diagnostic {
  code: DiagnosticCode;
  severity: Severity;
  message: string;
  span: Span;
  related?: RelatedInformation[];
  /** `unnecessary`: shown faded (unused clusters). */
  tags?: Array<'unnecessary'>;
}

/** What a check sees: the file being checked, inside its workspace. */
export interface CheckContext {
  uri: string;
  analysis: Analysis;
  workspace: Workspace;
}

/** One rule. Each lives in its own module and returns its findings for one file. */
export type Check = (ctx: CheckContext) => Diagnostic[];
