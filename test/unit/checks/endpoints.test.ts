/** `missing-endpoints`, `no-healthy-endpoints`, `no-endpoints` (checks/endpoints.ts). */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { missingEndpoints, noEndpoints, noHealthyEndpoints } from '../../../src/core/checks/endpoints';
import { cluster, fullDump, loadAssignment, run } from './dump';

describe('missing-endpoints', () => {
  it('flags an EDS cluster whose load assignment the endpoints section lacks, at its service name', () => {
    const text = fullDump({ clusters: [cluster('a', { eds: true }), cluster('b', { eds: true, serviceName: 'b-svc' })], endpoints: [loadAssignment('a', ['10.0.0.1'])] });
    const r = run(missingEndpoints, text);
    assert.equal(r.diags.length, 1);
    const [d] = r.diags;
    assert.equal(d.code, 'missing-endpoints');
    assert.equal(d.severity, 'warning');
    assert.equal(r.at(d), 'b-svc');
    assert.match(d.message, /EDS cluster "b" \(service_name "b-svc"\).*503 UH/);
  });

  it('is silent when the dump has no endpoints section at all (no-eds-section says it once)', () => {
    assert.deepEqual(run(missingEndpoints, fullDump({ clusters: [cluster('a', { eds: true })] })).diags, []);
  });
});

describe('no-healthy-endpoints', () => {
  it('flags a load assignment whose endpoints are all down, counting statuses', () => {
    const r = run(noHealthyEndpoints, fullDump({ clusters: [cluster('a', { eds: true })], endpoints: [loadAssignment('a', ['10.0.0.1 UNHEALTHY', '10.0.0.2 DRAINING'])] }));
    assert.equal(r.diags.length, 1);
    assert.equal(r.diags[0].severity, 'warning');
    assert.match(r.diags[0].message, /2 endpoints and none is healthy \(1 UNHEALTHY, 1 DRAINING\)/);
  });

  it('counts UNKNOWN (no health checking) as taking traffic', () => {
    const r = run(noHealthyEndpoints, fullDump({ clusters: [cluster('a', { eds: true })], endpoints: [loadAssignment('a', ['10.0.0.1 UNKNOWN', '10.0.0.2 UNHEALTHY'])] }));
    assert.deepEqual(r.diags, []);
  });
});

describe('no-endpoints', () => {
  it('says, as information, that an EDS service has no endpoints', () => {
    const r = run(noEndpoints, fullDump({ clusters: [cluster('outbound|80||a.ns.svc.cluster.local', { eds: true })], endpoints: [loadAssignment('outbound|80||a.ns.svc.cluster.local', [])] }));
    assert.equal(r.diags.length, 1);
    assert.equal(r.diags[0].code, 'no-endpoints');
    assert.equal(r.diags[0].severity, 'information');
  });

  it('is silent for clusters empty by design: inbound and Istio built-ins', () => {
    const r = run(noEndpoints, fullDump({ clusters: [cluster('inbound|9080||', { eds: true })], endpoints: [loadAssignment('inbound|9080||', []), loadAssignment('BlackHoleCluster', [])] }));
    assert.deepEqual(r.diags, []);
  });
});
