/**
 * Parent→children and references-by-owner lookups of one analysis, built once per analysis and cached (a WeakMap, so
 * a replaced analysis takes its tables with it). Read by the traffic tree and the graph.
 *
 * These belong in the workspace index (built with it, once); they live here, over the public Analysis, until the
 * index offers them.
 */
import type { Analysis, Reference } from '../model/types';

export interface DefTables {
  /** Definition index → the indexes of the definitions whose `parent` it is, in document order. */
  children: ReadonlyMap<number, readonly number[]>;
  /** Definition index → the references it holds (`from`), in document order. */
  refsFrom: ReadonlyMap<number, readonly Reference[]>;
}

const cache = new WeakMap<Analysis, DefTables>();

export function tablesOf(a: Analysis): DefTables {
  let t = cache.get(a);
  if (t) return t;
  const children = new Map<number, number[]>();
  a.defs.forEach((d, i) => {
    if (d.parent < 0) return;
    let l = children.get(d.parent);
    if (!l) children.set(d.parent, (l = []));
    l.push(i);
  });
  const refsFrom = new Map<number, Reference[]>();
  for (const r of a.refs) {
    if (r.from < 0) continue;
    let l = refsFrom.get(r.from);
    if (!l) refsFrom.set(r.from, (l = []));
    l.push(r);
  }
  t = { children, refsFrom };
  cache.set(a, t);
  return t;
}
