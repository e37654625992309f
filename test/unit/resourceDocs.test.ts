/**
 * A dump as a folder of resource documents (issue 12, src/core/features/resourceDocs.ts): names (file-name-safe,
 * unique, stable), every resource rendered to a document that reads as the same resource, and every finding of the
 * whole dump placed in a document on the text it marks, over the fixtures and every corpus dump.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
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
  DumpSplitter,
  LineIndex,
  replacePlaced,
  type Analysis,
} from '../../src/core/facade';
import { eachCorpusDump } from './corpusDumps';

const ROOT = path.join(__dirname, '..', '..', '..');
const FIX = path.join(ROOT, 'test', 'fixtures');

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
  eachCorpusDump('every finding of the dump lands in a document on the text it marks', ({ name: f, languageId: lang }, bytes) => {
    const text = bytes.toString('utf8');
    const { whole, placed } = findings(`file:///${f}`, text, lang);
    assert.deepEqual(placed, whole);
  });
});

/**
 * The editor's path (DumpSplitter): a JSON dump's findings are placed before their documents are made
 * (placeOnTape); making the documents checks each place and replaces a document's findings when one did not hold.
 * `placedOnText` reads every final place in the rendered document and compares it with the text the finding marks.
 */
function placedOnText(uri: string, text: string, lang: 'json' | 'yaml'): { whole: number; onText: number; early: number; moved: number } {
  const s = new DumpSplitter(uri, text, BASE, { languageId: lang });
  const first = s.first();
  const early = first.diagnostics.length;
  let final = first.diagnostics;
  let moved = 0;
  for (let b = s.next(); b.docs.length > 0; b = s.next()) {
    moved += b.diagnostics.length;
    final = replacePlaced(final, b.diagnostics);
  }
  const a = analyze(uri, text, { languageId: lang });
  const one = new Workspace();
  one.set(a);
  const whole = check(one, uri);
  const unquote = (x: string) => x.replace(/^["']|["']$/g, '');
  let onText = 0;
  const byUri = new Map(s.all.map((e) => [e.uri, e]));
  const texts = new Map<string, string>();
  const wanted = whole.map((d) => unquote(text.slice(d.span.start, d.span.end)));
  for (const p of final) {
    const e = byUri.get(p.uri)!;
    let doc = texts.get(p.uri);
    if (doc === undefined) texts.set(p.uri, (doc = s.render(s.defs.get(e.uri)!)));
    const lines = new LineIndex(doc);
    const got = unquote(doc.slice(lines.offsetAt(p.range[0], p.range[1]), lines.offsetAt(p.range[2], p.range[3])));
    const k = whole.findIndex((d, i) => d.code === p.code && d.message === p.message && (wanted[i] === got || (got.length > 40 && wanted[i].replace(/\s+/g, '') === got.replace(/\s+/g, ''))));
    if (k >= 0 || (p.range.every((x) => x === 0) && s.all[0]?.uri === p.uri)) onText++;
  }
  return { whole: whole.length, onText, early, moved };
}

describe('resource documents: findings placed before their documents are made', () => {
  const dump = (configs: unknown[]) => JSON.stringify({ configs }, null, 1);
  const routes = (rc: unknown) => ({ '@type': 'type.googleapis.com/envoy.admin.v3.RoutesConfigDump', dynamic_route_configs: [{ route_config: rc }] });
  const clusters = { '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump', static_clusters: [{ cluster: { name: 'present', type: 'STATIC' } }] };

  it('land exactly, escapes, empty containers and numbers written otherwise included: no place moves', () => {
    const rc = {
      name: 'r\u003c1',
      virtual_hosts: [{ name: 'v', domains: ['*'], metadata: {}, retry: [], weight: 1.0, routes: [{ match: { prefix: '/a\\b' }, route: { cluster: 'miss\u00e9-1' } }, { match: { prefix: '/' }, route: { cluster: 'miss-2' } }] }],
    };
    // Written as Envoy does: "<" as \u003c, 1.0 kept, "/" escaped.
    const text = dump([clusters, routes(rc)]).replace('r<1', 'r\\u003c1').replace('"weight": 1', '"weight": 1.0').replace('"/"', '"\\/"');
    const r = placedOnText('file:///esc.json', text, 'json');
    assert.equal(r.whole, 2);
    assert.equal(r.early, 2);
    assert.equal(r.moved, 0);
    assert.equal(r.onText, 2);
  });

  it('a repeated key moves places: the documents made later report them again, on their text', () => {
    const rc = { name: 'r1', virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'miss-1' } }] }] };
    // `name` twice: the document (JSON.parse keeps the last, in the first key's place) has one line fewer.
    const text = dump([clusters, routes(rc)]).replace('"name": "v",', '"name": "v",\n "name": "v",');
    const r = placedOnText('file:///dup.json', text, 'json');
    assert.equal(r.whole, 1);
    assert.equal(r.moved, 1, 'the early place did not hold and was replaced');
    assert.equal(r.onText, 1);
  });
});

describe('resource documents: a finding\'s related places', () => {
  it('a name defined twice: each finding points at the other definition, in the other document', () => {
    const c = (extra: Record<string, unknown>) => ({ cluster: { name: 'dup', type: 'STATIC', ...extra } });
    const text = JSON.stringify({ configs: [{ '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump', dynamic_active_clusters: [c({}), c({ connect_timeout: '1s' })] }] }, null, 2);
    const s = new DumpSplitter('file:///dup.json', text, BASE);
    const dups = s.first().diagnostics.filter((p) => p.code === 'duplicate-name');
    assert.equal(dups.length, 2);
    const render = (uri: string) => s.render(s.defs.get(uri)!);
    const textAt = (uri: string, r: [number, number, number, number]) => {
      const doc = render(uri);
      const lines = new LineIndex(doc);
      return doc.slice(lines.offsetAt(r[0], r[1]), lines.offsetAt(r[2], r[3]));
    };
    assert.notEqual(dups[0].uri, dups[1].uri, 'each definition has its own document');
    for (const p of dups) {
      assert.equal(p.related?.length, 1, JSON.stringify(p));
      const r = p.related![0];
      assert.notEqual(r.uri, p.uri);
      // Name spans hold the name as written, with its quotes.
      assert.equal(textAt(r.uri, r.range), '"dup"');
      assert.equal(textAt(p.uri, p.range), '"dup"');
    }
  });
});

describe('resource documents over the corpus, as the editor splits them', () => {
  eachCorpusDump('every finding lands on the text it marks, placed early or after its document is made', ({ name: f, languageId: lang }, bytes) => {
    const text = bytes.toString('utf8');
    const r = placedOnText(`file:///${f}`, text, lang);
    assert.equal(r.early, r.whole, 'the first batch places every finding');
    assert.equal(r.onText, r.whole, `${r.whole - r.onText} of ${r.whole} findings off their text (${r.moved} moved)`);
    // No corpus dump repeats a key where a finding sits: every early place holds (placeOnTape is exact there).
    assert.equal(r.moved, 0, 'early places that had to move');
  });
});
