/**
 * How `check` (and `fetch`) print findings: text for people and problem matchers, json, SARIF 2.1.0 for code
 * scanning, and GitHub workflow commands (annotations on the pull request).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DIAGNOSTIC_CODES, type FindingRow, type Severity } from '../core/facade';

export const FORMATS = ['text', 'json', 'sarif', 'github'] as const;
export type Format = (typeof FORMATS)[number];

/** One finding, 1-based line and column (UTF-16 units), as every format prints it. */
export type Row = FindingRow;

interface PackageJson {
  version?: string;
  homepage?: string;
}

let pkg: PackageJson | undefined;
/** package.json beside the bundle (dist/../package.json); empty when it is not there (tests run from out/). */
export function packageJson(): PackageJson {
  if (!pkg) {
    try {
      pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as PackageJson;
    } catch {
      pkg = {};
    }
  }
  return pkg;
}

/**
 * Where the README's code table is read on the web. The project has no repository URL yet: package.json's
 * `homepage` wins when it has one, else the npm package page, which shows the README with the same anchors.
 */
export function codesUrl(): string {
  const base = packageJson().homepage?.replace(/#.*$/, '') || 'https://www.npmjs.com/package/envoy-lens';
  return `${base}#diagnostic-codes`;
}

// --- text ---------------------------------------------------------------------------------------------------------

const SGR: Record<Severity, string> = { error: '\x1b[1;31m', warning: '\x1b[1;33m', information: '\x1b[1;34m', hint: '\x1b[2m' };
const RESET = '\x1b[0m';

/** `path:line:col: severity code: message`; with colour only the severity word changes, so matchers still see it. */
export function textLine(r: Row, colour = false): string {
  const sev = colour ? `${SGR[r.severity]}${r.severity}${RESET}` : r.severity;
  return `${r.path}:${r.line}:${r.column}: ${sev} ${r.code}: ${r.message}`;
}

/**
 * Colour for a stream, from the environment as other tools read it: FORCE_COLOR (any value but 0 or false) turns it on
 * even through a pipe; otherwise NO_COLOR (any value) turns it off, and it is on only on a terminal that is not dumb.
 */
export function wantColour(isTty: boolean, env: NodeJS.ProcessEnv): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  if (env.NO_COLOR !== undefined) return false;
  return isTty && env.TERM !== 'dumb';
}

// --- SARIF --------------------------------------------------------------------------------------------------------

const SARIF_LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', information: 'note', hint: 'note' };

/** A SARIF artifact URI: relative paths stay relative (with `/`), absolute ones become file: URLs. */
function artifactUri(p: string): string {
  if (path.isAbsolute(p)) return pathToFileURL(p).href;
  return p.split(path.sep).map(encodeURIComponent).join('/');
}

/** One SARIF 2.1.0 log: one run, one rule per diagnostic code (its README entry), one result per finding. */
export function sarifLog(rows: Row[], version: string): object {
  const url = codesUrl();
  const index = new Map<string, number>(DIAGNOSTIC_CODES.map((c, i) => [c, i]));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{
      tool: {
        driver: {
          name: 'envoy-lens',
          version,
          informationUri: url.replace(/#.*$/, ''),
          rules: DIAGNOSTIC_CODES.map((code) => ({
            id: code,
            shortDescription: { text: `envoy-lens ${code}` },
            helpUri: url,
            help: { text: `The "${code}" row of the README's "Diagnostic codes" table: ${url}` },
          })),
        },
      },
      columnKind: 'utf16CodeUnits',
      results: rows.map((r) => ({
        ruleId: r.code,
        ...(index.has(r.code) ? { ruleIndex: index.get(r.code) } : {}),
        level: SARIF_LEVEL[r.severity],
        message: { text: r.message },
        locations: [{
          physicalLocation: {
            artifactLocation: { uri: artifactUri(r.path) },
            region: { startLine: r.line, startColumn: r.column, endLine: r.endLine, endColumn: r.endColumn },
          },
        }],
      })),
    }],
  };
}

// --- GitHub workflow commands -------------------------------------------------------------------------------------

const GITHUB_COMMAND: Record<Severity, 'error' | 'warning' | 'notice'> = { error: 'error', warning: 'warning', information: 'notice', hint: 'notice' };

/** A workflow command's message: `%`, CR and LF escaped. */
export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** A workflow command's property value: as data, and `:` and `,` too (they separate properties). */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** `::error file=…,line=…,col=…,endLine=…,endColumn=…,title=envoy-lens CODE::message`. */
export function githubLine(r: Row): string {
  const props = [
    ['file', r.path.split(path.sep).join('/')],
    ['line', String(r.line)],
    ['col', String(r.column)],
    ['endLine', String(r.endLine)],
    ['endColumn', String(r.endColumn)],
    ['title', `envoy-lens ${r.code}`],
  ].map(([k, v]) => `${k}=${escapeProperty(v)}`);
  return `::${GITHUB_COMMAND[r.severity]} ${props.join(',')}::${escapeData(r.message)}`;
}
