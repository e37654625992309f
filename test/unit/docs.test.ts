/**
 * The README is the reference users and CI scripts read: every diagnostic code and every fetch error code is listed
 * there, once, and nothing else is; package.json offers exactly the diagnostic codes for severity overrides.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { DIAGNOSTIC_CODES, EDGES } from '../../src/core/facade';
import { KUBE_ERROR_CODES } from '../../src/kube';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** The lines of the README section under `heading` (up to the next heading of the same or a higher level). */
function section(heading: string): string[] {
  const lines = README.split('\n');
  const start = lines.findIndex((l) => l.trim() === heading);
  assert.ok(start >= 0, `README has no "${heading}" section`);
  const level = heading.indexOf(' ');
  const end = lines.findIndex((l, i) => i > start && /^#+ /.test(l) && l.indexOf(' ') <= level);
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** The codes in the first column of a table's rows: `| \`a\`, \`b\` | …`. */
function firstColumnCodes(lines: string[]): string[] {
  const out: string[] = [];
  for (const l of lines) {
    const m = /^\| ([^|]+) \|/.exec(l);
    if (!m) continue;
    for (const c of m[1].matchAll(/`([a-z][a-z0-9-]*)`/g)) out.push(c[1]);
  }
  return out;
}

describe('README reference tables', () => {
  it('the diagnostic codes table lists exactly DIAGNOSTIC_CODES, each once', () => {
    const listed = firstColumnCodes(section('## Diagnostic codes'));
    assert.deepEqual([...listed].sort(), [...DIAGNOSTIC_CODES].sort());
  });

  it('the reference edges table lists every edge once, with its role, target and consequence', () => {
    const rows = section('## Reference edges').filter((l) => /^\| `/.test(l));
    const listed = rows.map((l) => /^\| `([a-z-]+)`/.exec(l)?.[1]);
    assert.deepEqual([...listed].sort(), Object.keys(EDGES).sort());
    for (const [via, e] of Object.entries(EDGES)) {
      const row = rows.find((l) => l.startsWith(`| \`${via}\` |`)) ?? '';
      const cells = row.split(' | ').map((c) => c.trim());
      assert.equal(cells[2], e.target, `${via}: target`);
      assert.equal(cells[3], e.role, `${via}: role`);
      assert.ok(row.includes(e.consequence), `${via}: the consequence "${e.consequence}" is not in the README row`);
      if (e.code) assert.ok(row.includes(`\`${e.code}\``), `${via}: code ${e.code}`);
    }
  });

  it('the fetch error table lists every fetch error code, each once', () => {
    const listed = firstColumnCodes(section('## Fetching a live dump from a pod'));
    assert.deepEqual([...listed].sort(), [...KUBE_ERROR_CODES].sort());
  });

  it('package.json offers exactly the diagnostic codes for envoyLens.diagnostics.severity', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const names: string[] = pkg.contributes.configuration.properties['envoyLens.diagnostics.severity'].propertyNames.enum;
    assert.deepEqual([...names].sort(), [...DIAGNOSTIC_CODES].sort());
  });
});
