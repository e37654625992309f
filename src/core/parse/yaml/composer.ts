/**
 * The general YAML path: the `yaml` package's Parser and Composer (the full node tree, every corner of YAML 1.2, error
 * recovery) walked into a tape. Aliases are copied with spans pointing at the alias, `<<` merge keys applied, parser
 * errors kept as problems (duplicate keys excepted).
 */

import { Composer, Document, Parser, isAlias, isMap, isPair, isScalar, isSeq } from 'yaml';
import type { Alias, Node as YamlNode, Pair, YAMLMap } from 'yaml';
import { KEY_NONE, keyIdOf } from '../keys';
import {
  KIND_ARRAY, KIND_FALSE, KIND_NULL, KIND_NUMBER, KIND_OBJECT, KIND_STRING, KIND_TRUE, MSG_TOO_DEEP, type Tape,
} from '../tape';
import { DASH, MAX_IMPLICIT_KEY, PLUS, isBlank } from './schema';
import { TapeBuilder, cancellationError } from './tapeBuilder';

interface Member {
  key: string;
  value: unknown;
  keyStart: number;
  keyEnd: number;
  /** Span to give the copied value (the alias it came through), or null for the real nodes. */
  via: [number, number] | null;
}

/** `text` may be `original` with nesting past MAX_DEPTH blanked out at `cuts` (see limitDepth). */
export function composeTape(text: string, cancel: (() => boolean) | undefined, original = text, cuts: number[] = []): Tape {
  let lines = 0;
  const parser = new Parser(() => {
    if ((++lines & 1023) === 0 && cancel?.()) throw cancellationError();
  });
  const composer = new Composer({ merge: true, prettyErrors: false });
  const docs: Document.Parsed[] = [];
  for (const token of parser.parse(text)) {
    for (const doc of composer.next(token)) docs.push(doc);
    if (cancel?.()) throw cancellationError();
  }
  for (const doc of composer.end(false, text.length)) docs.push(doc);
  const b = new TapeBuilder(original, (text.length >> 4) + 16, cancel);
  for (const c of cuts) b.problems.add(c, c + 1, MSG_TOO_DEEP);
  if (docs.length === 0) {
    for (const e of composer.streamInfo().errors) b.problems.add(e.pos[0], e.pos[1], e.message);
  }
  const w = new TreeWalker(b, text);
  for (const doc of docs) {
    for (const e of doc.errors) {
      if (e.code !== 'DUPLICATE_KEY') b.problems.add(e.pos[0], e.pos[1], e.message);
    }
    const root = doc.contents as YamlNode | null;
    if (root === null || (isScalar(root) && root.value === null && root.source === '' && !root.tag && !root.anchor)) {
      continue; // empty document
    }
    w.anchors.clear();
    b.roots.push(b.len);
    w.emit(root, KEY_NONE, -1, -1, null);
  }
  // (ProblemSink.finish clamps the yaml package's spans, which may point one past the end, and sorts them.)
  return b.finish(true);
}

class TreeWalker {
  readonly anchors = new Map<string, unknown>();
  /** Collections being written (originals and copies), to stop an alias inside its own anchor. */
  private readonly expanding = new Set<unknown>();
  private copyDepth = 0;
  private copyBudget: number;
  private budgetReported = false;

  constructor(private readonly b: TapeBuilder, private readonly text: string) {
    this.copyBudget = 100_000 + text.length;
  }

  private problem(start: number, end: number, message: string): void {
    this.b.problems.add(start, end, message);
  }

  private span(node: unknown): [number, number] {
    const r = (node as { range?: [number, number, number] } | null)?.range;
    return r ? [r[0], r[1]] : [0, 0];
  }

  /** Resolve an alias to its anchored node (or undefined), reporting what cannot be copied. */
  private target(alias: Alias): unknown {
    const node = this.anchors.get(alias.source);
    const [s, e] = this.span(alias);
    if (node === undefined) {
      this.problem(s, e, `Unresolved alias *${alias.source} (the anchor must come before the alias)`);
      return undefined;
    }
    if (this.expanding.has(node)) {
      this.problem(s, e, `Alias *${alias.source} refers to a node that contains it`);
      return undefined;
    }
    return node;
  }

  emit(node: unknown, kid: number, ks: number, ke: number, via: [number, number] | null): void {
    const b = this.b;
    if (isAlias(node)) {
      const target = this.target(node);
      const sp = via ?? this.span(node);
      if (target === undefined || !this.spend(sp)) {
        b.add(KIND_NULL, sp[0], sp[1], kid, ks, ke);
        this.storeKey(b.len - 1, ks, ke);
        return;
      }
      this.copyDepth++;
      this.emit(target, kid, ks, ke, sp);
      this.copyDepth--;
      return;
    }
    this.register(node);
    if (isScalar(node)) {
      const [s, e0] = via ?? this.span(node);
      let e = e0;
      const type = node.type;
      if (!via && (type === 'BLOCK_LITERAL' || type === 'BLOCK_FOLDED')) e = blockScalarEnd(this.text, s, e);
      const v: unknown = node.value;
      let kind: number;
      let str: string;
      if (typeof v === 'string') { kind = KIND_STRING; str = v; }
      else if (typeof v === 'number' || typeof v === 'bigint') {
        kind = KIND_NUMBER;
        str = this.sourceOf(node);
      } else if (typeof v === 'boolean') { kind = v ? KIND_TRUE : KIND_FALSE; str = this.sourceOf(node); }
      else if (v === null || v === undefined) { kind = KIND_NULL; str = this.sourceOf(node); }
      else if (typeof v === 'symbol') { kind = KIND_STRING; str = v.description ?? ''; }
      else { kind = KIND_STRING; str = this.sourceOf(node); }
      const i = b.add(kind, s, e, kid, ks, ke);
      b.strs.set(i, str);
      if (kind === KIND_NUMBER) b.nums.set(i, Number(v));
      this.storeKey(i, ks, ke);
      return;
    }
    if (isMap(node)) {
      const [s, e] = via ?? this.span(node);
      const i = b.add(KIND_OBJECT, s, e, kid, ks, ke);
      this.storeKey(i, ks, ke);
      let last = -1;
      this.expanding.add(node);
      for (const m of this.members(node, via)) {
        last = b.len;
        this.keyText = m.key;
        this.emit(m.value, keyIdOf(m.key), m.keyStart, m.keyEnd, m.via);
      }
      this.expanding.delete(node);
      this.finishCollection(i, node, last, via);
      return;
    }
    if (isSeq(node)) {
      const [s, e] = via ?? this.span(node);
      const i = b.add(KIND_ARRAY, s, e, kid, ks, ke);
      this.storeKey(i, ks, ke);
      let last = -1;
      this.expanding.add(node);
      for (const item of node.items) {
        last = b.len;
        this.keyText = undefined;
        if (isPair(item)) this.emitPairAsMap(item, via);
        else this.emit(item, KEY_NONE, -1, -1, via);
      }
      this.expanding.delete(node);
      this.finishCollection(i, node, last, via);
      return;
    }
    if (isPair(node)) {
      this.emitPairAsMap(node, via);
      return;
    }
    // No node (an absent value): zero-width null.
    const at = via ?? [ke >= 0 ? ke : 0, ke >= 0 ? ke : 0];
    const i = b.add(KIND_NULL, at[0], at[1], kid, ks, ke);
    b.strs.set(i, '');
    this.storeKey(i, ks, ke);
  }

  /** Key text for the next node added with a key (set by the caller just before emit). */
  private keyText: string | undefined = undefined;

  private storeKey(i: number, ks: number, ke: number): void {
    if (ks >= 0 && this.keyText !== undefined) this.b.keys.set(i, this.keyText);
    this.b.keyEnd[i] = ke;
    this.keyText = undefined;
  }

  private emitPairAsMap(pair: Pair, via: [number, number] | null): void {
    const [ks] = this.span(pair.key);
    const [, ve] = this.span(pair.value);
    const sp = via ?? [ks, Math.max(ks, ve)];
    const i = this.b.add(KIND_OBJECT, sp[0], sp[1], KEY_NONE, -1, -1);
    this.storeKey(i, -1, -1);
    const key = this.keyString(pair.key);
    const [kStart, kEnd] = via ?? this.span(pair.key);
    this.keyText = key;
    this.emit(pair.value, keyIdOf(key), kStart, kEnd, via);
    this.b.next[i] = this.b.len;
  }

  private finishCollection(i: number, node: { flow?: boolean; range?: [number, number, number] | null }, last: number,
    via: [number, number] | null): void {
    const b = this.b;
    if (!via && !node.flow && last >= 0) b.end[i] = b.end[last];
    b.next[i] = b.len;
  }

  private spend(sp: [number, number]): boolean {
    if (this.copyBudget > 0) return true;
    if (!this.budgetReported) {
      this.problem(sp[0], sp[1], 'Too many alias copies; further aliases are left empty');
      this.budgetReported = true;
    }
    return false;
  }

  private register(node: unknown): void {
    if (this.copyDepth > 0) { this.copyBudget--; return; }
    const a = (node as { anchor?: string } | null)?.anchor;
    if (a) this.anchors.set(a, node);
  }

  private sourceOf(node: { range?: [number, number, number] | null; source?: unknown }): string {
    const r = node.range;
    if (r) return this.text.slice(r[0], r[1]);
    return typeof node.source === 'string' ? node.source : '';
  }

  /** The JS object key yaml.parse makes of a key node. */
  private keyString(key: unknown): string {
    if (key === null || key === undefined) return '';
    if (isAlias(key)) {
      const t = this.anchors.get(key.source);
      return t === undefined || t === key ? '' : this.keyString(t);
    }
    if (isScalar(key)) {
      const v: unknown = key.value;
      if (v === null || v === undefined) return '';
      if (typeof v === 'symbol') return v.description ?? '';
      if (typeof v === 'object') return this.sourceOf(key);
      return String(v);
    }
    // A collection as a key: yaml.parse uses its flow-style YAML text. Making that text costs more than linear time
    // in the key's nesting (a 600-deep key took seconds), so only small, shallow keys get it; any other key (which
    // can name nothing Envoy reads) is its source text with white space runs as one space, at most 1,024 characters.
    if (!smallCollection(key)) {
      const src = this.sourceOf(key as { range?: [number, number, number] }).replace(/\s+/g, ' ');
      return src.length > MAX_IMPLICIT_KEY ? `${src.slice(0, MAX_IMPLICIT_KEY)}…` : src;
    }
    try {
      const d = new Document();
      const copy = (key as YamlNode).clone() as YamlNode;
      copy.commentBefore = undefined;
      copy.comment = undefined;
      copy.anchor = undefined;
      d.contents = copy;
      return d.toString({ collectionStyle: 'flow' }).trimEnd();
    } catch {
      return this.sourceOf(key as { range?: [number, number, number] });
    }
  }

  private isMergeKey(key: unknown): boolean {
    if (!isScalar(key) || (key.type && key.type !== 'PLAIN')) return false;
    const v: unknown = key.value;
    return v === '<<' || (typeof v === 'symbol' && v.description === '<<');
  }

  /** The members of a map as yaml.parse sees them: merge keys expanded (explicit keys win, earlier sources win).
   *  Lazy, so that anchors on earlier values of the same map are known when a merge key refers to them. */
  private *members(map: YAMLMap, via: [number, number] | null): Generator<Member> {
    const items = map.items as Pair[];
    let explicit: Set<string> | null = null;
    for (const p of items) {
      if (this.isMergeKey(p.key)) { explicit = new Set(); break; }
    }
    if (explicit) for (const p of items) if (!this.isMergeKey(p.key)) explicit.add(this.keyString(p.key));
    const merged = new Set<string>();
    for (const p of items) {
      if (explicit && this.isMergeKey(p.key)) {
        for (const [source, sourceVia] of this.mergeSources(p.value, via)) {
          for (const m of this.members(source, sourceVia)) {
            if (explicit.has(m.key) || merged.has(m.key)) continue;
            merged.add(m.key);
            yield m;
          }
        }
        continue;
      }
      this.registerAll(p.key);
      const key = this.keyString(p.key);
      const [ks, ke] = via ?? (p.key ? this.span(p.key) : this.span(p.value));
      yield { key, value: p.value, keyStart: ks, keyEnd: p.key ? ke : ks, via };
    }
  }

  /** Anchors inside a key (keys are not walked into the tape). Iterative: a key may nest deeply. */
  private registerAll(root: unknown): void {
    if (this.copyDepth > 0) return;
    const stack: unknown[] = [root];
    while (stack.length > 0) {
      const node = stack.pop();
      if (node === null || node === undefined || isAlias(node)) continue;
      const a = (node as { anchor?: string }).anchor;
      if (a) this.anchors.set(a, node);
      // Pushed in reverse, so anchors register in document order (a later anchor of the same name wins).
      if (isMap(node)) {
        const items = node.items as Pair[];
        for (let i = items.length - 1; i >= 0; i--) stack.push(items[i].value, items[i].key);
      } else if (isSeq(node)) {
        for (let i = node.items.length - 1; i >= 0; i--) stack.push(node.items[i]);
      }
    }
  }

  private mergeSources(value: unknown, via: [number, number] | null): Array<[YAMLMap, [number, number] | null]> {
    const out: Array<[YAMLMap, [number, number] | null]> = [];
    const one = (v: unknown, outerVia: [number, number] | null) => {
      let node = v;
      let sv = outerVia;
      if (isAlias(v)) {
        node = this.target(v);
        sv = outerVia ?? this.span(v);
        if (node === undefined) return; // reported already
      }
      if (isMap(node)) out.push([node, sv]);
      else {
        const [s, e] = outerVia ?? this.span(v);
        this.problem(s, e, 'Merge sources must be maps or map aliases');
      }
    };
    let v = value;
    let seqVia = via;
    if (isAlias(value)) {
      const t = this.target(value);
      if (isSeq(t)) { v = t; seqVia = via ?? this.span(value); }
    }
    if (isSeq(v)) for (const it of v.items) one(it, seqVia);
    else one(value, via);
    return out;
  }
}

/** Whether a collection used as a key is small and shallow enough (64 nodes, 8 levels) to be stringified as YAML. */
function smallCollection(root: unknown): boolean {
  const stack: Array<[unknown, number]> = [[root, 1]];
  let count = 0;
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (++count > 64 || depth > 8) return false;
    if (isMap(node)) for (const p of node.items as Pair[]) stack.push([p.key, depth + 1], [p.value, depth + 1]);
    else if (isSeq(node)) for (const it of node.items) stack.push([it, depth + 1]);
  }
  return true;
}
/** End of the block scalar whose token is text[s, e): its last non-blank content, or its header when it has none. */
function blockScalarEnd(text: string, s: number, e: number): number {
  let h = s + 1;
  for (let k = 0; k < 2; k++) {
    const c = text.charCodeAt(h);
    if (c === DASH || c === PLUS || (c >= 0x31 && c <= 0x39)) h++;
  }
  const nl = text.indexOf('\n', h);
  if (nl < 0 || nl >= e) return h;
  while (e > nl && isBlank(text.charCodeAt(e - 1))) e--;
  return e > nl ? e : h;
}
