/** `invalid-regex` (checks/invalidRegex.ts; patterns judged while indexing, model/regexSites.ts). */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { invalidRegex } from '../../../src/core/checks/invalidRegex';
import { fullDump, run } from './dump';

function withMatch(match: object): string {
  return fullDump({ routes: [{ name: 'rc', virtual_hosts: [{ name: 'vh', domains: ['*'], routes: [{ match, route: { cluster: 'web' } }] }] }] });
}

describe('invalid-regex', () => {
  it('flags a safe_regex RE2 rejects (a backreference), as an error at the pattern', () => {
    const r = run(invalidRegex, withMatch({ safe_regex: { regex: '(a)\\1' } }));
    assert.equal(r.diags.length, 1);
    assert.equal(r.diags[0].severity, 'error');
    assert.equal(r.at(r.diags[0]), '(a)\\\\1');
    assert.match(r.diags[0].message, /not a valid RE2 regex.*rejects the resource/);
  });

  it('accepts what RE2 accepts', () => {
    assert.deepEqual(run(invalidRegex, withMatch({ safe_regex: { regex: '/api/v[0-9]+/.*' } })).diags, []);
  });

  it('judges a deprecated v2 regex by the ECMAScript grammar: a lookahead is fine there', () => {
    assert.deepEqual(run(invalidRegex, withMatch({ regex: '/a(?=b)' })).diags, []);
    const r = run(invalidRegex, withMatch({ regex: '/a(' }));
    assert.equal(r.diags.length, 1);
    assert.match(r.diags[0].message, /ECMAScript grammar/);
  });
});
