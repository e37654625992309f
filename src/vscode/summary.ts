/**
 * Envoy: Show Dump Summary — what `envoy-lens pc KIND` (istioctl's `proxy-config`) prints for the active dump, the
 * kind and the filters picked from what the file holds. The tables are made in the index worker, which has the text.
 */
import * as vscode from 'vscode';
import {
  PC_FLAGS,
  PC_KINDS,
  pcFilterLabel,
  pcParts,
  readValue,
  summaryView,
  type Analysis,
  type PcFilterChoice,
  type PcFilters,
  type PcKind,
} from '../core/facade';
import { registerCommand } from './commands';
import type { DumpIndex, PcAnswer } from './dumpIndex';
import { slice } from './mainThread';

/** Arguments a caller (the status bar item, a test) may pass to skip the pickers. */
export interface SummaryArgs {
  kind?: PcKind;
  filters?: PcFilters;
}

const KIND_DETAIL: Record<PcKind, string> = {
  all: 'every table below, as `istioctl proxy-config all` prints them',
  listener: 'ADDRESSES PORT MATCH DESTINATION',
  route: 'NAME VHOST NAME DOMAINS MATCH VIRTUAL SERVICE',
  cluster: 'SERVICE FQDN PORT SUBSET DIRECTION TYPE DESTINATION RULE',
  endpoint: 'ENDPOINT STATUS OUTLIER CHECK CLUSTER',
  secret: 'RESOURCE NAME TYPE STATUS VALID CERT SERIAL NUMBER NOT AFTER NOT BEFORE',
  ecds: 'ECDS NAME TYPE',
  bootstrap: 'the Istio and Envoy versions',
};

/** The command line the table stands for: `pc cluster sidecar.json --port 9080`. */
function commandLine(kind: PcKind, file: string, filters: PcFilters): string {
  const flags = (Object.entries(filters) as Array<[keyof PcFilters, string | number | boolean | undefined]>)
    .filter((e): e is [keyof PcFilters, string | number | boolean] => e[1] !== undefined)
    .map(([k, v]) => pcFilterLabel(k, v));
  return ['pc', kind, file, ...flags].join(' ');
}

/** The filters picked: one value per flag (a second value of the same flag replaces nothing: the first wins). */
export function filtersOf(picked: readonly PcFilterChoice[]): PcFilters {
  const f: Record<string, unknown> = {};
  for (const c of picked) if (!(c.flag in f)) f[c.flag] = c.value;
  return f as PcFilters;
}

export function registerSummary(context: vscode.ExtensionContext, index: DumpIndex): void {
  /** The table, made in the worker, or here when the worker no longer holds the file. */
  const make = async (doc: vscode.TextDocument, a: Analysis, kind: PcKind, filters: PcFilters): Promise<PcAnswer | undefined> => {
    const file = vscode.workspace.asRelativePath(doc.uri);
    const title = kind === 'all' ? file : commandLine(kind, file, filters);
    for (let attempt = 0; attempt < 2; attempt++) {
      const off = await index.proxyConfigOffThread(a, kind, filters, title);
      if (off) return off;
      if (off === undefined) break;
      // null: a newer analysis is on its way; wait for it once.
      const fresh = await index.analysisFor(doc);
      if (!fresh) return undefined;
      a = fresh;
    }
    return slice(a.uri, 'summary', () => {
      const value = readValue(doc.getText());
      return summaryView(index.workspace, a, value, pcParts(value), kind, filters, title);
    });
  };

  registerCommand(context, 'envoyLens.showSummary', async (args?: SummaryArgs) => {
    const doc = vscode.window.activeTextEditor?.document;
    const a = doc ? await index.analysisFor(doc) : undefined;
    if (!doc || !a) {
      void vscode.window.showInformationMessage('The active editor is not an Envoy dump; open one first.');
      return undefined;
    }
    let kind = args?.kind;
    if (!kind) {
      const items = PC_KINDS.map((k) => ({ label: k, description: KIND_DETAIL[k], pcKind: k }));
      const picked = await vscode.window.showQuickPick(items, {
        title: 'Envoy: Show Dump Summary',
        placeHolder: 'Which table? (as `istioctl proxy-config KIND` prints it)',
        matchOnDescription: true,
      });
      if (!picked) return undefined;
      kind = picked.pcKind;
    }
    const chosen: PcKind = kind;
    let filters = args?.filters ?? {};
    let answer = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `Envoy: reading ${kind === 'all' ? 'the dump' : `${kind}s`}` },
      () => make(doc, a, chosen, filters),
    );
    if (!answer) return undefined;
    if (!args?.filters && PC_FLAGS[chosen].length > 0 && chosen !== 'all' && answer.choices.length > 0) {
      const items = answer.choices.map((c) => ({ label: c.label, description: `${c.rows} row${c.rows === 1 ? '' : 's'}`, choice: c }));
      const picked = await vscode.window.showQuickPick(items, {
        title: `Envoy: pc ${chosen} filters`,
        placeHolder: 'Pick filters (one value per flag), or press Enter for the whole table',
        canPickMany: true,
        matchOnDescription: true,
      });
      if (picked === undefined) return undefined;
      filters = filtersOf(picked.map((p) => p.choice));
      if (picked.length > 0) answer = await make(doc, a, chosen, filters);
      if (!answer) return undefined;
    }
    const shown = await vscode.workspace.openTextDocument({ content: answer.text, language: 'plaintext' });
    await vscode.window.showTextDocument(shown, { preview: true });
    return { kind: chosen, filters };
  });
}
