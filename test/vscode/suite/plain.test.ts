/** Ordinary JSON and YAML are left alone: a package.json gets no hover and no diagnostics from us. */
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import { activate, at, documentSymbols, hoverText, open, OUR_HOVER, ours, waitForDiagnostics } from './helpers';

suite('plain JSON', () => {
  suiteSetup(activate);

  test('a package.json gets no hover, no symbols and no diagnostics from envoy-lens', async () => {
    const pkg = await open('package.json', true);
    assert.equal(pkg.languageId, 'json');
    // Open a dump after it and wait for the dump's diagnostics: documents are handled in the order they open,
    // so by then the package.json has been seen too.
    const dump = await open('istioctl-routes.camel.json');
    await waitForDiagnostics(dump.uri);
    assert.deepEqual(ours(pkg.uri), []);
    for (const pos of [at(pkg, 'name', 'plain-package'), at(pkg, 'version', '1.0.0'), new vscode.Position(1, 4)]) {
      const hovers = await hoverText(pkg, pos);
      assert.ok(!hovers.some((h) => OUR_HOVER.test(h) || /envoy/i.test(h)), JSON.stringify(hovers));
    }
    const syms = await documentSymbols(pkg);
    // The built-in JSON support may outline the keys; nothing of ours (listeners, clusters …) is there.
    assert.ok(!syms.some((s) => s.kind === vscode.SymbolKind.Interface || s.kind === vscode.SymbolKind.Class), JSON.stringify(syms.map((s) => s.name)));
    assert.deepEqual(vscode.languages.getDiagnostics(pkg.uri).filter((d) => d.source === 'envoy-lens'), []);
  });
});
