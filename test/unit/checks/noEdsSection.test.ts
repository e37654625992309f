/** `no-eds-section` (checks/noEdsSection.ts). */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { noEdsSection } from '../../../src/core/checks/noEdsSection';
import { cluster, fullDump, loadAssignment, run } from './dump';

describe('no-eds-section', () => {
  it('says once that a dump with EDS clusters was taken without ?include_eds', () => {
    const r = run(noEdsSection, fullDump({ clusters: [cluster('a', { eds: true }), cluster('b', { eds: true })] }));
    assert.equal(r.diags.length, 1);
    assert.equal(r.diags[0].severity, 'information');
    assert.match(r.diags[0].message, /config_dump\?include_eds/);
  });

  it('is silent when the endpoints section is there, or no cluster uses EDS', () => {
    assert.deepEqual(run(noEdsSection, fullDump({ clusters: [cluster('a', { eds: true })], endpoints: [loadAssignment('a', ['10.0.0.1'])] })).diags, []);
    assert.deepEqual(run(noEdsSection, fullDump({ clusters: [cluster('s')] })).diags, []);
  });
});
