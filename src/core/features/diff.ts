/**
 * What changed between two dumps (issue 13 §1): resources matched by kind and name across any two shapes the index
 * reads (a full dump, istioctl's per-type arrays, JSON or YAML, either casing, active or warming), each pair compared
 * as normalized values in Envoy's snake_case field names.
 *
 * Speed: the index already holds every resource's span, so a pair whose source text is the same (apart from the
 * volatile `version_info` / `last_updated` members of its dump wrapper) is equal without being parsed. Only the pairs
 * that really differ are materialized (trace/resources.ts) and walked, which keeps a diff of two 50 MB dumps close to
 * the cost of indexing them (README, Benchmarks).
 *
 * What is compared:
 * - listeners, clusters, ClusterLoadAssignments, secrets, ECDS filters, scoped routes and /clusters statuses whole;
 * - route configurations level by level: the configuration without its virtual hosts, each virtual host (matched by
 *   name) without its routes, each route (by name, or by its match when unnamed), and the order of the routes;
 * - the bootstrap without its static resources (those are compared as listeners and clusters).
 * Endpoints are a set keyed by address (with health, weight, locality, priority); certificate and key bytes are named
 * by a SHA-256 prefix and their length, never printed.
 */
import { parse as parseJsonc } from 'jsonc-parser';
import { isUsableStatus } from '../describe';
import type { Analysis, DefKind, DefState, Definition } from '../model/types';
import { toValue } from '../parse/nav';
import { isAsciiBytes } from '../parse/offsets';
import { parseYamlToTape } from '../parse/yamlTape';
import { decodeBase64, sha256Hex, sha256OfString } from '../sha256';
import { ResourceReader, isObj, normalizeKeys, type Obj } from '../trace/resources';
import { CancellationError } from '../cancel';

/** Kinds of change records, in Envoy's snake_case resource names. */
export type DiffKind =
  | 'bootstrap'
  | 'listener'
  | 'route_configuration'
  | 'virtual_host'
  | 'route'
  | 'cluster'
  | 'cluster_load_assignment'
  | 'cluster_status'
  | 'secret'
  | 'ecds_filter'
  | 'scoped_route';

/** One field that differs; `null` stands for "absent on that side". */
export interface FieldChange {
  /** Envoy's field names joined by `.`; `[name]` selects an item of a list by its name (an endpoint by address). */
  path: string;
  a: unknown;
  b: unknown;
}

export interface DumpChange {
  kind: DiffKind;
  name: string;
  change: 'added' | 'removed' | 'changed';
  fields?: FieldChange[];
  /** What the change does, when we know: "route X now sends 20 % to cluster Y". */
  note?: string;
}

/** One side of a diff: its analysis and the source it was made from. */
export interface DiffSide {
  analysis: Analysis;
  source: string | Uint8Array;
}

export interface DiffOptions {
  /** Compare the volatile fields too (version_info, last_updated, nonces, last_update_attempt). */
  all?: boolean;
  isCancelled?: () => boolean;
}

export interface DiffResult {
  changes: DumpChange[];
  /** Kinds one side has and the other has no section for (a full dump against `istioctl pc clusters`): not compared. */
  notCompared: DiffKind[];
}

/** Fields that change on every push or every fetch without the configuration changing. */
export const VOLATILE_FIELDS: readonly string[] = ['version_info', 'last_updated', 'last_update_attempt', 'nonce', 'response_nonce'];
const VOLATILE = new Set(VOLATILE_FIELDS);
/** The same keys as protojson (istioctl) spells them, to find them in source text. */
const VOLATILE_SPELLINGS = [...VOLATILE_FIELDS, 'versionInfo', 'lastUpdated', 'lastUpdateAttempt', 'responseNonce'];

const KIND_OF: Partial<Record<DefKind, DiffKind>> = {
  listener: 'listener',
  routeConfig: 'route_configuration',
  cluster: 'cluster',
  endpoints: 'cluster_load_assignment',
  clusterStatus: 'cluster_status',
  secret: 'secret',
  ecdsFilter: 'ecds_filter',
  scopedRoute: 'scoped_route',
};

const KIND_RANK: Record<DiffKind, number> = {
  bootstrap: 0, listener: 1, route_configuration: 2, virtual_host: 3, route: 4, cluster: 5, cluster_load_assignment: 6,
  cluster_status: 7, secret: 8, ecds_filter: 9, scoped_route: 10,
};

/** Which of a name's definitions stands for it: the one serving traffic first. */
const STATE_RANK: Record<DefState, number> = { static: 0, active: 0, inline: 1, warming: 2, draining: 3, error: 4 };

/** Compares two dumps. Pure: the sources are only read. */
export function diffDumps(a: DiffSide, b: DiffSide, options: DiffOptions = {}): DiffResult {
  return new Differ(a, b, options).run();
}

/** Index of definitions by kind and name, the preferred one per name. */
function index(a: Analysis): Map<DiffKind, Map<string, Definition>> {
  const out = new Map<DiffKind, Map<string, Definition>>();
  for (const d of a.defs) {
    if (d.group !== 'main') continue;
    const kind = KIND_OF[d.kind];
    if (!kind) continue;
    if (d.kind === 'listener' && d.section === 'listener_statuses') continue;
    let m = out.get(kind);
    if (!m) out.set(kind, (m = new Map()));
    const had = m.get(d.name);
    if (!had || STATE_RANK[d.state] < STATE_RANK[had.state]) m.set(d.name, d);
  }
  return out;
}

/** One side while diffing: its definitions, text, reader and (JSON) volatile ranges. */
class Side {
  readonly defs: Map<DiffKind, Map<string, Definition>>;
  readonly reader: ResourceReader;

  constructor(readonly side: DiffSide) {
    this.defs = index(side.analysis);
    this.reader = new ResourceReader((u) => (u === 'dump' ? side.analysis : undefined), (u) => (u === 'dump' ? side.source : undefined));
  }

  get text(): string {
    return this.reader.text('dump') ?? '';
  }

  private childMap?: Map<Definition, Definition[]>;

  /** A definition's children of one kind (a route configuration's virtual hosts), in source order. */
  children(d: Definition, kind: DefKind): Definition[] {
    if (!this.childMap) {
      const defs = this.side.analysis.defs;
      this.childMap = new Map();
      for (const c of defs) {
        if (c.parent < 0) continue;
        const p = defs[c.parent];
        let list = this.childMap.get(p);
        if (!list) this.childMap.set(p, (list = []));
        list.push(c);
      }
    }
    return (this.childMap.get(d) ?? []).filter((c) => c.kind === kind);
  }

  value(d: Definition): Obj | undefined {
    return unwrapMore(d, this.reader.resource('dump', d));
  }
}

/** Past the wrappers trace/resources.ts leaves: a secret's `secret`, an ECDS entry's `ecds_filter`, a failed listener. */
function unwrapMore(d: Definition, v: Obj | undefined): Obj | undefined {
  if (!v) return v;
  if (d.kind === 'secret' && isObj(v.secret)) return v.secret;
  if (d.kind === 'ecdsFilter' && isObj(v.ecds_filter)) return v.ecds_filter;
  if (d.kind === 'listener' && isObj(v.error_state) && !isObj(v.active_state) && !isObj(v.warming_state)) {
    const failed = (v.error_state as Obj).failed_configuration;
    if (isObj(failed)) return failed;
  }
  return v;
}

class Differ {
  private readonly a: Side;
  private readonly b: Side;
  private readonly changes: DumpChange[] = [];
  private steps = 0;

  constructor(a: DiffSide, b: DiffSide, private readonly options: DiffOptions) {
    this.a = new Side(a);
    this.b = new Side(b);
  }

  private tick(): void {
    if (this.options.isCancelled && (++this.steps & 0xff) === 0 && this.options.isCancelled()) throw new CancellationError('The diff was cancelled.');
  }

  run(): DiffResult {
    const notCompared: DiffKind[] = [];
    this.bootstrap(notCompared);
    const kinds = Object.keys(KIND_RANK) as DiffKind[];
    const defKindOf = (k: DiffKind): DefKind | undefined => (Object.keys(KIND_OF) as DefKind[]).find((d) => KIND_OF[d] === k);
    for (const kind of kinds) {
      const dk = defKindOf(kind);
      if (!dk) continue;
      const ma = this.a.defs.get(kind) ?? new Map<string, Definition>();
      const mb = this.b.defs.get(kind) ?? new Map<string, Definition>();
      const hasA = ma.size > 0 || this.a.side.analysis.sections.has(dk);
      const hasB = mb.size > 0 || this.b.side.analysis.sections.has(dk);
      if (!hasA && !hasB) continue;
      if (!hasA || !hasB) {
        notCompared.push(kind);
        continue;
      }
      for (const [name, da] of ma) {
        this.tick();
        const db = mb.get(name);
        if (!db) {
          this.changes.push({ kind, name, change: 'removed' });
          continue;
        }
        this.pair(kind, name, da, db);
      }
      for (const [name, db] of mb) {
        if (ma.has(name)) continue;
        const c: DumpChange = { kind, name, change: 'added' };
        const note = this.addedNote(kind, name, db);
        if (note) c.note = note;
        this.changes.push(c);
      }
    }
    this.changes.sort((x, y) => KIND_RANK[x.kind] - KIND_RANK[y.kind] || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0));
    return { changes: this.changes, notCompared };
  }

  /** True when both definitions' source text is the same, volatile members aside (unless --all). */
  private sameText(da: Definition, db: Definition): boolean {
    if (this.a.side.analysis.format !== this.b.side.analysis.format) return false;
    return this.sameRange(da.span.start, da.span.end, db.span.start, db.span.end);
  }

  private sameRange(sa: number, ea: number, sb: number, eb: number): boolean {
    const ta = this.a.text;
    const tb = this.b.text;
    if (ea - sa === eb - sb && ta.slice(sa, ea) === tb.slice(sb, eb)) return true;
    if (this.options.all || this.a.side.analysis.format !== 'json') return false;
    return sameApartFrom(ta, sa, ea, tb, sb, eb);
  }

  private pair(kind: DiffKind, name: string, da: Definition, db: Definition): void {
    const stateNote = this.stateNote(kind, name, da, db);
    if (this.sameText(da, db)) {
      if (stateNote) this.changes.push({ kind, name, change: 'changed', note: stateNote });
      return;
    }
    // The dump wrapper's version_info and last_updated are not part of the resource's value: with --all they are
    // compared from the index.
    const wrapper: FieldChange[] = [];
    if (this.options.all) {
      if ((da.versionInfo ?? null) !== (db.versionInfo ?? null)) wrapper.push({ path: 'version_info', a: da.versionInfo ?? null, b: db.versionInfo ?? null });
      if ((da.lastUpdated ?? null) !== (db.lastUpdated ?? null)) wrapper.push({ path: 'last_updated', a: da.lastUpdated ?? null, b: db.lastUpdated ?? null });
    }
    if (kind === 'route_configuration') {
      this.routeConfiguration(name, da, db, stateNote, wrapper);
      return;
    }
    const va = canonical(kind, this.a.value(da), this.options.all === true);
    const vb = canonical(kind, this.b.value(db), this.options.all === true);
    const fields: FieldChange[] = [...wrapper];
    diffValues(va ?? null, vb ?? null, '', fields, this.options.all === true);
    const errA = da.info.errorDetails;
    const errB = db.info.errorDetails;
    if (kind === 'listener' && (errA ?? null) !== (errB ?? null)) fields.push({ path: 'error_state.details', a: errA ?? null, b: errB ?? null });
    if (fields.length === 0 && !stateNote) return;
    const notes: string[] = [];
    if (stateNote) notes.push(stateNote);
    const n = kind === 'cluster_load_assignment' || kind === 'cluster' || kind === 'cluster_status' ? endpointNote(name, va, vb) : undefined;
    if (n) notes.push(n);
    const c: DumpChange = { kind, name, change: 'changed' };
    if (fields.length) c.fields = fields;
    if (notes.length) c.note = notes.join('; ');
    this.changes.push(c);
  }

  /** "listener L is in error_state in B", "cluster C is warming in B". */
  private stateNote(kind: DiffKind, name: string, da: Definition, db: Definition): string | undefined {
    const label = kind.replace(/_/g, ' ');
    const errA = da.state === 'error' || (da.info.otherStates ?? []).includes('error');
    const errB = db.state === 'error' || (db.info.otherStates ?? []).includes('error');
    if (errB && !errA) return `${label} ${name} is in error_state in B${db.info.errorDetails ? `: ${db.info.errorDetails}` : ''}`;
    if (errA && !errB) return `${label} ${name} is no longer in error_state in B`;
    const serving = (s: DefState): boolean => s === 'active' || s === 'static' || s === 'inline';
    if (serving(da.state) && db.state === 'warming') return `${label} ${name} is warming in B (not serving yet)`;
    if (da.state === 'warming' && serving(db.state)) return `${label} ${name} finished warming in B`;
    if (db.state === 'draining' && da.state !== 'draining') return `${label} ${name} is draining in B`;
    return undefined;
  }

  private addedNote(kind: DiffKind, name: string, db: Definition): string | undefined {
    if (kind === 'listener' && db.state === 'error') return `listener ${name} is in error_state in B${db.info.errorDetails ? `: ${db.info.errorDetails}` : ''}`;
    if (db.state === 'warming') return `${kind.replace(/_/g, ' ')} ${name} is warming in B (not serving yet)`;
    return undefined;
  }

  /**
   * A route configuration level by level: itself, its virtual hosts, their routes and the routes' order. The index
   * has every virtual host's span, so only the hosts whose text differs are read (a sidecar's route configuration
   * "80" holds every HTTP service of the mesh), and the configuration itself only when the text around them differs.
   */
  private routeConfiguration(name: string, da: Definition, db: Definition, stateNote: string | undefined, wrapper: FieldChange[]): void {
    const all = this.options.all === true;
    const own: FieldChange[] = [...wrapper];
    const hostsA = this.a.children(da, 'virtualHost');
    const hostsB = this.b.children(db, 'virtualHost');
    if (!this.sameOutside(da, hostsA, db, hostsB)) {
      const va = canonical('route_configuration', this.a.value(da), all);
      const vb = canonical('route_configuration', this.b.value(db), all);
      diffValues(without(va, 'virtual_hosts'), without(vb, 'virtual_hosts'), '', own, all);
    }
    if (own.length || stateNote) {
      const c: DumpChange = { kind: 'route_configuration', name, change: 'changed' };
      if (own.length) c.fields = own;
      if (stateNote) c.note = stateNote;
      this.changes.push(c);
    }
    const vha = keyedDefs(hostsA);
    const vhb = keyedDefs(hostsB);
    for (const [vn, d1] of vha) {
      const full = `${name}/${vn}`;
      const d2 = vhb.get(vn);
      if (!d2) {
        this.changes.push({ kind: 'virtual_host', name: full, change: 'removed' });
        continue;
      }
      if (this.sameText(d1, d2)) continue;
      this.tick();
      const vha1 = canonical('virtual_host', this.a.value(d1), all) ?? {};
      const vhb1 = canonical('virtual_host', this.b.value(d2), all) ?? {};
      const fields: FieldChange[] = [];
      diffValues(without(vha1, 'routes'), without(vhb1, 'routes'), '', fields, all);
      const ra = keyed(vha1.routes, routeKey);
      const rb = keyed(vhb1.routes, routeKey);
      const common = [...ra.keys()].filter((k) => rb.has(k));
      const orderB = [...rb.keys()].filter((k) => ra.has(k));
      if (common.join('\u0000') !== orderB.join('\u0000')) fields.push({ path: 'routes (order)', a: [...ra.keys()], b: [...rb.keys()] });
      if (fields.length) this.changes.push({ kind: 'virtual_host', name: full, change: 'changed', fields });
      for (const [rn, r1] of ra) {
        const rname = `${full}/${rn}`;
        const r2 = rb.get(rn);
        if (!r2) {
          this.changes.push({ kind: 'route', name: rname, change: 'removed' });
          continue;
        }
        const rf: FieldChange[] = [];
        diffValues(r1, r2, '', rf, all);
        if (rf.length === 0) continue;
        const c: DumpChange = { kind: 'route', name: rname, change: 'changed', fields: rf };
        const note = routeNote(rn, r1, r2);
        if (note) c.note = note;
        this.changes.push(c);
      }
      for (const [rn, r2] of rb) {
        if (ra.has(rn)) continue;
        const c: DumpChange = { kind: 'route', name: `${full}/${rn}`, change: 'added' };
        const note = routeNote(rn, undefined, r2);
        if (note) c.note = note;
        this.changes.push(c);
      }
    }
    for (const vn of vhb.keys()) if (!vha.has(vn)) this.changes.push({ kind: 'virtual_host', name: `${name}/${vn}`, change: 'added' });
  }

  /** Whether two definitions' text is the same outside the spans of the given children (same count on both sides). */
  private sameOutside(da: Definition, ca: Definition[], db: Definition, cb: Definition[]): boolean {
    if (ca.length !== cb.length || this.a.side.analysis.format !== this.b.side.analysis.format) return false;
    let pa = da.span.start;
    let pb = db.span.start;
    for (let i = 0; i <= ca.length; i++) {
      const ea = i < ca.length ? ca[i].span.start : da.span.end;
      const eb = i < cb.length ? cb[i].span.start : db.span.end;
      if (!this.sameRange(pa, ea, pb, eb)) return false;
      if (i < ca.length) {
        pa = ca[i].span.end;
        pb = cb[i].span.end;
      }
    }
    return true;
  }

  private bootstrap(notCompared: DiffKind[]): void {
    const ba = bootstrapOf(this.a);
    const bb = bootstrapOf(this.b);
    if (!ba && !bb) return;
    if (!ba || !bb) {
      notCompared.push('bootstrap');
      return;
    }
    if (ba.text !== undefined && bb.text !== undefined && ba.text === bb.text) return;
    const fields: FieldChange[] = [];
    const all = this.options.all === true;
    diffValues(canonical('bootstrap', without(ba.value(), 'static_resources'), all) ?? null, canonical('bootstrap', without(bb.value(), 'static_resources'), all) ?? null, '', fields, all);
    if (fields.length) this.changes.push({ kind: 'bootstrap', name: 'bootstrap', change: 'changed', fields });
  }
}

/**
 * Index of the first character where a[pa, pa + n) and b[pb, pb + n) differ, or -1. Halves the range with native
 * string comparisons (each stops at its first difference), so the cost is about one pass over the common prefix.
 */
function firstDifference(ta: string, pa: number, tb: string, pb: number, n: number): number {
  if (ta.slice(pa, pa + n) === tb.slice(pb, pb + n)) return -1;
  let lo = 0;
  let hi = n;
  while (hi - lo > 32) {
    const mid = (lo + hi) >>> 1;
    if (ta.slice(pa + lo, pa + mid) === tb.slice(pb + lo, pb + mid)) lo = mid;
    else hi = mid;
  }
  for (let i = lo; i < hi; i++) if (ta.charCodeAt(pa + i) !== tb.charCodeAt(pb + i)) return i;
  return hi;
}

/** `"last_updated": "` (or another volatile key) ending right before `quote`: the string opening there is volatile. */
const VOLATILE_BEFORE = new RegExp(`"(?:${VOLATILE_SPELLINGS.join('|')})"\\s*:\\s*$`);

/**
 * Whether JSON texts a[sa, ea) and b[sb, eb) are the same apart from the values of volatile members
 * (`"last_updated": "…"`). Walks from one difference to the next: each must sit inside a volatile string value on
 * both sides, whose ends are then skipped.
 */
function sameApartFrom(ta: string, sa: number, ea: number, tb: string, sb: number, eb: number): boolean {
  let pa = sa;
  let pb = sb;
  for (let guard = 0; guard < 10_000; guard++) {
    const na = ea - pa;
    const nb = eb - pb;
    const k = firstDifference(ta, pa, tb, pb, Math.min(na, nb));
    if (k < 0) return na === nb;
    // The string value the difference is in opens at the last quote before it (the same place on both sides).
    const quoteA = ta.lastIndexOf('"', pa + k - 1);
    if (quoteA < pa) return false;
    const quoteB = pb + (quoteA - pa);
    if (!VOLATILE_BEFORE.test(ta.slice(Math.max(sa, quoteA - 40), quoteA))) return false;
    const closeA = ta.indexOf('"', pa + k);
    const closeB = tb.indexOf('"', pb + k);
    if (closeA < 0 || closeB < 0 || closeA >= ea || closeB >= eb) return false;
    // No escapes inside: timestamps and versions have none, anything else is left to the full comparison.
    if (ta.slice(quoteA + 1, closeA).includes('\\') || tb.slice(quoteB + 1, closeB).includes('\\')) return false;
    pa = closeA + 1;
    pb = closeB + 1;
  }
  return false;
}

/** A copy of `v` without `key`. */
function without(v: Obj | undefined, key: string): Obj | undefined {
  if (!v) return v;
  const o: Obj = {};
  for (const [k, x] of Object.entries(v)) if (k !== key) o[k] = x;
  return o;
}

/** A list's items by key, duplicates numbered (`name#2`) so each is kept. */
function keyed(list: unknown, keyOf: (v: Obj) => string | undefined): Map<string, Obj> {
  const out = new Map<string, Obj>();
  if (!Array.isArray(list)) return out;
  list.forEach((v, i) => {
    if (!isObj(v)) return;
    const base = keyOf(v) ?? `#${i}`;
    let k = base;
    for (let n = 2; out.has(k); n++) k = `${base}#${n}`;
    out.set(k, v);
  });
  return out;
}

/** Definitions by name, duplicates numbered (`name#2`) as keyed() does. */
function keyedDefs(defs: Definition[]): Map<string, Definition> {
  const out = new Map<string, Definition>();
  for (const d of defs) {
    let k = d.name;
    for (let n = 2; out.has(k); n++) k = `${d.name}#${n}`;
    out.set(k, d);
  }
  return out;
}

/** A route's name, or when unnamed its match in a few words (`[prefix /api · 1 header]`). */
function routeKey(r: Obj): string {
  if (typeof r.name === 'string' && r.name !== '') return r.name;
  const m = isObj(r.match) ? r.match : {};
  let s = 'any';
  if (typeof m.prefix === 'string') s = `prefix ${m.prefix}`;
  else if (typeof m.path === 'string') s = `path ${m.path}`;
  else if (typeof m.path_separated_prefix === 'string') s = `path prefix ${m.path_separated_prefix}`;
  else if (isObj(m.safe_regex)) s = `regex ${String(m.safe_regex.regex)}`;
  const rest = without(without(without(without(m, 'prefix'), 'path'), 'safe_regex'), 'path_separated_prefix');
  if (rest && Object.keys(rest).length) s += ` ${stableJson(rest)}`;
  return `[${s}]`;
}

/** JSON with object keys sorted, for keys and identities. */
function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (isObj(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stableJson(v[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

// ---------------------------------------------------------------------------------------------------------- values

/** Keys whose DataSource holds certificate or key material (never printed: named by hash). */
const SECRET_HOLDERS = new Set([
  'certificate_chain', 'private_key', 'trusted_ca', 'ocsp_staple', 'password', 'crl', 'pkey', 'keys', 'watched_directory_secret',
  'session_ticket_keys', 'signing_key', 'hmac_secret', 'client_secret', 'token_secret', 'generic_secret', 'secret',
]);

/** `sha256:0123456789abcdef (1234 bytes)`: the identity of secret bytes without their content. */
export function secretIdentity(bytes: Uint8Array): string {
  return `sha256:${sha256Hex(bytes).slice(0, 16)} (${bytes.length} bytes)`;
}

function identityOfString(s: string, base64: boolean): string {
  const bytes = base64 ? decodeBase64(s) : undefined;
  if (bytes) return secretIdentity(bytes);
  const n = new TextEncoder().encode(s).length;
  return `sha256:${sha256OfString(s).slice(0, 16)} (${n} bytes)`;
}

/**
 * The value as compared: endpoints flattened into a set keyed by address, secret bytes replaced by their identity,
 * an inline route configuration inside a listener replaced by its name (it is compared as a route configuration),
 * /clusters host statistics dropped (they move every second) unless `all`.
 */
function canonical(kind: DiffKind, v: Obj | undefined, all: boolean): Obj | undefined {
  if (!v) return v;
  const inSecret = kind === 'secret';
  const walk = (x: unknown, key: string, parentKey: string, depth: number): unknown => {
    if (typeof x === 'string') {
      if ((key === 'inline_bytes' || key === 'inline_string') && (inSecret || SECRET_HOLDERS.has(parentKey))) return identityOfString(x, key === 'inline_bytes');
      if (x.includes('-----BEGIN ')) return identityOfString(x, false);
      return x;
    }
    if (Array.isArray(x)) return x.map((i) => walk(i, key, parentKey, depth + 1));
    if (!isObj(x)) return x;
    if (depth > 0 && kind === 'listener' && key === 'route_config' && typeof x.name === 'string') return `(inline route configuration ${x.name}, compared as a route_configuration)`;
    const out: Obj = {};
    for (const [k, val] of Object.entries(x)) {
      // The resource's own type URL: a full dump prints it, istioctl's arrays do not.
      if (depth === 0 && k === '@type') continue;
      if (k === 'endpoints' && Array.isArray(val) && val.some((e) => isObj(e) && Array.isArray(e.lb_endpoints))) {
        out[k] = flattenEndpoints(val);
        continue;
      }
      if (k === 'host_statuses' && Array.isArray(val)) {
        out[k] = val.map((h) => hostStatus(h, all));
        continue;
      }
      out[k] = walk(val, k, key, depth + 1);
    }
    return out;
  };
  return walk(v, '', '', 0) as Obj;
}

function addressOf(a: unknown): string | undefined {
  if (!isObj(a)) return undefined;
  if (isObj(a.socket_address)) {
    const s = a.socket_address;
    const port = s.port_value ?? s.named_port;
    return port !== undefined ? `${String(s.address)}:${String(port)}` : String(s.address);
  }
  if (isObj(a.pipe)) return String(a.pipe.path);
  if (isObj(a.envoy_internal_address)) return `internal:${String(a.envoy_internal_address.server_listener_name)}`;
  return undefined;
}

/** Locality endpoints → one list of `{address, health_status, …}` (health defaults to UNKNOWN, as Envoy reads it). */
function flattenEndpoints(localities: unknown[]): Obj[] {
  const out: Obj[] = [];
  for (const loc of localities) {
    if (!isObj(loc)) continue;
    const l = isObj(loc.locality) ? loc.locality : undefined;
    const locality = l ? [l.region, l.zone, l.sub_zone].map((p) => (typeof p === 'string' ? p : '')).join('/') : undefined;
    for (const lb of Array.isArray(loc.lb_endpoints) ? loc.lb_endpoints : []) {
      if (!isObj(lb)) continue;
      const ep = isObj(lb.endpoint) ? lb.endpoint : {};
      const item: Obj = { address: addressOf(ep.address) ?? stableJson(ep.address ?? null), health_status: lb.health_status ?? 'UNKNOWN' };
      for (const [k, val] of Object.entries(lb)) if (k !== 'endpoint' && k !== 'health_status') item[k] = val;
      for (const [k, val] of Object.entries(ep)) if (k !== 'address') item[`endpoint.${k}`] = val;
      if (locality !== undefined) item.locality = locality;
      if (loc.priority !== undefined) item.priority = loc.priority;
      if (loc.load_balancing_weight !== undefined) item.locality_weight = loc.load_balancing_weight;
      out.push(item);
    }
  }
  return out;
}

function hostStatus(h: unknown, all: boolean): unknown {
  if (!isObj(h)) return h;
  const out: Obj = { address: addressOf(h.address) ?? stableJson(h.address ?? null) };
  for (const [k, val] of Object.entries(h)) {
    if (k === 'address') continue;
    if (!all && k === 'stats') continue;
    out[k] = val;
  }
  return out;
}

/** The identity of a list item: its `name`, or a flattened endpoint's `address`. */
function itemKey(v: unknown): string | undefined {
  if (!isObj(v)) return undefined;
  if (typeof v.name === 'string') return v.name;
  if (typeof v.address === 'string') return v.address;
  return undefined;
}

const PLAIN_KEY = /^[A-Za-z_@][A-Za-z0-9_@]*$/;

function join(path: string, key: string): string {
  const k = PLAIN_KEY.test(key) ? key : `[${JSON.stringify(key)}]`;
  if (path === '') return k;
  return k.startsWith('[') ? `${path}${k}` : `${path}.${k}`;
}

/** Field changes from a to b under `path` (deep; lists of named items matched by name). */
function diffValues(a: unknown, b: unknown, path: string, out: FieldChange[], all: boolean): void {
  if (a === b) return;
  if (Array.isArray(a) && Array.isArray(b)) {
    const ka = a.map(itemKey);
    const kb = b.map(itemKey);
    const unique = (ks: Array<string | undefined>): boolean => ks.every((k) => k !== undefined) && new Set(ks).size === ks.length;
    if (a.length + b.length > 0 && unique(ka) && unique(kb)) {
      const mb = new Map<string, unknown>(b.map((v, i) => [kb[i]!, v]));
      const ma = new Map<string, unknown>(a.map((v, i) => [ka[i]!, v]));
      a.forEach((v, i) => diffValues(v, mb.has(ka[i]!) ? mb.get(ka[i]!) : undefined, `${path}[${ka[i]}]`, out, all));
      b.forEach((v, i) => {
        if (!ma.has(kb[i]!)) out.push({ path: `${path}[${kb[i]}]`, a: null, b: v });
      });
      // Order matters in filter lists (they run in turn); endpoints, clusters and chains are sets.
      const order = (ks: Array<string | undefined>, other: Map<string, unknown>): string => ks.filter((k) => other.has(k!)).join('\u0000');
      if (/filters$/.test(path) && order(ka, mb) !== order(kb, ma)) out.push({ path: `${path} (order)`, a: ka, b: kb });
      return;
    }
    const scalars = (xs: unknown[]): boolean => xs.every((x) => x === null || typeof x !== 'object');
    if (scalars(a) && scalars(b)) {
      if (stableJson(a) !== stableJson(b)) out.push({ path, a, b });
      return;
    }
    // A list without identities: the same items in another order are equal (node.extensions, unnamed filter
    // chains); the same length is compared item by item; otherwise the items only one side has are listed.
    const ja = a.map(stableJson);
    const jb = b.map(stableJson);
    const count = new Map<string, number>();
    for (const j of ja) count.set(j, (count.get(j) ?? 0) + 1);
    for (const j of jb) count.set(j, (count.get(j) ?? 0) - 1);
    if ([...count.values()].every((c) => c === 0)) return;
    if (a.length === b.length) {
      for (let i = 0; i < a.length; i++) diffValues(a[i], b[i], `${path}[${i}]`, out, all);
      return;
    }
    const left = new Map(count);
    ja.forEach((j, i) => {
      if ((left.get(j) ?? 0) > 0) {
        out.push({ path: `${path}[${i}]`, a: a[i], b: null });
        left.set(j, left.get(j)! - 1);
      }
    });
    jb.forEach((j, i) => {
      if ((left.get(j) ?? 0) < 0) {
        out.push({ path: `${path}[${i}]`, a: null, b: b[i] });
        left.set(j, left.get(j)! + 1);
      }
    });
    return;
  }
  if (isObj(a) && isObj(b)) {
    for (const k of Object.keys(a)) {
      if (!all && VOLATILE.has(k)) continue;
      diffValues(a[k], Object.prototype.hasOwnProperty.call(b, k) ? b[k] : undefined, join(path, k), out, all);
    }
    for (const k of Object.keys(b)) {
      if (Object.prototype.hasOwnProperty.call(a, k) || (!all && VOLATILE.has(k))) continue;
      out.push({ path: join(path, k), a: null, b: b[k] });
    }
    return;
  }
  if (a === undefined && b === undefined) return;
  if (stableJson(a) === stableJson(b)) return;
  out.push({ path, a: a === undefined ? null : a, b: b === undefined ? null : b });
}

// ----------------------------------------------------------------------------------------------------- consequences

/** Share of traffic (percent) per cluster of a route action; undefined when it does not route to clusters. */
function shares(r: Obj | undefined): Map<string, number> | undefined {
  const act = r && isObj(r.route) ? r.route : undefined;
  if (!act) return undefined;
  if (typeof act.cluster === 'string') return new Map([[act.cluster, 100]]);
  const wc = isObj(act.weighted_clusters) ? act.weighted_clusters : undefined;
  if (!wc || !Array.isArray(wc.clusters)) return undefined;
  const items = wc.clusters.filter(isObj).map((c) => ({ name: String(c.name ?? ''), weight: weightOf(c.weight) }));
  const sum = items.reduce((s, c) => s + c.weight, 0);
  const total = weightOf(wc.total_weight) || sum;
  const m = new Map<string, number>();
  if (total <= 0) return m;
  for (const c of items) m.set(c.name, (m.get(c.name) ?? 0) + (100 * c.weight) / total);
  return m;
}

function weightOf(w: unknown): number {
  const v = isObj(w) ? w.value : w;
  const n = Number(v ?? 0);
  return Number.isFinite(n) ? n : 0;
}

function pct(n: number): string {
  return `${Math.round(n * 10) / 10} %`;
}

/** "route X now sends 20 % to cluster Y (was 0 %)". */
function routeNote(name: string, a: Obj | undefined, b: Obj | undefined): string | undefined {
  const sa = shares(a);
  const sb = shares(b);
  if (!sb && !sa) return undefined;
  const parts: string[] = [];
  const before = sa ?? new Map<string, number>();
  const after = sb ?? new Map<string, number>();
  for (const [c, p] of after) {
    const was = before.get(c) ?? 0;
    if (Math.abs(p - was) > 1e-9) parts.push(a ? `now sends ${pct(p)} to cluster ${c} (was ${pct(was)})` : `sends ${pct(p)} to cluster ${c}`);
  }
  for (const [c, was] of before) if (!after.has(c) && was > 0) parts.push(`no longer sends to cluster ${c} (was ${pct(was)})`);
  if (!parts.length) return undefined;
  return `route ${name} ${parts.join(', ')}`;
}

/** The healthy endpoint addresses of a flattened ClusterLoadAssignment (or a cluster's load_assignment). */
function healthy(v: Obj | undefined): Set<string> | undefined {
  if (!v) return undefined;
  const la = isObj(v.load_assignment) ? v.load_assignment : v;
  const list = Array.isArray(la.endpoints) ? la.endpoints : Array.isArray(la.host_statuses) ? la.host_statuses : undefined;
  if (!list) return undefined;
  const out = new Set<string>();
  for (const e of list) {
    if (!isObj(e) || typeof e.address !== 'string') continue;
    if (isObj(e.health_status)) {
      // /clusters: any failed_* flag takes the host out, as in the index.
      const hs = e.health_status;
      const failed = Object.entries(hs).some(([k, x]) => k.startsWith('failed') && x === true);
      const eds = typeof hs.eds_health_status === 'string' ? hs.eds_health_status : 'HEALTHY';
      if (!failed && isUsableStatus(eds)) out.add(e.address);
    } else if (isUsableStatus(String(e.health_status ?? 'UNKNOWN'))) {
      out.add(e.address);
    }
  }
  return out;
}

/** "cluster Z lost 2 of 3 healthy endpoints", "… gained 1 healthy endpoint (2 → 3)". */
function endpointNote(name: string, a: Obj | undefined, b: Obj | undefined): string | undefined {
  const ha = healthy(a);
  const hb = healthy(b);
  if (!ha || !hb) return undefined;
  let lost = 0;
  for (const x of ha) if (!hb.has(x)) lost++;
  let gained = 0;
  for (const x of hb) if (!ha.has(x)) gained++;
  if (!lost && !gained) return undefined;
  const parts: string[] = [];
  if (lost) parts.push(`lost ${lost} of ${ha.size} healthy endpoint${ha.size === 1 ? '' : 's'}`);
  if (gained) parts.push(`gained ${gained} healthy endpoint${gained === 1 ? '' : 's'}`);
  let s = `cluster ${name} ${parts.join(' and ')} (${ha.size} → ${hb.size})`;
  if (hb.size === 0) s += ': no healthy endpoint left in B';
  return s;
}

// -------------------------------------------------------------------------------------------------------- bootstrap

interface Boot {
  /** The bootstrap's source text (JSON only), for the equal-text shortcut. */
  text?: string;
  value(): Obj | undefined;
}

/** Where the bootstrap is: a full dump's BootstrapConfigDump, istioctl's `{bootstrap: …}`, or a bootstrap file. */
function bootstrapOf(s: Side): Boot | undefined {
  const an = s.side.analysis;
  if (an.shape !== 'bootstrap' && an.shape !== 'config-dump' && an.shape !== 'config-dump-map' && an.shape !== 'wrapped-config-dump') return undefined;
  const text = s.text;
  if (an.format === 'json') {
    const at = text.indexOf('"bootstrap"');
    let open = -1;
    if (at >= 0) {
      let j = at + '"bootstrap"'.length;
      while (/\s/.test(text[j] ?? '')) j++;
      if (text[j] === ':') {
        j++;
        while (/\s/.test(text[j] ?? '')) j++;
        if (text[j] === '{') open = j;
      }
    }
    // A bootstrap file: its root object (after an HTTP status line, if any).
    if (open < 0 && an.shape === 'bootstrap') open = text.indexOf('{');
    if (open >= 0) {
      const close = matchBrace(text, open);
      if (close < 0) return undefined;
      const slice = text.slice(open, close + 1);
      return { text: slice, value: () => parseObj(slice) };
    }
    return undefined;
  }
  return {
    value: () => {
      const t = parseYamlToTape(text);
      for (const r of t.roots) {
        const root = normalizeKeys(toValue(t, r));
        const found = findBootstrap(root);
        if (found) return found;
      }
      return undefined;
    },
  };
}

function findBootstrap(v: unknown, depth = 0): Obj | undefined {
  if (!isObj(v) && !Array.isArray(v)) return undefined;
  if (isObj(v)) {
    // `configs` as a map is keyed by type: `{bootstrap: {"@type": …BootstrapConfigDump, bootstrap: {…}}}`.
    if (isObj(v.bootstrap)) return isObj(v.bootstrap.bootstrap) ? v.bootstrap.bootstrap : v.bootstrap;
    if (depth === 0 && (v.static_resources !== undefined || v.dynamic_resources !== undefined)) return v;
  }
  // Wrappers: `configs`, egctl's `{xds: {"ns/name": {…}}}`, arrays of dumps (as deep as extract.ts looks).
  if (depth >= 4) return undefined;
  for (const c of Array.isArray(v) ? v : Object.values(v)) {
    const found = findBootstrap(c, depth + 1);
    if (found) return found;
  }
  return undefined;
}

function parseObj(text: string): Obj | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    // Hand-kept bootstrap files have comments and trailing commas; the index reads them, so do we.
    raw = parseJsonc(text, [], { allowTrailingComma: true, disallowComments: false });
  }
  const v = normalizeKeys(raw);
  return isObj(v) ? findBootstrap(v) ?? v : undefined;
}

/** Index of the `}` closing the `{` at `open` (strings skipped), or -1. */
function matchBrace(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      i++;
      while (i < text.length && text.charCodeAt(i) !== 0x22) i += text.charCodeAt(i) === 0x5c ? 2 : 1;
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** Keys sorted at every level, for documents two sides are compared in. */
function sortedKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedKeys);
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const k of Object.keys(v).sort()) out[k] = sortedKeys(v[k]);
  return out;
}

/**
 * The resource a change names, as one side holds it, normalized the way the diff compares it (snake_case, keys sorted,
 * volatile fields and certificate bytes replaced unless `all`): the text a diff editor shows for each side. A virtual
 * host or route change shows its route configuration. Undefined when the side has no such resource.
 */
export function changeDocument(side: DiffSide, kind: DiffKind, name: string, options: { all?: boolean } = {}): string | undefined {
  const s = new Side(side);
  let docKind: DiffKind = kind;
  let def: Definition | undefined;
  if (kind === 'virtual_host' || kind === 'route') {
    // `rc/vh` or `rc/vh/route`: the longest leading part that names a route configuration.
    docKind = 'route_configuration';
    const parts = name.split('/');
    const rcs = s.defs.get('route_configuration');
    for (let n = parts.length - 1; n >= 1 && !def; n--) def = rcs?.get(parts.slice(0, n).join('/'));
  } else def = s.defs.get(kind)?.get(name);
  if (!def) return undefined;
  const v = canonical(docKind, s.value(def), options.all === true);
  return v === undefined ? undefined : JSON.stringify(sortedKeys(v), null, 2) + '\n';
}

// --- fingerprints: comparing many dumps without keeping them --------------------------------------------------------

export interface FingerprintOptions {
  /** Hash of a resource's normalized text; default SHA-256 (the core's own; a Node caller may pass node:crypto's). */
  hash?: (text: string) => string;
  /** Kinds left out, e.g. the bootstrap and secrets, which differ between replicas by design. */
  skip?: readonly DiffKind[];
  /**
   * An incremental hash, used instead of `hash` when the source is ASCII bytes: it is fed a resource's bytes in
   * pieces (each volatile value as `""`), so no string of the resource is ever made. Its digest must equal what
   * `hash` gives for the concatenated text.
   */
  hasher?: () => { update(part: Uint8Array | string): void; digest(): string };
}

/** `"last_updated": "…"` (any volatile key, either spelling) with its string value, to blank the value. */
const VOLATILE_MEMBER = new RegExp(`("(?:${VOLATILE_SPELLINGS.join('|')})"\\s*:\\s*)"(?:[^"\\\\]|\\\\.)*"`, 'g');

/**
 * One short hash per resource (`kind \0 name` → hash), matched by kind and name as diffDumps matches them (the same
 * preferred definition per name), of its source text with the values of the volatile members blanked (a YAML dump:
 * of its normalized value without them). Two dumps whose fingerprints agree on a key hold that resource alike, as
 * diffDumps' text comparison would find; a key one lacks is a resource the other does not have. A fleet check keeps
 * these (tens of bytes per resource) and drops the dump. The bootstrap is not fingerprinted.
 */
export function resourceFingerprints(side: DiffSide, options: FingerprintOptions = {}): Map<string, string> {
  const hash = options.hash ?? sha256OfString;
  const skip = new Set(options.skip ?? []);
  const s = new Side(side);
  const json = side.analysis.format === 'json';
  // ASCII bytes (most dumps): span offsets are byte offsets, so each resource is read from the bytes alone and the
  // dump is never decoded whole (a fleet check then holds no copy of it as a string). Other input: from the text.
  const src = side.source;
  const bytes = json && typeof src !== 'string' && isAsciiBytes(src) ? src : undefined;
  const text = json && !bytes ? s.text : '';
  const out = new Map<string, string>();
  for (const [kind, defs] of s.defs) {
    if (skip.has(kind)) continue;
    for (const [name, d] of defs) {
      let normalized: string;
      if (json && bytes && options.hasher) {
        const h = options.hasher();
        let from = d.span.start;
        forEachVolatileValue(bytes, d.span.start, d.span.end, (start, end) => {
          h.update(bytes.subarray(from, start));
          h.update('""');
          from = end;
        });
        h.update(bytes.subarray(from, d.span.end));
        out.set(`${kind}\u0000${name}`, `${d.state === 'warming' ? 'warming:' : ''}${h.digest()}`);
        continue;
      }
      if (json) {
        const raw = bytes ? latin1(bytes, d.span.start, d.span.end) : text.slice(d.span.start, d.span.end);
        normalized = raw.replace(VOLATILE_MEMBER, '$1""');
      } else {
        normalized = JSON.stringify(withoutVolatile(canonical(kind, s.value(d), false) ?? null));
      }
      out.set(`${kind}\u0000${name}`, `${d.state === 'warming' ? 'warming:' : ''}${hash(normalized)}`);
    }
  }
  return out;
}

const latin1Decoder = new TextDecoder('latin1');
const VOLATILE_KEY_BYTES = VOLATILE_SPELLINGS.map((k) => Uint8Array.from(k, (c) => c.charCodeAt(0)));
const isBlank = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c;

/**
 * The string values of volatile members in ASCII bytes [from, to), as VOLATILE_MEMBER finds them in the same text
 * (every `"` tried in order; after a match, the search goes on past it): `emit(start, end)` spans a value with its
 * quotes. For strict JSON (what is fetched) the two agree exactly.
 */
function forEachVolatileValue(b: Uint8Array, from: number, to: number, emit: (start: number, end: number) => void): void {
  let p = b.indexOf(0x22, from);
  while (p >= 0 && p < to) {
    let matched = -1;
    for (const key of VOLATILE_KEY_BYTES) {
      const k = key.length;
      if (p + k + 2 > to || b[p + k + 1] !== 0x22) continue;
      let same = true;
      for (let i = 0; i < k && same; i++) same = b[p + 1 + i] === key[i];
      if (!same) continue;
      let q = p + k + 2;
      while (q < to && isBlank(b[q])) q++;
      if (q >= to || b[q] !== 0x3a) break;
      q++;
      while (q < to && isBlank(b[q])) q++;
      if (q >= to || b[q] !== 0x22) break;
      const start = q;
      q++;
      while (q < to && b[q] !== 0x22) {
        if (b[q] === 0x5c) {
          // `\\.`: the escaped character must not be a line break.
          if (q + 1 >= to || b[q + 1] === 0x0a || b[q + 1] === 0x0d) { q = to; break; }
          q += 2;
        } else q++;
      }
      if (q >= to) break;
      emit(start, q + 1);
      matched = q + 1;
      break;
    }
    p = b.indexOf(0x22, matched >= 0 ? matched : p + 1);
  }
}

/** The ASCII bytes [from, to) as a string. */
function latin1(bytes: Uint8Array, from: number, to: number): string {
  const b = bytes as Uint8Array & { latin1Slice?: (from: number, to: number) => string };
  return typeof b.latin1Slice === 'function' ? b.latin1Slice(from, to) : latin1Decoder.decode(bytes.subarray(from, to));
}

function withoutVolatile(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutVolatile);
  if (!isObj(v)) return v;
  const o: Obj = {};
  for (const [k, x] of Object.entries(v)) if (!VOLATILE.has(k)) o[k] = withoutVolatile(x);
  return o;
}
