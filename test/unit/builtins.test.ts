/**
 * One home per fact: Istio built-in names (a Map, so `constructor` is just a name), the usable endpoint statuses and
 * the cancellation error.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { analyze, CancellationError, hoverAt, isCancellation, isIstioBuiltin, istioBuiltin, isUsableStatus, describeIstioCluster } from '../../src/core/facade';
import { checkOne } from './checkOne';

describe('Istio built-ins', () => {
  it('knows the built-in clusters and secrets, and nothing of Object.prototype', () => {
    assert.equal(isIstioBuiltin('cluster', 'PassthroughCluster'), true);
    assert.equal(isIstioBuiltin('secret', 'ROOTCA'), true);
    assert.equal(isIstioBuiltin('listener', 'PassthroughCluster'), false);
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
      assert.equal(isIstioBuiltin('cluster', name), false, name);
      assert.equal(istioBuiltin('secret', name), undefined, name);
      assert.equal(describeIstioCluster(name), undefined, name);
    }
  });

  it('a cluster named constructor hovers as a cluster, not as function Object()', () => {
    const text = JSON.stringify({ static_resources: { clusters: [{ name: 'constructor' }] } }, null, 1);
    const a = analyze('file:///w/c.json', text);
    const { ws } = checkOne('file:///w/c.json', text);
    const h = hoverAt(ws, a.uri, text.indexOf('constructor') + 1);
    assert.ok(h);
    assert.doesNotMatch(h.markdown, /function|native code/);
  });

  it('a cluster named constructor gets its unused-cluster hint like any other', () => {
    const text = JSON.stringify({ static_resources: { clusters: [{ name: 'constructor' }, { name: 'plain' }] } });
    const { diags } = checkOne('file:///w/u.json', text);
    const unused = diags.filter((d) => d.code === 'unused-cluster').map((d) => text.slice(d.span.start, d.span.end).replace(/"/g, ''));
    assert.deepEqual(unused.sort(), ['constructor', 'plain']);
  });
});

describe('usable endpoint statuses', () => {
  it('HEALTHY and UNKNOWN take traffic; the others do not', () => {
    assert.equal(isUsableStatus('HEALTHY'), true);
    assert.equal(isUsableStatus('UNKNOWN'), true);
    for (const s of ['UNHEALTHY', 'DRAINING', 'TIMEOUT', 'DEGRADED', 'constructor']) assert.equal(isUsableStatus(s), false, s);
  });
});

describe('cancellation', () => {
  it('one error class, recognized by isCancellation, as are errors of that name from elsewhere', () => {
    const e = new CancellationError();
    assert.equal(e.name, 'CancellationError');
    assert.equal(isCancellation(e), true);
    const foreign = new Error('x');
    foreign.name = 'CancellationError';
    assert.equal(isCancellation(foreign), true);
    assert.equal(isCancellation(new Error('cancelled')), false);
    assert.equal(isCancellation('CancellationError'), false);
  });

  it('analyze, asked to stop, throws what isCancellation recognizes', () => {
    const text = JSON.stringify({ static_resources: { clusters: Array.from({ length: 20000 }, (_, i) => ({ name: `c${i}` })) } });
    assert.throws(() => analyze('file:///w/big.json', text, { isCancelled: () => true }), (e) => isCancellation(e));
  });
});
