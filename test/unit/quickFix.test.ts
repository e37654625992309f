/** "Did you mean" quick fixes (core/features/quickFix.ts): the nearest defined names, quoted as the original was. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { check, closestNames, quickFixesAt } from '../../src/core/facade';
import { editDistance } from '../../src/core/trace/closest';
import { loadFixture, loadText, TWINS } from './fixtureWorkspace';

for (const file of TWINS('envoy.bootstrap')) {
  describe(`quick fixes: ${file}`, () => {
    const { ws, uri, text } = loadFixture(file);
    const typo = check(ws, uri).find((d) => d.code === 'unknown-cluster' && text.slice(d.span.start, d.span.end).includes('service_backnd'));

    it('offers service_backend for the dangling service_backnd, quoted as written', () => {
      assert.ok(typo, 'the fixture has the unknown-cluster finding');
      const original = text.slice(typo.span.start, typo.span.end);
      const fixes = quickFixesAt(ws, uri, typo.span.start, typo.code, original);
      assert.equal(fixes[0]?.name, 'service_backend');
      assert.equal(fixes[0].title, 'Change to "service_backend"');
      assert.equal(fixes[0].replacement, file.endsWith('.json') ? '"service_backend"' : 'service_backend');
    });

    it('offers nothing for a code a rename does not fix', () => {
      assert.ok(typo);
      assert.deepEqual(quickFixesAt(ws, uri, typo.span.start, 'unused-cluster', 'service_backnd'), []);
    });
  });
}

describe('closest names', () => {
  const names = ['reviews-v1', 'reviews-v2', 'ratings', 'details', 'Productpage', 'a-very-different-name'];
  const text = JSON.stringify({ static_resources: { clusters: names.map((name) => ({ name })) } });
  const { ws, uri } = loadText('file:///w/c.json', text);

  it('nearest first, ties by name, at most three', () => {
    assert.deepEqual(closestNames(ws, uri, 'cluster', 'reviews-v3'), ['reviews-v1', 'reviews-v2']);
    assert.deepEqual(closestNames(ws, uri, 'cluster', 'ratingz'), ['ratings']);
  });

  it('keeps only names within max(2, length/3) edits', () => {
    assert.deepEqual(closestNames(ws, uri, 'cluster', 'zzzzzzz'), []);
    assert.deepEqual(closestNames(ws, uri, 'cluster', 'x'), []);
  });

  it('ignores case differences (the one edit-distance helper is case-insensitive)', () => {
    assert.deepEqual(closestNames(ws, uri, 'cluster', 'productpage'), ['Productpage']);
  });

  it('only names of the asked kind', () => {
    assert.deepEqual(closestNames(ws, uri, 'secret', 'ratings'), []);
  });
});

describe('closest names agree with the plain edit distance', () => {
  it('on names sharing prefixes and suffixes (the trimming must not change the answer)', () => {
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
    const word = () => Array.from({ length: 1 + rnd(5) }, () => 'abA'[rnd(3)]).join('');
    const names = [...new Set(Array.from({ length: 300 }, () => `out|${word()}|${word()}.svc`))];
    const { ws, uri } = loadText('file:///w/r.json', JSON.stringify({ static_resources: { clusters: names.map((name) => ({ name })) } }));
    for (let k = 0; k < 40; k++) {
      const name = `out|${word()}|${word()}.svc`;
      const max = Math.max(2, Math.floor(name.length / 3));
      const expected = names
        .map((n) => [editDistance(name, n), n] as [number, string])
        .filter(([d]) => d <= max)
        .sort((x, y) => x[0] - y[0] || x[1].localeCompare(y[1]))
        .slice(0, 3)
        .map(([, n]) => n);
      assert.deepEqual(closestNames(ws, uri, 'cluster', name), expected, name);
    }
  });
});
