/**
 * The core's one entry point: text in, data out (STYLE.md, after vscode-json-languageservice). The VS Code adapter
 * and the CLI call only what is exported here; offsets in, spans out, never an editor type.
 */
import { runChecks } from './checks/index';
import type { Diagnostic } from './checks/types';
import { extract } from './model/extract';
import { judgeRegexes, regexSites } from './model/regexSites';
import type { Analysis, DefKind, DefState, Definition, FileProblem, Span } from './model/types';
import { scanJson } from './parse/jsonScanner';
import { toValue } from './parse/nav';
import { isAsciiBytes, utf8ToUtf16Offsets } from './parse/offsets';
import { MAX_DEPTH, MSG_TOO_DEEP, type Tape } from './parse/tape';
import { parseYamlToTape } from './parse/yamlTape';
import { Workspace } from './workspace';
import { CancellationError } from './cancel';
import { LineIndex } from './lines';
import { ResourceReader } from './trace/resources';
import { renderResourceDocument, resourceEntries, encodePathSegment, placeOnTape, ResourcePlaces, type DocRange, type ResourceEntry } from './features/resourceDocs';

export interface AnalyzeOptions {
  /** The editor's language id; `yaml` parses as YAML unless the content is plainly JSON. */
  languageId?: 'json' | 'jsonc' | 'yaml' | string;
  /** Polled during long work; when it returns true, analyze throws an Error named CancellationError. */
  isCancelled?: () => boolean;
  /** How many endpoint addresses to keep per cluster (default 5, for hover; the CLI summary keeps all). */
  endpointSamples?: number;
  /** The tape `scanJson` already made of this very input (the fetch layer scans a dump to check it), reused
   *  instead of scanning it again. */
  scanned?: Tape;
}

const decoder = new TextDecoder('utf-8');

/** First significant character, past a BOM and whitespace. */
function firstChar(input: string | Uint8Array): string {
  const n = Math.min(input.length, 4096);
  for (let i = 0; i < n; i++) {
    const c = typeof input === 'string' ? input.charCodeAt(i) : input[i];
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0xfeff || c === 0xef || c === 0xbb || c === 0xbf) continue;
    return String.fromCharCode(c);
  }
  return '';
}

/** Whether the content reads as JSON: `{`, `[`, or an HTTP status line before them (`200` then a newline). */
export function looksLikeJson(input: string | Uint8Array): boolean {
  const c = firstChar(input);
  if (c === '{' || c === '[') return true;
  if (c >= '0' && c <= '9' || c === 'H') {
    const head = typeof input === 'string' ? input.slice(0, 256) : decoder.decode(input.subarray(0, 256));
    return /^\s*(HTTP\/[\d.]+ )?\d{3}\b[^\n]*\r?\n\s*[{[]/.test(head);
  }
  return false;
}

function parse(input: string | Uint8Array, options: AnalyzeOptions): { tape: Tape; format: 'json' | 'yaml' } {
  const isCancelled = options.isCancelled;
  if (options.scanned && options.scanned.units === (typeof input === 'string' ? 'utf16' : 'utf8')) return { tape: options.scanned, format: 'json' };
  const jsonish = looksLikeJson(input);
  if (options.languageId === 'yaml' || (!jsonish && options.languageId !== 'json' && options.languageId !== 'jsonc')) {
    // JSON content in a .yaml file is common (`kubectl exec … > dump.yaml`): the JSON scanner is faster and exact.
    if (jsonish) {
      const tape = scanJson(input, { isCancelled });
      if (tape.problems.length === 0) return { tape, format: 'json' };
    }
    const text = typeof input === 'string' ? input : decoder.decode(input);
    return { tape: parseYamlToTape(text, { isCancelled }), format: 'yaml' };
  }
  return { tape: scanJson(input, { isCancelled }), format: 'json' };
}

/** Converts every span from UTF-8 byte offsets to UTF-16 offsets in place (a no-op pass for ASCII input). */
function convertSpans(bytes: Uint8Array, spans: Span[]): void {
  if (isAsciiBytes(bytes)) return;
  const offsets: number[] = [];
  for (const s of spans) offsets.push(s.start, s.end);
  const order = Int32Array.from(offsets.keys());
  order.sort((a, b) => offsets[a] - offsets[b]);
  const sorted = Array.from(order, (i) => offsets[i]);
  const converted = utf8ToUtf16Offsets(bytes, sorted);
  const result = new Array<number>(offsets.length);
  order.forEach((i, k) => (result[i] = converted[k]));
  spans.forEach((s, k) => {
    s.start = result[2 * k];
    s.end = result[2 * k + 1];
  });
}

/**
 * Parses and indexes one file. Never throws on bad input (only CancellationError): parse problems become
 * `parse-error` findings and whatever could be recovered is still indexed.
 */
export function analyze(uri: string, input: string | Uint8Array, options: AnalyzeOptions = {}): Analysis {
  const { tape, format } = parse(input, options);
  const x = extract(tape, options.isCancelled, options.endpointSamples);
  // Their spans join extraction's, so the byte-offset conversion below covers them.
  const regexes = regexSites(tape, (start, end) => (x.spans.push({ start, end }), x.spans[x.spans.length - 1]));
  judgeRegexes(regexes, options.isCancelled);
  const problems: FileProblem[] = tape.problems.map((p) => ({
    code: 'parse-error' as const,
    message: p.message,
    span: { start: p.start, end: Math.max(p.end, p.start) },
  }));
  if (x.shape === 'unknown' && x.defs.length === 0) {
    problems.push({
      code: 'not-envoy',
      message: 'This file is not an Envoy config dump or config: no listeners, routes, clusters, endpoints or secrets were found.',
      span: { start: 0, end: 0 },
    });
  }
  let length = input.length;
  if (tape.units === 'utf8' && typeof input !== 'string') {
    const spans = x.spans.concat(problems.map((p) => p.span));
    const end = { start: input.length, end: input.length };
    spans.push(end);
    convertSpans(input, spans);
    length = end.end;
  }
  return {
    uri,
    format,
    shape: x.shape,
    length,
    defs: x.defs,
    refs: x.refs,
    dynamicRefs: x.dynamicRefs,
    complete: x.complete,
    sections: x.sections,
    noEdsSection: x.noEdsSection,
    regexes,
    problems,
  };
}

/** Every finding for one file of a workspace. */
export function check(workspace: Workspace, uri: string): Diagnostic[] {
  return runChecks(workspace, uri);
}

export { Workspace } from './workspace';
export type { Location, DefHandle, RefHandle } from './workspace';
export type { Diagnostic, DiagnosticCode, FindingRow, Severity, RelatedInformation } from './checks/types';
export { DIAGNOSTIC_CODES, SEVERITY_RANK, severityCounts } from './checks/types';
export type * from './model/types';
export { EDGES, isTrafficHop } from './model/edges';
export type { EdgeKind, EdgeRole } from './model/edges';
export { LineIndex } from './lines';
export { hoverAt } from './features/hover';
export type { Hover, HoverOptions } from './features/hover';
export { documentSymbols, workspaceSymbols } from './features/symbols';
export type { SymbolNode, WorkspaceSymbol } from './features/symbols';
export { KIND_LABEL } from './describe';
export { mdText, mdCode, mdCell, mdCommandLink, noLinks, MAX_MARKDOWN_TEXT } from './markdown';
export { parseIstioClusterName, describeIstioCluster, parseIstioConfigPath, istioConfigLabel } from './istio';
export { renderSummary, resourceCounts, summaryView, table } from './features/summary';
export {
  PC_KINDS,
  PC_OUTPUTS,
  PC_FLAGS,
  pcParts,
  renderProxyConfig,
  selectProxyConfig,
  listenerTable,
  routeTable,
  clusterTable,
  endpointTable,
  ecdsTable,
  secretTable,
  bootstrapSummary,
  describeChainMatch,
  describeChainDestination,
  describeDomains,
  pcJson,
  pcYaml,
  pcFilterChoices,
  pcFilterLabel,
  pcRowOf,
} from './features/proxyConfig';
export type { PcKind, PcOutput, PcFilters, PcParts, PcTable, PcInput, PcFilterChoice } from './features/proxyConfig';

/** Whether a value nests deeper than `max` containers (an explicit stack: no recursion). */
function deeperThan(root: unknown, max: number): boolean {
  const values: unknown[] = [root];
  const depths: number[] = [0];
  while (values.length > 0) {
    const v = values.pop() as Record<string, unknown> | unknown[];
    const d = depths.pop()!;
    if (d >= max) return true;
    if (Array.isArray(v)) {
      for (const x of v) {
        if (typeof x !== 'object' || x === null) continue;
        values.push(x);
        depths.push(d + 1);
      }
    } else {
      for (const k in v) {
        const x = v[k];
        if (typeof x !== 'object' || x === null) continue;
        values.push(x);
        depths.push(d + 1);
      }
    }
  }
  return false;
}

/**
 * The file as a plain value (its first document), parsed as analyze parses it: what `pc` reads its tables from.
 * Undefined when nothing could be read.
 */
export function readValue(input: string | Uint8Array, options: AnalyzeOptions = {}): unknown {
  // Strict JSON (most dumps) through the engine's own parser, several times faster than a tape walk; anything it
  // refuses (a status line in front, trailing commas, comments, YAML) through the tape, as analyze reads it.
  const c = firstChar(input);
  if ((c === '{' || c === '[') && options.languageId !== 'yaml') {
    let v: unknown;
    try {
      v = JSON.parse(typeof input === 'string' ? input : decoder.decode(input));
    } catch { /* read below */ }
    // The tape cuts nesting at MAX_DEPTH, so the tables' recursive walks stay shallow; JSON.parse does not.
    if (typeof v !== 'object' || v === null || !deeperThan(v, MAX_DEPTH)) return v;
  }
  const { tape } = parse(input, options);
  return tape.roots.length ? toValue(tape, tape.roots[0]) : undefined;
}
export { looksLikeEnvoy, SNIFF_BYTES } from './sniff';
export { traceRequest, parseTarget, nodeIpOf } from './trace';
export type { Trace, TraceHop, TraceHopKind, TraceOutcome, TraceRequest, TraceHttp, TraceDirection, TraceOptions, TargetOptions, HeaderChange } from './trace';
export { CancellationError, isCancellation } from './cancel';
export { isIstioBuiltin, istioBuiltin } from './istio';
export { USABLE_STATUSES, isUsableStatus } from './describe';
export { highlightsAt } from './features/highlights';
export type { Highlight } from './features/highlights';
export { completionsAt, completionContext, COMPLETION_LINES_ABOVE } from './features/completion';
export type { Completions, CompletionCandidate } from './features/completion';
export { quickFixesAt, closestNames, FIXABLE_CODES } from './features/quickFix';
export type { RenameFix } from './features/quickFix';
export { closest, editDistance } from './trace/closest';
export { codeLensSites, codeLensText, MAX_LENSES } from './features/codeLens';
export type { LensSite, LensText } from './features/codeLens';
export { trafficChildren, trafficItem, trafficTraceTarget, isInboundListener } from './features/traffic';
export type { TrafficNode, TrafficItem, TraceTarget } from './features/traffic';
export { diffDumps, changeDocument, resourceFingerprints, VOLATILE_FIELDS, secretIdentity } from './features/diff';
export type { DiffKind, DiffSide, DiffOptions, DiffResult, DumpChange, FieldChange, FingerprintOptions } from './features/diff';
export { sha256Hex } from './sha256';
export { resourceEntries, renderResourceDocument, resourceDocumentValue, resourceDocuments, renderResourceAt, fileNameOf, encodePathSegment, placeOnTape, RESOURCE_FOLDERS, ResourcePlaces } from './features/resourceDocs';
export type { DocRange, ResourceEntry, ResourceDocument } from './features/resourceDocs';
export { ResourceReader } from './trace/resources';
export { scrubDump } from './features/scrub';
export type { ScrubKind, ScrubOptions, ScrubResult } from './features/scrub';
export { buildGraph, parseGraphMessage, revealTarget } from './features/graph';
export type { GraphData, GraphNode, GraphMessage, RevealTarget } from './features/graph';
export { parseAccessLog, directionOf, splitAddress, ACCESS_LOG_FORMATS } from './trace';
export { requestFromLog, explainLog } from './trace';
export type { LogRequestResult, LogRequestOptions, LogDifference, LogExplanation } from './trace';
export type { AccessLogRecord, AccessLogFormat, AccessLogResult } from './trace';
export { secretRows, dumpTime, certificateStatus, certificateHoverLines, parseTimestamp, rfc3339 } from './features/certificates';
export type { SecretTable, DumpTime, CertificateStatus } from './features/certificates';
export { parseCertificate, readPemBundle, readBase64PemBundle, decodeBase64 } from './x509';
export type { X509Fields, X509Result } from './x509';

// ------------------------------------------------------------------------------- a dump as its resource documents

/** A finding of the whole dump placed in a resource document, in lines and characters (0-based). */
export interface PlacedFinding {
  uri: string;
  code: Diagnostic['code'];
  severity: Diagnostic['severity'];
  message: string;
  tags?: Diagnostic['tags'];
  range: DocRange;
  /** The finding's related places (the other definitions of a duplicate name), each in its own document. */
  related?: Array<{ uri: string; range: DocRange; message: string }>;
}

/** Part of a dump split into its resource documents. */
export interface SplitBatch {
  /** The documents made in this batch, with their analyses (URI: `base` + the entry's path, segments encoded). */
  entries: Array<{ path: string; kind: DefKind; name: string; state: DefState; uri: string }>;
  docs: Analysis[];
  /**
   * The first batch: every finding of the dump, placed. A later batch: the findings of the documents it made whose
   * early places (placeOnTape) did not hold their text, placed again: they replace those documents' findings.
   */
  diagnostics: PlacedFinding[];
  /** Documents still to make after this batch. */
  remaining: number;
}

/** A span of a document's text as [line, character, end line, end character]. */
function rangeIn(lines: LineIndex, span: { start: number; end: number }): DocRange {
  const s = lines.positionAt(span.start);
  const e = lines.positionAt(span.end);
  return [s.line, s.character, e.line, e.character];
}

/**
 * A dump being split into its resource documents: made once (the dump indexed and checked as a whole), then
 * `first()` places every finding (what the Problems panel needs: a JSON dump's from its tape, without making the
 * documents; otherwise by making the documents that hold findings), and `next()` makes the documents in batches, those
 * with findings first. Each document's text is dropped once it is indexed; `render()` makes it again. The dump's own
 * analysis is dropped when the last batch is made (the reader keeps the source and a format stub).
 */
export class DumpSplitter {
  readonly format: 'json' | 'yaml';
  readonly indexMs: number;
  /** Every document: its path, kind, name, state and URI, in the dump's order. */
  readonly all: Array<{ path: string; kind: DefKind; name: string; state: DefState; uri: string }>;
  /** The definition each document renders, by URI (kept to render again). */
  readonly defs = new Map<string, Definition>();
  readonly reader: ResourceReader;
  private dump: Analysis | undefined;
  private readonly entries: ResourceEntry[];
  private readonly docs: Array<Analysis | undefined>;
  private readonly places: ResourcePlaces;
  private readonly byEntry = new Map<number, Diagnostic[]>();
  /** The dump's JSON tape, kept until the findings are placed (placeEarly). */
  private tape: Tape | undefined;
  /** Places given before the document was made (placeOnTape), by entry, in the order of byEntry's findings. */
  private readonly early = new Map<number, PlacedFinding[]>();
  private readonly cut: boolean;
  private cursor = 0;
  private made = 0;

  constructor(
    readonly uri: string,
    private readonly source: string | Uint8Array,
    readonly base: string,
    private readonly options: { languageId?: string; isCancelled?: () => boolean; now?: () => number } = {},
  ) {
    const now = options.now ?? Date.now;
    const t0 = now();
    // A JSON dump is scanned here so its tape can place the findings before their documents are made (placeEarly):
    // a string, or bytes that are ASCII (where the tape's byte offsets are the findings' UTF-16 offsets).
    const scan = options.languageId !== 'yaml' && looksLikeJson(source) && (typeof source === 'string' || isAsciiBytes(source));
    const tape = scan ? scanJson(source, { isCancelled: options.isCancelled }) : undefined;
    this.tape = tape && tape.problems.length === 0 ? tape : undefined;
    const a = analyze(uri, source, { languageId: options.languageId, isCancelled: options.isCancelled, scanned: this.tape });
    this.indexMs = now() - t0;
    this.dump = a;
    this.format = a.format;
    // Values are copied with a depth cut only when the scanner met nesting that deep (the copy costs a walk).
    this.cut = a.problems.some((p) => p.message === MSG_TOO_DEEP);
    const whole = new Workspace();
    whole.set(a);
    const found = check(whole, uri);
    this.entries = resourceEntries(a);
    this.docs = new Array(this.entries.length);
    const stub = { uri, format: a.format } as Analysis;
    this.reader = new ResourceReader((u) => (u === uri ? stub : undefined), (u) => (u === uri ? source : undefined));
    this.places = new ResourcePlaces(a, this.entries, (i) => this.docs[i]);
    for (const d of found) {
      const i = Math.max(0, this.places.entryAt(d.span.start));
      const list = this.byEntry.get(i);
      if (list) list.push(d);
      else this.byEntry.set(i, [d]);
    }
    this.all = this.entries.map((e) => ({ path: e.path, kind: e.kind, name: e.name, state: e.state, uri: base + e.path.split('/').map(encodePathSegment).join('/') }));
    this.all.forEach((e, i) => this.defs.set(e.uri, a.defs[this.entries[i].def]));
  }

  /** The text of a document (the same each time). */
  render(def: Definition): string {
    return renderResourceDocument(def, this.cut ? this.reader.rawValue(this.uri, def) : this.reader.rawValueUncut(this.uri, def), this.format);
  }

  private make(i: number, out: SplitBatch): void {
    const e = this.all[i];
    const text = this.render(this.defs.get(e.uri)!);
    const doc = analyze(e.uri, text, { languageId: this.format });
    this.docs[i] = doc;
    this.made++;
    out.entries.push(e);
    out.docs.push(doc);
    const mine = this.byEntry.get(i);
    if (!mine) return;
    const lines = new LineIndex(text);
    const early = this.early.get(i);
    this.early.delete(i);
    const placed: PlacedFinding[] = [];
    let moved = false;
    mine.forEach((d, k) => {
      const at = this.places.locate(d.span);
      const exact = at ? rangeIn(lines, at.span) : undefined;
      let range = exact;
      const before = early?.[k]?.range;
      if (before) {
        // Placed before the document was made (placeOnTape): kept when it holds the finding's own text.
        if (exact && before.join() !== exact.join() && !this.holds(text, lines, before, d.span)) moved = true;
        else range = before;
      }
      const related = early?.[k]?.related;
      if (range) placed.push({ uri: e.uri, code: d.code, severity: d.severity, message: d.message, tags: d.tags, range, ...(related ? { related } : {}) });
    });
    // A document placed early reports its findings again only when a place moved (they replace the early ones).
    if (!early || moved) out.diagnostics.push(...placed);
  }

  /** Whether `range` of a document holds the text `span` marks in the dump (its ends, when it spans lines). */
  private holds(text: string, lines: LineIndex, range: DocRange, span: { start: number; end: number }): boolean {
    const want = this.reader.span(this.uri, span.start, span.end);
    if (want === undefined) return false;
    const a = lines.offsetAt(range[0], range[1]);
    const b = lines.offsetAt(range[2], range[3]);
    if (range[0] === range[2]) return text.slice(a, b) === want;
    return b - a >= 2 && text[a] === want[0] && text[b - 1] === want[want.length - 1];
  }

  /**
   * The findings of a JSON dump placed in their documents without making them (placeOnTape walks each resource's
   * nodes once): what the first Problems need. The documents are made later, in `next()`, which checks every place.
   */
  private placeEarly(out: SplitBatch): boolean {
    const tape = this.tape;
    this.tape = undefined;
    if (!tape || this.format !== 'json' || this.cut) return false;
    // The tape exists only for a string or ASCII bytes, which the reader reads span by span.
    const text = (a: number, b: number): string => this.reader.span(this.uri, a, b)!;
    // Every place wanted, by the document it lands in: the findings' own, and their related places (in this dump).
    const wanted = new Map<number, Array<{ start: number; end: number }>>();
    const want = (i: number, x: { start: number; end: number }) => {
      const def = this.defs.get(this.all[i].uri)!;
      if (x.start < def.span.start || x.end > def.span.end) return;
      const list = wanted.get(i);
      if (list) list.push(x);
      else wanted.set(i, [x]);
    };
    const relatedHere = (d: Diagnostic) => (d.related ?? []).filter((r) => r.uri === this.uri);
    for (const [i, list] of this.byEntry) {
      for (const d of list) {
        want(i, d.span);
        for (const r of relatedHere(d)) {
          const j = this.places.entryAt(r.span.start);
          if (j >= 0) want(j, r.span);
        }
      }
    }
    const placed = new Map<string, DocRange>();
    for (const [i, spans] of wanted) {
      spans.sort((x, y) => x.start - y.start);
      const ranges = placeOnTape(tape, this.defs.get(this.all[i].uri)!, spans, text);
      spans.forEach((x, k) => placed.set(`${i}:${x.start}:${x.end}`, ranges[k]));
    }
    const at = (i: number, x: { start: number; end: number }): DocRange | undefined => placed.get(`${i}:${x.start}:${x.end}`);
    for (const i of [...this.byEntry.keys()].sort((x, y) => x - y)) {
      const e = this.all[i];
      const list = this.byEntry.get(i)!;
      const early = list.map((d): PlacedFinding => {
        const related = relatedHere(d).flatMap((r) => {
          const j = this.places.entryAt(r.span.start);
          const range = j >= 0 ? at(j, r.span) : undefined;
          return range ? [{ uri: this.all[j].uri, range, message: r.message }] : [];
        });
        return { uri: e.uri, code: d.code, severity: d.severity, message: d.message, tags: d.tags, range: at(i, d.span) ?? [0, 0, 0, 0], ...(related.length ? { related } : {}) };
      });
      this.early.set(i, early);
      out.diagnostics.push(...early);
    }
    return true;
  }

  private tick(n: number): void {
    if (this.options.isCancelled && (n & 0xff) === 0 && this.options.isCancelled()) throw new CancellationError('Opening the dump as its resources was cancelled.');
  }

  /**
   * Every finding placed. A JSON dump's findings are placed without making their documents (placeEarly), and no
   * document comes with them; otherwise the documents that hold findings are made here.
   */
  first(): SplitBatch {
    const out: SplitBatch = { entries: [], docs: [], diagnostics: [], remaining: 0 };
    if (this.placeEarly(out)) {
      out.remaining = this.all.length - this.made;
      return out;
    }
    let n = 0;
    for (const i of [...this.byEntry.keys()].sort((x, y) => x - y)) {
      this.tick(n++);
      this.make(i, out);
    }
    out.remaining = this.all.length - this.made;
    this.release();
    return out;
  }

  /** Up to `max` more documents; `remaining` 0 when all are made. */
  next(max = 2000): SplitBatch {
    const out: SplitBatch = { entries: [], docs: [], diagnostics: [], remaining: 0 };
    let n = 0;
    // Documents whose findings were placed early come first: the Problems panel already points into them.
    for (const i of [...this.early.keys()].sort((x, y) => x - y)) {
      if (out.docs.length >= max) break;
      this.tick(n++);
      this.make(i, out);
    }
    while (this.cursor < this.all.length && out.docs.length < max) {
      const i = this.cursor++;
      if (this.docs[i]) continue;
      this.tick(n++);
      this.make(i, out);
    }
    out.remaining = this.all.length - this.made;
    this.release();
    return out;
  }

  /** Once every document is made, the documents' analyses and the dump's own go (the caller holds what it keeps). */
  private release(): void {
    if (this.made < this.all.length) return;
    this.dump = undefined;
    this.docs.fill(undefined);
  }
}

/**
 * A whole split at once (tests, the benchmark): every document, every finding placed (a later batch's findings
 * replace the ones of their documents: see `SplitBatch.diagnostics`).
 */
export function splitDump(uri: string, source: string | Uint8Array, base: string, options: { languageId?: string; isCancelled?: () => boolean } = {}): SplitBatch & { splitter: DumpSplitter } {
  const s = new DumpSplitter(uri, source, base, options);
  const out = s.first();
  for (let b = s.next(Infinity); b.docs.length > 0; b = s.next(Infinity)) {
    out.entries.push(...b.entries);
    out.docs.push(...b.docs);
    out.diagnostics = replacePlaced(out.diagnostics, b.diagnostics);
  }
  out.remaining = 0;
  return { ...out, splitter: s };
}

/** `placed` with the findings of every document `update` names replaced by update's. */
export function replacePlaced(placed: PlacedFinding[], update: PlacedFinding[]): PlacedFinding[] {
  if (update.length === 0) return placed;
  const uris = new Set(update.map((p) => p.uri));
  return [...placed.filter((p) => !uris.has(p.uri)), ...update];
}
