/** `warming` (checks/warming.ts). */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { warming } from '../../../src/core/checks/warming';
import { cluster, fullDump, listener, run, tcpProxy, warmingListener } from './dump';

describe('warming', () => {
  it('says what a warming cluster, listener and secret wait for, as information', () => {
    const l = listener('new', 80, [tcpProxy('web')]);
    const r = run(warming, fullDump({ listeners: [warmingListener(l)], clusters: [cluster('web')], warmingClusters: [cluster('cold')], warmingSecrets: [{ name: 'cert' }] }));
    const byName = new Map(r.diags.map((d) => [r.at(d), d]));
    assert.deepEqual([...byName.keys()].sort(), ['cert', 'cold', 'new']);
    for (const d of r.diags) assert.equal(d.severity, 'information');
    assert.match(byName.get('cold')!.message, /waiting for its endpoints and secrets, and it is not used until then/);
    assert.match(byName.get('new')!.message, /route configurations and secrets/);
  });

  it('a listener warming an update while active: the active version keeps serving', () => {
    const l = listener('upd', 80, [tcpProxy('web')]);
    // One DynamicListener entry in two states, as Envoy lists an update being warmed.
    const r = run(warming, fullDump({ listeners: [{ name: 'upd', active_state: { listener: l }, warming_state: { listener: l } }], clusters: [cluster('web')] }));
    assert.equal(r.diags.length, 1, JSON.stringify(r.diags));
    assert.match(r.diags[0].message, /active version keeps serving/);
  });

  it('says nothing when nothing warms', () => {
    assert.deepEqual(run(warming, fullDump({ clusters: [cluster('web')] })).diags, []);
  });
});
