/**
 * "Envoy: Fetch Config Dump from Pod…" inside a real VS Code, against the loopback fake API server
 * (test/fake-apiserver) through the real @kubernetes/client-node bundled in dist/. The command takes
 * `{ context, namespace, pod }` (as the Kubernetes explorer integration does), so no picker is driven here; the
 * pickers are the same kube calls test/unit/kube.test.ts covers. Waits on events, never on a fixed sleep.
 */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { startFakeApiServer, type FakeApiServer } from '../../fake-apiserver/fakeApiServer';
import { activate, basename, EXTENSION_ID, waitForDiagnostics } from './helpers';

const FETCH = 'envoyLens.fetchDump';
const REFRESH = 'envoyLens.refreshDump';
const NS = 'bookinfo';

/** The command's return value (FetchOutcome in src/vscode/fetchCommand.ts). */
interface Outcome {
  status: string;
  uris?: string[];
  code?: string;
  message?: string;
}

const SETTINGS = ['kubeconfig', 'fetch.format', 'fetch.includeClusters', 'fetch.saveTo', 'fetch.timeoutSeconds'];

suite('fetch config dump from a pod', () => {
  let server: FakeApiServer;
  let tmp: string;

  const config = () => vscode.workspace.getConfiguration('envoyLens');
  const set = (key: string, value: unknown) => config().update(key, value, vscode.ConfigurationTarget.Global);
  const fetchDump = (arg: unknown) => vscode.commands.executeCommand<Outcome>(FETCH, arg);

  /** Runs `fn` with window.showErrorMessage replaced, returning the messages it was given. */
  async function capturingErrors(fn: () => Thenable<Outcome | undefined>): Promise<{ outcome: Outcome | undefined; errors: string[] }> {
    const errors: string[] = [];
    const original = vscode.window.showErrorMessage;
    (vscode.window as { showErrorMessage: unknown }).showErrorMessage = (message: string) => {
      errors.push(message);
      return Promise.resolve(undefined);
    };
    try {
      return { outcome: await fn(), errors };
    } finally {
      (vscode.window as { showErrorMessage: unknown }).showErrorMessage = original;
    }
  }

  suiteSetup(async function () {
    await activate();
    // The manifest must contribute the command, and activate() must register it: never skip silently.
    const manifest = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as { contributes?: { commands?: Array<{ command: string }> } };
    assert.ok(manifest.contributes?.commands?.some((c) => c.command === FETCH), `package.json contributes ${FETCH}`);
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes(FETCH), `${FETCH} is not registered: activate() must call registerFetchCommands(context, index)`);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'envoy-lens-fetch-test-'));
    // productpage-v1-7d4 serves the big dump (above VS Code's 50 M-character sync limit), the other pods the small one.
    server = await startFakeApiServer({ dumpBytes: 56 * 1024 * 1024, smallDumpBytes: 256 * 1024 });
    const kubeconfig = server.writeKubeconfig(path.join(tmp, 'kube', 'config'), [
      { name: 'admin', token: 'admin-token', namespace: NS },
      { name: 'viewer', token: 'viewer-token', namespace: NS },
    ], 'admin');
    await set('kubeconfig', kubeconfig);
  });

  suiteTeardown(async () => {
    if (!server) return; // skipped
    for (const key of SETTINGS) await set(key, undefined);
    // Fetched untitled documents are dirty: revert them, or closing would ask whether to save.
    for (const doc of vscode.workspace.textDocuments.filter((d) => d.uri.scheme === 'untitled' && /\.config_dump\./.test(d.uri.path))) {
      await vscode.window.showTextDocument(doc);
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    }
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await server.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  teardown(async () => {
    for (const key of SETTINGS.slice(1)) await set(key, undefined);
  });

  test('opens the dump of a pod in an untitled editor with its diagnostics, and refreshes it', async () => {
    const outcome = await fetchDump({ context: 'admin', namespace: NS, pod: 'reviews-v2-native' });
    assert.equal(outcome?.status, 'opened', JSON.stringify(outcome));
    const uri = outcome.uris![0];
    const editor = vscode.window.activeTextEditor;
    assert.equal(editor?.document.uri.toString(), uri, 'the dump is the active editor');
    const doc = editor.document;
    assert.equal(doc.uri.scheme, 'untitled');
    assert.match(basename(doc.uri), /^reviews-v2-native\.bookinfo\.\d{8}T\d{6}Z\.config_dump\.json$/);
    assert.equal(doc.languageId, 'json');
    // pilot-agent prints the body with a trailing newline; the text is kept exactly as received.
    assert.equal(doc.getText(), `${server.smallDump.toString('utf8')}\n`);
    await waitForDiagnostics(doc.uri);

    // Refresh fetches again and replaces whatever the document holds by then.
    const edit = new vscode.WorkspaceEdit();
    edit.replace(doc.uri, doc.validateRange(new vscode.Range(0, 0, doc.lineCount, 0)), '{}\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    const streamed = server.nextStreamEnd('reviews-v2-native');
    const refreshed = await vscode.commands.executeCommand<Outcome>(REFRESH);
    assert.equal(refreshed?.status, 'refreshed', JSON.stringify(refreshed));
    assert.deepEqual(refreshed.uris, [uri]);
    assert.equal((await streamed).outcome, 'complete');
    assert.equal(doc.getText(), `${server.smallDump.toString('utf8')}\n`);
  });

  test('shows the RBAC error for a pod it may neither exec into nor port-forward to', async () => {
    const editors = vscode.window.visibleTextEditors.length;
    const { outcome, errors } = await capturingErrors(() => fetchDump({ context: 'viewer', namespace: NS, pod: 'productpage-v1-7d4' }));
    assert.equal(outcome?.status, 'failed');
    assert.equal(outcome?.code, 'forbidden-exec');
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0], /"create" on "pods\/exec"/);
    assert.match(errors[0], /"pods\/portforward"/);
    assert.doesNotMatch(errors[0], /\n/, 'one sentence');
    assert.equal(vscode.window.visibleTextEditors.length, editors, 'no editor opened');
  });

  test('explains a pod whose proxy is not running instead of fetching', async () => {
    const { outcome, errors } = await capturingErrors(() => fetchDump({ context: 'admin', namespace: NS, pod: 'details-pending' }));
    assert.equal(outcome?.code, 'container-not-running', JSON.stringify(outcome));
    assert.match(errors[0] ?? '', /"details-pending" is not running/);
  });

  test('saves YAML and /clusters to envoyLens.fetch.saveTo', async () => {
    const dir = path.join(tmp, 'dumps');
    await set('fetch.format', 'yaml');
    await set('fetch.includeClusters', true);
    await set('fetch.saveTo', dir);
    const outcome = await fetchDump({ context: 'admin', namespace: NS, pod: 'reviews-v2-native' });
    assert.equal(outcome?.status, 'opened', JSON.stringify(outcome));
    assert.equal(outcome.uris?.length, 2, 'the dump and /clusters');
    const [dump, clusters] = outcome.uris!.map((u) => vscode.Uri.parse(u));
    assert.equal(dump.scheme, 'file');
    assert.equal(path.dirname(dump.fsPath), dir);
    assert.match(path.basename(dump.fsPath), /^reviews-v2-native\.bookinfo\.\d{8}T\d{6}Z\.config_dump\.yaml$/);
    assert.match(path.basename(clusters.fsPath), /\.clusters\.yaml$/);
    const text = fs.readFileSync(dump.fsPath, 'utf8');
    assert.match(text, /^# Envoy config dump of pod "reviews-v2-native" in namespace "bookinfo"/);
    assert.match(fs.readFileSync(clusters.fsPath, 'utf8'), /cluster_statuses:/);
    assert.equal(vscode.window.activeTextEditor?.document.uri.toString(), dump.toString());
    assert.equal(vscode.window.activeTextEditor?.document.languageId, 'yaml');
    await waitForDiagnostics(dump);
  });

  test('takes a pod node of the Kubernetes extension\'s cluster explorer, in the current context', async () => {
    // The shape ClusterExplorerV1.resolveCommandTarget returns (and the raw node carries).
    const node = { nodeType: 'resource', namespace: NS, name: 'curl-only', resourceKind: { manifestKind: 'Pod', abbreviation: 'pod' } };
    const outcome = await fetchDump(node);
    assert.equal(outcome?.status, 'opened', JSON.stringify(outcome));
    assert.match(outcome.uris![0], /curl-only\.bookinfo\./);
    // curl prints the body as is, without pilot-agent's newline.
    assert.equal(vscode.window.activeTextEditor?.document.getText(), server.smallDump.toString('utf8'));
  });

  test('saves a dump too large for extensions to a file and opens it as its resources', async () => {
    assert.ok(server.dump.toString('utf8').length > 50 * 1024 * 1024, 'the big dump passes the sync limit');
    const outcome = await fetchDump({ context: 'admin', namespace: NS, pod: 'productpage-v1-7d4' });
    assert.equal(outcome?.status, 'opened', JSON.stringify(outcome));
    const file = vscode.Uri.parse(outcome.uris![0]);
    assert.equal(file.scheme, 'file', 'no untitled document can hold it');
    assert.equal(path.dirname(file.fsPath), vscode.workspace.workspaceFolders![0].uri.fsPath);
    assert.equal(fs.statSync(file.fsPath).size, server.dump.length + 1);
    // Opened as its resources (dumpResources.ts): the envoy-dump folder of the saved file lists its resource folders.
    const id = createHash('sha256').update(file.toString()).digest('hex').slice(0, 12);
    const root = vscode.Uri.from({ scheme: 'envoy-dump', authority: id, path: `/${path.basename(file.fsPath)}/` });
    const folders = (await vscode.workspace.fs.readDirectory(root)).map(([name]) => name);
    assert.deepEqual(folders, ['clusters'], 'the big dump holds clusters only');
    const clusters = await vscode.workspace.fs.readDirectory(vscode.Uri.joinPath(root, 'clusters'));
    assert.ok(clusters.length > 0);
    const doc = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(root, 'clusters', clusters[0][0])));
    assert.match(doc, /ClustersConfigDump/);
    fs.rmSync(file.fsPath);
  });

  test('stops at the deadline and opens nothing', async () => {
    await set('fetch.timeoutSeconds', 1);
    const before = vscode.workspace.textDocuments.length;
    const { outcome, errors } = await capturingErrors(() => fetchDump({ context: 'admin', namespace: NS, pod: 'slow-stall' }));
    assert.equal(outcome?.code, 'timeout', JSON.stringify(outcome));
    assert.match(errors[0] ?? '', /timed out after 1 s/);
    assert.equal(vscode.workspace.textDocuments.length, before, 'no document opened');
  });
});
