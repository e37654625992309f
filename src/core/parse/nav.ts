/** Small readers over a Tape: find a member by key id, walk children, read strings. */
import { KIND_ARRAY, KIND_FALSE, KIND_NUMBER, KIND_OBJECT, KIND_STRING, KIND_TRUE, type Tape } from './tape';

/** The member of object `obj` whose key id is `key`, or -1. */
export function member(t: Tape, obj: number, key: number): number {
  if (obj < 0 || t.kind[obj] !== KIND_OBJECT) return -1;
  const end = t.next[obj];
  for (let c = obj + 1; c < end; c = t.next[c]) {
    if (t.keyId[c] === key) return c;
  }
  return -1;
}

/** The string value of member `key` of `obj`, or undefined. */
export function memberStr(t: Tape, obj: number, key: number): string | undefined {
  const m = member(t, obj, key);
  return m >= 0 && t.kind[m] === KIND_STRING ? t.str(m) : undefined;
}

/** Children of a container (members of an object, items of an array). */
export function children(t: Tape, node: number): number[] {
  const out: number[] = [];
  if (node < 0) return out;
  const k = t.kind[node];
  if (k !== KIND_OBJECT && k !== KIND_ARRAY) return out;
  const end = t.next[node];
  for (let c = node + 1; c < end; c = t.next[c]) out.push(c);
  return out;
}

/** True when node is an object. */
export function isObject(t: Tape, node: number): boolean {
  return node >= 0 && t.kind[node] === KIND_OBJECT;
}

/** True when node is an array. */
export function isArray(t: Tape, node: number): boolean {
  return node >= 0 && t.kind[node] === KIND_ARRAY;
}

/** String value of node, or undefined when it is not a string. */
export function strOf(t: Tape, node: number): string | undefined {
  return node >= 0 && t.kind[node] === KIND_STRING ? t.str(node) : undefined;
}

/** Builds a plain JS value from a subtree (used for small pieces only: never the whole dump). */
export function toValue(t: Tape, node: number): unknown {
  switch (t.kind[node]) {
    case KIND_OBJECT: {
      const o: Record<string, unknown> = {};
      // Own data properties: a `"__proto__"` key in a dump is data, as JSON.parse keeps it, not a prototype.
      for (const c of children(t, node)) {
        Object.defineProperty(o, t.keyText(c) ?? '', { value: toValue(t, c), enumerable: true, writable: true, configurable: true });
      }
      return o;
    }
    case KIND_ARRAY:
      return children(t, node).map((c) => toValue(t, c));
    case KIND_STRING:
      return t.str(node);
    case KIND_NUMBER:
      return t.num(node);
    case KIND_TRUE:
      return true;
    case KIND_FALSE:
      return false;
    default:
      return null;
  }
}
