/**
 * A dump as a folder of resource documents (issue 12, src/core/features/resourceDocs.ts): names (file-name-safe,
 * unique, stable), every resource rendered to a document that reads as the same resource, and every finding of the
 * whole dump placed in a document on the text it marks, over the fixtures and every corpus dump.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import YAML from 'yaml';
import {
  analyze,
  check,
  fileNameOf,
  hoverAt,
  renderResourceAt,
  resourceDocuments,
  resourceEntries,
  ResourcePlaces,
  Workspace,
  type Analysis,
} from '../../src/core/facade';

const ROOT = path.join(__dirname, '..', '..', '..');
const FIX = path.join(ROOT, 'test', 'fixtures');
const CORPUS = path.resolve(ROOT, '..', 'shared', 'corpus');

const BASE = 'envoy-dump://test/';

/**
 * The whole dump's findings, each placed in its resource document (ResourcePlaces), and the documents' own
 * workspace (what the editor's features read). `placed` checks that a finding lands on the same text it marks in
 * the dump (a name, a reference, a regex), as `code` → count of those that do.
 */
function findings(uri: string, text: string, lang: 'json' | 'yaml'): { whole: Record<string, number>; placed: Record<string, number>; docs: number; a: Analysis; ws: Workspace } {
  const a = analyze(uri, text, { languageId: lang });
  const one = new Workspace();
  one.set(a);
  const diags = check(one, uri);
  const whole: Record<string, number> = {};
  for (const d of diags) whole[d.code] = (whole[d.code] ?? 0) + 1;
  const ws = new Workspace();
  const entries = resourceEntries(a);
  const docs: Array<{ analysis: Analysis; text: string }> = [];
  for (const doc of resourceDocuments(a, text, (e) => BASE + e.path)) {
    const da = analyze(doc.uri, doc.text, { languageId: lang });
    ws.set(da);
    docs.push({ analysis: da, text: doc.text });
  }
  const places = new ResourcePlaces(a, entries, (i) => docs[i]?.analysis);
  const placed: Record<string, number> = {};
  const unquote = (s: string) => s.replace(/^["']|["']$/g, '');
  for (const d of diags) {
    const at = places.locate(d.span);
    if (!at) continue;
    const inDump = unquote(text.slice(d.span.start, d.span.end));
    const inDoc = unquote(docs[at.entry].text.slice(at.span.start, at.span.end));
    // A finding on a name or a value lands on the same text; a dump-level one (outside every resource) at a document's start.
    const outside = places.entryAt(d.span.start) < 0;
    if ((outside && at.span.start === 0) || inDump === inDoc || (inDump.length > 40 && inDoc.length > 40 && inDump.replace(/\s+/g, '') === inDoc.replace(/\s+/g, ''))) {
      placed[d.code] = (placed[d.code] ?? 0) + 1;
    }
  }
  return { whole, placed, docs: docs.length, a, ws };
}

describe('resource documents: names', () => {
  it('keep Istio names readable, escape separators, cut long names with a hash, never empty', () => {
    assert.equal(fileNameOf('outbound|9080||ratings.default.svc.cluster.local'), 'outbound|9080||ratings.default.svc.cluster.local');
    assert.equal(fileNameOf('kubernetes://a/b\\c%d'), 'kubernetes:%2F%2Fa%2Fb%5Cc%25d');
    assert.equal(fileNameOf(''), '(unnamed)');
    assert.equal(fileNameOf('..'), '%2E%2E');
    const long = fileNameOf('x'.repeat(500));
    assert.ok(long.length <= 180 && /~[0-9a-f]{8}$/.test(long), long);
    assert.notEqual(fileNameOf('x'.repeat(500)), fileNameOf('x'.repeat(499) + 'y'));
  });

  it('are unique (a warming copy, a repeated name) and stable across readings, JSON and YAML', () => {
    const cluster = (name: string) => ({ name, type: 'STATIC' });
    const dump = {
      configs: [
        {
          '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump',
          dynamic_active_clusters: [{ cluster: cluster('a') }, { cluster: cluster('a') }, { cluster: cluster('a/b') }],
          dynamic_warming_clusters: [{ cluster: cluster('a') }],
        },
      ],
    };
    const text = JSON.stringify(dump);
    const paths = resourceEntries(analyze('d.json', text)).map((e) => e.path);
    assert.deepEqual(paths, ['clusters/a.json', 'clusters/a (active).json', 'clusters/a%2Fb.json', 'clusters/a (warming).json']);
    assert.deepEqual(resourceEntries(analyze('d.json', text)).map((e) => e.path), paths, 'stable');
    const yaml = resourceEntries(analyze('d.yaml', YAML.stringify(dump), { languageId: 'yaml' })).map((e) => e.path);
    assert.deepEqual(yaml, paths.map((p) => p.replace(/\.json$/, '.yaml')));
  });
});

describe('resource documents: content and cross-references', () => {
  for (const f of ['sidecar.json', 'sidecar.yaml', 'envoy.bootstrap.json', 'istioctl-clusters.camel.json', 'istioctl-listeners.camel.yaml']) {
    it(`${f}: each document holds its resource once, under the same name, and checks as the whole dump`, () => {
      const lang = f.endsWith('.yaml') ? 'yaml' : 'json';
      const text = readFileSync(path.join(FIX, f), 'utf8');
      const { whole, placed, docs, a, ws } = findings(`file:///${f}`, text, lang);
      assert.ok(docs > 0);
      for (const doc of resourceDocuments(a, text, (e) => BASE + e.path)) {
        const da = ws.get(doc.uri)!;
        const own = da.defs.filter((d) => d.parent < 0 && d.group === 'main');
        assert.deepEqual(own.map((d) => [d.kind, d.name]), [[doc.entry.kind, doc.entry.name]], doc.entry.path);
        assert.equal(renderResourceAt(a, text, doc.entry.path), doc.text, 'rendered again, the same text');
        if (lang === 'json') assert.doesNotThrow(() => JSON.parse(doc.text));
      }
      assert.deepEqual(placed, whole);
    });
  }

  it('a route\'s cluster resolves into the cluster\'s document, and hover there shows its endpoints', () => {
    const text = readFileSync(path.join(FIX, 'sidecar.json'), 'utf8');
    const { ws } = findings('file:///sidecar.json', text, 'json');
    const routeDoc = BASE + 'routes/9080.json';
    const ra = ws.get(routeDoc)!;
    const ref = ra.refs.find((r) => r.kind === 'cluster' && r.name === 'outbound|9080||ratings.default.svc.cluster.local')!;
    const defs = ws.resolve(routeDoc, 'cluster', ref.name);
    assert.deepEqual(defs.map((d) => d.uri), [BASE + 'clusters/outbound|9080||ratings.default.svc.cluster.local.json']);
    const h = hoverAt(ws, routeDoc, ref.span.start + 1)!;
    assert.match(h.markdown, /endpoints \(EDS\): 2 · 1 healthy · 1 UNHEALTHY/);
  });
});

describe('resource documents over the corpus', () => {
  if (!existsSync(CORPUS)) {
    it('is skipped: ../shared/corpus is not beside this checkout', (t) => {
      t.skip('no ../shared/corpus');
    });
    return;
  }
  for (const f of readdirSync(CORPUS).filter((n) => /\.(json|ya?ml)$/.test(n)).sort()) {
    it(`${f}: every finding of the dump lands in a document on the text it marks`, { timeout: 60_000 }, () => {
      const lang = /\.ya?ml$/.test(f) ? 'yaml' : 'json';
      const text = readFileSync(path.join(CORPUS, f), 'utf8');
      const { whole, placed } = findings(`file:///${f}`, text, lang);
      assert.deepEqual(placed, whole);
    });
  }
});
