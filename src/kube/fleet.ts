/**
 * Checking every Envoy pod of a fleet (`envoy-lens check-pods`, Envoy: Check Pods in Namespace…): each pod's live dump
 * fetched through the Kubernetes API with at most K transfers at once, checked like `check`, and dropped once checked.
 * What is kept per pod is its report (findings, counts) and, for pods with replicas, one short hash per resource, so
 * the replicas of a workload can be compared at the end ("works on 2 of 3 pods") without holding any dump.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { analyze, check, LineIndex, resourceCounts, resourceFingerprints, Workspace, type DiffKind, type FindingRow } from '../core/facade';
import { writeFileAtomic } from './atomicWrite';
import { isKubeError, type OptionNames } from './errors';
import type { FetchedBytes } from './fetchDump';
import type { KubeAccess } from './kubeAccess';
import type { EnvoyPod } from './pods';

export interface PodReport {
  namespace: string;
  pod: string;
  /** `Kind/name` of the pod's owner; null for a bare pod. */
  workload: string | null;
  status: 'checked' | 'failed';
  /** Why the pod could not be checked: the fetch layer's one sentence. */
  error?: string;
  counts?: Record<string, number>;
  /** Placed in the dump (path: the saved file, or `namespace/pod`). */
  problems: FindingRow[];
}

export interface Disagreement {
  kind: DiffKind;
  name: string;
  /** The pods whose copy differs from the majority's (every pod when there is no majority). */
  pods: string[];
}

export interface WorkloadReport {
  namespace: string;
  workload: string;
  pods: string[];
  disagree: Disagreement[];
}

export interface FleetStats {
  /** The most transfers open at once, dumps held at once, and the largest dump (bytes). */
  maxTransfers: number;
  maxDumpsHeld: number;
  largestDump: number;
}

export interface FleetOptions {
  context: string;
  concurrency: number;
  timeoutMs: number;
  names: OptionNames;
  signal?: AbortSignal;
  /** Write each dump here (atomically), named by `fileName`. */
  save?: string;
  fileName: (pod: string, namespace: string, when: Date) => string;
  /** After each pod: its report, how many are done (of `total`) and how many failed so far. */
  onPod?: (report: PodReport, done: number, total: number, failed: number) => void;
  stats?: FleetStats;
}

/** Kinds not compared between replicas: each pod holds its own workload certificate (secrets), and the bootstrap
 *  carries the pod's own identity (never fingerprinted). */
const NOT_COMPARED: readonly DiffKind[] = ['secret'];

/** A short, fast hash for fingerprints (not a security boundary: only equality between replicas is asked). */
const fingerprintHash = (s: string): string => createHash('sha1').update(s).digest('base64').slice(0, 16);
/** The same hash fed in pieces (the resource's bytes around its volatile values): no string of the resource is made. */
const fingerprintHasher = (): { update(part: Uint8Array | string): void; digest(): string } => {
  const h = createHash('sha1');
  return { update: (part) => { h.update(part); }, digest: () => h.digest('base64').slice(0, 16) };
};

/**
 * A copy of `s` that shares no memory with the dump's text. Names in the index are slices of the text, and V8 keeps a
 * whole string alive for any slice (or concatenation holding one) of it: a finding's message or a fingerprint key
 * kept past the pod would keep its 5 MB dump with it (200 pods: 1 GB, measured before this copy).
 */
function detach(s: string): string {
  return Buffer.from(s, 'utf8').toString('utf8');
}

/** Replicas of one workload while the run goes: per resource, which pods hold which version. */
class WorkloadTally {
  readonly pods: string[] = [];
  /** Pods fingerprinted, by index in `pods`. */
  private readonly compared: number[] = [];
  /** `kind \0 name` → hash → indexes of the pods holding that version. */
  private readonly versions = new Map<string, Map<string, number[]>>();

  constructor(readonly namespace: string, readonly workload: string) {}

  add(pod: string, prints: Map<string, string>): void {
    const i = this.pods.indexOf(pod);
    this.compared.push(i);
    for (const [key, hash] of prints) {
      let v = this.versions.get(key);
      if (!v) this.versions.set(detach(key), (v = new Map()));
      let list = v.get(hash);
      if (!list) v.set(hash, (list = []));
      list.push(i);
    }
  }

  disagreements(): Disagreement[] {
    if (this.compared.length < 2) return [];
    const out: Disagreement[] = [];
    for (const [key, v] of this.versions) {
      const groups = [...v.values()];
      const holding = groups.reduce((n, g) => n + g.length, 0);
      if (groups.length === 1 && holding === this.compared.length) continue;
      // Pods that lack the resource are one more version.
      if (holding < this.compared.length) {
        const has = new Set(groups.flat());
        groups.push(this.compared.filter((i) => !has.has(i)));
      }
      const sizes = groups.map((g) => g.length).sort((a, b) => b - a);
      const majority = sizes[0] > sizes[1] ? groups.find((g) => g.length === sizes[0]) : undefined;
      const odd = this.compared.filter((i) => !majority?.includes(i)).map((i) => this.pods[i]).sort();
      const [kind, name] = key.split('\u0000') as [DiffKind, string];
      out.push({ kind, name, pods: odd });
    }
    return out.sort((a, b) => (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

function workloadOf(p: EnvoyPod): string | null {
  return p.owner ? `${p.owner.kind}/${p.owner.name}` : null;
}

/** Checks every pod (at most `concurrency` transfers at once); reports in the pods' order, and the workloads' replicas compared. */
export async function checkFleet(kube: KubeAccess, pods: readonly EnvoyPod[], opts: FleetOptions): Promise<{ reports: PodReport[]; workloads: WorkloadReport[] }> {
  // Workloads with two pods or more are compared; only their pods are fingerprinted.
  const tallies = new Map<string, WorkloadTally>();
  for (const p of pods) {
    const w = workloadOf(p);
    if (!w) continue;
    const key = `${p.namespace}\u0000${w}`;
    let t = tallies.get(key);
    if (!t) tallies.set(key, (t = new WorkloadTally(p.namespace, w)));
    t.pods.push(p.name);
  }

  const stats = opts.stats ?? { maxTransfers: 0, maxDumpsHeld: 0, largestDump: 0 };
  let transfers = 0;
  let held = 0;
  let done = 0;
  let failed = 0;
  const reports = new Array<PodReport>(pods.length);

  // Checking (and saving) is one pod at a time, even with K transfers open: the transfers then hold only the bytes
  // received so far, and one dump at a time is indexed.
  let checking: Promise<unknown> = Promise.resolve();

  const checkOne = async (p: EnvoyPod): Promise<PodReport> => {
    const base = { namespace: p.namespace, pod: p.name, workload: workloadOf(p) };
    let result: FetchedBytes | undefined;
    let holding = false;
    let release: (() => void) | undefined;
    try {
      stats.maxTransfers = Math.max(stats.maxTransfers, ++transfers);
      try {
        result = await kube.fetchConfigDumpBytes({
          context: opts.context, namespace: p.namespace, pod: p.name, timeoutMs: opts.timeoutMs, signal: opts.signal, names: opts.names,
        });
      } finally {
        transfers--;
      }
      const before = checking;
      checking = new Promise<void>((resolve) => { release = resolve; });
      await before;
      held++;
      holding = true;
      stats.maxDumpsHeld = Math.max(stats.maxDumpsHeld, held);
      stats.largestDump = Math.max(stats.largestDump, result.bytes);
      // The dump stays bytes throughout (never one string): the core indexes UTF-8 directly, reusing the tape the
      // fetch layer made to check the JSON, and lines, columns and fingerprints are read from the bytes.
      const { data, tape } = result;
      result = undefined;
      let label = `${p.namespace}/${p.name}`;
      if (opts.save !== undefined) {
        label = path.join(opts.save, opts.fileName(p.name, p.namespace, new Date()));
        await writeFileAtomic(label, data);
      }
      const analysis = analyze(label, data, { languageId: 'json', scanned: tape });
      const ws = new Workspace();
      ws.set(analysis);
      const found = check(ws, label);
      const lines = found.length ? new LineIndex(data) : undefined;
      const problems: FindingRow[] = found.map((d) => {
        const s = lines!.positionAt(d.span.start);
        const e = lines!.positionAt(d.span.end);
        return {
          path: label, line: s.line + 1, column: s.character + 1, endLine: e.line + 1, endColumn: e.character + 1,
          severity: d.severity, code: d.code, message: detach(d.message),
        };
      });
      const tally = base.workload ? tallies.get(`${p.namespace}\u0000${base.workload}`) : undefined;
      if (tally && tally.pods.length > 1) {
        tally.add(p.name, resourceFingerprints({ analysis, source: data }, { hash: fingerprintHash, hasher: fingerprintHasher, skip: NOT_COMPARED }));
      }
      return { ...base, status: 'checked', counts: resourceCounts(analysis), problems };
    } catch (e) {
      failed++;
      const message = isKubeError(e) ? e.message : `internal error: ${e instanceof Error ? e.message : String(e)}`;
      return { ...base, status: 'failed', error: message, problems: [] };
    } finally {
      // The dump (bytes, tape, analysis, line index) is dropped here: nothing above outlives this call but the report.
      if (holding) held--;
      release?.();
    }
  };

  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < pods.length) {
      const i = next++;
      reports[i] = await checkOne(pods[i]);
      opts.onPod?.(reports[i], ++done, pods.length, failed);
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency, pods.length) }, worker));

  const workloads: WorkloadReport[] = [...tallies.values()].map((t) => ({
    namespace: t.namespace, workload: t.workload, pods: t.pods, disagree: t.disagreements(),
  }));
  return { reports, workloads };
}
