/**
 * "Did you mean": for a name that resolves nowhere, the defined names of its kind nearest by edit distance, as
 * replacement texts the editor can apply.
 */
import { editDistance } from '../trace/closest';
import type { RefKind } from '../model/types';
import type { Workspace } from '../workspace';

/** The diagnostic codes a rename fixes. */
export const FIXABLE_CODES: ReadonlySet<string> = new Set(['unknown-cluster', 'unknown-route-config', 'unknown-secret', 'unknown-extension-config']);

export interface RenameFix {
  /** `Change to "reviews"`. */
  title: string;
  name: string;
  /** The text replacing the diagnostic's range, quoted as the original was. */
  replacement: string;
}

/** At most this many suggestions per name. */
const MAX_FIXES = 3;

/**
 * The defined names of a kind closest to `name`, at most three, nearest first (ties by name). Only names within
 * max(2, length / 3) edits; the file's own names when it defines that kind completely, else the workspace's.
 */
export function closestNames(workspace: Workspace, uri: string, kind: RefKind, name: string): string[] {
  const a = workspace.get(uri);
  if (!a) return [];
  const max = Math.max(2, Math.floor(name.length / 3));
  const scored: Array<[number, string]> = [];
  const seen = new Set<string>();
  const lower = name.toLowerCase();
  for (const f of a.complete.has(kind) ? [a] : workspace.all()) {
    for (const d of f.defs) {
      if (d.kind !== kind || seen.has(d.name)) continue;
      seen.add(d.name);
      // The length difference is a lower bound of the distance: most names are out before the quadratic part.
      if (Math.abs(d.name.length - name.length) > max) continue;
      const dist = trimmedDistance(lower, d.name.toLowerCase());
      if (dist <= max) scored.push([dist, d.name]);
    }
  }
  return scored.sort((x, y) => x[0] - y[0] || x[1].localeCompare(y[1])).slice(0, MAX_FIXES).map(([, n]) => n);
}

/**
 * The edit distance with the common prefix and suffix left out first, which does not change it: Istio names share
 * long ones (`outbound|9080||….svc.cluster.local`), so the quadratic part runs on the few characters that differ.
 */
function trimmedDistance(a: string, b: string): number {
  let start = 0;
  const n = Math.min(a.length, b.length);
  while (start < n && a[start] === b[start]) start++;
  let end = 0;
  while (end < n - start && a[a.length - 1 - end] === b[b.length - 1 - end]) end++;
  return editDistance(a.slice(start, a.length - end), b.slice(start, b.length - end));
}

/**
 * Fixes for a finding `code` whose range starts at `offset` and holds `original` (the name as written, perhaps
 * quoted): one rename per close name. Empty for codes a rename does not fix or when no name is close.
 */
export function quickFixesAt(workspace: Workspace, uri: string, offset: number, code: string, original: string): RenameFix[] {
  if (!FIXABLE_CODES.has(code)) return [];
  const ref = workspace.refAt(uri, offset + 1);
  if (!ref) return [];
  const quote = original[0] === '"' || original[0] === "'" ? original[0] : '';
  return closestNames(workspace, uri, ref.ref.kind, ref.ref.name).map((name) => ({
    title: `Change to "${name}"`,
    name,
    replacement: quote === '"' ? JSON.stringify(name) : `${quote}${name}${quote}`,
  }));
}
