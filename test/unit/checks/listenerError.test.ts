/** `listener-error` (checks/listenerError.ts). */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { listenerError } from '../../../src/core/checks/listenerError';
import { active, cluster, errorListener, fullDump, listener, run, tcpProxy } from './dump';

describe('listener-error', () => {
  it('reports a rejected listener with Envoy\'s details, as not serving when nothing else serves it', () => {
    const l = listener('bad', 80, [tcpProxy('web')]);
    const r = run(listenerError, fullDump({ listeners: [errorListener(l, 'error adding listener: duplicate address')], clusters: [cluster('web')] }));
    assert.equal(r.diags.length, 1);
    const [d] = r.diags;
    assert.equal(d.code, 'listener-error');
    assert.equal(d.severity, 'error');
    assert.equal(r.at(d), 'bad');
    assert.match(d.message, /and is not serving it: error adding listener: duplicate address$/);
  });

  it('says the previous version keeps serving when the name is also active', () => {
    const l = listener('upd', 80, [tcpProxy('web')]);
    const r = run(listenerError, fullDump({ listeners: [active(l), errorListener(l, 'bad update')], clusters: [cluster('web')] }));
    assert.equal(r.diags.length, 1);
    assert.match(r.diags[0].message, /keeps serving the previous version/);
  });

  it('is one finding for repeated error entries with the same details', () => {
    const l = listener('twice', 80, [tcpProxy('web')]);
    const r = run(listenerError, fullDump({ listeners: [errorListener(l, 'same'), errorListener(l, 'same')], clusters: [cluster('web')] }));
    assert.equal(r.diags.length, 1);
    assert.equal(r.diags[0].related?.length, 1);
  });

  it('says nothing of healthy listeners', () => {
    const r = run(listenerError, fullDump({ listeners: [active(listener('ok', 80, [tcpProxy('web')]))], clusters: [cluster('web')] }));
    assert.deepEqual(r.diags, []);
  });
});
