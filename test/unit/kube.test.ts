// The kube layer against a fake API server, through the REAL @kubernetes/client-node (KubeConfig,
// CoreV1Api, Exec, PortForward, ExecAuth) over real TLS and WebSockets on 127.0.0.1.
// Everything is written under os.tmpdir() and removed afterwards; nothing waits on a timer.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import {
  FetchError, KubeAccess, KubeError, KubeErrorCode, SETTING_OPTION_NAMES, adminDumpPath, checkName, describeEnvoyPod, isDnsLabel,
  isDnsSubdomain, loadKubeConfig, strictJsonProblem,
} from '../../src/kube';
import { FakeApiServer, FakeContextSpec, defaultPods, startFakeApiServer } from '../fake-apiserver/fakeApiServer';

const MiB = 1024 * 1024;
const BIG = 50 * MiB;
const NS = 'bookinfo';

let server: FakeApiServer;
let tmp: string;
let kube: KubeAccess;
let dumpShaWithNewline: string;
let smallSha: string;
let smallShaWithNewline: string;
const seen = new Map<KubeErrorCode, string>();

/** Contexts of the main kubeconfig: one per fake user, plus broken ones. */
const CONTEXTS: FakeContextSpec[] = [
  { name: 'admin', token: 'admin-token', namespace: NS },
  { name: 'viewer', token: 'viewer-token' },
  { name: 'no-exec', token: 'no-exec-token' },
  { name: 'no-ns', token: 'no-ns-token', namespace: NS },
  { name: 'no-get', token: 'no-get-token' },
  { name: 'no-pods', token: 'no-pods-token' },
  { name: 'expired', token: 'expired-token' },
  { name: 'untrusted', token: 'admin-token', trustCa: false },
];

function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

function writeFile(name: string, content: string): string {
  const file = path.join(tmp, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content);
  return file;
}

/** Awaits a rejection with this code; checks the message is one sentence and records it. */
async function failsWith(promise: Promise<unknown>, code: KubeErrorCode, pattern?: RegExp): Promise<KubeError> {
  let result: unknown;
  try {
    result = await promise;
  } catch (e) {
    assert.ok(e instanceof KubeError, `expected a KubeError, got ${String(e)}`);
    assert.equal(e.code, code, `got ${e.code}: ${e.message}\n${e.detail}`);
    if (pattern) assert.match(e.message, pattern);
    assert.doesNotMatch(e.message, /\n/, 'one sentence, no line breaks');
    assert.match(e.message, /[.]$/, 'ends like a sentence');
    seen.set(code, e.message);
    return e;
  }
  assert.fail(`expected ${code}, got success: ${JSON.stringify(result).slice(0, 200)}`);
}

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'envoy-lens-kube-test-'));
  server = await startFakeApiServer({
    dumpBytes: BIG,
    smallDumpBytes: MiB,
    pods: [
      ...defaultPods(),
      { namespace: NS, name: 'status-garbage', containers: ['app', 'istio-proxy'], behaviour: { statusFrame: '{"status": "Succ' } },
      { namespace: NS, name: 'stray-frames', containers: ['app', 'istio-proxy'], behaviour: { strayChannel: 9 } },
    ],
  });
  dumpShaWithNewline = sha256(Buffer.concat([server.dump, Buffer.from('\n')]));
  smallSha = sha256(server.smallDump);
  smallShaWithNewline = sha256(Buffer.concat([server.smallDump, Buffer.from('\n')]));
  const file = server.writeKubeconfig(path.join(tmp, 'main', 'config'), CONTEXTS, 'admin');
  kube = await loadKubeConfig({ kubeconfigPath: file, env: { HOME: tmp } });
});

after(async () => {
  await server?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('names', () => {
  it('accepts DNS labels and subdomains, rejects the rest', () => {
    for (const ok of ['bookinfo', 'a', 'istio-system', 'x1-2', 'a'.repeat(63)]) assert.ok(isDnsLabel(ok), ok);
    for (const bad of ['', 'Bookinfo', '-a', 'a-', 'a_b', 'a.b', 'a'.repeat(64), 'a b', 'a;rm -rf /', '../etc', 'é']) {
      assert.ok(!isDnsLabel(bad), bad);
    }
    for (const ok of ['productpage-v1-7d4', 'a.b.c', 'web-0.web']) assert.ok(isDnsSubdomain(ok), ok);
    for (const bad of ['', 'a..b', '.a', 'a.', 'A.b', `${'a'.repeat(63)}.`.repeat(4) + 'a', 'x/y', 'x?y']) {
      assert.ok(!isDnsSubdomain(bad), bad);
    }
    assert.equal(checkName('pod', 'reviews-v2.x'), 'reviews-v2.x');
    assert.throws(() => checkName('namespace', 'reviews.x'), (e: unknown) => e instanceof KubeError && e.code === 'invalid-name');
  });

  it('refuses bad names and options before contacting the cluster', async () => {
    const before = server.log.length;
    await failsWith(kube.fetchConfigDump({ context: 'admin', namespace: NS, pod: 'x/../../namespaces' }), 'invalid-name', /pod name/);
    await failsWith(kube.fetchConfigDump({ context: 'admin', namespace: 'Bad_NS', pod: 'p' }), 'invalid-name', /namespace name/);
    await failsWith(kube.fetchConfigDump({ context: 'admin', namespace: NS, pod: 'p', container: 'istio proxy' }), 'invalid-name');
    await failsWith(kube.listEnvoyPods('admin', 'a;b'), 'invalid-name');
    await failsWith(kube.fetchConfigDump({ context: 'admin', namespace: NS, pod: 'p', adminPort: 70000 }), 'invalid-option');
    await failsWith(kube.fetchConfigDump({ context: 'admin', namespace: NS, pod: 'p', resource: 'x&mask=y' }), 'invalid-option');
    assert.equal(server.log.length, before, 'no request was sent');
  });

  it('builds the admin path with include_eds and filters', () => {
    assert.equal(adminDumpPath({}), 'config_dump?include_eds');
    assert.equal(adminDumpPath({ includeEds: false }), 'config_dump');
    assert.equal(adminDumpPath({ includeEds: false, resource: 'dynamic_active_clusters', mask: 'cluster.name' }),
      'config_dump?resource=dynamic_active_clusters&mask=cluster.name');
  });
});

describe('strict JSON for fetched dumps', () => {
  it('finds what JSON.parse refuses and the tolerant scanner reads past, at the right byte', () => {
    const cases: Array<[string | Buffer, string | undefined, number?]> = [
      ['{"a": "ok \\u00e9 \\n \\" \\\\ \\/"}', undefined],
      ['  [1, {"b": [true, null]}]\n', undefined],
      ['{"a": "x\\u12G4"}', 'an invalid \\u escape in a string', 8],
      ['{"a": "x\\q"}', 'an invalid escape in a string', 8],
      ['{"a": "x\ty"}', 'a raw control character in a string', 8],
      ['{"a": "nul\u0000"}', 'a raw control character in a string', 10],
      ['{"a": [1, 2, ]}', 'a trailing comma', 11],
      ['{"a": 1,\n}', 'a trailing comma', 7],
      ['{"a": 1} // done', 'a comment', 9],
      ['{"a": /* x */ 1}', 'a comment', 6],
      ['\ufeff{}', 'a byte-order mark before the JSON value', 0],
      ['200\n{}', 'text before the JSON value', 0],
      [Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]), 'invalid UTF-8'],
      ['{"s": "a,]"}', undefined], // commas and brackets inside strings are text
      ['{"s": "//"}', undefined],
    ];
    for (const [input, message, offset] of cases) {
      const bytes = typeof input === 'string' ? Buffer.from(input) : input;
      const p = strictJsonProblem(bytes);
      assert.equal(p?.message, message, String(input));
      if (offset !== undefined) assert.equal(p?.offset, offset, String(input));
      if (message === undefined) JSON.parse(bytes.toString()); // agrees with JSON.parse
    }
  });
});

describe('Envoy pod detection', () => {
  const pod = (spec: Partial<V1Pod['spec']> & object, extra: Partial<V1Pod> = {}): V1Pod => ({
    metadata: { name: 'p', namespace: 'n' },
    spec: { containers: [], ...spec },
    status: { phase: 'Running', containerStatuses: [], initContainerStatuses: [] },
    ...extra,
  });
  const running = { running: { startedAt: new Date() } };

  it('finds istio-proxy as a container or as a native sidecar init container', () => {
    const sidecar = describeEnvoyPod(pod({ containers: [{ name: 'app' }, { name: 'istio-proxy', args: ['proxy', 'sidecar'] }] },
      { status: { phase: 'Running', containerStatuses: [{ name: 'istio-proxy', ready: true, restartCount: 0, image: '', imageID: '', state: running }] } }));
    assert.equal(sidecar?.role, 'sidecar');
    assert.equal(sidecar?.fetchable, true);
    assert.equal(sidecar?.ready, true);

    const native = describeEnvoyPod(pod({ containers: [{ name: 'app' }], initContainers: [{ name: 'istio-init' }, { name: 'istio-proxy', restartPolicy: 'Always' }] },
      { status: { phase: 'Running', initContainerStatuses: [{ name: 'istio-proxy', ready: true, restartCount: 0, image: '', imageID: '', state: running }] } }));
    assert.equal(native?.role, 'native-sidecar');
    assert.equal(native?.fetchable, true);

    // An init container named istio-proxy without restartPolicy Always runs to completion: not a proxy.
    assert.equal(describeEnvoyPod(pod({ containers: [{ name: 'app' }], initContainers: [{ name: 'istio-proxy' }] })), undefined);
    assert.equal(describeEnvoyPod(pod({ containers: [{ name: 'app' }] })), undefined);
  });

  it('tells gateways and waypoints apart, reads proxyAdminPort, explains unfetchable pods', () => {
    const gw = describeEnvoyPod(pod({ containers: [{ name: 'istio-proxy', args: ['proxy', 'router'] }] }));
    assert.equal(gw?.role, 'gateway');
    const wp = describeEnvoyPod(pod({ containers: [{ name: 'istio-proxy', args: ['proxy', 'waypoint'] }] }));
    assert.equal(wp?.role, 'waypoint');
    const byLabel = describeEnvoyPod(pod({ containers: [{ name: 'istio-proxy' }] }, { metadata: { name: 'g', labels: { istio: 'ingressgateway' } } }));
    assert.equal(byLabel?.role, 'gateway');
    const custom = describeEnvoyPod(pod({ containers: [{ name: 'istio-proxy' }] },
      { metadata: { name: 'c', annotations: { 'proxy.istio.io/config': 'concurrency: 2\nproxyAdminPort: 15555\n' } } }));
    assert.equal(custom?.adminPort, 15555);
    const pending = describeEnvoyPod(pod({ containers: [{ name: 'istio-proxy' }] }, { status: { phase: 'Pending',
      containerStatuses: [{ name: 'istio-proxy', ready: false, restartCount: 0, image: '', imageID: '', state: { waiting: { reason: 'ContainerCreating' } } }] } }));
    assert.equal(pending?.fetchable, false);
    assert.match(pending?.reason ?? '', /Pending.*ContainerCreating/);
    const crashing = describeEnvoyPod(pod({ containers: [{ name: 'istio-proxy' }] }, { status: { phase: 'Running',
      containerStatuses: [{ name: 'istio-proxy', ready: false, restartCount: 3, image: '', imageID: '', state: { waiting: { reason: 'CrashLoopBackOff' } } }] } }));
    assert.equal(crashing?.fetchable, false);
    assert.match(crashing?.reason ?? '', /CrashLoopBackOff/);
  });

  it('lists Envoy pods from the API, with phase, readiness and reasons', async () => {
    const pods = await kube.listEnvoyPods('admin', NS);
    const byName = new Map(pods.map((p) => [p.name, p]));
    assert.ok(!byName.has('legacy-no-mesh'), 'pods without Envoy are left out');
    assert.equal(byName.get('productpage-v1-7d4')?.role, 'sidecar');
    assert.equal(byName.get('reviews-v2-native')?.role, 'native-sidecar');
    assert.equal(byName.get('reviews-v2-native')?.ready, true);
    const pending = byName.get('details-pending');
    assert.equal(pending?.fetchable, false);
    assert.equal(pending?.phase, 'Pending');
    assert.match(pending?.reason ?? '', /Pending/);
    assert.equal(byName.get('custom-port')?.adminPort, 15555);
    assert.deepEqual(pods.map((p) => p.name), [...pods.map((p) => p.name)].sort());
    assert.equal((await kube.listEnvoyPods('admin', 'istio-system')).map((p) => `${p.name}:${p.role}`).join(), 'istio-ingressgateway-6f8:gateway');
    assert.equal((await kube.listEnvoyPods('admin', 'ambient'))[0]?.role, 'waypoint');
  });
});

describe('kubeconfig loading', () => {
  it('merges KUBECONFIG files; the first file wins for duplicate names, with a warning', async () => {
    const first = writeFile('merge/first.yaml', JSON.stringify(server.kubeconfig([
      { name: 'shared', token: 'admin-token', user: 'shared-user', namespace: NS },
      { name: 'only-first', token: 'admin-token' },
    ], 'shared')));
    const second = server.kubeconfig([
      { name: 'shared', token: 'viewer-token', user: 'shared-user', cluster: 'fake', server: 'https://127.0.0.1:1' },
      { name: 'only-second', token: 'viewer-token' },
    ], 'only-second');
    const secondFile = writeFile('merge/second.yaml', JSON.stringify(second));
    const missing = path.join(tmp, 'merge', 'missing.yaml');
    const access = await loadKubeConfig({ env: { HOME: tmp, KUBECONFIG: [first, missing, secondFile].join(path.delimiter) } });
    assert.equal(access.source, 'KUBECONFIG');
    assert.deepEqual(access.files, [first, secondFile]);
    assert.equal(access.currentContext, 'shared', 'current-context of the first file that sets one');
    assert.deepEqual(access.listContexts().map((c) => c.name), ['shared', 'only-first', 'only-second']);
    const dup = access.warnings.filter((w) => w.code === 'duplicate-name').map((w) => w.message);
    assert.equal(dup.length, 3, dup.join('\n'));
    assert.ok(dup.some((m) => /context "shared" is defined in both ".*first\.yaml" and ".*second\.yaml"; using the one from ".*first\.yaml"/.test(m)), dup.join('\n'));
    assert.ok(dup.some((m) => m.includes('cluster "fake"')));
    assert.ok(dup.some((m) => m.includes('user "shared-user"')));
    assert.ok(access.warnings.some((w) => w.code === 'kubeconfig-missing-file'));
    const shared = access.listContexts().find((c) => c.name === 'shared');
    assert.equal(shared?.server, server.url, 'the first file\'s cluster wins');
    assert.equal(shared?.current, true);
    // The first file's user (admin token) is the one used.
    const ns = await access.listNamespaces('shared');
    assert.equal(ns.listed, true);
    assert.ok(ns.namespaces.includes(NS));
    assert.equal(ns.defaultNamespace, NS);
  });

  it('lets a path from the settings override KUBECONFIG, and falls back to ~/.kube/config', async () => {
    const home = path.join(tmp, 'home');
    server.writeKubeconfig(writeFile('home/.kube/config', ''), [{ name: 'from-home', token: 'admin-token' }]);
    const fromHome = await loadKubeConfig({ env: { HOME: home } });
    assert.equal(fromHome.source, 'home');
    assert.deepEqual(fromHome.listContexts().map((c) => c.name), ['from-home']);
    const setting = server.writeKubeconfig(path.join(tmp, 'setting.yaml'), [{ name: 'from-setting', token: 'admin-token' }]);
    const fromSetting = await loadKubeConfig({ kubeconfigPath: setting, env: { HOME: home, KUBECONFIG: path.join(home, '.kube', 'config') } });
    assert.equal(fromSetting.source, 'setting');
    assert.deepEqual(fromSetting.listContexts().map((c) => c.name), ['from-setting']);
  });

  it('uses the in-cluster service account when there is no kubeconfig', async () => {
    const sa = path.join(tmp, 'serviceaccount');
    fs.mkdirSync(sa, { recursive: true });
    fs.writeFileSync(path.join(sa, 'token'), 'admin-token');
    fs.writeFileSync(path.join(sa, 'ca.crt'), server.caPem);
    fs.writeFileSync(path.join(sa, 'namespace'), NS);
    const port = new URL(server.url).port;
    const access = await loadKubeConfig({ env: { HOME: path.join(tmp, 'empty-home'), KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: port }, serviceAccountDir: sa });
    assert.equal(access.source, 'in-cluster');
    const ns = await access.listNamespaces('in-cluster');
    assert.equal(ns.defaultNamespace, NS);
    assert.ok(ns.namespaces.includes('istio-system'));
  });

  it('says so when there is no kubeconfig at all, or the file is broken', async () => {
    await failsWith(loadKubeConfig({ env: { HOME: path.join(tmp, 'nobody') }, serviceAccountDir: path.join(tmp, 'no-sa') }), 'no-kubeconfig', /KUBECONFIG/);
    await failsWith(loadKubeConfig({ kubeconfigPath: path.join(tmp, 'nope.yaml'), env: {} }), 'no-kubeconfig', /given by --kubeconfig does not exist; fix --kubeconfig or leave it out/);
    await failsWith(loadKubeConfig({ kubeconfigPath: path.join(tmp, 'nope.yaml'), env: {}, names: SETTING_OPTION_NAMES }), 'no-kubeconfig',
      /given by the envoyLens\.kubeconfig setting does not exist; fix the envoyLens\.kubeconfig setting or leave it out/);
    await failsWith(loadKubeConfig({ kubeconfigPath: tmp, env: {} }), 'kubeconfig-invalid', /is a folder, not a file/);
    const broken = writeFile('broken.yaml', 'apiVersion: v1\nclusters: [ { name: x\n');
    await failsWith(loadKubeConfig({ kubeconfigPath: broken, env: {} }), 'kubeconfig-invalid', /broken\.yaml/);
    await failsWith(kube.listNamespaces('no-such-context'), 'unknown-context', /"admin"/);
  });
});

describe('listing', () => {
  it('lists namespaces, or falls back to the context namespace when listing is forbidden', async () => {
    const ok = await kube.listNamespaces('admin');
    assert.deepEqual(ok, { namespaces: ['ambient', 'bookinfo', 'default', 'istio-system'], listed: true, defaultNamespace: NS });
    const denied = await kube.listNamespaces('no-ns');
    assert.equal(denied.listed, false);
    assert.deepEqual(denied.namespaces, [NS]);
    assert.match(denied.notice ?? '', /may not list namespaces.*"list" on "namespaces".*type the namespace/);
    const noDefault = await kube.listNamespaces('viewer');
    assert.equal(noDefault.defaultNamespace, 'default');
  });

  it('reports forbidden pod listing', async () => {
    await failsWith(kube.listEnvoyPods('no-pods', NS), 'forbidden-list', /"list" on "pods".*type the pod name/);
  });
});

describe('fetchConfigDump: whole dumps', () => {
  it('brings a 50 MB dump over exec byte-identical, with progress', async () => {
    const progress: number[] = [];
    const r = await kube.fetchConfigDump({ context: 'admin', namespace: NS, pod: 'productpage-v1-7d4', onProgress: (b) => progress.push(b) });
    assert.equal(r.method, 'exec');
    assert.deepEqual(r.argv, ['pilot-agent', 'request', 'GET', 'config_dump?include_eds']);
    assert.match(r.command, /^kubectl --context admin -n bookinfo exec productpage-v1-7d4 -c istio-proxy -- pilot-agent request GET 'config_dump\?include_eds'$/);
    assert.equal(r.bytes, server.dump.length + 1);
    assert.equal(sha256(r.text), dumpShaWithNewline, 'byte-identical (pilot-agent adds a newline)');
    assert.ok(progress.length > 10);
    assert.equal(progress.at(-1), r.bytes);
    assert.ok(progress.every((b, i) => i === 0 || b > progress[i - 1]));
  });

  it('brings a 50 MB dump over port-forward byte-identical', async () => {
    const r = await kube.fetchConfigDump({ context: 'admin', namespace: NS, pod: 'productpage-v1-7d4', method: 'port-forward' });
    assert.equal(r.method, 'port-forward');
    assert.equal(r.bytes, server.dump.length);
    assert.equal(sha256(r.text), server.dumpSha256);
    assert.match(r.command, /port-forward pod\/productpage-v1-7d4 :15000/);
  });

  it('fetches from a native sidecar, and /clusters?format=json on request', async () => {
    const r = await kube.fetchConfigDump({ context: 'admin', namespace: NS, pod: 'reviews-v2-native', clusters: true });
    assert.equal(sha256(r.text), smallShaWithNewline);
    assert.ok(JSON.parse(r.clusters ?? '').cluster_statuses);
  });

  it('falls back to curl when pilot-agent is missing', async () => {
    const r = await kube.fetchConfigDump({ context: 'admin', namespace: NS, pod: 'curl-only' });
    assert.equal(r.method, 'exec');
    assert.deepEqual(r.argv, ['curl', '-sS', 'http://localhost:15000/config_dump?include_eds']);
    assert.equal(sha256(r.text), smallSha);
    assert.match(r.attempts.join('\n'), /pilot-agent is not in container "istio-proxy".*executable file not found/);
  });

  it('falls back to port-forward when exec is forbidden or no tool exists', async () => {
    const forbidden = await kube.fetchConfigDump({ context: 'no-exec', namespace: NS, pod: 'reviews-v2-native' });
    assert.equal(forbidden.method, 'port-forward');
    assert.match(forbidden.attempts.join('\n'), /exec forbidden.*pods\/exec/);
    assert.equal(sha256(forbidden.text), smallSha);
    const noTools = await kube.fetchConfigDump({ context: 'admin', namespace: NS, pod: 'no-tools', includeEds: false });
    assert.equal(noTools.method, 'port-forward');
    assert.equal(noTools.attempts.length, 2);
    await failsWith(kube.fetchConfigDump({ context: 'admin', namespace: NS, pod: 'no-tools', method: 'exec' }), 'exec-tool-missing', /Neither pilot-agent nor curl/);
  });

  it('uses the pod\'s proxyAdminPort', async () => {
    const r = await kube.fetchConfigDump({ context: 'admin', namespace: NS, pod: 'custom-port' });
    assert.equal(r.method, 'port-forward');
    assert.match(r.command, /:15555/);
    assert.match(r.attempts.join('\n'), /pilot-agent skipped/);
  });
});

describe('fetchConfigDump: each failure has its own code and message', () => {
  const fetch = (pod: string, extra: Partial<Parameters<KubeAccess['fetchConfigDump']>[0]> = {}): Promise<unknown> =>
    kube.fetchConfigDump({ context: 'admin', namespace: NS, pod, ...extra });

  it('RBAC: forbidden exec names the rule; forbidden port-forward too', async () => {
    await failsWith(fetch('productpage-v1-7d4', { context: 'viewer', method: 'exec' }), 'forbidden-exec', /"create" on "pods\/exec" in namespace "bookinfo"/);
    await failsWith(fetch('productpage-v1-7d4', { context: 'viewer', method: 'port-forward' }), 'forbidden-port-forward', /"create" on "pods\/portforward"/);
    await failsWith(fetch('productpage-v1-7d4', { context: 'viewer' }), 'forbidden-exec', /neither exec into nor port-forward.*pods\/exec.*pods\/portforward/);
  });

  it('pod gone, no Envoy container, container not running (read first, and from exec alone)', async () => {
    await failsWith(fetch('deleted-pod-1'), 'pod-not-found', /"deleted-pod-1" does not exist/);
    await failsWith(fetch('legacy-no-mesh'), 'no-envoy-container', /no Envoy container "istio-proxy"/);
    await failsWith(fetch('details-pending'), 'container-not-running', /not running \(the pod is Pending/);
    // With "get pods" forbidden the pod is not read first: the exec refusal itself is classified.
    await failsWith(fetch('deleted-pod-1', { context: 'no-get' }), 'pod-not-found');
    await failsWith(fetch('legacy-no-mesh', { context: 'no-get' }), 'no-envoy-container');
    await failsWith(fetch('details-pending', { context: 'no-get' }), 'container-not-running', /container not found/);
  });

  it('admin port not listening (exec and port-forward) mentions proxyAdminPort', async () => {
    const e = await failsWith(fetch('ratings-admin-down'), 'admin-port-closed', /admin port 15000 is not listening.*proxyAdminPort/);
    assert.match(e.detail, /connection refused/);
    await failsWith(fetch('ratings-admin-down', { method: 'port-forward' }), 'admin-port-closed', /proxyAdminPort/);
  });

  it('output that is not JSON shows the bytes where it goes wrong', async () => {
    await failsWith(fetch('html-admin'), 'not-json', /not valid JSON \(.+ at byte 0, near "<html><body>Envoy Admin/);
  });

  it('a broken exit status or a frame on a channel the stream does not use is a protocol-error, not a crash', async () => {
    await failsWith(fetch('status-garbage', { method: 'exec' }), 'protocol-error', /exit status that is not a Kubernetes Status \("\{"status": "Succ"\)/);
    await failsWith(fetch('stray-frames', { method: 'exec' }), 'protocol-error', /exec stream of pod "stray-frames" sent a frame on channel 9/);
    await failsWith(fetch('stray-frames', { method: 'port-forward' }), 'protocol-error', /port-forward stream of pod "stray-frames" sent a frame on channel 9/);
  });

  it('filters Envoy refuses: admin-http-error naming the options, by exec and by port-forward', async () => {
    await failsWith(fetch('productpage-v1-7d4', { resource: 'version_info', method: 'exec' }), 'admin-http-error',
      /refused "\/config_dump\?include_eds&resource=version_info" \("version_info is not a repeated field.*"\); check the filters \(--resource, --mask\)\./);
    await failsWith(fetch('productpage-v1-7d4', { mask: 'no_such.field', method: 'port-forward', names: SETTING_OPTION_NAMES }), 'admin-http-error',
      /could not be successfully applied to any configs\."\); check the filters \(the envoyLens\.fetch\.resource setting, the envoyLens\.fetch\.mask setting\)\./);
  });

  it('a dropped stream is reported as truncated, never as a dump', async () => {
    const exec = await failsWith(fetch('flaky-drop'), 'truncated', /dropped after 524\.3 kB.*incomplete/);
    assert.equal((exec as FetchError).bytesReceived, MiB / 2);
    const pf = await failsWith(fetch('flaky-drop', { method: 'port-forward' }), 'truncated', /dropped after/);
    assert.ok((pf as FetchError).bytesReceived <= MiB / 2);
  });

  it('too big: stops at the cap and offers filters; the server sees the client leave', async () => {
    const ended = server.nextStreamEnd('productpage-v1-7d4');
    await failsWith(fetch('productpage-v1-7d4', { maxBytes: 2 * MiB }), 'too-big',
      /larger than the 2\.1 MB limit; fetch part of it \(--resource dynamic_active_clusters, or --mask with the fields you need\), or raise the limit \(--max-size\)\.$/);
    const end = await ended;
    assert.equal(end.outcome, 'client-gone');
    assert.ok(end.bytesSent < BIG);
    // The editor names its settings instead.
    const e = await fetch('productpage-v1-7d4', { maxBytes: 2 * MiB, names: SETTING_OPTION_NAMES }).catch((x: unknown) => x as KubeError);
    assert.match((e as KubeError).message, /\(the envoyLens\.fetch\.resource setting dynamic_active_clusters, or the envoyLens\.fetch\.mask setting with the fields you need\), or raise the limit \(the envoyLens\.fetch\.maxSizeMB setting\)\.$/);
  });

  it('cancel mid-transfer closes the stream (exec and port-forward)', async () => {
    for (const method of ['exec', 'port-forward'] as const) {
      const controller = new AbortController();
      const ended = server.nextStreamEnd('slow-stall');
      const e = await failsWith(fetch('slow-stall', {
        method, signal: controller.signal, onProgress: (b) => { if (b >= 100_000) controller.abort(); },
      }), 'cancelled', /cancelled while .* after \d+(\.\d)? kB/);
      assert.ok((e as FetchError).bytesReceived >= 100_000);
      assert.equal((await ended).outcome, 'client-gone');
    }
    const already = new AbortController();
    already.abort();
    await failsWith(fetch('productpage-v1-7d4', { signal: already.signal }), 'cancelled');
  });

  it('a stalled stream times out with what it was doing', async () => {
    const ended = server.nextStreamEnd('slow-stall');
    await failsWith(fetch('slow-stall', { timeoutMs: 400 }), 'timeout', /timed out after 400 ms while running pilot-agent in pod "slow-stall" \(262\.1 kB received\); check the connection to the cluster or raise the timeout \(--timeout\)\.$/);
    assert.equal((await ended).outcome, 'client-gone');
  });
});

describe('exec subprotocols', () => {
  it('speaks v4.channel.k8s.io to servers without v5, and refuses servers without a status channel', async () => {
    for (const [protocols, ok] of [[['v4.channel.k8s.io'], true], [['v3.channel.k8s.io', 'channel.k8s.io'], false]] as const) {
      const old = await startFakeApiServer({ execProtocols: protocols, dumpBytes: 64 * 1024 });
      try {
        const file = old.writeKubeconfig(path.join(tmp, `protocols-${protocols[0]}`, 'config'), [{ name: 'old', token: 'admin-token' }]);
        const access = await loadKubeConfig({ kubeconfigPath: file, env: {} });
        const fetch = access.fetchConfigDump({ context: 'old', namespace: NS, pod: 'reviews-v2-native', method: 'exec' });
        if (ok) {
          assert.equal(sha256((await fetch).text), sha256(Buffer.concat([old.dump, Buffer.from('\n')])));
          assert.ok(old.log.some((l) => l.includes('protocol=v4.channel.k8s.io')));
        } else {
          await failsWith(fetch, 'api-error', /requested protocol\(s\) are not supported/);
        }
      } finally {
        await old.close();
      }
    }
  });
});

describe('credentials and connection failures', () => {
  let access: KubeAccess;
  let unreachable: string;

  before(async () => {
    const plugin = (name: string, code: string): string => writeFile(`plugins/${name}.js`, code);
    const ok = plugin('ok', `process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: { token: 'admin-token' } }));`);
    const loggedOut = plugin('logged-out', `process.stderr.write('ERROR: (gcloud.auth.print-access-token) You do not currently have an active account selected.\\n'); process.exit(1);`);
    const hangs = plugin('hangs', `setInterval(() => {}, 1 << 30); // waits for a browser login that never comes`);
    unreachable = `https://127.0.0.1:${await freePort()}`;
    const file = server.writeKubeconfig(path.join(tmp, 'creds.yaml'), [
      { name: 'plugin-ok', exec: { command: process.execPath, args: [ok] } },
      { name: 'plugin-logged-out', exec: { command: process.execPath, args: [loggedOut] } },
      { name: 'plugin-hangs', exec: { command: process.execPath, args: [hangs] } },
      { name: 'plugin-missing', exec: { command: 'kubelogin-not-installed', args: ['get-token'] } },
      { name: 'expired', token: 'expired-token' },
      { name: 'untrusted', token: 'admin-token', trustCa: false },
      { name: 'down', token: 'admin-token', cluster: 'down', server: unreachable },
    ]);
    access = await loadKubeConfig({ kubeconfigPath: file, env: { HOME: tmp } });
  });

  it('runs a credential exec plugin and uses its token', async () => {
    const ns = await access.listNamespaces('plugin-ok');
    assert.equal(ns.listed, true);
    const r = await access.fetchConfigDump({ context: 'plugin-ok', namespace: NS, pod: 'curl-only', includeEds: false });
    assert.equal(sha256(r.text), smallSha);
  });

  it('credential plugin missing / not logged in / hanging', async () => {
    await failsWith(access.listNamespaces('plugin-missing'), 'credential-plugin-missing', /"kubelogin-not-installed".*was not found; install it/);
    await failsWith(access.fetchConfigDump({ context: 'plugin-missing', namespace: NS, pod: 'productpage-v1-7d4' }), 'credential-plugin-missing');
    await failsWith(access.listNamespaces('plugin-logged-out'), 'credential-plugin-failed', /You do not currently have an active account.*log in again/);
    await failsWith(access.fetchConfigDump({ context: 'plugin-hangs', namespace: NS, pod: 'productpage-v1-7d4', timeoutMs: 500 }), 'timeout',
      /timed out after 500 ms while running the credential plugin ".*node.*"; run ".*hangs\.js" in a terminal to finish its login/);
  });

  it('expired token (401), untrusted CA, unreachable server', async () => {
    await failsWith(access.listNamespaces('expired'), 'unauthorized', /401 Unauthorized.*log in again/);
    await failsWith(access.fetchConfigDump({ context: 'expired', namespace: NS, pod: 'productpage-v1-7d4' }), 'unauthorized');
    await failsWith(access.listEnvoyPods('untrusted', NS), 'untrusted-ca', /not trusted.*certificate-authority-data/);
    await failsWith(access.fetchConfigDump({ context: 'untrusted', namespace: NS, pod: 'productpage-v1-7d4' }), 'untrusted-ca');
    await failsWith(access.listNamespaces('down'), 'unreachable', /cannot be reached \(ECONNREFUSED\)/);
  });
});

describe('summary', () => {
  it('saw every failure code with a distinct message', () => {
    const expected: KubeErrorCode[] = ['invalid-name', 'invalid-option', 'no-kubeconfig', 'kubeconfig-invalid', 'unknown-context',
      'forbidden-list', 'forbidden-exec', 'forbidden-port-forward', 'pod-not-found', 'no-envoy-container', 'container-not-running',
      'exec-tool-missing', 'admin-port-closed', 'admin-http-error', 'not-json', 'protocol-error', 'truncated', 'too-big', 'cancelled', 'timeout',
      'credential-plugin-missing', 'credential-plugin-failed', 'unauthorized', 'untrusted-ca', 'unreachable'];
    const missing = expected.filter((c) => !seen.has(c));
    assert.deepEqual(missing, []);
    const messages = [...seen.values()];
    assert.equal(new Set(messages).size, messages.length);
    // KUBE_TEST_MESSAGES=1 prints one example message per code (for docs and reviews).
    if (process.env.KUBE_TEST_MESSAGES) for (const [code, message] of seen) console.log(`${code}: ${message}`);
  });
});
