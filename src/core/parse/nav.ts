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

/** The plain value of a scalar node (null for anything that is not a string, number or boolean). */
function scalarValue(t: Tape, node: number): unknown {
  switch (t.kind[node]) {
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

/** Sets member `key` of `o` as an own data property: a `"__proto__"` key in a dump is data, as JSON.parse keeps it. */
function setOwn(o: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Builds a plain JS value from a subtree (used for small pieces only: never the whole dump). Iterative, with its own
 * stack, so no nesting can overflow the call stack (the readers also cut nesting at MAX_DEPTH, see tape.ts).
 */
export function toValue(t: Tape, node: number): unknown {
  const k = t.kind[node];
  if (k !== KIND_OBJECT && k !== KIND_ARRAY) return scalarValue(t, node);
  const make = (i: number): Record<string, unknown> | unknown[] => (t.kind[i] === KIND_OBJECT ? {} : []);
  const root = make(node);
  // Open containers: tape node, its value, and the next child to visit.
  const nodes: number[] = [node];
  const values: Array<Record<string, unknown> | unknown[]> = [root];
  const cursor: number[] = [node + 1];
  while (nodes.length > 0) {
    const top = nodes.length - 1;
    const c = cursor[top];
    if (c >= t.next[nodes[top]]) {
      nodes.pop();
      values.pop();
      cursor.pop();
      continue;
    }
    cursor[top] = t.next[c];
    const ck = t.kind[c];
    const v = ck === KIND_OBJECT || ck === KIND_ARRAY ? make(c) : scalarValue(t, c);
    const parent = values[top];
    if (Array.isArray(parent)) parent.push(v);
    else setOwn(parent, t.keyText(c) ?? '', v);
    if (ck === KIND_OBJECT || ck === KIND_ARRAY) {
      nodes.push(c);
      values.push(v as Record<string, unknown> | unknown[]);
      cursor.push(c + 1);
    }
  }
  return root;
}
