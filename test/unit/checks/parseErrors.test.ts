/** `parse-error` and `not-envoy` (checks/parseErrors.ts). */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { parseErrors } from '../../../src/core/checks/parseErrors';
import { cluster, fullDump, run } from './dump';

describe('parse-error / not-envoy', () => {
  it('reports where the JSON breaks, as an error, and nothing for a valid dump', () => {
    const good = fullDump({ clusters: [cluster('web')] });
    assert.deepEqual(run(parseErrors, good).diags, []);
    const broken = good.slice(0, good.lastIndexOf('}') - 10);
    const r = run(parseErrors, broken);
    assert.ok(r.diags.length >= 1);
    assert.ok(r.diags.every((d) => d.code === 'parse-error' && d.severity === 'error'));
    assert.ok(r.diags[0].span.start <= broken.length);
  });

  it('warns that JSON without Envoy resources is not an Envoy dump', () => {
    const r = run(parseErrors, '{"apiVersion": "v1", "kind": "Pod"}');
    assert.deepEqual(r.diags.map((d) => [d.code, d.severity]), [['not-envoy', 'warning']]);
  });

  it('reports a YAML syntax error in a YAML dump', () => {
    const r = run(parseErrors, 'static_resources:\n  clusters:\n  - name: "web\n', { uri: 'file:///bad.yaml' });
    assert.ok(r.diags.some((d) => d.code === 'parse-error'), JSON.stringify(r.diags));
  });
});
