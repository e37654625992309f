/** A hand-written bootstrap with an HTTP status line and trailing commas: static config is checked strictly. */
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import { activate, codeOf, describe, open, waitForDiagnostics } from './helpers';

suite('envoy.bootstrap.json: hand-written bootstrap', () => {
  suiteSetup(activate);

  test('duplicate names and a typo in an inline route configuration are errors', async () => {
    const doc = await open('envoy.bootstrap.json');
    const d = await waitForDiagnostics(doc.uri, (x) => x.length >= 4);
    assert.deepEqual(describe(doc.uri, d), [
      'duplicate-name error service_backend',
      'duplicate-name error service_backend',
      'unknown-cluster error service_backnd',
      'unknown-cluster warning ext_authz',
    ]);
    const dup = d.find((x) => codeOf(x) === 'duplicate-name')!;
    assert.equal(dup.relatedInformation?.length, 1, 'related information points at the other definition');
    assert.equal(dup.relatedInformation![0].location.uri.toString(), doc.uri.toString());
    assert.notEqual(dup.relatedInformation![0].location.range.start.line, dup.range.start.line);
    const typo = d.find((x) => x.severity === vscode.DiagnosticSeverity.Error && codeOf(x) === 'unknown-cluster')!;
    assert.match(typo.message, /validate_clusters/);
  });
});
