/** `unused-cluster` (checks/unusedCluster.ts). */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { unusedCluster } from '../../../src/core/checks/unusedCluster';
import { active, cluster, fullDump, listener, rdsFilter, routeConfig, run, tcpProxy } from './dump';

describe('unused-cluster', () => {
  it('hints, faded, at a cluster no route, listener or service config names', () => {
    const text = fullDump({
      listeners: [active(listener('http', 80, [rdsFilter('rc')])), active(listener('tcp', 81, [tcpProxy('db')]))],
      routes: [routeConfig('rc', [{ cluster: 'web', request_mirror_policies: [{ cluster: 'shadow' }] }])],
      clusters: [cluster('web'), cluster('db'), cluster('shadow'), cluster('orphan'), cluster('BlackHoleCluster')],
    });
    const r = run(unusedCluster, text);
    assert.deepEqual(r.diags.map((d) => r.at(d)), ['orphan']);
    assert.equal(r.diags[0].severity, 'hint');
    assert.deepEqual(r.diags[0].tags, ['unnecessary']);
  });

  it('says nothing when the listeners are not known (a clusters-only file)', () => {
    assert.deepEqual(run(unusedCluster, fullDump({ clusters: [cluster('orphan')] })).diags, []);
  });

  it('a cluster named like an Object.prototype member is still a cluster', () => {
    const r = run(unusedCluster, fullDump({ listeners: [active(listener('tcp', 81, [tcpProxy('web')]))], clusters: [cluster('web'), cluster('constructor')] }));
    assert.deepEqual(r.diags.map((d) => r.at(d)), ['constructor']);
  });
});
