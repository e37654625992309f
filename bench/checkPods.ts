// `envoy-lens check-pods` at fleet scale (issue 14 §3): 200 pods × ~5 MB dumps over loopback TLS from the fake API
// server, through the real @kubernetes/client-node.
//
//   npm run bench:pods -- [--pods 200] [--mb 5] [--replicas 5] [--k 4,1] [--repeat N] [--json FILE] [--receive-only]
//
// --repeat N runs each K N times (each in a fresh process) and prints the range and median of each figure.
//
// --receive-only fetches every pod's dump the way check-pods does (same fetch layer, K at once, one at a time held)
// and drops it unchecked: what receiving alone costs, the floor under the check's figures.
//
// Three processes, so each figure is one program's: the fake API server (a child; it holds one ~5 MB dump per workload
// and makes each pod's distinct copy when asked for it), and one child per --k value that runs check-pods in-process
// and reports its wall time and peak RSS (process.resourceUsage().maxRSS, the high-water mark of the whole process,
// Node and the Kubernetes client included) with its RSS just before the run (after a one-pod warm-up that loads the
// client). The run is also checked: every planted dangling cluster found, the one replica set made to disagree
// reported, the most dumps held at once ≤ K. Beside the RSS figures it reports the growth of what the process itself
// holds (JS heap in use + array buffers, sampled as each pod ends, no GC forced): RSS also counts memory the allocator
// and V8 keep after it is freed. BENCH_SAMPLE=1 also prints process.memoryUsage() before the run and its peaks;
// BENCH_NODE_FLAGS adds Node/V8 flags to the checking process (for diagnosis: the CLI sets none).
import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCheckPods, type CheckPodsStats } from '../src/cli/checkPods';
import { CLI_OPTION_NAMES, loadKubeConfig } from '../src/kube/index';
import { DEFAULT_SIZE_OPTIONS, generateDumpWithStats, sizeToServices } from './generateDump';
import { startFakeApiServer, type FakePod } from '../test/fake-apiserver/fakeApiServer';

const NS = 'fleet';
const DANGLING_RATE = 0.01;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

interface ServerReady { kubeconfig: string; dumpBytes: number; planted: number; odd: string; extra: string }
interface ClientResult {
  k: number; wallMs: number; maxRssMB: number; rssBeforeMB: number; stats: CheckPodsStats; code: number;
  /** JS heap in use + array buffers: just before the run, and its peak sampled as each pod ends (MB). */
  heldBeforeMB: number; heldPeakMB: number;
  checked: number; failed: number; unknownCluster: number; disagree: Array<{ workload: string; kind: string; name: string; pods: string[] }>;
}

// ---- the server child -------------------------------------------------------------------------------------------

async function serve(): Promise<void> {
  const pods = Number(arg('pods', '200'));
  const mb = Number(arg('mb', '5'));
  const replicas = Number(arg('replicas', '5'));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'envoy-lens-bench-pods-'));
  const options = { ...DEFAULT_SIZE_OPTIONS, danglingRate: DANGLING_RATE };
  const services = sizeToServices(mb * 1e6 * 1.1, options);
  const workloads = Math.ceil(pods / replicas);
  const bases: string[] = [];
  let planted = 0;
  let dumpBytes = 0;
  for (let w = 0; w < workloads; w++) {
    const { text, stats } = generateDumpWithStats({ ...options, services, seed: 1000 + w });
    bases.push(text);
    dumpBytes = Math.max(dumpBytes, stats.bytes);
    planted += stats.danglingRefs * Math.min(replicas, pods - w * replicas);
  }
  // Workload 0's last replica holds one cluster with another connect_timeout (the "works on 4 of 5 pods" case).
  const m = /"name": "(outbound\|\d+\|\|[^"]+)",\s*"type": "EDS",[^]*?"connect_timeout": "10s"/.exec(bases[0].slice(bases[0].indexOf('dynamic_active_clusters')));
  const extra = m![1];
  const fakePods: FakePod[] = [];
  const dumpOfPod = new Map<string, () => string>();
  for (let i = 0; i < pods; i++) {
    const w = Math.floor(i / replicas);
    const name = `app${w}-7c9d-${String(i % replicas).padStart(2, '0')}`;
    fakePods.push({ namespace: NS, name, containers: ['app', 'istio-proxy'], owner: { kind: 'ReplicaSet', name: `app${w}-7c9d` } });
    // Each pod's own dump: the first last_updated is the pod's (volatile: replicas still agree).
    const stamp = `2026-12-04T${String(Math.floor(i / 60) % 24).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00.000Z`;
    dumpOfPod.set(name, () => {
      let t = bases[w].replace(/"last_updated": "[^"]*"/, `"last_updated": "${stamp}"`);
      if (w === 0 && i % replicas === replicas - 1) t = withConnectTimeout(t, extra, '1.5s');
      return t;
    });
  }
  const odd = fakePods[Math.min(replicas, pods) - 1].name;
  const server = await startFakeApiServer({ pods: fakePods, namespaces: [NS], asciiDump: true, dumpBytes: 1024,
    dumpOf: (p) => dumpOfPod.get(p.name)?.() });
  const kubeconfig = server.writeKubeconfig(path.join(dir, 'kubeconfig'), [{ name: 'bench', token: 'admin-token', namespace: NS }]);
  const ready: ServerReady = { kubeconfig, dumpBytes, planted, odd, extra };
  process.send!(ready);
  process.on('message', (msg) => {
    if (msg === 'stop') {
      void server.close().then(() => { fs.rmSync(dir, { recursive: true, force: true }); process.exit(0); });
    } else if (msg === 'streams') {
      process.send!({ maxOpen: server.streams.maxOpen });
      server.resetStreamCount();
    }
  });
}

/** The text with cluster `name`'s first connect_timeout after its name set to `value`. */
function withConnectTimeout(text: string, name: string, value: string): string {
  const at = text.indexOf(`"name": "${name}"`);
  const ct = text.indexOf('"connect_timeout": "10s"', at);
  return `${text.slice(0, ct)}"connect_timeout": "${value}"${text.slice(ct + '"connect_timeout": "10s"'.length)}`;
}

// ---- a client child ---------------------------------------------------------------------------------------------

async function client(): Promise<void> {
  const k = Number(arg('k', '4'));
  const kubeconfig = arg('kubeconfig', '');
  const quiet = { out: () => undefined, err: () => undefined };
  const base = { namespace: NS, allNamespaces: false, format: 'json' as const, failOn: 'never' as const, timeoutMs: 0, kubeconfig };
  // Warm-up on one pod: loads the Kubernetes client and the core, as the first pod of any run does.
  await runCheckPods({ ...base, selector: 'app=app0', concurrency: 1 }, quiet);
  global.gc?.();
  const rssBeforeMB = process.memoryUsage().rss / 1e6;
  if (process.env.BENCH_SAMPLE) console.error("before", JSON.stringify(process.memoryUsage()));
  const stats: CheckPodsStats = { maxTransfers: 0, maxDumpsHeld: 0, largestDump: 0 };
  let out = '';
  const t0 = process.hrtime.bigint();
  const peak = { heapUsed: 0, external: 0, arrayBuffers: 0, rss: 0 };
  const sample = (): void => {
    const m = process.memoryUsage();
    for (const key of Object.keys(peak) as Array<keyof typeof peak>) peak[key] = Math.max(peak[key], m[key] / 1e6);
  };
  const before = process.memoryUsage();
  const heldBeforeMB = (before.heapUsed + before.arrayBuffers) / 1e6;
  let heldPeakMB = heldBeforeMB;
  const onPod = (): void => {
    const m = process.memoryUsage();
    heldPeakMB = Math.max(heldPeakMB, (m.heapUsed + m.arrayBuffers) / 1e6);
    if (process.env.BENCH_SAMPLE) sample();
  };
  const code = process.argv.includes('--receive-only')
    ? await receiveOnly(kubeconfig, k, stats, onPod, (s) => { out = s; })
    : await runCheckPods({ ...base, concurrency: k, stats, progress: onPod }, { out: (s) => { out = s; }, err: () => undefined });
  if (process.env.BENCH_SAMPLE) console.error(JSON.stringify(peak), JSON.stringify(process.memoryUsage()));
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const maxRssMB = (process.resourceUsage().maxRSS * 1024) / 1e6;
  const report = JSON.parse(out) as {
    pods: Array<{ status: string; problems: Array<{ code: string }> }>;
    workloads: Array<{ workload: string; disagree: Array<{ kind: string; name: string; pods: string[] }> }>;
  };
  const result: ClientResult = {
    k, wallMs, maxRssMB, rssBeforeMB, stats, code, heldBeforeMB, heldPeakMB,
    checked: report.pods.filter((p) => p.status === 'checked').length,
    failed: report.pods.filter((p) => p.status === 'failed').length,
    unknownCluster: report.pods.reduce((n, p) => n + p.problems.filter((x) => x.code === 'unknown-cluster').length, 0),
    disagree: report.workloads.flatMap((w) => w.disagree.map((d) => ({ workload: w.workload, ...d }))),
  };
  process.send!(result);
}

/** Every pod's dump fetched as check-pods fetches it (K at once) and dropped unchecked; prints a report with no
 *  findings, so the caller's counting works unchanged. */
async function receiveOnly(kubeconfig: string, k: number, stats: CheckPodsStats, onPod: () => void, out: (s: string) => void): Promise<number> {
  const kube = await loadKubeConfig({ kubeconfigPath: kubeconfig, names: CLI_OPTION_NAMES });
  const context = kube.currentContext!;
  const pods = await kube.listEnvoyPods(context, NS, { timeoutMs: 0, names: CLI_OPTION_NAMES });
  let next = 0;
  let transfers = 0;
  const reports: Array<{ status: string; problems: never[] }> = [];
  const slot = async (): Promise<void> => {
    while (next < pods.length) {
      const p = pods[next++];
      stats.maxTransfers = Math.max(stats.maxTransfers, ++transfers);
      try {
        const got = await kube.fetchConfigDumpBytes({ context, namespace: p.namespace, pod: p.name, timeoutMs: 0, names: CLI_OPTION_NAMES });
        stats.largestDump = Math.max(stats.largestDump, got.bytes);
        stats.maxDumpsHeld = 1;
        reports.push({ status: 'checked', problems: [] });
      } catch {
        reports.push({ status: 'failed', problems: [] });
      } finally {
        transfers--;
      }
      onPod();
    }
  };
  await Promise.all(Array.from({ length: k }, slot));
  out(JSON.stringify({ pods: reports, workloads: [] }));
  return 0;
}

// ---- the orchestrator -------------------------------------------------------------------------------------------

function once<T>(child: ChildProcess): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    child.once('message', (m) => resolve(m as T));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`child exited with ${code}`)));
  });
}

async function orchestrate(): Promise<void> {
  const pods = arg('pods', '200');
  const mb = arg('mb', '5');
  const replicas = arg('replicas', '5');
  const ks = arg('k', '4').split(',').map(Number);
  const t0 = Date.now();
  const server = fork(__filename, ['--serve', '--pods', pods, '--mb', mb, '--replicas', replicas], { stdio: 'inherit' });
  const ready = await once<ServerReady>(server);
  console.log(`check-pods benchmark: ${pods} pods × ${(ready.dumpBytes / 1e6).toFixed(1)} MB dumps (${replicas} replicas per workload), `
    + `${ready.planted} planted dangling route → cluster references, server ready in ${((Date.now() - t0) / 1000).toFixed(1)} s; `
    + `node ${process.version}, ${os.cpus().length} CPUs`);
  const results: Array<ClientResult & { serverMaxOpen: number }> = [];
  try {
    const repeat = Math.max(1, Number(arg('repeat', '1')));
    for (const k of ks.flatMap((x) => Array.from({ length: repeat }, () => x))) {
      const receive = process.argv.includes('--receive-only');
      const c = fork(__filename, ['--client', '--k', String(k), '--kubeconfig', ready.kubeconfig, ...(receive ? ['--receive-only'] : [])],
        { stdio: 'inherit', execArgv: ['--expose-gc', ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean)] });
      const r = await once<ClientResult>(c);
      await new Promise((resolve) => c.once('exit', resolve));
      server.send('streams');
      const { maxOpen } = await once<{ maxOpen: number }>(server);
      const budget = (3 * ready.dumpBytes * k) / 1e6;
      const growth = r.maxRssMB - r.rssBeforeMB;
      const found = r.unknownCluster === ready.planted;
      const disagree = r.disagree.length === 1 && r.disagree[0].kind === 'cluster' && r.disagree[0].name === ready.extra
        && r.disagree[0].pods.join() === ready.odd;
      console.log(`K=${k}: ${(r.wallMs / 1000).toFixed(1)} s wall (${(r.wallMs / Number(pods)).toFixed(0)} ms per pod), `
        + `peak RSS ${r.maxRssMB.toFixed(0)} MB (${r.rssBeforeMB.toFixed(0)} MB before the run); `
        + `issue 14 bound: peak RSS − RSS before = +${growth.toFixed(0)} MB vs 3 × largest dump × K = ${budget.toFixed(0)} MB: ${growth <= budget ? 'met' : `NOT met (${(growth / budget).toFixed(1)}×)`}; `
        + `JS heap in use + array buffers (sampled as each pod ends, garbage not yet collected included) +${(r.heldPeakMB - r.heldBeforeMB).toFixed(0)} MB; `
        + `${r.checked} checked, ${r.failed} failed; `
        + `most dumps held at once ${r.stats.maxDumpsHeld}, transfers ${r.stats.maxTransfers}, server streams open at once ${maxOpen}; `
        + (receive ? 'received only (not checked)' : `unknown-cluster ${r.unknownCluster} of ${ready.planted} planted ${found ? 'ok' : 'MISS'}; replicas disagree ${disagree ? 'ok' : `MISS ${JSON.stringify(r.disagree)}`}`));
      results.push({ ...r, serverMaxOpen: maxOpen });
    }
  } finally {
    server.send('stop');
  }
  if (results.length > ks.length) {
    // Several runs per K: the range of each figure (one run to the next differs by tens of MB on a shared machine).
    for (const k of ks) {
      const runs = results.filter((r) => r.k === k);
      const range = (f: (r: ClientResult) => number, unit: string, digits = 0): string => {
        const v = runs.map(f).sort((a, b) => a - b);
        return `${v[0].toFixed(digits)}–${v[v.length - 1].toFixed(digits)} (median ${v[Math.floor((v.length - 1) / 2)].toFixed(digits)}) ${unit}`;
      };
      console.log(`K=${k}, ${runs.length} runs: wall ${range((r) => r.wallMs / 1000, 's', 1)}; peak RSS ${range((r) => r.maxRssMB, 'MB')}; `
        + `growth ${range((r) => r.maxRssMB - r.rssBeforeMB, 'MB')}; JS heap + array buffers growth ${range((r) => r.heldPeakMB - r.heldBeforeMB, 'MB')}`);
    }
  }
  const json = arg('json', '');
  if (json) fs.writeFileSync(json, JSON.stringify({ pods: Number(pods), dumpBytes: ready.dumpBytes, planted: ready.planted, results }, null, 2));
}

if (process.argv.includes('--serve')) void serve();
else if (process.argv.includes('--client')) void client().then(() => process.exit(0));
else void orchestrate();
