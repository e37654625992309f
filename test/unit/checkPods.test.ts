/**
 * `envoy-lens check-pods` against the loopback fake API server, through the real @kubernetes/client-node: many pods
 * with distinct dumps (planted dangling clusters), a replica set whose replicas disagree, pods that cannot be read,
 * the concurrency bound (the server counts the exec streams open at once), JSON, SARIF, exit codes and the Job.
 */
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_SIZE_OPTIONS, generateDumpWithStats, sizeToServices } from '../../bench/generateDump';
import { runCheckPods, type CheckPodsArgs, type CheckPodsStats } from '../../src/cli/checkPods';
import { analyze, LineIndex } from '../../src/core/facade';
import { diffDumps, resourceFingerprints } from '../../src/core/features/diff';
import { startFakeApiServer, type FakeApiServer, type FakePod } from '../fake-apiserver/fakeApiServer';
import { runCliAsync, type CliRun } from './cliRun';

const NS = 'mesh';
const K = 3;

let server: FakeApiServer;
let tmp: string;
let kubeconfig: string;
let savedKubeconfig: string | undefined;

/** Pods with a dump of their own, and how many dangling route → cluster references each one's dump holds. */
const planted = new Map<string, number>();
/** The replica set: a and b hold the same clusters (b fetched later: every last_updated moved on), c lacks EXTRA and
 *  holds CHANGED with another connect_timeout. */
const EXTRA = 'outbound|9999||extra.mesh.svc.cluster.local';
let changed = '';
const REPLICAS = ['reviews-v1-545db-a', 'reviews-v1-545db-b', 'reviews-v1-545db-c'];
const FAILING: Record<string, RegExp> = {
  'down-7f9': /admin|port/i,
  'pending-5c1': /not running/,
  'html-9a2': /not (valid|strict)? ?JSON|JSON/,
  'drop-3b8': /truncated|dropped|before the end/i,
};

interface Json {
  pods: Array<Record<string, unknown> & { pod: string; status: string; problems: Array<{ code: string; path: string }> }>;
  workloads: Array<Record<string, unknown> & { workload: string; disagree: Array<{ kind: string; name: string; pods: string[] }> }>;
}

/** The replica set's three dumps. */
function replicaDumps(): Record<string, string> {
  const base = JSON.parse(generateDumpWithStats({ services: 6, portsPerService: 2, casing: 'snake', includeEds: true, seed: 7 }).text) as
    { configs: Array<Record<string, unknown>> };
  const clustersOf = (d: typeof base): Array<{ cluster: Record<string, unknown>; last_updated?: string }> =>
    d.configs.find((c) => String(c['@type']).endsWith('ClustersConfigDump'))!.dynamic_active_clusters as Array<{ cluster: Record<string, unknown> }>;
  const withExtra = structuredClone(base);
  const list = clustersOf(withExtra);
  list.push({ ...structuredClone(list[1]), cluster: { ...structuredClone(list[1].cluster), name: EXTRA } });
  const a = JSON.stringify(withExtra, null, 2);
  const b = a.replace(/"last_updated": "[^"]*"/g, '"last_updated": "2026-12-04T21:00:00.000Z"');
  const c = structuredClone(base);
  const target = clustersOf(c)[2].cluster;
  changed = String(target.name);
  target.connect_timeout = '1.5s';
  return { [REPLICAS[0]]: a, [REPLICAS[1]]: b, [REPLICAS[2]]: JSON.stringify(c, null, 2) };
}

const run = (...argv: string[]): Promise<CliRun> => runCliAsync(argv);

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'envoy-lens-check-pods-'));
  const pods: FakePod[] = [];
  for (let i = 0; i < 14; i++) {
    const { text, stats } = generateDumpWithStats({ services: 5 + (i % 4), portsPerService: 2, casing: 'snake', includeEds: true, danglingRate: 0.2 + (i % 3) * 0.1, seed: 100 + i });
    const name = `svc${i}-6d8f-${String(i).padStart(2, '0')}`;
    planted.set(name, stats.danglingRefs);
    pods.push({ namespace: NS, name, containers: ['app', 'istio-proxy'], owner: { kind: 'ReplicaSet', name: `svc${i}-6d8f` }, behaviour: { body: text } });
  }
  for (const [name, body] of Object.entries(replicaDumps())) {
    pods.push({ namespace: NS, name, containers: ['reviews', 'istio-proxy'], owner: { kind: 'ReplicaSet', name: 'reviews-v1-545db' }, behaviour: { body } });
  }
  pods.push(
    { namespace: NS, name: 'down-7f9', containers: ['app', 'istio-proxy'], behaviour: { adminDown: true } },
    { namespace: NS, name: 'pending-5c1', containers: ['app', 'istio-proxy'], phase: 'Pending', running: false },
    { namespace: NS, name: 'html-9a2', containers: ['app', 'istio-proxy'], behaviour: { body: '<html><body>Envoy Admin</body></html>\n' } },
    { namespace: NS, name: 'drop-3b8', containers: ['app', 'istio-proxy'], behaviour: { body: replicaDumps()[REPLICAS[0]], dropAfterBytes: 4096 } },
    { namespace: NS, name: 'legacy-no-mesh', containers: ['legacy'] },
    { namespace: 'edge', name: 'ingress-6f8', containers: ['istio-proxy'], proxyArgs: ['proxy', 'router'], labels: { istio: 'ingressgateway' },
      owner: { kind: 'ReplicaSet', name: 'ingress' }, behaviour: { body: replicaDumps()[REPLICAS[0]] } },
  );
  // The first streams wait until K are open at once: a client that never opens K in parallel hangs (and times out).
  server = await startFakeApiServer({ pods, namespaces: ['default', NS, 'edge', 'empty'], holdUntilConcurrent: K });
  kubeconfig = server.writeKubeconfig(path.join(tmp, 'kubeconfig'), [
    { name: 'admin', token: 'admin-token', namespace: NS },
    { name: 'no-pods', token: 'no-pods-token', namespace: NS },
  ], 'admin');
  savedKubeconfig = process.env.KUBECONFIG;
  process.env.KUBECONFIG = kubeconfig;
});

after(async () => {
  if (savedKubeconfig === undefined) delete process.env.KUBECONFIG;
  else process.env.KUBECONFIG = savedKubeconfig;
  await server.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('envoy-lens check-pods', () => {
  let first: { code: number; out: string; err: string };
  let report: Json;

  it('checks every pod with at most K transfers at once, finds every planted dangling cluster, goes on past failures', { timeout: 60_000 }, async () => {
    server.resetStreamCount();
    first = await run('check-pods', '--namespace', NS, '--concurrency', String(K), '--format', 'json');
    assert.equal(first.code, 1, first.err); // findings, and pods that could not be read
    report = JSON.parse(first.out) as Json;
    assert.equal(server.streams.maxOpen, K, `the server saw ${server.streams.maxOpen} streams open at once`);
    assert.equal(server.streams.open, 0);
    const byPod = new Map(report.pods.map((p) => [p.pod, p]));
    // Every Envoy pod, in name order; the pod without istio-proxy is not one.
    assert.deepEqual(report.pods.map((p) => p.pod), [...byPod.keys()].sort());
    assert.equal(report.pods.length, planted.size + REPLICAS.length + Object.keys(FAILING).length);
    assert.ok(!byPod.has('legacy-no-mesh'));
    for (const [pod, n] of planted) {
      const p = byPod.get(pod)!;
      assert.equal(p.status, 'checked', pod);
      assert.equal(p.problems.filter((x) => x.code === 'unknown-cluster').length, n, `${pod}: ${n} planted`);
      assert.ok(p.problems.every((x) => x.path === `${NS}/${pod}`));
    }
    assert.ok([...planted.values()].reduce((a, b) => a + b) >= planted.size, 'the dumps do hold dangling references');
    for (const [pod, why] of Object.entries(FAILING)) {
      const p = byPod.get(pod)!;
      assert.equal(p.status, 'failed', pod);
      assert.match(String(p.error), why, pod);
      assert.equal(String(p.error).split('\n').length, 1);
      assert.deepEqual(p.problems, []);
      assert.equal(p.counts, undefined);
    }
    assert.match(first.err, new RegExp(`${report.pods.length} pods: ${report.pods.length - 4} checked, 4 could not be read`));
  });

  it('reports the replicas that disagree, volatile fields aside', () => {
    const reviews = report.workloads.find((w) => w.workload === 'ReplicaSet/reviews-v1-545db')!;
    assert.deepEqual(reviews.pods, REPLICAS);
    assert.deepEqual(reviews.disagree, [
      { kind: 'cluster', name: changed, pods: [REPLICAS[2]] },
      { kind: 'cluster', name: EXTRA, pods: [REPLICAS[2]] },
    ].sort((x, y) => (x.name < y.name ? -1 : 1)));
    // Single-replica workloads have nothing to compare; no other workload disagrees.
    for (const w of report.workloads) if (w !== reviews) assert.deepEqual(w.disagree, [], w.workload);
  });

  it('prints JSON of exactly the documented shape', () => {
    assert.deepEqual(Object.keys(report), ['pods', 'workloads']);
    for (const p of report.pods) {
      const keys = p.status === 'checked'
        ? ['namespace', 'pod', 'workload', 'status', 'counts', 'problems']
        : ['namespace', 'pod', 'workload', 'status', 'error', 'problems'];
      assert.deepEqual(Object.keys(p), keys, p.pod);
      assert.equal(p.namespace, NS);
      assert.ok(p.workload === null || /^ReplicaSet\//.test(String(p.workload)));
      for (const x of p.problems) assert.deepEqual(Object.keys(x), ['path', 'line', 'column', 'endLine', 'endColumn', 'severity', 'code', 'message']);
    }
    assert.equal(report.pods.find((p) => p.pod === 'down-7f9')!.workload, null);
    assert.deepEqual(Object.keys((report.pods.find((p) => p.status === 'checked')!.counts as object)),
      ['listeners', 'routeConfigs', 'virtualHosts', 'routes', 'clusters', 'endpointConfigs', 'secrets']);
    for (const w of report.workloads) {
      assert.deepEqual(Object.keys(w), ['namespace', 'workload', 'pods', 'disagree']);
      for (const d of w.disagree) assert.deepEqual(Object.keys(d), ['kind', 'name', 'pods']);
    }
  });

  it('holds at most K dumps at once, whatever the number of pods', { timeout: 60_000 }, async () => {
    server.resetStreamCount();
    const stats: CheckPodsStats = { maxTransfers: 0, maxDumpsHeld: 0, largestDump: 0 };
    const args: CheckPodsArgs = {
      namespace: NS, allNamespaces: false, concurrency: 2, format: 'json', failOn: 'error', timeoutMs: 30_000, stats,
    };
    const out: string[] = [];
    const code = await runCheckPods(args, { out: (s) => out.push(s), err: () => undefined });
    assert.equal(code, 1);
    assert.equal(stats.maxTransfers, 2); // both workers start at once
    assert.ok(stats.maxDumpsHeld >= 1 && stats.maxDumpsHeld <= 2, `held ${stats.maxDumpsHeld}`);
    assert.ok(stats.largestDump > 0);
    assert.ok(server.streams.maxOpen <= 2, `the server saw ${server.streams.maxOpen} streams open at once`);
    // Same findings as with K = 3.
    assert.deepEqual(JSON.parse(out[0]), report);
  });

  it('prints text grouped per pod, then the replicas that disagree', { timeout: 60_000 }, async () => {
    const r = await run('check-pods', '-n', NS);
    assert.equal(r.code, 1);
    const lines = r.out.split('\n');
    const header = lines.findIndex((l) => l.startsWith(`${NS}/svc0-6d8f-00 (ReplicaSet/svc0-6d8f): `));
    assert.ok(header >= 0, r.out);
    const n = planted.get('svc0-6d8f-00')!;
    assert.match(lines[header], new RegExp(`\\b${n} warnings?\\b`)); // unknown-cluster is a warning, and the dump has no other
    const own = lines.slice(header + 1).filter((l, i, all) => all.slice(0, i + 1).every((x) => x.startsWith(`${NS}/svc0-6d8f-00:`)));
    assert.equal(own.filter((l) => / warning unknown-cluster: /.test(l)).length, n);
    assert.equal(own.length, report.pods.find((p) => p.pod === 'svc0-6d8f-00')!.problems.length);
    assert.match(r.out, new RegExp(`^${NS}/pending-5c1: not checked: .*not running`, 'm'));
    assert.match(r.out, /^mesh ReplicaSet\/reviews-v1-545db: replicas disagree on cluster "outbound\|9999\|\|extra\.mesh\.svc\.cluster\.local": reviews-v1-545db-c differs \(of 3 pods\)$/m);
  });

  it('prints SARIF as check does: one run, one result per finding', { timeout: 60_000 }, async () => {
    const r = await run('check-pods', '-n', NS, '--format', 'sarif');
    assert.equal(r.code, 1);
    const log = JSON.parse(r.out) as { version: string; runs: Array<{ results: Array<{ ruleId: string; locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }> }> }> };
    assert.equal(log.version, '2.1.0');
    assert.equal(log.runs.length, 1);
    assert.equal(log.runs[0].results.length, report.pods.reduce((n, p) => n + p.problems.length, 0));
    assert.equal(log.runs[0].results.filter((x) => x.ruleId === 'unknown-cluster').length, [...planted.values()].reduce((a, b) => a + b));
    assert.ok(log.runs[0].results.some((x) => x.locations[0].physicalLocation.artifactLocation.uri === `${NS}/svc0-6d8f-00`));
  });

  it('exits 0 when every pod is read and nothing reaches --fail-on; --selector and --save', { timeout: 60_000 }, async () => {
    const dir = path.join(tmp, 'saved');
    const r = await run('check-pods', '-n', NS, '-l', 'app=reviews', '--save', dir, '--format', 'json', '--fail-on', 'error');
    assert.equal(r.code, 0, r.out);
    const j = JSON.parse(r.out) as Json;
    assert.deepEqual(j.pods.map((p) => p.pod), REPLICAS);
    const files = fs.readdirSync(dir).sort();
    assert.equal(files.length, 3, files.join());
    const dumps = replicaDumps();
    for (const [i, f] of files.entries()) {
      assert.match(f, new RegExp(`^${REPLICAS[i]}\\.${NS}\\.\\d{8}T\\d{6}Z\\.config_dump\\.json$`));
      assert.equal(fs.readFileSync(path.join(dir, f), 'utf8'), `${dumps[REPLICAS[i]]}\n`); // pilot-agent adds the newline
    }
    // Findings name the saved file.
    assert.ok(j.pods.flatMap((p) => p.problems).every((x) => x.path.startsWith(dir)));
    assert.equal(j.workloads[0].disagree.length, 2);
  });

  it('exits 1 on a finding at or above --fail-on alone', { timeout: 60_000 }, async () => {
    assert.equal((await run('check-pods', '-n', NS, '-l', 'app=svc0', '--fail-on', 'warning')).code, 1);
    assert.equal((await run('check-pods', '-n', NS, '-l', 'app=svc0', '--fail-on', 'error')).code, 0);
    assert.equal((await run('check-pods', '-n', NS, '--fail-on', 'never')).code, 1, 'pods that could not be read');
  });

  it('reads every namespace with --all-namespaces', { timeout: 60_000 }, async () => {
    const r = await run('check-pods', '-A', '-l', 'istio=ingressgateway', '--format', 'json');
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as Json;
    assert.deepEqual(j.pods.map((p) => `${p.namespace}/${p.pod}/${p.status}`), ['edge/ingress-6f8/checked']);
  });

  it('exits 3 when there is nothing to check, 2 on bad usage', { timeout: 60_000 }, async () => {
    let r = await run('check-pods', '-n', 'empty');
    assert.equal(r.code, 3);
    assert.match(r.err, /No pod runs Envoy in namespace "empty"/);
    assert.equal(r.out, '');
    r = await run('check-pods', '-n', NS, '-l', 'app=nothing-here');
    assert.equal(r.code, 3);
    r = await run('check-pods', '-n', NS, '-l', 'app=reviews,,version in (v1)');
    assert.equal(r.code, 3);
    assert.match(r.err, /label selector "app=reviews,,version in \(v1\)" was refused by the API server .*fix --selector/);
    r = await run('check-pods', '-n', NS, '--context', 'no-pods');
    assert.equal(r.code, 3);
    assert.match(r.err, /"list" on "pods"/);
    for (const argv of [
      ['check-pods'], ['check-pods', '-n', NS, '-A'], ['check-pods', '-n', NS, '--concurrency', '0'], ['check-pods', '-n', NS, '--concurrency', '2.5'],
      ['check-pods', '-n', NS, '--timeout', 'soon'], ['check-pods', '-n', NS, '--format', 'github'], ['check-pods', '-n', NS, 'pod-x'],
      ['check-pods', '-n', NS, '--kubeconfig', kubeconfig], ['check-pods', '-n', 'Not_A_Namespace'], ['check-pods', '-A', '--print-job'],
      ['check-pods', '-n', NS, '--print-job', '--save', tmp],
    ]) {
      r = await run(...argv);
      assert.equal(r.code, 2, argv.join(' '));
      assert.equal(r.err.split('\n').length, 1, argv.join(' '));
      assert.equal(r.out, '');
    }
  });

  it('prints a batch/v1 Job that runs the same check in the cluster for one namespace', async () => {
    const before = server.log.length;
    const r = await run('check-pods', '-n', NS, '--print-job', '-l', 'app=reviews', '--fail-on', 'warning', '--format', 'json');
    assert.equal(r.code, 0, r.err);
    assert.equal(server.log.length, before, 'nothing was asked of the cluster');
    const job = parseYaml(r.out) as {
      apiVersion: string; kind: string; metadata: { name: string };
      spec: { backoffLimit: number; template: { metadata: { labels: Record<string, string> }; spec: {
        serviceAccountName: string; restartPolicy: string; containers: Array<{ image: string; args: string[] }> } } };
    };
    assert.equal(job.apiVersion, 'batch/v1');
    assert.equal(job.kind, 'Job');
    assert.match(job.metadata.name, /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
    assert.ok(job.metadata.name.includes(NS));
    const pod = job.spec.template.spec;
    assert.ok(['Never', 'OnFailure'].includes(pod.restartPolicy));
    assert.equal(pod.serviceAccountName, 'envoy-lens-check-pods');
    assert.equal(pod.containers.length, 1);
    assert.deepEqual(pod.containers[0].args, ['check-pods', '--namespace', NS, '--selector', 'app=reviews', '--format', 'json', '--fail-on', 'warning']);
    assert.ok(pod.containers[0].image);
    assert.equal(job.spec.template.metadata.labels['sidecar.istio.io/inject'], 'false');
    // The args the Job runs parse as a check-pods command line.
    const again = await run(...pod.containers[0].args, '--print-job');
    assert.equal(again.code, 0, again.err);
  });
});

describe('resource fingerprints', () => {
  it('differ exactly where diffDumps finds a change, volatile fields aside', () => {
    const d = replicaDumps();
    const side = (t: string) => ({ analysis: analyze('dump', t, { languageId: 'json' }), source: t });
    const [a, b, c] = REPLICAS.map((r) => side(d[r]));
    const differing = (x: typeof a, y: typeof a): string[] => {
      const px = resourceFingerprints(x);
      const py = resourceFingerprints(y);
      return [...new Set([...px.keys(), ...py.keys()])].filter((k) => px.get(k) !== py.get(k)).map((k) => k.replace('\u0000', ' ')).sort();
    };
    const changes = (x: typeof a, y: typeof a): string[] => diffDumps(x, y).changes.map((ch) => `${ch.kind} ${ch.name}`).sort();
    assert.deepEqual(differing(a, b), []);
    assert.deepEqual(changes(a, b), []);
    assert.deepEqual(differing(a, c), changes(a, c));
    assert.deepEqual(differing(a, c), [`cluster ${changed}`, `cluster ${EXTRA}`].sort());
  });

  it('read from the bytes in pieces (the fleet path) equal those of the text, volatile values blanked alike', () => {
    const sha1 = (t: string): string => createHash('sha1').update(t).digest('hex');
    const hasher = () => {
      const h = createHash('sha1');
      return { update: (part: Uint8Array | string) => { h.update(part); }, digest: () => h.digest('hex') };
    };
    const d = replicaDumps();
    // Volatile members in the forms the regex reads: spaces around the colon, escapes in the value, the protojson
    // spelling, and a key that only starts like one (not blanked).
    const odd = d[REPLICAS[0]].replace(/"last_updated": "([^"]*)"/g, (_m, v: string, i: number) =>
      i % 3 === 0 ? `"last_updated" :  "${v}\\\"x"` : i % 3 === 1 ? `"lastUpdated":"${v}"` : `"last_updated_not": "${v}"`);
    for (const text of [...REPLICAS.map((r) => d[r]), odd]) {
      const bytes = Buffer.from(text, 'utf8');
      const fromText = resourceFingerprints({ analysis: analyze('dump', text, { languageId: 'json' }), source: text }, { hash: sha1 });
      const fromBytes = resourceFingerprints({ analysis: analyze('dump', bytes, { languageId: 'json' }), source: bytes }, { hash: sha1, hasher });
      assert.ok(fromText.size > 10);
      assert.deepEqual([...fromBytes].sort(), [...fromText].sort());
    }
    assert.notDeepEqual(odd, d[REPLICAS[0]]);
  });

  it('line index from UTF-8 bytes counts UTF-16 columns as the text does', () => {
    const text = '{\n  "a": "é€😀",\n  "b": 1\r\n}\n';
    const bytes = Buffer.from(text, 'utf8');
    const a = new LineIndex(text);
    const b = new LineIndex(bytes);
    assert.equal(b.lineCount, a.lineCount);
    for (let o = 0; o <= text.length; o++) assert.deepEqual(b.positionAt(o), a.positionAt(o));
  });
});

describe('check-pods memory', () => {
  let big: FakeApiServer;
  let config: string;
  const PODS = 16;
  let dumpBytes = 0;

  before(async () => {
    const services = sizeToServices(2e6, { danglingRate: 0.05 });
    const pods: FakePod[] = [];
    for (let i = 0; i < PODS; i++) {
      // Distinct dumps, each with findings: a finding that kept a slice of its dump would keep the whole dump.
      const { text, stats } = generateDumpWithStats({ ...DEFAULT_SIZE_OPTIONS, services, danglingRate: 0.05, seed: 500 + i });
      dumpBytes = Math.max(dumpBytes, stats.bytes);
      pods.push({ namespace: 'big', name: `big-${i}-x`, containers: ['app', 'istio-proxy'], owner: { kind: 'ReplicaSet', name: `big-${i % 4}` }, behaviour: { body: text } });
    }
    big = await startFakeApiServer({ pods });
    config = big.writeKubeconfig(path.join(tmp, 'big-kubeconfig'), [{ name: 'big', token: 'admin-token', namespace: 'big' }]);
  });

  after(async () => {
    await big.close();
  });

  it('keeps nothing of a dump once it is checked: live heap does not grow with the pods checked', { timeout: 120_000 }, async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const live: number[] = [];
    const stats: CheckPodsStats = { maxTransfers: 0, maxDumpsHeld: 0, largestDump: 0 };
    let out = '';
    const code = await runCheckPods({
      namespace: 'big', allNamespaces: false, concurrency: 2, format: 'json', failOn: 'never', timeoutMs: 60_000, kubeconfig: config, stats,
      progress: (line) => {
        if (!/^\d+ \/ /.test(line)) return;
        gc();
        live.push(process.memoryUsage().heapUsed);
      },
    }, { out: (s) => { out = s; }, err: () => undefined });
    assert.equal(code, 0);
    const report = JSON.parse(out) as Json;
    assert.equal(report.pods.filter((p) => p.status === 'checked').length, PODS);
    assert.ok(report.pods.every((p) => p.problems.length > 0), 'every dump has findings');
    assert.equal(live.length, PODS);
    // After the first few pods (code loaded, caches warm), what stays alive after a full GC is the reports (findings,
    // fingerprints): 2.3 MB over 12 pods here. A dump kept per pod would add 12 × 1.9 MB (24.2 MB when a finding's
    // message kept a slice of its dump's text).
    const growth = live[PODS - 1] - live[3];
    assert.ok(growth < 4 * dumpBytes, `live heap grew by ${(growth / 1e6).toFixed(1)} MB over ${PODS - 4} pods of ${(dumpBytes / 1e6).toFixed(1)} MB`);
    assert.ok(stats.maxDumpsHeld <= 2);
  });
});
