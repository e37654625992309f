/**
 * A YAML dump opened as its resources (issue 12): the documents are YAML, the whole dump's findings land on the text
 * they mark (the same list as the sidecar suites), and hover, definition and references cross from one resource
 * document into another. Closed at the end, so the suites after it see no resource documents.
 */
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import { activate, at, definitions, describe, EXTENSION_ID, fixtureUri, ourHover, references } from './helpers';
import type { EnvoyLensApi } from '../../../src/vscode/extension';
import { SIDECAR_FINDINGS } from './expectations';

const RATINGS = 'outbound|9080||ratings.default.svc.cluster.local';

suite('sidecar.yaml opened as its resources', () => {
  let base: string;
  const source = fixtureUri('sidecar.yaml');

  suiteSetup(async () => {
    await activate();
    const r = await vscode.commands.executeCommand<{ base: string; resources: number }>('envoyLens.openAsResources', source);
    assert.ok(r && r.resources > 5, JSON.stringify(r));
    base = r.base;
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('envoyLens.closeResources', source);
  });

  const mine = () => vscode.languages.getDiagnostics().filter(([u, d]) => u.toString().startsWith(base) && d.length > 0);

  test('the documents are YAML, and the whole dump\'s findings sit on the text they mark', async () => {
    const placed = mine();
    for (const [uri] of placed) await vscode.workspace.openTextDocument(uri);
    assert.ok(placed.every(([u]) => u.path.endsWith('.yaml')), placed.map(([u]) => u.path).join(', '));
    assert.deepEqual(placed.flatMap(([u, d]) => describe(u, d)).sort(), SIDECAR_FINDINGS);
  });

  test('a route\'s cluster: hover, definition in the cluster\'s document, references back from it', async () => {
    const routes = await vscode.workspace.fs.readDirectory(vscode.Uri.parse(`${base}routes`));
    const docs = await Promise.all(routes.map(([n]) => vscode.workspace.openTextDocument(vscode.Uri.joinPath(vscode.Uri.parse(base), 'routes', n))));
    const route = docs.find((d) => d.getText().includes(`cluster: ${RATINGS}`));
    assert.ok(route, 'a route configuration names the ratings cluster');
    assert.equal(route.languageId, 'yaml');
    const ref = at(route, 'cluster', RATINGS);
    const h = await ourHover(route, ref);
    assert.ok(h?.includes('**Cluster**') && h.includes('endpoints'), h);
    const defs = await definitions(route, ref);
    assert.equal(defs.length, 1);
    assert.ok(defs[0].uri.toString().startsWith(`${base}clusters/`), defs[0].uri.toString());
    const cluster = await vscode.workspace.openTextDocument(defs[0].uri);
    assert.equal(cluster.getText(defs[0].range), RATINGS);
    const refs = await references(cluster, defs[0].range.start);
    assert.ok(refs.some((l) => l.uri.toString() === route.uri.toString()), refs.map((l) => l.uri.toString()).join(', '));
  });

  test('the Envoy Traffic view of a resource document lists every listener of the dump, in the dump\'s order', async () => {
    const api = vscode.extensions.getExtension<EnvoyLensApi>(EXTENSION_ID)!.exports;
    const files = (await vscode.workspace.fs.readDirectory(vscode.Uri.parse(`${base}listeners`))).map(([n]) => n);
    assert.ok(files.length > 1, files.join(', '));
    // The last listener's document: the view lists the whole dump's listeners, not that document's one.
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(vscode.Uri.parse(base), 'listeners', files[files.length - 1]));
    const shown = new Promise<void>((resolve) => {
      const sub = vscode.window.onDidChangeActiveTextEditor((e) => {
        if (e?.document.uri.toString() !== doc.uri.toString()) return;
        sub.dispose();
        resolve();
      });
    });
    await vscode.window.showTextDocument(doc);
    await shown;
    assert.deepEqual(api.trafficListeners().map((l) => `${l}.yaml`), files);
  });
});

suite('a dump closed while its findings are being set', () => {
  test('leaves none of its findings in the Problems panel, and drops replacements that arrive after it closed', async () => {
    await activate();
    const api = vscode.extensions.getExtension<EnvoyLensApi>(EXTENSION_ID)!.exports;
    const source = fixtureUri('sidecar.yaml');
    const r = await vscode.commands.executeCommand<{ base: string; resources: number }>('envoyLens.openAsResources', source);
    assert.ok(r, 'opened');
    const mine = () => vscode.languages.getDiagnostics().filter(([u, d]) => u.toString().startsWith(r.base) && d.length > 0);
    const before = mine();
    assert.ok(before.length > 0, 'the dump has findings');
    // As a later batch of the worker replaces a document's places: 600 of them, converted in several steps.
    const doc = before[0][0].toString();
    const many = Array.from({ length: 600 }, (_, i) => ({
      uri: doc, range: [0, 0, 0, 1] as [number, number, number, number], message: `replacement ${i}`, code: 'unknown-cluster' as const, severity: 'warning' as const,
    }));
    const inFlight = api.setPlacedFindings(r.base, many, true);
    await vscode.commands.executeCommand('envoyLens.closeResources', source);
    await inFlight;
    assert.deepEqual(mine().map(([u, d]) => `${u.toString()} ${d.length}`), []);
    // A batch the worker had sent before the close, handled after it.
    await api.setPlacedFindings(r.base, many, true);
    assert.deepEqual(mine().map(([u, d]) => `${u.toString()} ${d.length}`), []);
  });
});
