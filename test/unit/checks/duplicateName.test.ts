/** `duplicate-name` (checks/duplicateName.ts). */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { duplicateName } from '../../../src/core/checks/duplicateName';
import { active, cluster, errorListener, fullDump, listener, routeConfig, run, tcpProxy, warmingListener } from './dump';

describe('duplicate-name', () => {
  it('flags both of two clusters with one name, each pointing at the other', () => {
    const r = run(duplicateName, fullDump({ clusters: [cluster('web'), cluster('api'), cluster('web')] }));
    assert.equal(r.diags.length, 2);
    for (const d of r.diags) {
      assert.equal(d.code, 'duplicate-name');
      assert.equal(d.severity, 'error');
      assert.equal(r.at(d), 'web');
      assert.match(d.message, /defined 2 times/);
      assert.equal(d.related?.length, 1);
    }
    assert.notEqual(r.diags[0].span.start, r.diags[1].span.start);
  });

  it('flags two RDS route configurations with one name', () => {
    const r = run(duplicateName, fullDump({ routes: [routeConfig('rc', []), routeConfig('rc', [])] }));
    assert.equal(r.diags.length, 2);
  });

  it('does not flag a listener that is active and warming an update, nor its error entries', () => {
    const l = listener('http', 80, [tcpProxy('web')]);
    const r = run(duplicateName, fullDump({ listeners: [active(l), warmingListener(l), errorListener(l, 'bad')], clusters: [cluster('web')] }));
    assert.deepEqual(r.diags, []);
  });

  it('does not flag one name in different kinds', () => {
    const r = run(duplicateName, fullDump({ clusters: [cluster('x')], routes: [routeConfig('x', [])] }));
    assert.deepEqual(r.diags, []);
  });
});
