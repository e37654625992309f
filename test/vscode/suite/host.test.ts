/** The extension host itself: the extension under test is the development copy, and EXT_TEST_ENV reaches it. */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activate, EXTENSION_ID } from './helpers';

suite('extension host', () => {
  suiteSetup(activate);

  test('runs the extension from the project, with its manifest', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    assert.equal(ext.packageJSON.publisher, 'envoy-lens');
    assert.equal(ext.packageJSON.name, 'envoy-lens');
    assert.equal(path.resolve(ext.extensionPath), path.resolve(__dirname, '..', '..', '..', '..'));
    assert.ok(vscode.version.startsWith('1.'), vscode.version);
  });

  test('env vars from EXT_TEST_ENV reach the extension host', () => {
    // runIntegration.ts always adds ENVOY_LENS_EXT_TEST=1 (code-shim and runTest.ts go through it too).
    assert.equal(process.env.ENVOY_LENS_EXT_TEST, '1');
  });

  test('the extension registers its commands', async () => {
    const commands = await vscode.commands.getCommands(true);
    for (const c of ['envoyLens.showSummary', 'envoyLens.treatAsDump']) assert.ok(commands.includes(c), c);
  });
});
