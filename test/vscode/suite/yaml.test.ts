/** The YAML twin of the sidecar dump: the same findings and navigation, nothing depends on the format. */
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import { activate, at, definitions, describe, documentSymbols, open, ourHover, references, textOf, waitForDiagnostics } from './helpers';
import { SIDECAR_FINDINGS } from './expectations';

const RATINGS = 'outbound|9080||ratings.default.svc.cluster.local';

suite('sidecar.yaml: the same dump in YAML', () => {
  let doc: vscode.TextDocument;

  suiteSetup(async () => {
    await activate();
    doc = await open('sidecar.yaml', true);
  });

  test('is a yaml document with the same diagnostics as the JSON dump', async () => {
    assert.equal(doc.languageId, 'yaml');
    const d = await waitForDiagnostics(doc.uri, (x) => x.length >= SIDECAR_FINDINGS.length);
    assert.deepEqual(describe(doc.uri, d), SIDECAR_FINDINGS);
  });

  test('hover, definition and references within the YAML file', async () => {
    const ref = at(doc, 'cluster', RATINGS);
    const h = await ourHover(doc, ref);
    assert.ok(h?.includes('**Cluster**') && h.includes('`' + RATINGS + '`'), h);
    const defs = await definitions(doc, ref);
    assert.equal(defs.length, 1);
    assert.equal(defs[0].uri.toString(), doc.uri.toString(), 'a full dump resolves within itself, not into sidecar.json');
    assert.equal(defs[0].range.start.line, at(doc, 'name', RATINGS).line);
    assert.equal(textOf(doc, defs[0].range), RATINGS);
    const refs = await references(doc, at(doc, 'name', 'PassthroughCluster'));
    assert.ok(refs.every((l) => l.uri.toString() === doc.uri.toString()));
    assert.equal(refs.filter((l) => l.range.start.line !== at(doc, 'name', 'PassthroughCluster').line).length, 2);
  });

  test('outline', async () => {
    const roots = await documentSymbols(doc);
    const rc = roots.find((s) => s.name === '9080');
    assert.deepEqual(rc?.children.map((c) => c.name), ['ratings.default.svc.cluster.local:9080', 'reviews.default.svc.cluster.local:9080', 'allow_any']);
    assert.equal(roots.find((s) => s.name === 'virtualInbound')?.children.length, 2);
  });
});
