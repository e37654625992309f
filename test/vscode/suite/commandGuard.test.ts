/** Every command goes through one guard (src/vscode/log.ts registerCommand): a failure is logged and told, not thrown. */
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import { activate } from './helpers';

suite('command guard: a failing command answers undefined instead of rejecting', () => {
  suiteSetup(activate);

  test('Reveal Definition of a file that does not exist', async () => {
    const missing = vscode.Uri.file('/nonexistent/envoy-lens/dump.json').toString();
    // Unguarded, this rejected with VS Code's "cannot open" error; guarded, it resolves and the reason goes to the log.
    const result = await vscode.commands.executeCommand('envoyLens.revealLocation', missing, 0);
    assert.equal(result, undefined);
    assert.ok(!vscode.workspace.textDocuments.some((d) => d.uri.toString() === missing));
  });
});
