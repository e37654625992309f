/**
 * "Where does this request go?" in the editor: the `envoyLens.traceRequest` command, the "Envoy Trace" view with the
 * outcome and one clickable node per hop, and the path highlighted in the dump. The "Envoy Traffic" tree
 * (traffic.ts) and the graph (graph.ts) are wired by extension.ts; the tree gets the runner this module returns, so
 * no module here imports another's registration.
 */
import * as vscode from 'vscode';
import { isCancellation, mdText, noLinks, parseTarget, traceRequest, type TraceTarget, type Trace, type TraceHop, type TraceRequest } from '../core/facade';
import { directionOf, explainLog, istioConfigLabel, parseAccessLog, requestFromLog, type LogExplanation } from '../core/facade';
import { registerCommand } from './commands';
import { KIND_ICONS } from './icons';
import type { DumpIndex } from './dumpIndex';
import { log } from './log';
import { slice } from './mainThread';

/** The argument of envoyLens.traceRequest that skips the prompts; the routing inputs are those of `trace`'s
 *  --random-value, --runtime, --metadata and --internal. */
export type TraceArgs = TraceTarget & Pick<TraceRequest, 'randomValue' | 'runtime' | 'dynamicMetadata' | 'internal'>;

/** The argument of envoyLens.traceLogLine that skips the prompts: the access-log line, and the direction when the
 *  line's cluster name does not tell it. */
export interface LogLineArgs {
  line: string;
  inbound?: boolean;
  uri?: string;
}

/** Runs a trace (prompting when no argument is given); resolves to the Trace shown, or undefined. */
export type TraceRunner = (arg?: TraceArgs) => Promise<Trace | undefined>;

/** Context key set while the active editor is an Envoy dump. */
export const DUMP_ACTIVE = 'envoyLens.dumpActive';

type TraceNode =
  | { type: 'outcome'; trace: Trace }
  | { type: 'log'; explanation: LogExplanation }
  | { type: 'hop'; hop: TraceHop; i: number }
  | { type: 'note'; text: string };

/** The "Envoy Trace" view: the outcome first, then the hops in order, then the engine's notes. */
class TraceResults implements vscode.TreeDataProvider<TraceNode> {
  private trace: Trace | undefined;
  private explanation: LogExplanation | undefined;
  private readonly changed = new vscode.EventEmitter<TraceNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  set(trace: Trace | undefined, explanation?: LogExplanation): void {
    this.trace = trace;
    this.explanation = trace ? explanation : undefined;
    this.changed.fire(undefined);
  }

  getChildren(node?: TraceNode): TraceNode[] {
    if (node || !this.trace) return [];
    return [
      ...(this.explanation ? [{ type: 'log' as const, explanation: this.explanation }] : []),
      { type: 'outcome', trace: this.trace },
      ...this.trace.hops.map((hop, i) => ({ type: 'hop' as const, hop, i })),
      ...this.trace.notes.map((text) => ({ type: 'note' as const, text })),
    ];
  }

  getTreeItem(node: TraceNode): vscode.TreeItem {
    if (node.type === 'outcome') {
      const o = node.trace.outcome;
      const item = new vscode.TreeItem(o.ok ? 'Reached' : `Dead end${o.status ? ` ${o.status}` : ''}${o.flag ? ` ${o.flag}` : ''}${o.code ? ` ${o.code}` : ''}`);
      item.description = o.message;
      item.tooltip = markdown([mdText(o.message), ...(o.closest?.length ? [`Closest: ${o.closest.map((c) => mdText(c)).join(', ')}`] : [])]);
      item.iconPath = new vscode.ThemeIcon(o.ok ? 'pass-filled' : 'error', new vscode.ThemeColor(o.ok ? 'testing.iconPassed' : 'errorForeground'));
      item.id = 'outcome';
      return item;
    }
    if (node.type === 'log') {
      const e = node.explanation;
      const item = new vscode.TreeItem(e.agrees ? 'The dump explains the log line' : 'The dump does not explain the log line');
      item.description = e.summary;
      item.tooltip = markdown([mdText(e.summary), ...e.differences.map((d) => `- ${mdText(`${d.field}: log ${d.log ?? '(none)'}, dump ${d.dump ?? '(none)'}`)}`)]);
      item.iconPath = new vscode.ThemeIcon(e.agrees ? 'pass' : 'diff', new vscode.ThemeColor(e.agrees ? 'testing.iconPassed' : 'errorForeground'));
      item.id = 'log';
      return item;
    }
    if (node.type === 'note') {
      const item = new vscode.TreeItem(node.text);
      item.iconPath = new vscode.ThemeIcon('info');
      return item;
    }
    const { hop } = node;
    const item = new vscode.TreeItem(`${hop.kind} ${hop.name}`);
    const from = hop.istio ? `from ${istioConfigLabel(hop.istio)}` : '';
    item.description = `${hop.branch ? `[${hop.branch}] ` : ''}${hop.detail}${from ? `; ${from}` : ''}`;
    const tip = [mdText(`${hop.kind} ${hop.name}`), mdText(hop.detail)];
    if (from) tip.push(mdText(`${from}: change that resource, not the dump.`));
    if (hop.rejected?.length) tip.push(`Passed over:\n${hop.rejected.map((r) => `- ${mdText(r)}`).join('\n')}`);
    item.tooltip = markdown(tip);
    item.iconPath = new vscode.ThemeIcon(hop.span ? KIND_ICONS[hop.kind] : 'warning');
    item.id = `hop${node.i}`;
    if (hop.span && hop.uri) item.command = { title: 'Reveal', command: 'envoyLens.revealLocation', arguments: [hop.uri, hop.span.start] };
    return item;
  }
}

/** A tooltip of paragraphs whose dump text the caller escaped: untrusted, no HTML, no theme icons. */
function markdown(paragraphs: string[]): vscode.MarkdownString {
  const md = new vscode.MarkdownString(paragraphs.join('\n\n'));
  md.isTrusted = false;
  md.supportHtml = false;
  md.supportThemeIcons = false;
  return md;
}

/** Opens a URI and selects a span, without relying on the extension's own reveal command. */
export async function revealSpan(uri: string, start: number, end = start): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
  const range = new vscode.Range(doc.positionAt(start), doc.positionAt(end));
  await vscode.window.showTextDocument(doc, { selection: range, preserveFocus: false, preview: false });
}

export function registerTraceFeatures(context: vscode.ExtensionContext, index: DumpIndex): TraceRunner {
  const results = new TraceResults();
  const view = vscode.window.createTreeView('envoyLens.trace', { treeDataProvider: results, showCollapseAll: false });
  const deco = vscode.window.createTextEditorDecorationType({
    backgroundColor: new vscode.ThemeColor('editor.wordHighlightStrongBackground'),
    border: '1px solid',
    borderColor: new vscode.ThemeColor('focusBorder'),
    overviewRulerColor: new vscode.ThemeColor('focusBorder'),
    overviewRulerLane: vscode.OverviewRulerLane.Center,
  });
  let current: Trace | undefined;

  const decorate = (editors: readonly vscode.TextEditor[] = vscode.window.visibleTextEditors) => {
    for (const ed of editors) {
      const key = ed.document.uri.toString();
      const ranges = (current?.hops ?? [])
        .filter((h) => h.span && h.uri === key)
        .map((h) => new vscode.Range(ed.document.positionAt(h.span!.start), ed.document.positionAt(h.span!.end)));
      ed.setDecorations(deco, ranges);
    }
  };
  const show = (trace: Trace | undefined, explanation?: LogExplanation) => {
    current = trace;
    results.set(trace, explanation);
    void vscode.commands.executeCommand('setContext', 'envoyLens.hasTrace', !!trace);
    decorate();
  };

  const updateContext = () => {
    const doc = vscode.window.activeTextEditor?.document;
    void vscode.commands.executeCommand('setContext', DUMP_ACTIVE, !!doc && !!index.get(doc.uri));
  };

  /** The dump to trace through: the given URI or the active editor's; undefined (said to the user) when it is none. */
  const dumpDoc = async (uri: string | undefined): Promise<vscode.TextDocument | undefined> => {
    uri ??= vscode.window.activeTextEditor?.document.uri.toString();
    const doc = uri ? vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri) ?? (await vscode.workspace.openTextDocument(vscode.Uri.parse(uri))) : undefined;
    const analysis = doc ? await index.analysisFor(doc) : undefined;
    if (!doc || !analysis) {
      void vscode.window.showInformationMessage('The active editor is not an Envoy dump; open one first.');
      return undefined;
    }
    return doc;
  };

  /** Traces `req` through `doc`: in the worker, which holds the analyses and their sources; here only when the worker lost them. */
  const execute = async (doc: vscode.TextDocument, req: TraceRequest): Promise<Trace> => {
    const a = index.get(doc.uri);
    const offThread = a && index.versionOf(doc.uri) === doc.version ? await index.traceOffThread(a, req) : undefined;
    if (offThread) return offThread;
    const sourceOf = (u: string) => vscode.workspace.textDocuments.find((d) => d.uri.toString() === u)?.getText();
    return slice(doc.uri.toString(), 'trace', () => traceRequest(index.workspace, doc.uri.toString(), doc.getText(), req, { sourceOf }));
  };

  /** A failed trace, said to the user (and logged when it is a bug). */
  const failed = (e: unknown): undefined => {
    void vscode.window.showErrorMessage(`Envoy trace: ${noLinks((e as Error).message)}`);
    if (isCancellation(e)) return undefined;
    if ((e as Error).name !== 'Error') log().error('[trace]', e as Error);
    return undefined;
  };

  /** Shows the trace in the Envoy Trace view (focusing it, keeping the editor focused). */
  const reveal = async (trace: Trace, message: string, explanation?: LogExplanation): Promise<void> => {
    show(trace, explanation);
    view.message = message;
    // Show the Envoy Trace view (its `when` clause is the context key just set); keep the editor focused.
    await vscode.commands.executeCommand('setContext', 'envoyLens.hasTrace', true);
    if (!view.visible) await vscode.commands.executeCommand('envoyLens.trace.focus', { preserveFocus: true }).then(undefined, () => undefined);
  };

  const run = async (arg?: TraceArgs): Promise<Trace | undefined> => {
    const doc = await dumpDoc(arg?.uri);
    if (!doc) return undefined;
    let to = arg?.to;
    let inbound = arg?.inbound ?? false;
    if (to === undefined) {
      to = await vscode.window.showInputBox({
        title: 'Envoy: Trace Request',
        prompt: 'Where does this request go? A URL or HOST:PORT',
        placeHolder: 'http://ratings:9080/ratings/0 · https://host/path · tcp 10.0.0.5:3306 · host:port',
        ignoreFocusOut: true,
        validateInput: (v) => {
          try {
            parseTarget(normalizeTarget(v));
            return undefined;
          } catch (e) {
            return (e as Error).message;
          }
        },
      });
      if (!to) return undefined;
      const dir = await vscode.window.showQuickPick(
        [
          { label: 'Outbound', description: 'from the application in the pod', inbound: false },
          { label: 'Inbound', description: 'a client connecting to the pod', inbound: true },
        ],
        { title: 'Envoy: Trace Request — direction', ignoreFocusOut: true },
      );
      if (!dir) return undefined;
      inbound = dir.inbound;
    }
    let trace: Trace;
    try {
      const req = parseTarget(normalizeTarget(to), { direction: inbound ? 'inbound' : 'outbound', headers: arg?.headers });
      if (typeof arg?.randomValue === 'number' && Number.isInteger(arg.randomValue) && arg.randomValue >= 0) req.randomValue = arg.randomValue;
      if (arg?.runtime) req.runtime = arg.runtime;
      if (arg?.dynamicMetadata) req.dynamicMetadata = arg.dynamicMetadata;
      if (arg?.internal === true) req.internal = true;
      trace = await execute(doc, req);
    } catch (e) {
      return failed(e);
    }
    await reveal(trace, `${inbound ? 'Inbound' : 'Outbound'} ${to}`);
    const o = trace.outcome;
    // Notifications turn `[x](command:…)` into links: the message names things from the dump.
    if (o.ok) void vscode.window.showInformationMessage(`Envoy trace: ${noLinks(o.message)}`);
    else void vscode.window.showWarningMessage(`Envoy trace: ${noLinks(o.message)}`);
    return trace;
  };

  /** Envoy: Trace Access Log Line…: the request of a pasted access-log line, traced, and whether the dump explains it. */
  const runLogLine = async (arg?: LogLineArgs): Promise<{ trace: Trace; explanation: LogExplanation } | undefined> => {
    const doc = await dumpDoc(arg?.uri);
    if (!doc) return undefined;
    let line = arg?.line;
    if (line === undefined) {
      line = await vscode.window.showInputBox({
        title: 'Envoy: Trace Access Log Line',
        prompt: "An access-log line (Istio's default text or JSON format, or Envoy's default format)",
        placeHolder: '[2026-12-04T10:00:00.123Z] "GET /ratings/0 HTTP/1.1" 503 NC cluster_not_found - "-" 0 0 0 - "-" "curl/8" "…" "ratings:9080" "-" - - …',
        ignoreFocusOut: true,
        validateInput: (v) => (v.trim() === '' ? undefined : parseAccessLog(v).error),
      });
      if (!line) return undefined;
    }
    const parsed = parseAccessLog(line);
    if (!parsed.record) {
      void vscode.window.showErrorMessage(`Envoy trace: ${noLinks(parsed.error)}`);
      return undefined;
    }
    let inbound = arg?.inbound;
    if (inbound === undefined && directionOf(parsed.record) === 'unknown' && arg === undefined) {
      const dir = await vscode.window.showQuickPick(
        [
          { label: 'Outbound', description: 'from the application in the pod', inbound: false },
          { label: 'Inbound', description: 'a client connecting to the pod', inbound: true },
        ],
        { title: 'Envoy: Trace Access Log Line — the line does not say the direction', ignoreFocusOut: true },
      );
      if (!dir) return undefined;
      inbound = dir.inbound;
    }
    const made = requestFromLog(parsed.record, inbound === undefined ? {} : { direction: inbound ? 'inbound' : 'outbound' });
    if (!made.request) {
      void vscode.window.showErrorMessage(`Envoy trace: ${noLinks(made.error)}`);
      return undefined;
    }
    let trace: Trace;
    try {
      trace = await execute(doc, made.request);
    } catch (e) {
      return failed(e);
    }
    for (const n of made.notes) if (!trace.notes.includes(n)) trace.notes.unshift(n);
    const explanation = explainLog(parsed.record, trace);
    const r = parsed.record;
    await reveal(trace, `Log line: ${[r.method, r.authority, r.path].filter(Boolean).join(' ') || r.downstreamLocal || 'TCP'} → ${[r.status, r.flags?.join(',')].filter((x) => x !== undefined).join(' ')}`, explanation);
    // Notifications turn `[x](command:…)` into links: the message names things from the dump and the log.
    if (explanation.agrees) void vscode.window.showInformationMessage(`Envoy trace: ${noLinks(explanation.summary)}`);
    else void vscode.window.showWarningMessage(`Envoy trace: ${noLinks(explanation.summary)}`);
    return { trace, explanation };
  };

  registerCommand(context, 'envoyLens.traceRequest', (arg?: TraceArgs) => run(arg && typeof arg.to === 'string' ? arg : undefined));
  registerCommand(context, 'envoyLens.traceLogLine', (arg?: LogLineArgs) => runLogLine(arg && typeof arg.line === 'string' ? arg : undefined));
  registerCommand(context, 'envoyLens.clearTrace', () => show(undefined));
  context.subscriptions.push(
    view,
    deco,
    vscode.window.onDidChangeVisibleTextEditors((eds) => decorate(eds)),
    vscode.window.onDidChangeActiveTextEditor(updateContext),
    index.onDidChange(updateContext),
    // The view closing clears the highlights.
    view.onDidChangeVisibility((e) => {
      if (!e.visible && current) {
        current = undefined;
        decorate();
      }
    }),
  );
  updateContext();
  return run;
}

/** `tcp 10.0.0.5:3306` → `tcp://10.0.0.5:3306`; `http ratings:9080/x` likewise. */
export function normalizeTarget(v: string): string {
  const m = /^\s*(tcp|tls|http|https)\s+(\S.*)$/i.exec(v);
  return m ? `${m[1].toLowerCase()}://${m[2].trim()}` : v.trim();
}
