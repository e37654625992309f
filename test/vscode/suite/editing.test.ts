/**
 * Features for people editing configs by hand, and the editor niceties: CodeLens, highlights, completion of defined
 * names, "did you mean" quick fixes, the per-code severity setting.
 */
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import { activate, at, codeOf, EXTENSION_ID, open, ours, textOf, waitForDiagnostics } from './helpers';
import type { EnvoyLensApi } from '../../../src/vscode/extension';

suite('editing: completion, quick fixes, CodeLens, highlights, settings', () => {
  suiteSetup(activate);

  test('CodeLens above a cluster says who uses it and its endpoints', async () => {
    const doc = await open('sidecar.json');
    await waitForDiagnostics(doc.uri);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri, 100);
    const titles = lenses.map((l) => `${doc.lineAt(l.range.start.line).text.slice(l.range.start.character, l.range.end.character)} ${l.command?.title ?? ''}`);
    assert.ok(
      titles.some((t) => t.startsWith('"outbound|9080||ratings.default.svc.cluster.local"') && /used by 1 reference · 2 endpoints · 1 healthy/.test(t)),
      titles.join('\n'),
    );
    assert.ok(titles.some((t) => t.startsWith('"9080"') && /used by 1 listener/.test(t)), titles.join('\n'));
  });

  test('highlights every use of the name under the cursor', async () => {
    const doc = await open('sidecar.json');
    const hl = await vscode.commands.executeCommand<vscode.DocumentHighlight[]>(
      'vscode.executeDocumentHighlights', doc.uri, at(doc, 'cluster', 'PassthroughCluster'));
    assert.equal(hl.length, 3, 'the definition and two references');
    for (const h of hl) assert.equal(textOf(doc, h.range), 'PassthroughCluster');
    assert.equal(hl.filter((h) => h.kind === vscode.DocumentHighlightKind.Write).length, 1);
  });

  test('completes defined cluster names after "cluster":', async () => {
    const doc = await vscode.workspace.openTextDocument({
      language: 'yaml',
      content: 'static_resources:\n  clusters:\n  - name: backend_one\n    connect_timeout: 1s\n  - name: backend_two\n    connect_timeout: 1s\n  listeners:\n  - name: l\n    filter_chains: []\n    route:\n      cluster: back',
    });
    await vscode.window.showTextDocument(doc);
    const end = doc.positionAt(doc.getText().length);
    const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', doc.uri, end);
    const labels = list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    assert.ok(labels.includes('backend_one') && labels.includes('backend_two'), labels.join(', '));
  });

  test('offers the closest defined name for a dangling cluster', async () => {
    const doc = await open('envoy.bootstrap.json');
    const diags = await waitForDiagnostics(doc.uri, (x) => x.some((d) => codeOf(d) === 'unknown-cluster'));
    const typo = diags.find((d) => codeOf(d) === 'unknown-cluster' && textOf(doc, d.range) === 'service_backnd')!;
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, typo.range);
    const fix = actions.find((a) => a.title === 'Change to "service_backend"');
    assert.ok(fix, actions.map((a) => a.title).join(', '));
    assert.equal(fix.isPreferred, true);
    const edits = fix.edit!.get(doc.uri);
    assert.equal(edits[0].newText, '"service_backend"');
  });

  test('a command that fails is guarded: it resolves to undefined instead of rejecting', async () => {
    const missing = vscode.Uri.file('/nonexistent/envoy-lens/none.json').toString();
    // Without the guard (commands.ts) this rejects with the file system's error.
    assert.equal(await vscode.commands.executeCommand('envoyLens.showReferences', missing, 0), undefined);
    assert.equal(await vscode.commands.executeCommand('envoyLens.revealLocation', missing, 0), undefined);
  });

  test('envoyLens.diagnostics.severity turns a code off', async () => {
    const doc = await open('sidecar.json');
    await waitForDiagnostics(doc.uri, (x) => x.some((d) => codeOf(d) === 'unused-cluster'));
    const config = vscode.workspace.getConfiguration('envoyLens.diagnostics');
    await config.update('severity', { 'unused-cluster': 'off', warming: 'error' }, vscode.ConfigurationTarget.Workspace);
    try {
      const d = await waitForDiagnostics(doc.uri, (x) => !x.some((y) => codeOf(y) === 'unused-cluster'));
      assert.ok(d.filter((x) => codeOf(x) === 'warming').every((x) => x.severity === vscode.DiagnosticSeverity.Error));
    } finally {
      await config.update('severity', undefined, vscode.ConfigurationTarget.Workspace);
    }
    await waitForDiagnostics(doc.uri, (x) => x.some((d) => codeOf(d) === 'unused-cluster'));
    assert.ok(ours(doc.uri).length > 0);
  });

  test('a refresh that finds the same findings leaves the Problems panel alone', async () => {
    const api = vscode.extensions.getExtension<EnvoyLensApi>(EXTENSION_ID)!.exports;
    const doc = await open('sidecar.json');
    await waitForDiagnostics(doc.uri, (x) => x.length > 0);
    const key = doc.uri.toString();
    // Other extensions publish on the same URI (VS Code's JSON validation): what this extension did is read off its
    // main-thread record, where setting a file's Problems rows is the slice 'problems'.
    api.resetMainThreadSlices(key);
    // Every open dump is checked again when the settings change; a code sidecar.json never has changes nothing there.
    const refreshed = new Promise<boolean>((resolve) => {
      const sub = api.onDidRefreshDiagnostics((r) => {
        if (r.uri !== key) return;
        sub.dispose();
        resolve(r.changed);
      });
    });
    const config = vscode.workspace.getConfiguration('envoyLens.diagnostics');
    await config.update('severity', { 'certificate-expired': 'warning' }, vscode.ConfigurationTarget.Workspace);
    try {
      assert.equal(await refreshed, false);
      const record = api.mainThreadSlices(key)[key];
      // The refresh converted the findings (slices 'diagnostics') and did not set them.
      assert.ok(record && record.byWhat.diagnostics !== undefined, JSON.stringify(record));
      assert.equal(record.byWhat.problems, undefined, JSON.stringify(record.byWhat));
    } finally {
      await config.update('severity', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });
});
