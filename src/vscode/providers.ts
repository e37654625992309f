/**
 * Language features over the core: hover, definition, references, highlights, outline, workspace symbols, CodeLens,
 * completion of defined names and quick fixes for dangling ones. Each provider goes through runSafe and answers only
 * for documents the DumpIndex recognizes as Envoy dumps.
 */
import * as vscode from 'vscode';
import {
  codeLensSites,
  codeLensText,
  COMPLETION_LINES_ABOVE,
  completionContext,
  completionsAt,
  documentSymbols,
  highlightsAt,
  hoverAt,
  mdCommandLink,
  quickFixesAt,
  workspaceSymbols,
  type HoverOptions,
  type SymbolNode,
} from '../core/facade';
import { SYMBOL_KIND, toLocation, toRange } from './convert';
import { RESOURCE_SCHEME, type DumpIndex } from './dumpIndex';
import { runSafe } from './log';
import { slice } from './mainThread';

export const SELECTOR: vscode.DocumentSelector = [
  { language: 'json' },
  { language: 'jsonc' },
  { language: 'yaml' },
];

/** Command that reveals a place: arguments [uri, offset]. Used by hover links and CodeLens. */
export const REVEAL_COMMAND = 'envoyLens.revealLocation';

/**
 * How hover reads a listener's or cluster's own text for its `pc` row: from open documents only, one span of a JSON
 * document (never its whole text), a YAML document whole.
 */
function resourceText(index: DumpIndex): HoverOptions {
  const openDoc = (uri: string): vscode.TextDocument | undefined => {
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
    return doc && index.versionOf(doc.uri) === doc.version ? doc : undefined;
  };
  return {
    spanText: (uri, start, end) => {
      const doc = openDoc(uri);
      return doc ? doc.getText(new vscode.Range(doc.positionAt(start), doc.positionAt(end))) : undefined;
    },
    sourceOf: (uri) => openDoc(uri)?.getText(),
  };
}

class HoverProvider implements vscode.HoverProvider {
  constructor(private readonly index: DumpIndex) {}
  provideHover(doc: vscode.TextDocument, pos: vscode.Position, token: vscode.CancellationToken) {
    return runSafe('hover', token, undefined, async () => {
      const a = await this.index.analysisFor(doc, token);
      if (!a) return undefined;
      const h = slice(a.uri, 'hover', () => hoverAt(this.index.workspace, a.uri, doc.offsetAt(pos), resourceText(this.index)));
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
      const hs = slice(a.uri, 'highlight', () => highlightsAt(this.index.workspace, a.uri, doc.offsetAt(pos)));
      return hs.map((h) => new vscode.DocumentHighlight(toRange(doc, h.span), h.kind === 'write' ? vscode.DocumentHighlightKind.Write : vscode.DocumentHighlightKind.Read));
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
  /** Symbols in resource documents not open yet: their span, converted to a range when the symbol is picked. */
  private readonly pending = new WeakMap<vscode.SymbolInformation, { uri: string; span: { start: number; end: number } }>();

  constructor(private readonly index: DumpIndex) {}
  provideWorkspaceSymbols(query: string, token: vscode.CancellationToken) {
    return runSafe('workspace-symbols', token, [] as vscode.SymbolInformation[], async () => {
      const syms = workspaceSymbols(this.index.workspace, query, 1000);
      const docs = new Map<string, vscode.TextDocument>();
      for (const d of vscode.workspace.textDocuments) docs.set(d.uri.toString(), d);
      const out: vscode.SymbolInformation[] = [];
      for (const s of syms) {
        let doc = docs.get(s.uri);
        if (!doc && s.uri.startsWith(`${RESOURCE_SCHEME}:`)) {
          // A dump opened as its resources has thousands of documents: each is read only when its symbol is picked.
          const uri = vscode.Uri.parse(s.uri);
          const info = new vscode.SymbolInformation(s.name, SYMBOL_KIND[s.kind], s.container, new vscode.Location(uri, new vscode.Range(0, 0, 0, 0)));
          this.pending.set(info, { uri: s.uri, span: s.span });
          out.push(info);
          continue;
        }
        if (!doc) {
          doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(s.uri));
          docs.set(s.uri, doc);
        }
        out.push(new vscode.SymbolInformation(s.name, SYMBOL_KIND[s.kind], s.container, new vscode.Location(doc.uri, toRange(doc, s.span))));
      }
      return out;
    });
  }

  async resolveWorkspaceSymbol(symbol: vscode.SymbolInformation): Promise<vscode.SymbolInformation> {
    const p = this.pending.get(symbol);
    if (!p) return symbol;
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(p.uri));
    symbol.location = new vscode.Location(doc.uri, toRange(doc, p.span));
    return symbol;
  }
}

/** Outline symbols converted per main-thread step. */
const SYMBOL_STEP = 1000;

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
      const sites = slice(a.uri, 'codelens', () => codeLensSites(this.index.workspace, a.uri));
      return sites.map((site) => new Lens(toRange(doc, site.span), a.uri, site.index));
    });
  }
  resolveCodeLens(lens: Lens): Lens {
    return slice(lens.uri, 'codelens', () => this.resolve(lens));
  }

  private resolve(lens: Lens): Lens {
    const text = codeLensText(this.index.workspace, lens.uri, lens.index);
    if (!text) return lens;
    lens.command = {
      title: text.title,
      command: text.referencesAt !== undefined ? 'envoyLens.showReferences' : '',
      arguments: [lens.uri, text.referencesAt],
    };
    return lens;
  }
}

class CompletionProvider implements vscode.CompletionItemProvider {
  constructor(private readonly index: DumpIndex) {}
  provideCompletionItems(doc: vscode.TextDocument, pos: vscode.Position, token: vscode.CancellationToken) {
    return runSafe('completion', token, [] as vscode.CompletionItem[], async () => {
      // Only the lines that say what a name names are read, not the whole (possibly huge) document.
      const before = doc.getText(new vscode.Range(Math.max(0, pos.line - COMPLETION_LINES_ABOVE), 0, pos.line, pos.character));
      if (!completionContext(before)) return [];
      const a = await this.index.analysisFor(doc, token);
      if (!a) return [];
      const c = completionsAt(this.index.workspace, a.uri, doc.offsetAt(pos), before);
      if (!c) return [];
      const range = toRange(doc, c.replace);
      return c.candidates.map((cand) => {
        const item = new vscode.CompletionItem(cand.name, vscode.CompletionItemKind.Reference);
        item.detail = cand.detail;
        item.range = range;
        return item;
      });
    });
  }
}

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
        if (diag.source !== 'envoy-lens') continue;
        const fixes = quickFixesAt(this.index.workspace, a.uri, doc.offsetAt(diag.range.start), code, doc.getText(diag.range));
        for (const f of fixes) {
          const fix = new vscode.CodeAction(f.title, vscode.CodeActionKind.QuickFix);
          fix.edit = new vscode.WorkspaceEdit();
          fix.edit.replace(doc.uri, diag.range, f.replacement);
          fix.diagnostics = [diag];
          out.push(fix);
        }
      }
      if (out.length) out[0].isPreferred = true;
      return out;
    });
  }
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
