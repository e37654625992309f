/**
 * Issue 9 §1 and §4: the workspace index answers "children of this definition" and "references that sit in this
 * definition" from lookups built once per file, and they agree with a plain scan of the analysis. Also the findings
 * cap's number formatting, which no longer goes through toLocaleString.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { groupThousands } from '../../src/core/checks/index';
import { analyze, check, Workspace } from '../../src/core/facade';
import { isBuiltin } from '../../src/core/workspace';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures');

describe('workspace: parent→children and references-by-owner', () => {
  for (const file of ['sidecar.json', 'sidecar.yaml', 'trace-istio.json', 'envoy.bootstrap.json']) {
    it(`agree with a scan of ${file}`, () => {
      const text = fs.readFileSync(path.join(FIXTURES, file), 'utf8');
      const uri = `file:///${file}`;
      const a = analyze(uri, text, { languageId: file.endsWith('.yaml') ? 'yaml' : 'json' });
      assert.ok(a.defs.length > 3 && a.refs.length > 0, 'the fixture has definitions and references');
      const ws = new Workspace();
      ws.set(a);
      let children = 0;
      let refs = 0;
      for (let i = -1; i < a.defs.length; i++) {
        const want = a.defs.flatMap((d, j) => (d.parent === i || (i === -1 && d.parent < 0) ? [j] : []));
        assert.deepEqual(ws.childrenOf(uri, i), want, `children of ${i}`);
        const wantRefs = a.refs.flatMap((r, j) => (r.from === i || (i === -1 && r.from < 0) ? [j] : []));
        assert.deepEqual(ws.refsFrom(uri, i), wantRefs, `references from ${i}`);
        if (i >= 0) {
          children += want.length;
          refs += wantRefs.length;
        }
      }
      assert.ok(children > 0, 'some definition has children');
      assert.ok(refs > 0, 'some definition owns references');
      // The lookups are rebuilt for a replaced file, not served stale.
      const b = analyze(uri, '{"configs": []}');
      ws.set(b);
      assert.deepEqual(ws.childrenOf(uri, 0), []);
      assert.deepEqual(ws.refsFrom(uri, -1), []);
    });
  }

  it('an unknown file has no children or references', () => {
    const ws = new Workspace();
    assert.deepEqual(ws.childrenOf('file:///none.json', 0), []);
    assert.deepEqual(ws.refsFrom('file:///none.json', -1), []);
  });
});

describe('groupThousands writes integers as toLocaleString("en-US") does', () => {
  it('for small, boundary and large values', () => {
    for (const n of [0, 1, 12, 999, 1000, 1001, 12_345, 999_999, 1_000_000, 412_000, 123_456_789, -1, -1234, -1_000_000]) {
      assert.equal(groupThousands(n), n.toLocaleString('en-US'), String(n));
    }
  });
});

describe('Istio built-ins are looked up as names, not object properties', () => {
  it('a cluster named "constructor" is not a built-in: it gets its unused-cluster hint; PassthroughCluster does not', () => {
    const text = JSON.stringify({
      static_resources: {
        listeners: [{ name: 'l', address: { socket_address: { address: '0.0.0.0', port_value: 1 } }, filter_chains: [] }],
        clusters: [
          { name: 'constructor', type: 'STATIC' },
          { name: 'toString', type: 'STATIC' },
          { name: 'PassthroughCluster', type: 'ORIGINAL_DST' },
        ],
      },
    });
    const ws = new Workspace();
    const a = analyze('file:///boot.json', text);
    ws.set(a);
    assert.equal(a.shape, 'bootstrap');
    const unused = check(ws, a.uri).filter((d) => d.code === 'unused-cluster').map((d) => d.message);
    assert.deepEqual(unused, [
      'Cluster "constructor" is not referenced by any route, listener or service config in scope.',
      'Cluster "toString" is not referenced by any route, listener or service config in scope.',
    ]);
    assert.equal(isBuiltin('cluster', 'constructor'), false);
    assert.equal(isBuiltin('cluster', 'PassthroughCluster'), true);
    assert.equal(isBuiltin('secret', 'ROOTCA'), true);
    assert.equal(isBuiltin('secret', 'hasOwnProperty'), false);
  });
});
