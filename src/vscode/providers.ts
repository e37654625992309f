/**
 * Language features over the core: hover, definition, references, highlights, outline, workspace symbols, CodeLens,
 * completion of defined names and quick fixes for dangling ones. Each provider goes through runSafe and answers only
 * for documents the DumpIndex recognizes as Envoy dumps.
 */
import * as vscode from 'vscode';
import {
  documentSymbols,
  hoverAt,
  KIND_LABEL,
  mdCommandLink,
  workspaceSymbols,
  type Analysis,
  type DefKind,
  type RefKind,
  type SymbolNode,
} from '../core/facade';
import { SYMBOL_KIND, toLocation, toRange } from './convert';
import type { DumpIndex } from './dumpIndex';
import { runSafe } from './log';
import { slice } from './mainThread';

export const SELECTOR: vscode.DocumentSelector = [
  { language: 'json' },
  { language: 'jsonc' },
  { language: 'yaml' },
];

/** Command that reveals a place: arguments [uri, offset]. Used by hover links and CodeLens. */
export const REVEAL_COMMAND = 'envoyLens.revealLocation';

class HoverProvider implements vscode.HoverProvider {
  constructor(private readonly index: DumpIndex) {}
  provideHover(doc: vscode.TextDocument, pos: vscode.Position, token: vscode.CancellationToken) {
    return runSafe('hover', token, undefined, async () => {
      const a = await this.index.analysisFor(doc, token);
      if (!a) return undefined;
      const h = slice(a.uri, 'hover', () => hoverAt(this.index.workspace, a.uri, doc.offsetAt(pos)));
      if (!h) return undefined;
      let text = h.markdown;
      const target = h.definitions.find((d) => !(d.uri === a.uri && d.span.start === h.span.start));
      if (target) text += `\n\n${mdCommandLink('Go to definition', REVEAL_COMMAND, [target.uri, target.span.start])}`;
      // Dump text in h.markdown is escaped by the core; the only command is the link built just above, and the only
      // one trusted. No HTML, no theme icons.
      const md = new vscode.MarkdownString(text);
      md.isTrusted = { enabledCommands: [REVEAL_COMMAND] };
      md.supportHtml = false;
      md.supportThemeIcons = false;
      return new vscode.Hover(md, toRange(doc, h.span));
    });
  }
}

class DefinitionProvider implements vscode.DefinitionProvider {
  constructor(private readonly index: DumpIndex) {}
  provideDefinition(doc: vscode.TextDocument, pos: vscode.Position, token: vscode.CancellationToken) {
    return runSafe('definition', token, [] as vscode.Location[], async () => {
      const a = await this.index.analysisFor(doc, token);
      if (!a) return [];
      const locs = slice(a.uri, 'definition', () => this.index.workspace.definitionAt(a.uri, doc.offsetAt(pos)));
      return Promise.all(locs.map((l) => toLocation(l.uri, l.span, doc)));
    });
  }
}

class ReferenceProvider implements vscode.ReferenceProvider {
  constructor(private readonly index: DumpIndex) {}
  provideReferences(doc: vscode.TextDocument, pos: vscode.Position, ctx: vscode.ReferenceContext, token: vscode.CancellationToken) {
    return runSafe('references', token, [] as vscode.Location[], async () => {
      const a = await this.index.analysisFor(doc, token);
      if (!a) return [];
      const locs = slice(a.uri, 'references', () => this.index.workspace.referencesAt(a.uri, doc.offsetAt(pos), ctx.includeDeclaration));
      return Promise.all(locs.map((l) => toLocation(l.uri, l.span, doc)));
    });
  }
}

class HighlightProvider implements vscode.DocumentHighlightProvider {
  constructor(private readonly index: DumpIndex) {}
  provideDocumentHighlights(doc: vscode.TextDocument, pos: vscode.Position, token: vscode.CancellationToken) {
    return runSafe('highlight', token, [] as vscode.DocumentHighlight[], async () => {
      const a = await this.index.analysisFor(doc, token);
      if (!a) return [];
      return slice(a.uri, 'highlight', () => {
        const target = this.index.workspace.targetAt(a.uri, doc.offsetAt(pos));
        if (!target) return [];
        const out: vscode.DocumentHighlight[] = [];
        for (const d of a.defs) {
          if (d.kind === target.kind && d.name === target.name) out.push(new vscode.DocumentHighlight(toRange(doc, d.nameSpan), vscode.DocumentHighlightKind.Write));
        }
        for (const r of a.refs) {
          if (r.kind === target.kind && r.name === target.name) out.push(new vscode.DocumentHighlight(toRange(doc, r.span), vscode.DocumentHighlightKind.Read));
        }
        return out;
      });
    });
  }
}

class SymbolProvider implements vscode.DocumentSymbolProvider {
  constructor(private readonly index: DumpIndex) {}
  provideDocumentSymbols(doc: vscode.TextDocument, token: vscode.CancellationToken) {
    return runSafe('symbols', token, [] as vscode.DocumentSymbol[], async () => {
      const a = await this.index.analysisFor(doc, token);
      if (!a) return [];
      const convert = (n: SymbolNode): vscode.DocumentSymbol => {
        const range = toRange(doc, n.span);
        let sel = toRange(doc, n.nameSpan);
        if (!range.contains(sel)) sel = new vscode.Range(range.start, range.start);
        return new vscode.DocumentSymbol(n.name, n.detail, SYMBOL_KIND[n.kind], range, sel);
      };
      // Converted breadth-first in steps of SYMBOL_STEP with a yield between: a dump with tens of thousands of
      // routes never holds the main thread in one piece.
      const roots = slice(a.uri, 'symbols', () => documentSymbols(a));
      const out: vscode.DocumentSymbol[] = [];
      const queue: Array<[SymbolNode, vscode.DocumentSymbol[]]> = roots.map((n) => [n, out]);
      while (queue.length) {
        const step = queue.splice(0, SYMBOL_STEP);
        slice(a.uri, 'symbols', () => {
          for (const [n, into] of step) {
            const sym = convert(n);
            into.push(sym);
            for (const c of n.children) queue.push([c, sym.children]);
          }
        });
        if (queue.length) {
          await new Promise((r) => setImmediate(r));
          if (token.isCancellationRequested) return [];
        }
      }
      return out;
    });
  }
}

class WorkspaceSymbolProvider implements vscode.WorkspaceSymbolProvider {
  constructor(private readonly index: DumpIndex) {}
  provideWorkspaceSymbols(query: string, token: vscode.CancellationToken) {
    return runSafe('workspace-symbols', token, [] as vscode.SymbolInformation[], async () => {
      const syms = workspaceSymbols(this.index.workspace, query, 1000);
      const docs = new Map<string, vscode.TextDocument>();
      for (const d of vscode.workspace.textDocuments) docs.set(d.uri.toString(), d);
      const out: vscode.SymbolInformation[] = [];
      for (const s of syms) {
        let doc = docs.get(s.uri);
        if (!doc) {
          doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(s.uri));
          docs.set(s.uri, doc);
        }
        out.push(new vscode.SymbolInformation(s.name, SYMBOL_KIND[s.kind], s.container, new vscode.Location(doc.uri, toRange(doc, s.span))));
      }
      return out;
    });
  }
}

/** Outline symbols converted per main-thread step. */
const SYMBOL_STEP = 1000;

const LENS_KINDS = new Set<DefKind>(['listener', 'routeConfig', 'cluster', 'secret', 'endpoints']);
/** Beyond this many candidate definitions a file gets no CodeLens (VS Code itself drops them on very large files). */
const MAX_LENSES = 5000;

class Lens extends vscode.CodeLens {
  constructor(
    range: vscode.Range,
    readonly uri: string,
    readonly index: number,
  ) {
    super(range);
  }
}

class CodeLensProvider implements vscode.CodeLensProvider<Lens> {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.emitter.event;
  constructor(private readonly index: DumpIndex) {
    index.onDidChange(() => this.emitter.fire());
  }
  provideCodeLenses(doc: vscode.TextDocument, token: vscode.CancellationToken) {
    return runSafe('codelens', token, [] as Lens[], async () => {
      if (!vscode.workspace.getConfiguration('envoyLens', doc).get<boolean>('codeLens.enabled', true)) return [];
      const a = await this.index.analysisFor(doc, token);
      if (!a) return [];
      return slice(a.uri, 'codelens', () => {
        const out: Lens[] = [];
        a.defs.forEach((d, i) => {
          if (LENS_KINDS.has(d.kind) && d.group === 'main' && d.nameSpan.end - d.nameSpan.start > 1) {
            out.push(new Lens(toRange(doc, d.nameSpan), a.uri, i));
          }
        });
        return out.length > MAX_LENSES ? [] : out;
      });
    });
  }
  resolveCodeLens(lens: Lens): Lens {
    return slice(lens.uri, 'codelens', () => this.resolve(lens));
  }

  private resolve(lens: Lens): Lens {
    const a = this.index.get(lens.uri);
    const d = a?.defs[lens.index];
    if (!a || !d) return lens;
    const refs = this.index.workspace.referencesTo(a.uri, d.kind, d.name).filter((r) => !r.ref.soft);
    const parts: string[] = [];
    const used = refs.length === 0 ? 'not referenced' : `used by ${refs.length} ${d.kind === 'routeConfig' ? 'listener' : 'reference'}${refs.length === 1 ? '' : 's'}`;
    parts.push(used);
    let e = d.info.endpoints;
    if (!e && d.info.edsName) e = this.index.workspace.resolve(a.uri, 'endpoints', d.info.edsName)[0]?.def.info.endpoints;
    if (e) parts.push(`${e.total} endpoint${e.total === 1 ? '' : 's'} · ${e.healthy} healthy`);
    lens.command = {
      title: parts.join(' · '),
      command: refs.length ? 'envoyLens.showReferences' : '',
      arguments: [a.uri, d.nameSpan.start],
    };
    return lens;
  }
}

/** Keys whose value names a definition, both casings, and the kind they name. */
const VALUE_KEYS: Array<[RegExp, RefKind]> = [
  [/(?:^|[\s"{,])(?:cluster|collector_?[cC]luster|local_?[cC]luster_?[nN]ame|cluster_?[nN]ame)"?\s*:\s*"?([^"\s,]*)$/, 'cluster'],
  [/(?:^|[\s"{,])(?:route_?[cC]onfig_?[nN]ame|route_?[cC]onfiguration_?[nN]ame)"?\s*:\s*"?([^"\s,]*)$/, 'routeConfig'],
];
const NAME_KEY = /(?:^|[\s"{,-])name"?\s*:\s*"?([^"\s,]*)$/;

/** Which kind of name belongs at the cursor, from the key before it (and, for `name`, the lines above). */
function completionContext(doc: vscode.TextDocument, pos: vscode.Position): { kind: RefKind; typed: string } | undefined {
  const before = doc.lineAt(pos.line).text.slice(0, pos.character);
  for (const [re, kind] of VALUE_KEYS) {
    const m = re.exec(before);
    if (m) return { kind, typed: m[1] };
  }
  const m = NAME_KEY.exec(before);
  if (!m) return undefined;
  const above = doc.getText(new vscode.Range(Math.max(0, pos.line - 4), 0, pos.line, 0));
  if (/sds_?[sS]ecret_?[cC]onfig/.test(above)) return { kind: 'secret', typed: m[1] };
  if (/weighted_?[cC]lusters/.test(above)) return { kind: 'cluster', typed: m[1] };
  return undefined;
}

class CompletionProvider implements vscode.CompletionItemProvider {
  constructor(private readonly index: DumpIndex) {}
  provideCompletionItems(doc: vscode.TextDocument, pos: vscode.Position, token: vscode.CancellationToken) {
    return runSafe('completion', token, [] as vscode.CompletionItem[], async () => {
      const ctx = completionContext(doc, pos);
      if (!ctx) return [];
      const a = await this.index.analysisFor(doc, token);
      if (!a) return [];
      const range = new vscode.Range(pos.translate(0, -ctx.typed.length), pos);
      const seen = new Set<string>();
      const out: vscode.CompletionItem[] = [];
      for (const f of this.index.workspace.all()) {
        for (const d of f.defs) {
          if (d.kind !== ctx.kind || seen.has(d.name) || d.name.startsWith('(unnamed')) continue;
          seen.add(d.name);
          const item = new vscode.CompletionItem(d.name, vscode.CompletionItemKind.Reference);
          item.detail = `${KIND_LABEL[d.kind]}${d.info.clusterType ? ` · ${d.info.clusterType}` : ''}`;
          item.range = range;
          out.push(item);
        }
      }
      return out;
    });
  }
}

/** Levenshtein distance, bounded: returns max + 1 as soon as it is certain to exceed max. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      best = Math.min(best, cur[j]);
    }
    if (best > max) return max + 1;
    prev = cur;
  }
  return prev[b.length];
}

const FIXABLE = new Set(['unknown-cluster', 'unknown-route-config', 'unknown-secret', 'unknown-extension-config']);

class QuickFixProvider implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];
  constructor(private readonly index: DumpIndex) {}
  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, ctx: vscode.CodeActionContext, token: vscode.CancellationToken) {
    return runSafe('quickfix', token, [] as vscode.CodeAction[], async () => {
      const a = this.index.get(doc.uri);
      if (!a) return [];
      const out: vscode.CodeAction[] = [];
      for (const diag of ctx.diagnostics) {
        const code = typeof diag.code === 'object' ? String(diag.code.value) : String(diag.code ?? '');
        if (diag.source !== 'envoy-lens' || !FIXABLE.has(code)) continue;
        const ref = this.index.workspace.refAt(a.uri, doc.offsetAt(diag.range.start) + 1);
        if (!ref) continue;
        for (const name of closestNames(this.index, a, ref.ref.kind, ref.ref.name)) {
          const original = doc.getText(diag.range);
          const quote = original[0] === '"' || original[0] === "'" ? original[0] : '';
          const replacement = quote === '"' ? JSON.stringify(name) : `${quote}${name}${quote}`;
          const fix = new vscode.CodeAction(`Change to "${name}"`, vscode.CodeActionKind.QuickFix);
          fix.edit = new vscode.WorkspaceEdit();
          fix.edit.replace(doc.uri, diag.range, replacement);
          fix.diagnostics = [diag];
          out.push(fix);
        }
      }
      if (out.length) out[0].isPreferred = true;
      return out;
    });
  }
}

/** The defined names of a kind closest to a dangling one ("did you mean"), at most three. */
function closestNames(index: DumpIndex, a: Analysis, kind: RefKind, name: string): string[] {
  const max = Math.max(2, Math.floor(name.length / 3));
  const scored: Array<[number, string]> = [];
  const seen = new Set<string>();
  const files = a.complete.has(kind) ? [a] : index.workspace.all();
  for (const f of files) {
    for (const d of f.defs) {
      if (d.kind !== kind || seen.has(d.name)) continue;
      seen.add(d.name);
      const dist = editDistance(name, d.name, max);
      if (dist <= max) scored.push([dist, d.name]);
    }
  }
  return scored.sort((x, y) => x[0] - y[0] || x[1].localeCompare(y[1])).slice(0, 3).map(([, n]) => n);
}

/** Registers every language feature; all registrations go to the returned disposables. */
export function registerProviders(index: DumpIndex): vscode.Disposable[] {
  return [
    vscode.languages.registerHoverProvider(SELECTOR, new HoverProvider(index)),
    vscode.languages.registerDefinitionProvider(SELECTOR, new DefinitionProvider(index)),
    vscode.languages.registerReferenceProvider(SELECTOR, new ReferenceProvider(index)),
    vscode.languages.registerDocumentHighlightProvider(SELECTOR, new HighlightProvider(index)),
    vscode.languages.registerDocumentSymbolProvider(SELECTOR, new SymbolProvider(index), { label: 'Envoy' }),
    vscode.languages.registerWorkspaceSymbolProvider(new WorkspaceSymbolProvider(index)),
    vscode.languages.registerCodeLensProvider(SELECTOR, new CodeLensProvider(index)),
    vscode.languages.registerCompletionItemProvider(SELECTOR, new CompletionProvider(index), '"', ' '),
    vscode.languages.registerCodeActionsProvider(SELECTOR, new QuickFixProvider(index), { providedCodeActionKinds: QuickFixProvider.kinds }),
  ];
}
