/** Diagnostics the checks produce: stable kebab-case codes, one-sentence messages, UTF-16 spans. */
import type { Analysis, Span } from '../model/types';
import type { Workspace } from '../workspace';

export type Severity = 'error' | 'warning' | 'information' | 'hint';

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
