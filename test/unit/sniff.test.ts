/** The editor attaches to dumps only: every fixture and corpus file sniffs as Envoy, ordinary JSON/YAML does not. */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { looksLikeEnvoy, SNIFF_BYTES } from '../../src/core/sniff';
import { corpusDumps } from './corpusDumps';

const ROOT = path.join(__dirname, '..', '..', '..');
const head = (p: string) => readFileSync(p).subarray(0, SNIFF_BYTES).toString('utf8');

describe('sniff', () => {
  it('recognizes every fixture', () => {
    const dir = path.join(ROOT, 'test', 'fixtures');
    for (const f of readdirSync(dir)) assert.ok(looksLikeEnvoy(head(path.join(dir, f))), f);
  });

  it('recognizes every corpus file from its first KB', (t) => {
    const dumps = corpusDumps();
    if (dumps.length === 0) return t.skip('corpus folder absent');
    for (const d of dumps) assert.ok(looksLikeEnvoy(head(d.path)), d.name);
  });

  it('ignores ordinary JSON and YAML', () => {
    assert.equal(looksLikeEnvoy(readFileSync(path.join(ROOT, 'package.json'), 'utf8').replace(/envoy[^"]*|istio|xds|dump/gi, 'x')), false);
    assert.equal(looksLikeEnvoy(readFileSync(path.join(ROOT, 'tsconfig.json'), 'utf8')), false);
    assert.equal(looksLikeEnvoy('apiVersion: v1\nkind: Service\nmetadata:\n  name: ratings\nspec:\n  ports:\n  - port: 9080\n'), false);
    assert.equal(looksLikeEnvoy('{"compilerOptions": {"target": "ES2022"}, "clusters": ["a"]}'), false);
  });
});
