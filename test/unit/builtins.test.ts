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

  it('every long stage (JSON scan, YAML fast path and general path, extraction, regex judging) throws the one class', () => {
    const clusters = Array.from({ length: 20000 }, (_, i) => ({ name: `c${i}`, type: 'STATIC' }));
    const json = JSON.stringify({ static_resources: { clusters } });
    const yaml = `static_resources:\n  clusters:\n${clusters.map((c) => `  - name: ${c.name}\n    type: STATIC\n`).join('')}`;
    const flow = `static_resources: {clusters: [${clusters.map((c) => `{name: ${c.name}}`).join(', ')}]}\n&a x: *a\n`;
    const regexes = JSON.stringify({
      route_config: { name: 'r', virtual_hosts: [{ name: 'v', domains: ['*'], routes: Array.from({ length: 3000 }, (_, i) => ({ match: { safe_regex: { regex: `/p${i}` } }, route: { cluster: 'c' } })) }] },
    });
    const cases: Array<[string, string, string | Uint8Array, number, RegExp]> = [
      ['json string', 'file:///a.json', json, 0, /scan/],
      ['json bytes', 'file:///a.json', Buffer.from(json), 0, /scan/],
      ['yaml', 'file:///a.yaml', yaml, 0, /scan/],
      ['yaml general path', 'file:///b.yaml', flow, 0, /scan/],
      // Let the scan finish and stop in a later stage (the stack says which).
      ['extraction', 'file:///c.json', json, 3, /Indexing/],
      ['regex judging', 'file:///d.json', regexes, 6, /Indexing/],
    ];
    for (const [what, uri, input, after, message] of cases) {
      let polls = 0;
      assert.throws(
        () => analyze(uri, input, { isCancelled: () => ++polls > after }),
        (e) => e instanceof CancellationError && isCancellation(e) && message.test(e.message) && (what !== 'regex judging' || /judgeRegexes/.test(e.stack ?? '')),
        what,
      );
    }
  });
});
