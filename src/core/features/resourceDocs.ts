/**
 * A dump as a folder of small documents, one per resource (issue 12): `listeners/virtualInbound.json`,
 * `clusters/outbound|9080||ratings.default.svc.cluster.local.json`, … Each document is the resource as the dump holds
 * it (its dump wrapper with `version_info` / `last_updated` kept), pretty-printed inside the smallest container that
 * reads as what it is: a ConfigDump section (`{"@type": "…ClustersConfigDump", "dynamic_active_clusters": [ … ]}`),
 * a `/clusters` status list, or an istioctl array. None of these shapes is self-contained, so a reference in one
 * resource document resolves to its definition in another, as across istioctl's per-type files; a section document
 * holds the complete set of its own kind, so a name missing from every document is a finding, as in the whole dump.
 *
 * Pure: the caller reads the resource's value (JSON.parse of its span, or the YAML tape) and analyzes the text.
 */
import { stringify } from 'yaml';
import type { Analysis, DefKind, DefState, Definition } from '../model/types';
import { KIND_ARRAY, KIND_OBJECT, KIND_STRING, type Tape } from '../parse/tape';
import { ResourceReader } from '../trace/resources';

/** One resource document of a dump. */
export interface ResourceEntry {
  /** Path inside the dump's folder: `clusters/outbound|9080||ratings.default.svc.cluster.local.json`. */
  path: string;
  kind: DefKind;
  name: string;
  state: DefState;
  /** Index of its definition in the dump's analysis. */
  def: number;
}

/** The folder of each kind that gets documents of its own (the others live inside them: filter chains, routes …). */
export const RESOURCE_FOLDERS: Partial<Record<DefKind, string>> = {
  listener: 'listeners',
  routeConfig: 'routes',
  cluster: 'clusters',
  endpoints: 'endpoints',
  secret: 'secrets',
  ecdsFilter: 'ecds',
  scopedRoute: 'scoped-routes',
  clusterStatus: 'cluster-statuses',
};

/** Longest file name kept whole; longer ones are cut and end in a hash of the whole name. */
const MAX_NAME = 180;

/** A short, stable hash (FNV-1a, 32 bits, hex) for cut names. */
function shortHash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/**
 * A file name for a resource name: `/` and `\` (path separators) and control characters written `%XX`, `%` itself
 * too; a leading dot kept visible; empty names `(unnamed)`; long names cut with a hash. Everything else stays as
 * Envoy and Istio spell it (`outbound|9080||ratings.default.svc.cluster.local`).
 */
export function fileNameOf(name: string): string {
  let s = name.replace(/[%/\\\u0000-\u001f\u007f]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  if (s === '' || s === '.' || s === '..') s = s === '' ? '(unnamed)' : s.replace(/\./g, '%2E');
  if (s.length > MAX_NAME) s = `${s.slice(0, MAX_NAME - 10)}~${shortHash(name)}`;
  return s;
}

/**
 * The resource documents of a dump, in the dump's order: every top-level listener, route configuration, cluster,
 * load assignment, secret, ECDS filter, scoped route and `/clusters` status. A name used twice in one folder (a
 * warming copy beside the active one, a static and a dynamic copy) gets its state, then a number: `name (warming)`,
 * `name ~2`. Stable: the same dump gives the same paths.
 */
export function resourceEntries(a: Analysis): ResourceEntry[] {
  const out: ResourceEntry[] = [];
  const taken = new Set<string>();
  const ext = a.format === 'yaml' ? 'yaml' : 'json';
  a.defs.forEach((d, i) => {
    const folder = RESOURCE_FOLDERS[d.kind];
    if (!folder || d.parent >= 0 || d.group !== 'main') return;
    const base = `${folder}/${fileNameOf(d.name)}`;
    let path = `${base}.${ext}`;
    if (taken.has(path.toLowerCase())) path = `${base} (${d.state}).${ext}`;
    for (let n = 2; taken.has(path.toLowerCase()); n++) path = `${base} ~${n}.${ext}`;
    taken.add(path.toLowerCase());
    out.push({ path, kind: d.kind, name: d.name, state: d.state, def: i });
  });
  return out;
}

/** The ConfigDump message of each kind's sections. */
const DUMP_TYPE: Partial<Record<DefKind, string>> = {
  listener: 'ListenersConfigDump',
  routeConfig: 'RoutesConfigDump',
  cluster: 'ClustersConfigDump',
  endpoints: 'EndpointsConfigDump',
  secret: 'SecretsConfigDump',
  ecdsFilter: 'EcdsConfigDump',
  scopedRoute: 'ScopedRoutesConfigDump',
};

/** Sections of the ConfigDump messages, as Envoy spells them. */
const DUMP_SECTIONS = new Set([
  'dynamic_listeners', 'static_listeners', 'dynamic_route_configs', 'static_route_configs', 'dynamic_active_clusters',
  'dynamic_warming_clusters', 'static_clusters', 'dynamic_endpoint_configs', 'static_endpoint_configs',
  'dynamic_active_secrets', 'dynamic_warming_secrets', 'static_secrets', 'ecds_filters', 'dynamic_scoped_route_configs',
  'inline_scoped_route_configs',
]);

/** A bootstrap's static resource, as the ConfigDump section that lists static resources of its kind holds it. */
const FROM_BOOTSTRAP: Partial<Record<DefKind, [string, string | undefined]>> = {
  listener: ['static_listeners', 'listener'],
  cluster: ['static_clusters', 'cluster'],
  secret: ['static_secrets', undefined],
};

/** The value a resource document holds: the resource (as read from its definition's span) in its container. */
export function resourceDocumentValue(d: Definition, raw: unknown): unknown {
  const type = DUMP_TYPE[d.kind];
  if (type && DUMP_SECTIONS.has(d.section)) return { '@type': `type.googleapis.com/envoy.admin.v3.${type}`, [d.section]: [raw] };
  const boot = type && d.section.startsWith('static_resources.') ? FROM_BOOTSTRAP[d.kind] : undefined;
  if (type && boot) return { '@type': `type.googleapis.com/envoy.admin.v3.${type}`, [boot[0]]: [boot[1] ? { [boot[1]]: raw } : raw] };
  if (d.section === 'cluster_statuses' || d.section === 'listener_statuses') return { [d.section]: [raw] };
  return [raw];
}

/** The text of a resource document: pretty JSON (two spaces), or YAML when the dump is YAML. */
export function renderResourceDocument(d: Definition, raw: unknown, format: 'json' | 'yaml'): string {
  const value = resourceDocumentValue(d, raw);
  return format === 'yaml' ? stringify(value, { lineWidth: 0, aliasDuplicateObjects: false }) : JSON.stringify(value, null, 2) + '\n';
}

/** One resource document: where it lives and its text. */
export interface ResourceDocument {
  entry: ResourceEntry;
  uri: string;
  text: string;
}

/**
 * The resource documents of a dump, rendered one at a time (the caller keeps what it needs: a document's text is
 * rendered again on demand rather than held). `uriOf` names each document.
 */
export function* resourceDocuments(a: Analysis, source: string | Uint8Array, uriOf: (e: ResourceEntry) => string): Generator<ResourceDocument> {
  const reader = new ResourceReader((u) => (u === a.uri ? a : undefined), (u) => (u === a.uri ? source : undefined));
  for (const entry of resourceEntries(a)) {
    yield { entry, uri: uriOf(entry), text: renderResourceDocument(a.defs[entry.def], reader.rawValue(a.uri, a.defs[entry.def]), a.format) };
  }
}

/** One document rendered again (the same text resourceDocuments gave it), or undefined when the dump has no such path. */
export function renderResourceAt(a: Analysis, source: string | Uint8Array, path: string, reader?: ResourceReader): string | undefined {
  const entry = resourceEntries(a).find((e) => e.path === path);
  if (!entry) return undefined;
  const r = reader ?? new ResourceReader((u) => (u === a.uri ? a : undefined), (u) => (u === a.uri ? source : undefined));
  return renderResourceDocument(a.defs[entry.def], r.rawValue(a.uri, a.defs[entry.def]), a.format);
}

/**
 * Places of the whole dump → places in its resource documents, by what sits there rather than by offset (a document
 * is the resource pretty-printed again): the k-th reference, definition, regex or certificate inside a resource is the k-th of its
 * document, which holds that resource only and is read the same way. A place outside every resource (a dump-level
 * finding such as `no-eds-section`) maps to the start of the first document; a place inside a resource that is none
 * of these, to the resource's name.
 */
export class ResourcePlaces {
  /** Documents by their resource's start in the dump. */
  private readonly order: number[];

  constructor(
    private readonly dump: Analysis,
    private readonly entries: readonly ResourceEntry[],
    /** A document's analysis, by its index in `entries`; undefined while it is not made yet. */
    private readonly docOf: (i: number) => Analysis | undefined,
  ) {
    this.order = entries.map((_, i) => i).sort((x, y) => this.spanOf(x).start - this.spanOf(y).start);
  }

  private spanOf(i: number): { start: number; end: number } {
    return this.dump.defs[this.entries[i].def].span;
  }

  /** The document (index in `entries`) whose resource holds offset `o`, or -1. */
  entryAt(o: number): number {
    let lo = 0;
    let hi = this.order.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.spanOf(this.order[mid]).start <= o) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return -1;
    const i = this.order[found];
    return o < this.spanOf(i).end ? i : -1;
  }

  /** Where a span of the dump is in the documents: the document's index and the span there. */
  locate(span: { start: number; end: number }): { entry: number; span: { start: number; end: number } } | undefined {
    if (this.entries.length === 0) return undefined;
    const i = this.entryAt(span.start);
    if (i < 0) return { entry: this.order[0], span: { start: 0, end: 0 } };
    const doc = this.docOf(i);
    if (!doc) return undefined;
    const outer = this.spanOf(i);
    // Lists sorted by start (references, regexes): the run inside the resource, by binary search.
    const within = <T>(list: readonly T[], at: (x: T) => { start: number }): T[] => {
      const first = (o: number): number => {
        let lo = 0;
        let hi = list.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (at(list[mid]).start < o) lo = mid + 1;
          else hi = mid;
        }
        return lo;
      };
      return list.slice(first(outer.start), first(outer.end));
    };
    // The k-th reference, definition (by its name or its whole span) or regex of the resource.
    const refs = within(this.dump.refs, (r) => r.span);
    let k = refs.findIndex((r) => r.span.start === span.start);
    if (k >= 0 && doc.refs.length === refs.length) return { entry: i, span: doc.refs[k].span };
    // A resource's definitions follow its own, up to the next top-level one (extraction walks it depth first).
    const defs: Definition[] = [];
    for (let j = this.entries[i].def; j < this.dump.defs.length; j++) {
      const d = this.dump.defs[j];
      if (j > this.entries[i].def && d.parent < 0) break;
      if (d.span.start >= outer.start && d.span.start < outer.end) defs.push(d);
    }
    k = defs.findIndex((d) => d.nameSpan.start === span.start);
    if (k >= 0 && doc.defs.length === defs.length) return { entry: i, span: doc.defs[k].nameSpan };
    k = defs.findIndex((d) => d.span.start === span.start);
    if (k >= 0 && doc.defs.length === defs.length) return { entry: i, span: doc.defs[k].span };
    const regexes = within(this.dump.regexes, (r) => r.span);
    k = regexes.findIndex((r) => r.span.start === span.start);
    if (k >= 0 && doc.regexes.length === regexes.length) return { entry: i, span: doc.regexes[k].span };
    // Certificates: the data value they were read from.
    const certs = defs.flatMap((d) => d.info.certificates ?? []);
    const docCerts = doc.defs.flatMap((d) => d.info.certificates ?? []);
    k = certs.findIndex((c) => c.span.start === span.start);
    if (k >= 0 && docCerts.length === certs.length) return { entry: i, span: docCerts[k].span };
    const top = doc.defs.find((d) => d.parent < 0);
    return { entry: i, span: top ? top.nameSpan : { start: 0, end: 0 } };
  }
}

/** A path segment as VS Code's Uri.toString() writes it: only `A-Z a-z 0-9 - . _ ~` stay as they are. */
export function encodePathSegment(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}


/** A place in a document: [line, character, end line, end character]. */
export type DocRange = [number, number, number, number];

const MARK = '\u0000envoy-lens-resource\u0000';
const MARK_TEXT = JSON.stringify(MARK);
const wrapperCache = new Map<string, { line: number; col: number; indent: number }>();

/** Where the resource itself starts in its JSON document: the line and column of its `{`, and that line's indent. */
function wrapperPlace(d: Definition): { line: number; col: number; indent: number } {
  const key = `${d.kind}\u0000${d.section}`;
  let w = wrapperCache.get(key);
  if (!w) {
    const text = JSON.stringify(resourceDocumentValue(d, MARK), null, 2);
    const at = text.indexOf(MARK_TEXT);
    const lineStart = text.lastIndexOf('\n', at) + 1;
    let indent = 0;
    while (text.charCodeAt(lineStart + indent) === 32) indent++;
    let line = 0;
    for (let i = text.indexOf('\n'); i >= 0 && i < at; i = text.indexOf('\n', i + 1)) line++;
    wrapperCache.set(key, (w = { line, col: at - lineStart, indent }));
  }
  return w;
}

/** How many UTF-16 units the first `n` units of a JSON string token (from its opening quote) take once re-serialized. */
function renderedWithin(token: string, n: number): number {
  if (token.indexOf('\\') < 0 || n <= 1) return n;
  if (n >= token.length) return JSON.stringify(JSON.parse(token)).length;
  // Decode the part before the place (an escape cut in half is left whole), then serialize it again.
  let cut = token.slice(1, n);
  for (let tries = 0; tries < 6; tries++) {
    try {
      return JSON.stringify(JSON.parse(`"${cut}"`)).length - 1; // the opening quote counts, the closing one does not
    } catch {
      cut = cut.slice(0, -1);
    }
  }
  return n;
}

/** How JSON.stringify writes a scalar token (string, number, true, false, null) given as written. */
function rendered(token: string): string {
  if (token.charCodeAt(0) === 34 ? token.indexOf('\\') < 0 : /^(-?[1-9]\d*|0|true|false|null)$/.test(token)) return token;
  try {
    return JSON.stringify(JSON.parse(token));
  } catch {
    return token;
  }
}

/**
 * Where spans of a JSON dump land in the document `renderResourceDocument` makes of the resource `d` (its JSON,
 * uncut), computed from the dump's tape instead of rendering and reading the document: every value in a container and
 * every key starts a line of its own, two spaces deeper; `": "` follows a key; a closing bracket has a line of its
 * own; a token is written back as JSON.stringify writes it. `text(start, end)` reads the dump's text between two
 * offsets (a scalar whose place is asked, a key before one). `spans` lie inside the resource. Exact unless the
 * resource repeats a key in one object or has keys that JavaScript orders first (integer-like): the caller checks the
 * places against the document once it makes it.
 */
export function placeOnTape(tape: Tape, d: Definition, spans: ReadonlyArray<{ start: number; end: number }>, text: (start: number, end: number) => string): DocRange[] {
  const w = wrapperPlace(d);
  const wanted = spans.flatMap((x) => [x.start, x.end]).sort((x, y) => x - y);
  const found = new Map<number, [number, number]>();
  const { start, end, next, kind, keyStart } = tape;
  // The resource's node: the first whose start is the definition's (a container starts before its first child).
  let lo = 0;
  let hi = tape.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (start[mid] < d.span.start) lo = mid + 1;
    else hi = mid;
  }
  const root = lo;
  let at = 0;
  const place = (o: number, line: number, col: number): void => {
    found.set(o, [w.line + line, col]);
    at++;
  };
  if (root < tape.length && start[root] === d.span.start && (kind[root] === KIND_OBJECT || kind[root] === KIND_ARRAY)) {
    let line = 0;
    // Open containers: the index after each one's subtree, and where its closing bracket goes.
    const ends: number[] = [];
    const closers: number[] = [];
    /** The innermost open container's closing bracket, on a line of its own. */
    const close = (): void => {
      ends.pop();
      const c = closers.pop()!;
      line++;
      const col = w.indent + 2 * ends.length;
      while (at < wanted.length && wanted[at] <= end[c]) place(wanted[at], line, wanted[at] < end[c] ? col : col + 1);
    };
    for (let i = root; i < next[root] && at < wanted.length; i++) {
      while (ends.length > 0 && ends[ends.length - 1] <= i) close();
      if (at >= wanted.length) break;
      let col = w.col;
      if (i !== root) {
        line++;
        col = w.indent + 2 * ends.length;
      }
      const ks = keyStart[i];
      if (i !== root && ks >= 0 && wanted[at] <= end[i]) {
        // A key and its value share a line: the value's column needs the key as written back.
        const key = JSON.stringify(tape.keyText(i) ?? '');
        while (at < wanted.length && wanted[at] < start[i]) {
          const o = wanted[at];
          place(o, line, o <= ks ? col : col + renderedWithin(text(ks, start[i]).replace(/\s*:\s*$/, ''), o - ks));
        }
        col += key.length + 2;
      }
      const k = kind[i];
      if (k === KIND_OBJECT || k === KIND_ARRAY) {
        if (next[i] === i + 1) {
          // Empty: written `{}` or `[]` on its line.
          while (at < wanted.length && wanted[at] <= end[i]) place(wanted[at], line, wanted[at] <= start[i] ? col : wanted[at] >= end[i] ? col + 2 : col + 1);
          continue;
        }
        while (at < wanted.length && wanted[at] <= start[i] + 1) place(wanted[at], line, wanted[at] <= start[i] ? col : col + 1);
        ends.push(next[i]);
        closers.push(i);
        continue;
      }
      if (wanted[at] > end[i]) continue;
      const raw = text(start[i], end[i]);
      const shown = rendered(raw);
      while (at < wanted.length && wanted[at] <= end[i]) {
        const o = wanted[at];
        const n = o - start[i];
        place(o, line, col + (n <= 0 ? 0 : n >= raw.length ? shown.length : k === KIND_STRING ? renderedWithin(raw, n) : Math.min(n, shown.length)));
      }
    }
    // The resource's own closing bracket, and any container still open at its end.
    while (at < wanted.length && ends.length > 0) close();
  }
  return spans.map((x) => {
    const a = found.get(x.start);
    const b = found.get(x.end);
    return a && b ? [a[0], a[1], b[0], b[1]] : [w.line, w.col, w.line, w.col];
  });
}
