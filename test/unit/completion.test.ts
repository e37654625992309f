/** Completion of defined names (core/features/completion.ts): which key asks for which kind, and what is offered. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { completionContext, completionsAt } from '../../src/core/facade';
import { loadText } from './fixtureWorkspace';

describe('completion context', () => {
  const cases: Array<[string, string, string | undefined, string?]> = [
    ['JSON cluster value', '"route": {"cluster": "back', 'cluster', 'back'],
    ['YAML cluster value', '    route:\n      cluster: back', 'cluster', 'back'],
    ['camelCase clusterName', '  "clusterName": "', 'cluster', ''],
    ['route_config_name', 'rds:\n  route_config_name: 90', 'routeConfig', '90'],
    ['routeConfigName', '"routeConfigName": "80', 'routeConfig', '80'],
    ['name under sds_secret_config', 'tls_certificate_sds_secret_configs:\n- name: def', 'secret', 'def'],
    ['name under weighted_clusters', 'weighted_clusters:\n  clusters:\n  - name: rev', 'cluster', 'rev'],
    ['a plain name', 'listeners:\n- name: l', undefined],
    ['an unrelated key', '"stat_prefix": "x', undefined],
  ];
  for (const [what, before, kind, typed] of cases) {
    it(`${what} → ${kind ?? 'nothing'}`, () => {
      const c = completionContext(before);
      if (kind === undefined) assert.equal(c, undefined);
      else assert.deepEqual(c, { kind, typed });
    });
  }
});

describe('completion candidates', () => {
  const text = 'static_resources:\n  clusters:\n  - name: backend_one\n    type: STRICT_DNS\n    connect_timeout: 1s\n  - name: backend_two\n    connect_timeout: 1s\n  listeners:\n  - name: l\n    filter_chains: []\n    route:\n      cluster: back';
  const { ws, uri } = loadText('file:///w/bootstrap.yaml', text);
  const other = loadText('file:///w/more.yaml', 'static_resources:\n  clusters:\n  - name: backend_three\n  - name: backend_one\n', ws);

  it('offers every defined cluster of the workspace once, with the replaced span and a detail', () => {
    const c = completionsAt(ws, uri, text.length, text.slice(text.lastIndexOf('\n', text.length - 20)));
    assert.ok(c);
    assert.equal(c.kind, 'cluster');
    assert.deepEqual(c.replace, { start: text.length - 4, end: text.length });
    assert.deepEqual(c.candidates.map((x) => x.name).sort(), ['backend_one', 'backend_three', 'backend_two']);
    assert.equal(c.candidates.find((x) => x.name === 'backend_one')!.detail, 'Cluster · STRICT_DNS');
    assert.ok(other.a.defs.length > 0);
  });

  it('answers undefined where no name goes, or for a file not held', () => {
    assert.equal(completionsAt(ws, uri, 10, 'static_res'), undefined);
    assert.equal(completionsAt(ws, 'file:///w/none.yaml', 5, 'cluster: b'), undefined);
  });
});
