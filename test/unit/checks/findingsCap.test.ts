/**
 * Issue 8 §3: findings per file are capped (a hostile file made 413,000 of them and overflowed the stack while they
 * were gathered), the most severe kept, with one last `too-many-findings` counting the rest. A generous per-test
 * timeout catches a hang; the times are measured outside the tests.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { capFindings, MAX_FINDINGS_PER_FILE } from '../../../src/core/checks/index';
import type { Diagnostic } from '../../../src/core/checks/types';
import { checkOne } from '../checkOne';

const LIMIT = { timeout: 30_000 };

const run = checkOne;

describe('findings per file are capped', () => {
  const diag = (i: number, severity: Diagnostic['severity'], code: Diagnostic['code']): Diagnostic => ({
    code,
    severity,
    message: `finding ${i}`,
    span: { start: i, end: i + 1 },
  });

  it('413,000 findings: no stack overflow, the most severe kept in position order, then one that counts the rest', LIMIT, () => {
    const all: Diagnostic[] = [];
    for (let i = 0; i < 413_000; i++) all.push(diag(413_000 - i, i % 1000 === 0 ? 'error' : 'hint', i % 1000 === 0 ? 'parse-error' : 'unused-cluster'));
    const out = capFindings(all);
    assert.equal(out.length, MAX_FINDINGS_PER_FILE + 1);
    const kept = out.slice(0, -1);
    assert.equal(kept.filter((d) => d.severity === 'error').length, 413, 'every error is kept before any hint');
    for (let i = 1; i < kept.length; i++) assert.ok(kept[i - 1].span.start <= kept[i].span.start, 'kept findings are in position order');
    const last = out[out.length - 1];
    assert.equal(last.code, 'too-many-findings');
    assert.equal(last.severity, 'information');
    assert.equal(last.message, '412,000 more findings not shown (412,000 unused-cluster); only the first 1,000, most severe first, are listed.');
  });

  it('at the cap nothing is added', () => {
    const all = Array.from({ length: MAX_FINDINGS_PER_FILE }, (_, i) => diag(MAX_FINDINGS_PER_FILE - i, 'warning', 'unknown-cluster'));
    const out = capFindings(all);
    assert.equal(out.length, MAX_FINDINGS_PER_FILE);
    assert.ok(out.every((d) => d.code === 'unknown-cluster'));
    assert.equal(out[0].span.start, 1);
  });

  it('a dump with 5,000 dangling routes and one rejected listener keeps the error and counts what is left out', LIMIT, () => {
    const routes = Array.from({ length: 5_000 }, (_, i) => ({ match: { prefix: `/${i}` }, route: { cluster: `gone-${i}` } }));
    const text = JSON.stringify({
      configs: [
        {
          '@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump',
          dynamic_listeners: [{ name: 'bad', error_state: { details: 'no filter chains specified' } }],
        },
        { '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump', static_clusters: [] },
        {
          '@type': 'type.googleapis.com/envoy.admin.v3.RoutesConfigDump',
          dynamic_route_configs: [{ route_config: { name: 'r', virtual_hosts: [{ name: 'vh', domains: ['*'], routes }] } }],
        },
      ],
    });
    const { diags } = run('many.json', text, 'json');
    assert.equal(diags.length, MAX_FINDINGS_PER_FILE + 1);
    assert.equal(diags.filter((d) => d.code === 'listener-error').length, 1);
    assert.equal(diags.filter((d) => d.code === 'unknown-cluster').length, MAX_FINDINGS_PER_FILE - 1);
    assert.match(diags[diags.length - 1].message, /^4,001 more findings not shown \(4,001 unknown-cluster\)/);
  });

  it('aliases to a missing anchor fanned out answer with at most the cap', LIMIT, () => {
    let text = 'static_resources:\n  clusters: []\na: &a [' + Array(10).fill('*missing').join(', ') + ']\n';
    let prev = 'a';
    for (const n of ['b', 'c', 'd', 'e', 'f']) {
      text += `${n}: &${n} [${Array(10).fill('*' + prev).join(', ')}]\n`;
      prev = n;
    }
    const { diags } = run('alias.yaml', text, 'yaml');
    assert.ok(diags.length >= 1 && diags.length <= MAX_FINDINGS_PER_FILE + 1, `${diags.length} findings`);
    assert.ok(diags.some((d) => d.code === 'parse-error'));
  });
});
