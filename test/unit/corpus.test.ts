/**
 * Every real dump in ../shared/corpus: no exception, the shape recognized, and the counts and the set of unresolved
 * references equal to golden files reviewed by hand against the corpus INDEX.tsv (which says which dumps have genuine
 * dangling references and which were trimmed). The corpus is not part of the repository: when the folder is absent
 * the suite says so and skips. `UPDATE_GOLDEN=1 npm test` rewrites the golden files, to be reviewed in the diff.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe } from 'node:test';
import { analyze, check, Workspace, type Analysis } from '../../src/core/facade';
import { eachCorpusDump } from './corpusDumps';

const ROOT = path.join(__dirname, '..', '..', '..');
const GOLDEN = path.join(ROOT, 'test', 'golden', 'corpus');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

interface Golden {
  shape: string;
  format: string;
  counts: Record<string, number>;
  references: number;
  /** `code name`, one per distinct finding of the reference checks. */
  unresolved: string[];
  /** Finding counts by code. */
  findings: Record<string, number>;
}

function summarize(a: Analysis, ws: Workspace): Golden {
  const counts: Record<string, number> = {};
  for (const d of a.defs) if (d.group === 'main') counts[d.kind] = (counts[d.kind] ?? 0) + 1;
  const diags = check(ws, a.uri);
  const findings: Record<string, number> = {};
  for (const d of diags) findings[d.code] = (findings[d.code] ?? 0) + 1;
  const unresolved = new Set<string>();
  for (const d of diags) {
    if (d.code.startsWith('unknown-') || d.code === 'missing-endpoints') {
      const m = /"([^"]+)", which is not|EDS cluster "([^"]+)"/.exec(d.message);
      unresolved.add(`${d.code} ${m?.[1] ?? m?.[2] ?? '?'}`);
    }
  }
  return {
    shape: a.shape,
    format: a.format,
    counts: Object.fromEntries(Object.entries(counts).sort()),
    references: a.refs.length,
    unresolved: [...unresolved].sort(),
    findings: Object.fromEntries(Object.entries(findings).sort()),
  };
}

describe('corpus', () => {
  if (UPDATE) mkdirSync(GOLDEN, { recursive: true });
  eachCorpusDump('indexed as its golden file says, from bytes and from a string', ({ name: f, languageId }, bytes) => {
    const ws = new Workspace();
    const a = analyze(f, bytes, { languageId });
    ws.set(a);
    const got = summarize(a, ws);
    assert.notEqual(got.shape, 'unknown', `${f}: shape not recognized`);
    assert.equal(a.problems.filter((p) => p.code === 'parse-error').length, 0, `${f}: parse errors`);
    // The string path (what the editor hands us) must give the same index as the byte path (the CLI).
    const fromString = analyze(f, bytes.toString('utf8'), { languageId });
    assert.deepEqual(fromString.defs.map((d) => [d.kind, d.name, d.nameSpan.start]), a.defs.map((d) => [d.kind, d.name, d.nameSpan.start]));
    const goldenFile = path.join(GOLDEN, `${f}.json`);
    if (UPDATE) writeFileSync(goldenFile, JSON.stringify(got, null, 2) + '\n');
    assert.ok(existsSync(goldenFile), `${f}: no golden file; run UPDATE_GOLDEN=1 npm test and review it`);
    assert.deepEqual(got, JSON.parse(readFileSync(goldenFile, 'utf8')) as Golden);
  });
});
