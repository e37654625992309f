// Throughput of fetching a config dump through the kube layer and the real @kubernetes/client-node,
// over loopback TLS, by exec (pilot-agent) and by port-forward, from the fake API server.
//
//   node out/bench/fetch.js [--mb 50] [--runs 3] [--same-thread] [--ascii]
//
// By default the fake API server runs in a worker thread, so it does not share the client's event loop
// (a real API server is another process); --same-thread runs both on one thread, the worst case.
// --ascii serves a pure-ASCII dump (like most real ones); the default puts non-ASCII text in every cluster,
// which makes UTF-8 decoding and JSON.parse slower (worst case).
// Each "whole call" figure is the whole fetchConfigDump call: credentials, the pod read, the stream, and JSON.parse.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { loadKubeConfig } from '../src/kube';
import { startFakeApiServer } from '../test/fake-apiserver/fakeApiServer';

interface ServerInfo { kubeconfig: string; dumpBytes: number; dumpSha256: string }
const MiB = 1024 * 1024;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

async function serve(dumpBytes: number, dir: string, asciiDump: boolean): Promise<ServerInfo & { close(): Promise<void> }> {
  const server = await startFakeApiServer({ dumpBytes, asciiDump });
  const kubeconfig = server.writeKubeconfig(path.join(dir, 'kubeconfig'), [{ name: 'bench', token: 'admin-token', namespace: 'bookinfo' }]);
  return { kubeconfig, dumpBytes: server.dump.length, dumpSha256: server.dumpSha256, close: () => server.close() };
}

async function main(): Promise<void> {
  const mb = arg('mb', 50);
  const runs = arg('runs', 3);
  const sameThread = process.argv.includes('--same-thread');
  const ascii = process.argv.includes('--ascii');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'envoy-lens-bench-fetch-'));
  let info: ServerInfo;
  let stop: () => Promise<void>;
  if (sameThread) {
    const s = await serve(mb * MiB, dir, ascii);
    info = s;
    stop = s.close;
  } else {
    const worker = new Worker(__filename, { workerData: { dumpBytes: mb * MiB, dir, ascii } });
    info = await new Promise<ServerInfo>((resolve, reject) => {
      worker.once('message', (m: ServerInfo) => resolve(m));
      worker.once('error', reject);
    });
    stop = async () => {
      worker.postMessage('stop');
      await new Promise((resolve) => worker.once('exit', resolve));
    };
  }

  try {
    const kube = await loadKubeConfig({ kubeconfigPath: info.kubeconfig, env: { HOME: dir } });
    console.log(`fetch benchmark: ${(info.dumpBytes / MiB).toFixed(0)} MiB ${ascii ? 'ASCII' : 'non-ASCII'} dump, ${runs} runs per method, server ${sameThread ? 'on the same thread' : 'in a worker thread'}, node ${process.version}, ${os.cpus().length} CPUs`);
    for (const method of ['exec', 'port-forward'] as const) {
      const wire: number[] = [];
      const whole: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        let firstByte = 0;
        let lastByte = 0;
        const r = await kube.fetchConfigDump({
          context: 'bench', namespace: 'bookinfo', pod: 'productpage-v1-7d4', method, maxBytes: 1024 * MiB,
          onProgress: () => { lastByte = performance.now(); if (!firstByte) firstByte = lastByte; },
        });
        const ms = performance.now() - t0;
        const body = method === 'exec' ? r.text.slice(0, -1) : r.text; // pilot-agent's trailing newline
        if (createHash('sha256').update(body).digest('hex') !== info.dumpSha256) throw new Error(`${method}: dump differs`);
        const mb = r.bytes / 1e6;
        wire.push(mb / ((lastByte - firstByte) / 1000));
        whole.push(mb / (ms / 1000));
        console.log(`  ${method.padEnd(12)} run ${i + 1}: ${r.bytes} bytes; stream ${(lastByte - firstByte).toFixed(0)} ms = ${wire[i].toFixed(1)} MB/s; `
          + `whole call ${ms.toFixed(0)} ms = ${whole[i].toFixed(1)} MB/s (setup ${(firstByte - t0).toFixed(0)} ms, decode + JSON.parse ${(t0 + ms - lastByte).toFixed(0)} ms)`);
      }
      const median = (xs: number[]): string => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)].toFixed(1);
      console.log(`${method.padEnd(12)} median: stream ${median(wire)} MB/s, whole call ${median(whole)} MB/s (target >= 50 MB/s)`);
    }
  } finally {
    await stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (isMainThread) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
} else {
  const { dumpBytes, dir, ascii } = workerData as { dumpBytes: number; dir: string; ascii: boolean };
  void serve(dumpBytes, dir, ascii).then((s) => {
    parentPort?.postMessage({ kubeconfig: s.kubeconfig, dumpBytes: s.dumpBytes, dumpSha256: s.dumpSha256 });
    parentPort?.once('message', () => { void s.close().then(() => process.exit(0)); });
  });
}
