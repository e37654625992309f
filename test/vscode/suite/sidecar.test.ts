/** A full sidecar dump (sidecar.json) through the editor: diagnostics, hover, definition, references, symbols. */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  activate, at, basename, codeOf, EXTENSION_ID, definitions, describe, documentSymbols, open, ourHover, references, textOf,
  waitForDiagnostics, workspaceSymbols,
} from './helpers';
import { SIDECAR_FINDINGS } from './expectations';

const RATINGS = 'outbound|9080||ratings.default.svc.cluster.local';

suite('sidecar.json: a full config dump', () => {
  let doc: vscode.TextDocument;
  let diags: vscode.Diagnostic[];

  suiteSetup(async () => {
    await activate();
    doc = await open('sidecar.json', true);
    diags = await waitForDiagnostics(doc.uri, (d) => d.length >= SIDECAR_FINDINGS.length);
  });

  test('diagnostics are exactly the planted problems, with the severity Envoy behaviour implies', () => {
    assert.deepEqual(describe(doc.uri, diags), SIDECAR_FINDINGS);
  });

  test('every diagnostic has our source and a code linking to its README section', () => {
    const readme = readFileSync(path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'README.md'), 'utf8').split('\n');
    for (const d of diags) {
      assert.equal(d.source, 'envoy-lens');
      assert.ok(typeof d.code === 'object' && d.code !== null, `code of "${d.message}" is an object with a target`);
      const code = d.code as { value: string | number; target: vscode.Uri };
      assert.match(String(code.value), /^[a-z]+(-[a-z]+)*$/);
      assert.ok(code.target instanceof vscode.Uri || typeof code.target === 'object');
      assert.match(code.target.path, /README\.md$/);
      // The section is named by the code (#unknown-cluster) or by the README line that explains it (#L193).
      const line = /^L(\d+)$/.exec(code.target.fragment);
      if (line) assert.ok(readme[+line[1] - 1]?.includes('`' + String(code.value) + '`'), `README line ${line[1]} explains ${String(code.value)}`);
      else assert.equal(code.target.fragment, String(code.value));
    }
  });

  test('unused clusters are tagged Unnecessary, the rest are not', () => {
    for (const d of diags) {
      const unnecessary = d.tags?.includes(vscode.DiagnosticTag.Unnecessary) ?? false;
      assert.equal(unnecessary, codeOf(d) === 'unused-cluster', `${codeOf(d)} ${d.message}`);
    }
  });

  test('messages say what Envoy does', () => {
    const msg = (c: string) => diags.filter((d) => codeOf(d) === c).map((d) => d.message);
    assert.match(msg('unknown-route-config')[0], /Listener "0.0.0.0_8080" asks RDS for route configuration "8080".*404 NR/);
    assert.ok(msg('unknown-cluster').some((m) => /mirrors requests.*no mirror copy/.test(m)));
    assert.match(msg('listener-error')[0], /no filter chains specified/);
  });

  test('hover on a cluster referenced by a route shows the cluster', async () => {
    const h = await ourHover(doc, at(doc, 'cluster', RATINGS));
    assert.ok(h, 'a hover from envoy-lens');
    assert.ok(h.includes('**Cluster**'), h);
    assert.ok(h.includes('`' + RATINGS + '`'), h);
    assert.match(h, /outbound to service ratings in namespace default, port 9080/);
    assert.match(h, /type: EDS/);
    assert.match(h, /endpoints \(EDS\): 2 · 1 healthy · 1 UNHEALTHY/);
    assert.match(h, /referenced by 1 route/);
  });

  test('hover on a dangling cluster and on a request-time cluster', async () => {
    const dangling = await ourHover(doc, at(doc, 'cluster', 'outbound|9080||mirror.default.svc.cluster.local'));
    assert.match(dangling ?? '', /Not found among this dump's clusters/);
    const dyn = await ourHover(doc, at(doc, 'cluster_header', 'x-target-cluster'));
    assert.match(dyn ?? '', /request header `x-target-cluster`/);
    const listener = await ourHover(doc, at(doc, 'name', 'virtualInbound'));
    assert.match(listener ?? '', /address: `0.0.0.0:15006`/);
  });

  test('no hover on ordinary keys and values', async () => {
    assert.equal(await ourHover(doc, at(doc, 'stat_prefix', 'outbound_0.0.0.0_9080')), undefined);
    assert.equal(await ourHover(doc, at(doc, 'timeout', '0s')), undefined);
  });

  test('definition of a route\'s cluster is the cluster definition', async () => {
    const ref = at(doc, 'cluster', RATINGS);
    const defs = await definitions(doc, ref);
    assert.equal(defs.length, 1);
    assert.equal(defs[0].uri.toString(), doc.uri.toString());
    assert.equal(textOf(doc, defs[0].range), RATINGS);
    assert.deepEqual(defs[0].range.start.line, at(doc, 'name', RATINGS).line);
    assert.ok(defs[0].range.start.isBefore(ref));
  });

  test('definition of an RDS name, an EDS service name, a secret and an ECDS filter', async () => {
    const rds = await definitions(doc, at(doc, 'route_config_name', '9080'));
    assert.equal(rds.length, 1);
    assert.equal(rds[0].range.start.line, at(doc, 'name', '9080').line);
    const eds = await definitions(doc, at(doc, 'service_name', RATINGS));
    assert.equal(eds.length, 1);
    assert.equal(eds[0].range.start.line, at(doc, 'cluster_name', RATINGS).line, 'the ClusterLoadAssignment at the end');
    assert.equal((await definitions(doc, at(doc, 'name', 'ROOTCA'))).length, 1);
    assert.equal((await definitions(doc, at(doc, 'name', 'istio.stats'))).length, 1);
  });

  test('no definition for a dangling reference', async () => {
    assert.deepEqual(await definitions(doc, at(doc, 'cluster', 'outbound|9080||mirror.default.svc.cluster.local')), []);
  });

  test('references of a cluster: the tcp_proxy default chain and the allow_any route', async () => {
    const decl = at(doc, 'name', 'PassthroughCluster');
    const locs = await references(doc, decl);
    const nonDecl = locs.filter((l) => l.range.start.line !== decl.line);
    assert.equal(nonDecl.length, 2, JSON.stringify(locs.map((l) => l.range.start)));
    for (const l of locs) {
      assert.equal(l.uri.toString(), doc.uri.toString());
      assert.equal(textOf(doc, l.range), 'PassthroughCluster');
    }
    assert.deepEqual(nonDecl.map((l) => l.range.start.line).sort((a, b) => a - b), [
      at(doc, 'cluster', 'PassthroughCluster').line,
      at(doc, 'cluster', 'PassthroughCluster', 1).line,
    ].sort((a, b) => a - b));
  });

  test('document symbols: listeners › filter chains; route configs › virtual hosts › routes; clusters', async () => {
    const roots = await documentSymbols(doc);
    const find = (nodes: vscode.DocumentSymbol[], name: string) => nodes.find((n) => n.name === name);
    const inbound = find(roots, 'virtualInbound');
    assert.ok(inbound, roots.map((r) => r.name).join(', '));
    assert.equal(inbound.kind, vscode.SymbolKind.Interface);
    assert.equal(inbound.children.length, 2);
    assert.ok(inbound.children[0].detail.includes('port 9080'));
    const rc = find(roots, '9080');
    assert.ok(rc);
    assert.deepEqual(rc.children.map((c) => c.name), ['ratings.default.svc.cluster.local:9080', 'reviews.default.svc.cluster.local:9080', 'allow_any']);
    assert.equal(rc.children[1].children.length, 3);
    assert.equal(rc.children[0].children[0].name, 'default');
    const prom = find(roots, '0.0.0.0_15090');
    assert.ok(prom);
    assert.equal(prom.children[0].children[0].kind, vscode.SymbolKind.Module, 'inline route config sits under its filter chain');
    const cluster = find(roots, RATINGS);
    assert.ok(cluster, 'clusters are top-level symbols');
    assert.equal(cluster.kind, vscode.SymbolKind.Class);
    assert.ok(cluster.range.contains(cluster.selectionRange));
    assert.equal(textOf(doc, cluster.selectionRange), RATINGS);
  });

  test('workspace symbols find clusters by name', async () => {
    const syms = await workspaceSymbols('ratings');
    const hit = syms.find((s) => s.name === RATINGS && basename(s.location.uri) === 'sidecar.json');
    assert.ok(hit, syms.map((s) => `${s.name} ${basename(s.location.uri)}`).join('\n'));
    assert.equal(hit.kind, vscode.SymbolKind.Class);
    assert.equal(textOf(doc, hit.location.range), RATINGS);
  });

  test('diagnostics follow an edit: renaming the dangling mirror to a defined cluster removes its warning', async () => {
    const text = doc.getText();
    const mirror = 'outbound|9080||mirror.default.svc.cluster.local';
    const start = doc.positionAt(text.indexOf(mirror));
    const edit = new vscode.WorkspaceEdit();
    edit.replace(doc.uri, new vscode.Range(start, start.translate(0, mirror.length)), RATINGS);
    assert.ok(await vscode.workspace.applyEdit(edit));
    try {
      const after = await waitForDiagnostics(doc.uri, (d) => !d.some((x) => x.message.includes(mirror)));
      assert.equal(after.length, SIDECAR_FINDINGS.length - 1);
    } finally {
      // Put the dump back as it was, for the suites after this one.
      const back = new vscode.WorkspaceEdit();
      back.replace(doc.uri, new vscode.Range(start, start.translate(0, RATINGS.length)), mirror);
      assert.ok(await vscode.workspace.applyEdit(back));
      await waitForDiagnostics(doc.uri, (d) => d.some((x) => x.message.includes(mirror)));
      assert.equal(doc.getText(), text);
      await doc.save();
    }
  });
});
