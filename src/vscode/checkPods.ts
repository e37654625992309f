/**
 * Envoy: Check Pods in Namespace… (issue 14 §2): context → namespace → an optional label selector, then every Envoy
 * pod's live dump fetched, checked and dropped (src/kube/fleet.ts, as `envoy-lens check-pods`) under a cancellable
 * progress notification ("12 / 40 pods"). The **Envoy Pods** view lists the pods with their counts or why they could
 * not be read, each pod's findings beneath it, and the workloads whose replicas disagree. Opening a finding fetches
 * that pod's dump (or reuses the one opened from here) and reveals the finding.
 */
import * as vscode from 'vscode';
import { severityCounts, type FindingRow } from '../core/facade';
import { DEFAULT_TIMEOUT_MS, SETTING_OPTION_NAMES, fileTimestamp } from '../kube';
import { checkFleet, type PodReport, type WorkloadReport } from '../kube/fleet';
import { registerCommand } from './commands';
import type { FetchedDumps } from './fetchCommand';

export const PODS_VIEW = 'envoyLens.pods';
const HAS_PODS_KEY = 'envoyLens.hasPodReport';
/** Transfers at once, as the CLI's default. */
const CONCURRENCY = 4;

interface Run {
  context: string;
  namespace: string;
  selector?: string;
  reports: PodReport[];
  workloads: WorkloadReport[];
  cancelled: boolean;
}

type Node =
  | { type: 'pod'; report: PodReport }
  | { type: 'finding'; report: PodReport; finding: FindingRow }
  | { type: 'disagreements'; workloads: WorkloadReport[] }
  | { type: 'workload'; workload: WorkloadReport }
  | { type: 'disagree'; workload: WorkloadReport; text: string };

const SEVERITY_ICON: Record<string, string> = { error: 'error', warning: 'warning', information: 'info', hint: 'lightbulb' };

class PodsTree implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  run: Run | undefined;

  show(run: Run | undefined): void {
    this.run = run;
    void vscode.commands.executeCommand('setContext', HAS_PODS_KEY, !!run);
    this.changed.fire(undefined);
  }

  getChildren(node?: Node): Node[] {
    const r = this.run;
    if (!r) return [];
    if (!node) {
      const out: Node[] = r.reports.filter(Boolean).map((report) => ({ type: 'pod', report }));
      const disagreeing = r.workloads.filter((w) => w.disagree.length > 0);
      if (disagreeing.length) out.unshift({ type: 'disagreements', workloads: disagreeing });
      return out;
    }
    switch (node.type) {
      case 'pod':
        return node.report.problems.map((finding) => ({ type: 'finding', report: node.report, finding }));
      case 'disagreements':
        return node.workloads.map((workload) => ({ type: 'workload', workload }));
      case 'workload':
        return node.workload.disagree.map((d) => ({
          type: 'disagree',
          workload: node.workload,
          text: `${d.kind} "${d.name}": ${d.pods.join(', ')} ${d.pods.length === 1 ? 'differs' : 'differ'}`,
        }));
      default:
        return [];
    }
  }

  getTreeItem(node: Node): vscode.TreeItem {
    switch (node.type) {
      case 'pod': {
        const r = node.report;
        const item = new vscode.TreeItem(`${r.namespace}/${r.pod}`, r.problems.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
        const flagged = this.run?.workloads.some((w) => w.namespace === r.namespace && w.disagree.some((d) => d.pods.includes(r.pod)));
        if (r.status === 'failed') {
          item.description = `not checked: ${r.error ?? 'unknown error'}`;
          item.iconPath = new vscode.ThemeIcon('debug-disconnect');
        } else {
          item.description = `${severityCounts(r.problems)}${flagged ? ' · differs from its replicas' : ''}`;
          const worst = r.problems.some((p) => p.severity === 'error') ? 'error' : r.problems.some((p) => p.severity === 'warning') ? 'warning' : flagged ? 'diff' : 'pass';
          item.iconPath = new vscode.ThemeIcon(worst);
        }
        const tip = new vscode.MarkdownString();
        tip.appendText(`${r.namespace}/${r.pod}${r.workload ? ` (${r.workload})` : ''}\n`);
        if (r.counts) tip.appendText(Object.entries(r.counts).map(([k, v]) => `${k}: ${v}`).join(' · '));
        if (r.error) tip.appendText(`\n${r.error}`);
        item.tooltip = tip;
        item.contextValue = `envoyPods.pod.${r.status}`;
        return item;
      }
      case 'finding': {
        const f = node.finding;
        const item = new vscode.TreeItem(f.message, vscode.TreeItemCollapsibleState.None);
        item.description = `${f.code} [Ln ${f.line}, Col ${f.column}]`;
        item.iconPath = new vscode.ThemeIcon(SEVERITY_ICON[f.severity] ?? 'info');
        item.tooltip = `${f.severity}: ${f.message} (${f.code})`;
        item.command = { command: 'envoyLens.openPodFinding', title: 'Open Finding', arguments: [node.report, f] };
        return item;
      }
      case 'disagreements': {
        const item = new vscode.TreeItem('Replicas that disagree', vscode.TreeItemCollapsibleState.Expanded);
        item.description = `${node.workloads.length} workload${node.workloads.length === 1 ? '' : 's'}`;
        item.iconPath = new vscode.ThemeIcon('diff');
        return item;
      }
      case 'workload': {
        const w = node.workload;
        const item = new vscode.TreeItem(`${w.namespace} ${w.workload}`, vscode.TreeItemCollapsibleState.Expanded);
        item.description = `${w.disagree.length} resource${w.disagree.length === 1 ? '' : 's'} differ among ${w.pods.length} pods`;
        return item;
      }
      case 'disagree':
        return new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
    }
  }
}

export function registerCheckPods(context: vscode.ExtensionContext, fetched: FetchedDumps): void {
  const tree = new PodsTree();
  context.subscriptions.push(vscode.window.createTreeView(PODS_VIEW, { treeDataProvider: tree, showCollapseAll: true }));
  /** Dumps opened from this view, by `namespace/pod`, reused while their document is open. */
  const opened = new Map<string, vscode.Uri>();

  registerCommand(context, 'envoyLens.checkPods', async () => {
    const where = await fetched.pickNamespace('Check Pods in Namespace');
    if (!where) return undefined;
    const selector = await vscode.window.showInputBox({
      title: 'Check Pods in Namespace',
      prompt: `Only pods whose labels match (kubectl's -l syntax, e.g. app=reviews,version!=v3); empty checks every Envoy pod of "${where.namespace}"`,
      placeHolder: 'label selector (optional)',
      ignoreFocusOut: true,
    });
    if (selector === undefined) return undefined;
    const pods = await where.kube.listEnvoyPods(where.context, where.namespace, {
      labelSelector: selector.trim() || undefined, timeoutMs: where.timeoutMs || DEFAULT_TIMEOUT_MS, names: SETTING_OPTION_NAMES,
    });
    if (pods.length === 0) {
      void vscode.window.showInformationMessage(`No pod runs Envoy in namespace "${where.namespace}"${selector.trim() ? ` matching "${selector.trim()}"` : ''}; nothing to check.`);
      return undefined;
    }
    const run = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Envoy: checking the pods of "${where.namespace}"`, cancellable: true },
      async (progress, token) => {
        const abort = new AbortController();
        const sub = token.onCancellationRequested(() => abort.abort());
        progress.report({ message: `0 / ${pods.length} pods` });
        try {
          const r = await checkFleet(where.kube, pods, {
            context: where.context,
            concurrency: CONCURRENCY,
            timeoutMs: where.timeoutMs,
            names: SETTING_OPTION_NAMES,
            signal: abort.signal,
            fileName: (pod, namespace, when) => `${pod}.${namespace}.${fileTimestamp(when)}.config_dump.json`,
            onPod: (_r, done, total, failed) => progress.report({ message: `${done} / ${total} pods${failed ? ` (${failed} could not be read)` : ''}`, increment: 100 / total }),
          });
          return { context: where.context, namespace: where.namespace, selector: selector.trim() || undefined, ...r, cancelled: token.isCancellationRequested };
        } finally {
          sub.dispose();
        }
      },
    );
    tree.show(run);
    await vscode.commands.executeCommand(`${PODS_VIEW}.focus`);
    const checked = run.reports.filter((r) => r.status === 'checked');
    const findings = checked.reduce((n, r) => n + r.problems.length, 0);
    const failed = run.reports.length - checked.length;
    const disagreeing = run.workloads.filter((w) => w.disagree.length > 0).length;
    void vscode.window.showInformationMessage(
      `${run.cancelled ? 'Cancelled: ' : ''}${checked.length} of ${run.reports.length} pods checked in "${run.namespace}": ${findings} finding${findings === 1 ? '' : 's'}`
      + `${failed ? `, ${failed} could not be read` : ''}${disagreeing ? `, ${disagreeing} workload${disagreeing === 1 ? '' : 's'} whose replicas disagree` : ''}; see the Envoy Pods view.`,
    );
    return { pods: run.reports.length, checked: checked.length, findings, failed, disagreeing };
  });

  registerCommand(context, 'envoyLens.openPodFinding', async (report?: PodReport, finding?: FindingRow) => {
    const r = tree.run;
    if (!r || !report || !finding) return;
    const key = `${report.namespace}/${report.pod}`;
    let uri = opened.get(key);
    if (!uri || !vscode.workspace.textDocuments.some((d) => d.uri.toString() === uri!.toString())) {
      const out = await vscode.commands.executeCommand<{ status: string; uris?: string[] }>('envoyLens.fetchDump', { context: r.context, namespace: report.namespace, pod: report.pod });
      if (!out?.uris?.length) return;
      uri = vscode.Uri.parse(out.uris[0]);
      opened.set(key, uri);
    }
    const doc = await vscode.workspace.openTextDocument(uri);
    // The dump was fetched again (and may be YAML): reveal the same finding as the Problems panel places it, else the
    // position it had in the dump that was checked.
    const target = uri;
    const same = (): vscode.Diagnostic | undefined => vscode.languages.getDiagnostics(target).find((d) =>
      (typeof d.code === 'object' ? String(d.code.value) : String(d.code)) === finding.code && d.message === finding.message);
    const diag = same() ?? await new Promise<vscode.Diagnostic | undefined>((resolve) => {
      const timer = setTimeout(() => done(undefined), 10_000);
      const sub = vscode.languages.onDidChangeDiagnostics((e) => {
        if (e.uris.some((u) => u.toString() === target.toString())) {
          const d = same();
          if (d) done(d);
        }
      });
      function done(d: vscode.Diagnostic | undefined): void {
        clearTimeout(timer);
        sub.dispose();
        resolve(d);
      }
    });
    const range = diag?.range ?? new vscode.Range(finding.line - 1, finding.column - 1, finding.endLine - 1, finding.endColumn - 1);
    await vscode.window.showTextDocument(doc, { selection: range, preview: false });
  });

  registerCommand(context, 'envoyLens.clearPods', () => tree.show(undefined));
}
