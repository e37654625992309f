/** The extension host itself: the extension under test is the development copy, and EXT_TEST_ENV reaches it. */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
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

  // The index worker starts with the first document it indexes; opening a file as its resources (Explorer menu, a
  // fresh window) needs none before it. It failed with "lost" when no document had been indexed yet. Closing it takes
  // its findings and its resources out again (later suites must not see its complete cluster set).
  test('Open as Dump Resources works before any document was indexed; Close Dump Resources takes it all back', async () => {
    assert.equal(vscode.workspace.textDocuments.filter((d) => d.languageId === 'json' || d.languageId === 'yaml').length, 0, 'no dump is open yet');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'envoy-lens-first-'));
    const file = vscode.Uri.file(path.join(dir, 'first.json'));
    try {
      const cluster = { '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster', name: 'c1', type: 'STATIC' };
      const route = { name: 'r1', virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'missing' } }] }] };
      const configs = [
        { '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump', static_clusters: [{ cluster }] },
        { '@type': 'type.googleapis.com/envoy.admin.v3.RoutesConfigDump', static_route_configs: [{ route_config: route }] },
      ];
      fs.writeFileSync(file.fsPath, JSON.stringify({ configs }));
      const r = await vscode.commands.executeCommand<{ base: string; resources: number }>('envoyLens.openAsResources', file);
      assert.equal(r?.resources, 2, JSON.stringify(r));
      const findings = () => vscode.languages.getDiagnostics().filter(([u]) => u.toString().startsWith(r.base)).flatMap(([, d]) => d);
      assert.deepEqual(findings().map((d) => (d.code as { value: string }).value), ['unknown-cluster']);
      const symbols = await vscode.commands.executeCommand<vscode.SymbolInformation[]>('vscode.executeWorkspaceSymbolProvider', 'c1');
      assert.ok(symbols.some((s) => s.location.uri.toString().startsWith(r.base)), 'the cluster is a workspace symbol');
      assert.equal(await vscode.commands.executeCommand('envoyLens.closeResources', file), file.toString());
      assert.deepEqual(findings(), []);
      const after = await vscode.commands.executeCommand<vscode.SymbolInformation[]>('vscode.executeWorkspaceSymbolProvider', 'c1');
      assert.ok(!after.some((s) => s.location.uri.toString().startsWith(r.base)), 'the cluster is no longer a workspace symbol');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
