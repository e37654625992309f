/** The traffic graph's webview cannot open what it likes: forged reveal messages are refused (core/features/graph.ts). */
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import type { EnvoyLensApi } from '../../../src/vscode/extension';
import { activate, EXTENSION_ID, open } from './helpers';

suite('webview guard: the graph page reveals only its own nodes', () => {
  let api: EnvoyLensApi;
  suiteSetup(async () => {
    await activate();
    api = vscode.extensions.getExtension<EnvoyLensApi>(EXTENSION_ID)!.exports;
  });

  test('forged messages open nothing; a node id of the graph reveals its definition', async () => {
    const doc = await open('sidecar.json', true);
    assert.equal(await vscode.commands.executeCommand('envoyLens.showGraph'), true);
    const before = vscode.workspace.textDocuments.length;
    for (const m of [
      { type: 'reveal', uri: 'file:///etc/passwd', start: 0, end: 4 },
      { type: 'reveal', uri: 'command:workbench.action.terminal.new', start: 0 },
      { type: 'reveal', id: 100_000 },
      { type: 'reveal', id: '0' },
    ]) {
      assert.equal(await api.graphMessage(m), false, JSON.stringify(m));
    }
    assert.ok(!vscode.workspace.textDocuments.some((d) => d.uri.path === '/etc/passwd'), 'the forged URI was not opened');
    assert.equal(vscode.workspace.textDocuments.length, before);
    // Node 0 is the dump's first listener: revealed in the dump itself.
    assert.equal(await api.graphMessage({ type: 'reveal', id: 0 }), true);
    assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), doc.uri.toString());
  });
});
