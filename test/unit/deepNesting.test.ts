/**
 * Issue 8 §3, the stages after parsing: no nesting depth overflows the extraction walk or anything after it (checks,
 * hover, summary). Each case must finish (a generous per-test timeout catches a hang; the times before and after are
 * measured outside the tests) and answer with diagnostics, never an exception.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { Diagnostic } from '../../src/core/checks/types';
import { checkOne } from './checkOne';
import { hoverAt, parseTarget, pcJson, traceRequest, pcParts, pcYaml, readValue, renderProxyConfig, renderSummary, selectProxyConfig, type Analysis } from '../../src/core/facade';

const LIMIT = { timeout: 30_000 };

const run = checkOne;

/** A full dump whose one tcp_proxy names a missing cluster and carries `value` beside it in its typed_config. */
function dumpWithFilterValue(value: string): string {
  return JSON.stringify({
    configs: [
      {
        '@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump',
        dynamic_listeners: [
          {
            name: 'deep',
            active_state: {
              listener: {
                name: 'deep',
                address: { socket_address: { address: '0.0.0.0', port_value: 9000 } },
                filter_chains: [{ filters: [{ name: 'envoy.filters.network.tcp_proxy', typed_config: { cluster: 'missing', nested: '@@' } }] }],
              },
            },
          },
        ],
      },
      { '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump', static_clusters: [] },
    ],
  }).replace('"@@"', value);
}

const arrays = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
const objects = (depth: number): string => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
/** An inline route configuration at the bottom of the nesting: the walk must still find its dangling cluster. */
const objectsAroundRoute = (depth: number): string =>
  '{"a":'.repeat(depth) +
  '{"route_config":{"name":"inline","virtual_hosts":[{"name":"vh","domains":["*"],"routes":[{"match":{"prefix":"/"},"route":{"cluster":"missing-deep"}}]}]}}' +
  '}'.repeat(depth);

/** The scanner's depth cut (src/core/parse/tape.ts MAX_DEPTH): past it a container is kept empty and reported once. */
const DEPTH_CUT = /^Nested deeper than 256 levels/;

function depthCuts(a: Analysis): number {
  return a.problems.filter((p) => p.code === 'parse-error' && DEPTH_CUT.test(p.message)).length;
}

function unknownClusters(diags: Diagnostic[]): string[] {
  return diags.filter((d) => d.code === 'unknown-cluster').map((d) => /cluster "([^"]+)"/.exec(d.message)?.[1] ?? '?').sort();
}

describe('deep nesting inside a filter config', () => {
  for (const depth of [3_000, 100_000]) {
    for (const [label, make] of [['arrays', arrays], ['objects', objects]] as const) {
      const text = dumpWithFilterValue(make(depth));
      it(`${depth.toLocaleString('en-US')} nested ${label} (${Math.round(text.length / 1024)} KB), read as bytes and as a string`, LIMIT, () => {
        for (const input of [Buffer.from(text), text]) {
          const { a, diags } = run('deep.json', input, 'json');
          assert.equal(a.shape, 'config-dump');
          assert.equal(a.problems.length, 1, a.problems.map((p) => p.message).join('\n'));
          assert.equal(depthCuts(a), 1, 'the nesting is cut once, with a parse-error');
          assert.deepEqual(unknownClusters(diags), ['missing'], 'the tcp_proxy cluster beside the nesting is still checked');
        }
      });
    }
    it(`${depth.toLocaleString('en-US')} nested objects around an inline route configuration: cut, the rest still checked`, LIMIT, () => {
      const { a, diags } = run('deep.json', dumpWithFilterValue(objectsAroundRoute(depth)), 'json');
      assert.equal(depthCuts(a), 1);
      assert.deepEqual(unknownClusters(diags), ['missing']);
    });
    it(`${depth.toLocaleString('en-US')} nested arrays in a .yaml file holding JSON`, LIMIT, () => {
      const { a, diags } = run('deep.yaml', dumpWithFilterValue(arrays(depth)), 'yaml');
      assert.ok(depthCuts(a) >= 1);
      assert.deepEqual(unknownClusters(diags), ['missing']);
    });
  }

  it('an inline route configuration as deep as the scanner reads is found by the (iterative) walk', LIMIT, () => {
    const { a, diags } = run('deep.json', dumpWithFilterValue(objectsAroundRoute(200)), 'json');
    assert.deepEqual(a.problems, []);
    assert.deepEqual(unknownClusters(diags), ['missing', 'missing-deep']);
  });

  it('YAML flow and block nesting: read up to the depth cut, the rest still checked', LIMIT, () => {
    const depth = 1_000;
    const head = [
      'configs:',
      '- "@type": type.googleapis.com/envoy.admin.v3.ListenersConfigDump',
      '  dynamic_listeners:',
      '  - name: deep',
      '    active_state:',
      '      listener:',
      '        name: deep',
      '        filter_chains:',
      '        - filters:',
      '          - name: envoy.filters.network.tcp_proxy',
      '            typed_config:',
      '              cluster: missing',
    ].join('\n');
    const tail = '\n- "@type": type.googleapis.com/envoy.admin.v3.ClustersConfigDump\n  static_clusters: []\n';
    const flow = `${head}\n              nested: ${arrays(depth)}${tail}`;
    const block = `${head}\n              nested:\n${Array.from({ length: depth }, (_, i) => `${' '.repeat(14 + 2 * i)}-`).join('\n')} x${tail}`;
    for (const text of [flow, block]) {
      const { a, diags } = run('deep.yaml', text, 'yaml');
      assert.equal(a.format, 'yaml');
      assert.ok(depthCuts(a) >= 1, a.problems.map((p) => p.message).join('\n'));
      assert.deepEqual(unknownClusters(diags), ['missing']);
    }
  });

  it('deeper YAML than the scanner reads today still answers with diagnostics, never an exception', LIMIT, () => {
    // When the YAML scanner reads any depth this gives `unknown-cluster`; until then a parse-error at the nesting.
    const text = `configs:\n- "@type": type.googleapis.com/envoy.admin.v3.ListenersConfigDump\n  dynamic_listeners:\n  - name: deep\n    active_state:\n      listener:\n        name: deep\n        filter_chains:\n        - filters:\n          - typed_config:\n              cluster: missing\n              nested: ${arrays(100_000)}\n- "@type": type.googleapis.com/envoy.admin.v3.ClustersConfigDump\n  static_clusters: []\n`;
    const { diags } = run('deep.yaml', text, 'yaml');
    assert.ok(diags.some((d) => d.code === 'unknown-cluster' || d.code === 'parse-error'), diags.map((d) => d.code).join());
  });

  it('deep nesting in a bootstrap, a cluster transport socket and listener filters', LIMIT, () => {
    const deep = arrays(100_000);
    const text = JSON.stringify({
      admin: { nested: '@@' },
      static_resources: {
        listeners: [{ name: 'l', address: { socket_address: { address: '0.0.0.0', port_value: 1 } }, listener_filters: [{ name: 'x', typed_config: { nested: '@@' } }], filter_chains: [] }],
        clusters: [{ name: 'c', type: 'STATIC', transport_socket: { name: 'tls', typed_config: { nested: '@@', common_tls_context: { tls_certificate_sds_secret_configs: [{ name: 'missing-secret' }] } } } }],
      },
    }).replaceAll('"@@"', deep);
    const { a, ws, diags } = run('boot.json', text, 'json');
    assert.equal(a.shape, 'bootstrap');
    assert.ok(a.refs.some((r) => r.kind === 'secret' && r.name === 'missing-secret'));
    assert.ok(diags.some((d) => d.code === 'unused-cluster'));
    assert.match(renderSummary(ws, a, readValue(text)), /STATIC/);
    assert.ok(hoverAt(ws, 'boot.json', a.defs.find((d) => d.name === 'c')!.nameSpan.start + 1));
  });

  it('wrappers nested without end (arrays of objects of arrays …) are not a dump, and say so', LIMIT, () => {
    const depth = 50_000;
    for (const text of ['[{"a":'.repeat(depth) + '1' + '}]'.repeat(depth), arrays(100_000), '{"x":['.repeat(depth) + ']}'.repeat(depth)]) {
      const { a, diags } = run('wrap.json', text, 'json');
      assert.equal(a.shape, 'unknown');
      assert.deepEqual(diags.map((d) => d.code).sort(), ['not-envoy', 'parse-error']);
      assert.equal(depthCuts(a), 1);
    }
  });
});

describe('pc on deep nesting', () => {
  it('a typed_config nested 100,000 deep: every pc table and -o json|yaml finish (the value is read cut at 256 levels)', LIMIT, () => {
    const listener = {
      name: 'l',
      address: { socket_address: { address: '0.0.0.0', port_value: 1 } },
      filter_chains: [{ filters: [{ name: 'envoy.filters.network.tcp_proxy', typed_config: { cluster: 'c', nested: '@@' } }] }],
    };
    const text = JSON.stringify({ configs: [{ '@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump', static_listeners: [{ listener }] }] }).replace('"@@"', arrays(100_000));
    const { a, ws } = run('deep-pc.json', text, 'json');
    const parts = pcParts(readValue(text));
    assert.match(renderProxyConfig('listener', { parts }, {}), /^0\.0\.0\.0 +1 +ALL +Cluster: c$/m);
    assert.match(renderProxyConfig('listener', { parts }, { verbose: false }), /^0\.0\.0\.0 +1 +TCP$/m);
    assert.match(pcJson(selectProxyConfig('listener', parts, {})), /"cluster": "c"/);
    assert.match(pcYaml(selectProxyConfig('listener', parts, {})), /^ {8}cluster: c$/m);
    assert.match(renderSummary(ws, a, readValue(text)), /^listener\/l +0\.0\.0\.0 +1 +ALL +Cluster: c$/m);
  });
});

describe('trace on deep nesting', () => {
  it('a tcp_proxy whose typed_config nests 100,000 deep: the trace reads it (cut at 256 levels) and names the missing cluster', LIMIT, () => {
    const text = dumpWithFilterValue(objects(100_000));
    const { ws } = run('deep-trace.json', text, 'json');
    const t = traceRequest(ws, 'deep-trace.json', text, parseTarget('tcp://10.0.0.1:9000'));
    assert.ok(t.hops.some((h) => h.kind === 'listener' && h.name === 'deep'), JSON.stringify(t.hops.map((h) => [h.kind, h.name])));
    assert.match(JSON.stringify(t.outcome), /missing/);
  });
});

describe('many definitions', () => {
  it('the summary of 50,000 listeners is linear (it looked every listener\'s chains up in every definition)', LIMIT, () => {
    const n = 50_000;
    const dynamic_listeners = Array.from({ length: n }, (_, i) => ({
      name: `l${i}`,
      active_state: {
        listener: {
          name: `l${i}`,
          address: { socket_address: { address: '0.0.0.0', port_value: i } },
          filter_chains: [{ filters: [{ name: 'envoy.filters.network.tcp_proxy', typed_config: { cluster: 'c' } }] }],
        },
      },
    }));
    const text = JSON.stringify({ configs: [{ '@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump', dynamic_listeners }] });
    const { a, ws } = run('wide.json', text, 'json');
    const lines = renderSummary(ws, a, readValue(text)).split('\n');
    assert.equal(lines.filter((l) => / Cluster: c$/.test(l)).length, n);
    // pc all's listener table: NAME ADDRESSES PORT MATCH DESTINATION, sorted by port.
    const head = lines.findIndex((l) => /^NAME +ADDRESSES PORT +MATCH DESTINATION$/.test(l));
    assert.ok(head > 0, 'the listener table comes after the (empty) cluster table');
    assert.match(lines[head + 1], /^listener\/l0 +0\.0\.0\.0 +0 +ALL +Cluster: c$/);
    assert.match(lines[head + n], /^listener\/l49999 +0\.0\.0\.0 +49999 +ALL +Cluster: c$/);
  });
});
