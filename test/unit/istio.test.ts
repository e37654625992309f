/** Istio's names: one lookup of the built-ins, which a dump's own names (even `constructor`) cannot fool. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { hoverAt } from '../../src/core/facade';
import { describeIstioCluster, istioBuiltin } from '../../src/core/istio';
import { checkOne } from './checkOne';

describe('Istio built-ins', () => {
  it('knows its own names and only those', () => {
    assert.match(istioBuiltin('cluster', 'PassthroughCluster') ?? '', /original destination/);
    assert.match(istioBuiltin('secret', 'ROOTCA') ?? '', /root CA/);
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
      assert.equal(istioBuiltin('cluster', name), undefined, name);
      assert.equal(istioBuiltin('secret', name), undefined, name);
      assert.equal(describeIstioCluster(name), undefined, name);
    }
  });

  it('a cluster named "constructor" hovers as itself and is reported unused like any other', () => {
    const text = JSON.stringify({
      static_resources: {
        listeners: [{ name: 'l', address: { socket_address: { address: '0.0.0.0', port_value: 80 } }, filter_chains: [] }],
        clusters: [{ name: 'constructor', type: 'STATIC' }, { name: 'toString', type: 'STATIC' }],
      },
    });
    const { a, ws, diags } = checkOne('c.json', text, 'json');
    const unused = diags.filter((d) => d.code === 'unused-cluster').map((d) => /Cluster "([^"]+)"/.exec(d.message)?.[1]).sort();
    assert.deepEqual(unused, ['constructor', 'toString']);
    const def = a.defs.find((d) => d.name === 'constructor')!;
    const h = hoverAt(ws, 'c.json', def.nameSpan.start + 2);
    assert.ok(h);
    assert.doesNotMatch(h.markdown, /function|native code|Istio built-in/);
  });
});
