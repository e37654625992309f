/**
 * A workspace of analyses: references in one file resolve to definitions in another (istioctl's per-type outputs are
 * separate files), but a file that holds the complete set of a kind (a full dump) resolves that kind within itself,
 * so two dumps of different pods opened side by side do not hide each other's dangling references.
 */
import { istioBuiltin } from './istio';
import type { Analysis, DefKind, Definition, RefKind, Reference, Span } from './model/types';

/** A place in a file. */
export interface Location {
  uri: string;
  span: Span;
}

/** A definition and the file it is in. */
export interface DefHandle {
  uri: string;
  index: number;
  def: Definition;
}

/** A reference and the file it is in. */
export interface RefHandle {
  uri: string;
  index: number;
  ref: Reference;
}

/** Per-file lookup tables, built when a file joins a workspace (not while indexing it). */
interface FileIndex {
  /** kind → name → indices. Nested rather than keyed by `kind + name`: a lookup builds no string, and the hash of a
   * name string is computed once and cached on it, where a concatenated key was hashed anew at every call. */
  defsByKey: ByKindName;
  refsByKey: ByKindName;
  /** Def indices sorted by nameSpan.start, for "which definition is at this offset". */
  defsByPos: Int32Array;
  /** Definitions by parent and references by owner (`from`), built on first use. */
  owners?: Owners;
}

/**
 * Parent→children and owner→references lookups in compressed form: the items of owner `i` are
 * `items[start[i] .. start[i + 1])`, in index order. Index `defs.length` holds the items with no owner (-1).
 */
interface Grouping {
  start: Int32Array;
  items: Int32Array;
}

interface Owners {
  children: Grouping;
  refs: Grouping;
}

/** Groups indices 0..count-1 by `ownerOf(i)` (an index below `owners`, or -1: grouped last). */
function groupBy(count: number, owners: number, ownerOf: (i: number) => number): Grouping {
  const slot = (o: number): number => (o >= 0 && o < owners ? o : owners);
  const start = new Int32Array(owners + 2);
  for (let i = 0; i < count; i++) start[slot(ownerOf(i)) + 1]++;
  for (let o = 0; o <= owners; o++) start[o + 1] += start[o];
  const fill = start.slice(0, owners + 1);
  const items = new Int32Array(count);
  for (let i = 0; i < count; i++) items[fill[slot(ownerOf(i))]++] = i;
  return { start, items };
}

function slice(g: Grouping, owner: number, owners: number): number[] {
  const o = owner >= 0 && owner < owners ? owner : owners;
  return Array.from(g.items.subarray(g.start[o], g.start[o + 1]));
}

type ByKindName = Map<string, Map<string, number[]>>;

function lookup(map: ByKindName, kind: string, name: string): number[] | undefined {
  return map.get(kind)?.get(name);
}

/**
 * A full dump or a bootstrap is one proxy's whole state: its references resolve inside it, and a partial file opened
 * beside it (istioctl's per-type output, likely of another pod) must not resolve into it or be checked against it.
 */
function selfContained(a: Analysis): boolean {
  return a.shape === 'config-dump' || a.shape === 'config-dump-map' || a.shape === 'wrapped-config-dump' || a.shape === 'bootstrap';
}

function push(map: ByKindName, kind: string, name: string, i: number): void {
  let byName = map.get(kind);
  if (!byName) map.set(kind, (byName = new Map()));
  const list = byName.get(name);
  if (list) list.push(i);
  else byName.set(name, [i]);
}

function buildIndex(a: Analysis): FileIndex {
  const defsByKey: ByKindName = new Map();
  const refsByKey: ByKindName = new Map();
  a.defs.forEach((d, i) => push(defsByKey, d.kind, d.name, i));
  a.refs.forEach((r, i) => push(refsByKey, r.kind, r.name, i));
  const defsByPos = Int32Array.from(a.defs.keys());
  defsByPos.sort((x, y) => a.defs[x].nameSpan.start - a.defs[y].nameSpan.start);
  return { defsByKey, refsByKey, defsByPos };
}

/** Records that file `uri` holds every kind+name of `byKey`. */
function link(map: Map<string, Map<string, Set<string>>>, byKey: ByKindName, uri: string): void {
  for (const [kind, names] of byKey) {
    let byName = map.get(kind);
    if (!byName) map.set(kind, (byName = new Map()));
    for (const name of names.keys()) {
      const set = byName.get(name);
      if (set) set.add(uri);
      else byName.set(name, new Set([uri]));
    }
  }
}

function unlink(map: Map<string, Map<string, Set<string>>>, byKey: ByKindName, uri: string): void {
  for (const [kind, names] of byKey) {
    const byName = map.get(kind);
    if (!byName) continue;
    for (const name of names.keys()) {
      const set = byName.get(name);
      if (!set) continue;
      set.delete(uri);
      if (set.size === 0) byName.delete(name);
    }
  }
}

/** Whether a name is one Istio always defines, so a reference to it is known even when a trimmed dump lacks it. */
export function isBuiltin(kind: RefKind, name: string): boolean {
  return istioBuiltin(kind, name) !== undefined;
}

/** The analyses of the open (and, on request, workspace) dump files, with cross-file resolution. */
export class Workspace {
  private readonly files = new Map<string, Analysis>();
  private readonly indexes = new Map<string, FileIndex>();
  /**
   * Which files define, and which reference, each kind+name; how many files (not self-contained) hold the complete set
   * of each kind. Lookups across files read these instead of visiting every file: a dump opened as its resources is
   * tens of thousands of files.
   */
  private readonly defFiles = new Map<string, Map<string, Set<string>>>();
  private readonly refFiles = new Map<string, Map<string, Set<string>>>();
  private readonly completeFiles = new Map<string, number>();
  /** Files in the order they first joined: cross-file answers keep that order, as a walk over the files did. */
  private readonly order = new Map<string, number>();
  private nextOrder = 0;

  /** Adds or replaces a file's analysis. */
  set(a: Analysis): void {
    if (this.files.has(a.uri)) this.unlink(a.uri);
    else this.order.set(a.uri, this.nextOrder++);
    this.files.set(a.uri, a);
    const idx = buildIndex(a);
    this.indexes.set(a.uri, idx);
    link(this.defFiles, idx.defsByKey, a.uri);
    link(this.refFiles, idx.refsByKey, a.uri);
    if (!selfContained(a)) for (const k of a.complete) this.completeFiles.set(k, (this.completeFiles.get(k) ?? 0) + 1);
  }

  /** Removes a file. */
  remove(uri: string): void {
    if (!this.files.has(uri)) return;
    this.unlink(uri);
    this.files.delete(uri);
    this.indexes.delete(uri);
    this.order.delete(uri);
  }

  /** Takes a file out of the cross-file lookups (before it is replaced or removed). */
  private unlink(uri: string): void {
    const a = this.files.get(uri);
    const idx = this.indexes.get(uri);
    if (!a || !idx) return;
    unlink(this.defFiles, idx.defsByKey, uri);
    unlink(this.refFiles, idx.refsByKey, uri);
    if (!selfContained(a)) for (const k of a.complete) this.completeFiles.set(k, (this.completeFiles.get(k) ?? 1) - 1);
  }

  /** The files holding kind+name in `map`, in the order they joined. */
  private filesWith(map: Map<string, Map<string, Set<string>>>, kind: string, name: string): string[] {
    const set = map.get(kind)?.get(name);
    if (!set) return [];
    const list = [...set];
    if (list.length > 1) list.sort((x, y) => (this.order.get(x) ?? 0) - (this.order.get(y) ?? 0));
    return list;
  }

  /** The analysis of a file, if present. */
  get(uri: string): Analysis | undefined {
    return this.files.get(uri);
  }

  /** Every analysis. */
  all(): Analysis[] {
    return [...this.files.values()];
  }

  private index(uri: string): FileIndex | undefined {
    return this.indexes.get(uri);
  }

  private owners(uri: string): { a: Analysis; o: Owners } | undefined {
    const a = this.files.get(uri);
    const idx = this.indexes.get(uri);
    if (!a || !idx) return undefined;
    idx.owners ??= {
      children: groupBy(a.defs.length, a.defs.length, (i) => a.defs[i].parent),
      refs: groupBy(a.refs.length, a.defs.length, (i) => a.refs[i].from),
    };
    return { a, o: idx.owners };
  }

  /**
   * Indices of the definitions whose parent is `parent` (a listener's filter chains, a route configuration's virtual
   * hosts, a virtual host's routes), in index order; `parent` -1 gives the top-level ones. Built once per file.
   */
  childrenOf(uri: string, parent: number): number[] {
    const x = this.owners(uri);
    return x ? slice(x.o.children, parent, x.a.defs.length) : [];
  }

  /**
   * Indices of the references that sit in definition `owner` (its `from`), in source order; `owner` -1 gives the
   * references outside any definition. Built once per file.
   */
  refsFrom(uri: string, owner: number): number[] {
    const x = this.owners(uri);
    return x ? slice(x.o.refs, owner, x.a.defs.length) : [];
  }

  /** Definitions of kind+name in one file. */
  defsIn(uri: string, kind: DefKind, name: string): DefHandle[] {
    const a = this.files.get(uri);
    const idx = this.index(uri);
    const list = idx && lookup(idx.defsByKey, kind, name);
    if (!a || !list) return [];
    return list.map((i) => ({ uri, index: i, def: a.defs[i] }));
  }

  /** Definitions of kind+name in every file but `uri`, in the order the files joined (read from the index, no walk). */
  defsElsewhere(uri: string, kind: DefKind, name: string): DefHandle[] {
    const out: DefHandle[] = [];
    for (const other of this.filesWith(this.defFiles, kind, name)) if (other !== uri) for (const h of this.defsIn(other, kind, name)) out.push(h);
    return out;
  }

  /**
   * Where a name referenced from `uri` is defined: the file's own definitions first; other files only when this
   * file does not hold the complete set of that kind. Definitions repeated from a dump's bootstrap come last.
   */
  resolve(uri: string, kind: RefKind, name: string): DefHandle[] {
    const own = this.defsIn(uri, kind, name);
    const a = this.files.get(uri);
    if (own.length > 0 || (a && a.complete.has(kind))) return sortMainFirst(own);
    const out: DefHandle[] = [];
    if (a && selfContained(a)) return out;
    for (const other of this.filesWith(this.defFiles, kind, name)) {
      const oa = this.files.get(other)!;
      if (other === uri || selfContained(oa)) continue;
      for (const h of this.defsIn(other, kind, name)) out.push(h); // no spread: a name may have 100,000s of definitions
    }
    return sortMainFirst(out);
  }

  /** Whether a dangling reference of this kind from `uri` is a finding: some file in scope holds the complete set. */
  isChecked(uri: string, kind: DefKind): boolean {
    const a = this.files.get(uri);
    if (!a) return false;
    if (a.complete.has(kind)) return true;
    if (selfContained(a)) return false;
    return (this.completeFiles.get(kind) ?? 0) > 0;
  }

  /** Every reference that resolves to definitions named kind+name as seen from `defUri`. */
  referencesTo(defUri: string, kind: DefKind, name: string): RefHandle[] {
    const out: RefHandle[] = [];
    this.eachReferenceTo(defUri, kind, name, (uri, i, ref) => {
      out.push({ uri, index: i, ref });
      return false;
    });
    return out;
  }

  /** Whether some reference that resolves to kind+name as seen from `defUri` passes `test`; allocates nothing. */
  someReferenceTo(defUri: string, kind: DefKind, name: string, test: (ref: Reference) => boolean): boolean {
    return this.eachReferenceTo(defUri, kind, name, (_uri, _i, ref) => test(ref));
  }

  /** Calls `visit` on each reference to kind+name as seen from `defUri` until it returns true; whether one did. */
  visitReferencesTo(defUri: string, kind: DefKind, name: string, visit: (uri: string, index: number, ref: Reference) => boolean): boolean {
    return this.eachReferenceTo(defUri, kind, name, visit);
  }

  private eachReferenceTo(defUri: string, kind: DefKind, name: string, visit: (uri: string, index: number, ref: Reference) => boolean): boolean {
    for (const uri of this.filesWith(this.refFiles, kind, name)) {
      const a = this.files.get(uri)!;
      const idx = this.indexes.get(uri);
      const list = idx && lookup(idx.refsByKey, kind, name);
      if (!list) continue;
      if (uri !== defUri) {
        // A reference in another file reaches this definition only if that file does not resolve it itself.
        if (a.complete.has(kind as RefKind) || this.defsIn(uri, kind, name).length > 0) continue;
        const da = this.files.get(defUri);
        if (selfContained(a) || (da && selfContained(da))) continue;
      }
      for (const i of list) if (visit(uri, i, a.refs[i])) return true;
    }
    return false;
  }

  /** The reference whose name span contains offset (inclusive of its end, where a cursor after the name sits). */
  refAt(uri: string, offset: number): RefHandle | undefined {
    const a = this.files.get(uri);
    if (!a) return undefined;
    const refs = a.refs;
    let lo = 0;
    let hi = refs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = refs[mid].span;
      if (s.end < offset) lo = mid + 1;
      else if (s.start > offset) hi = mid - 1;
      else return { uri, index: mid, ref: refs[mid] };
    }
    return undefined;
  }

  /** The definition whose name span contains offset. */
  defAt(uri: string, offset: number): DefHandle | undefined {
    const a = this.files.get(uri);
    const idx = this.index(uri);
    if (!a || !idx) return undefined;
    const order = idx.defsByPos;
    let lo = 0;
    let hi = order.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = a.defs[order[mid]].nameSpan;
      if (s.end < offset) lo = mid + 1;
      else if (s.start > offset) hi = mid - 1;
      else {
        // Several definitions can share a name span (a dynamic listener entry and its states): take the first.
        let first = mid;
        while (first > 0 && a.defs[order[first - 1]].nameSpan.start === s.start) first--;
        return { uri, index: order[first], def: a.defs[order[first]] };
      }
    }
    return undefined;
  }

  /** Go to definition: from a reference to what it names; on a definition's own name, itself. */
  definitionAt(uri: string, offset: number): Location[] {
    const r = this.refAt(uri, offset);
    if (r) return this.resolve(uri, r.ref.kind, r.ref.name).map((d) => ({ uri: d.uri, span: d.def.nameSpan }));
    const d = this.defAt(uri, offset);
    return d ? [{ uri, span: d.def.nameSpan }] : [];
  }

  /** Find references: every reference to the name at offset (a definition or a reference), plus its definitions. */
  referencesAt(uri: string, offset: number, includeDeclaration = true): Location[] {
    const target = this.targetAt(uri, offset);
    if (!target) return [];
    const out: Location[] = [];
    if (includeDeclaration) for (const d of target.defs) out.push({ uri: d.uri, span: d.def.nameSpan });
    for (const r of this.referencesTo(target.defs[0]?.uri ?? uri, target.kind, target.name)) {
      out.push({ uri: r.uri, span: r.ref.span });
    }
    return out;
  }

  /** The kind and name at offset, with its definitions (empty when it dangles). A definition wins over a reference. */
  targetAt(uri: string, offset: number): { kind: DefKind; name: string; defs: DefHandle[] } | undefined {
    const d = this.defAt(uri, offset);
    if (d) return { kind: d.def.kind, name: d.def.name, defs: this.defsIn(uri, d.def.kind, d.def.name) };
    const r = this.refAt(uri, offset);
    if (r) return { kind: r.ref.kind, name: r.ref.name, defs: this.resolve(uri, r.ref.kind, r.ref.name) };
    return undefined;
  }
}

function sortMainFirst(list: DefHandle[]): DefHandle[] {
  return list.length < 2 ? list : list.sort((a, b) => (a.def.group === b.def.group ? 0 : a.def.group === 'main' ? -1 : 1));
}
