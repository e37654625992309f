/** "Did you mean" quick fixes (core/features/quickFix.ts): the nearest defined names, quoted as the original was. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { check, closestNames, quickFixesAt } from '../../src/core/facade';
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
