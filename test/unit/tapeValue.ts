/**
 * The test oracle for both tape readers: rebuilds the plain JS value of node i, own properties only (so a
 * `"__proto__"` key stays data, as JSON.parse and yaml.parse keep it), later duplicate keys winning, and an
 * unknown kind failing loudly. Independent of src/core/parse/nav.ts on purpose.
 */
import {
  KIND_ARRAY, KIND_FALSE, KIND_NULL, KIND_NUMBER, KIND_OBJECT, KIND_STRING, KIND_TRUE, type Tape,
} from '../../src/core/parse/tape';

export function build(t: Tape, i: number): unknown {
  switch (t.kind[i]) {
    case KIND_OBJECT: {
      const o: Record<string, unknown> = {};
      for (let c = i + 1; c < t.next[i]; c = t.next[c]) {
        Object.defineProperty(o, t.keyText(c) ?? '<no key>', {
          value: build(t, c), enumerable: true, writable: true, configurable: true,
        });
      }
      return o;
    }
    case KIND_ARRAY: {
      const a: unknown[] = [];
      for (let c = i + 1; c < t.next[i]; c = t.next[c]) a.push(build(t, c));
      return a;
    }
    case KIND_STRING: return t.str(i);
    case KIND_NUMBER: return t.num(i);
    case KIND_TRUE: return true;
    case KIND_FALSE: return false;
    case KIND_NULL: return null;
    default: throw new Error(`bad kind ${t.kind[i]} at node ${i}`);
  }
}
