/** "What came closest": edit distance and common prefixes, to suggest the name a dead end probably meant. */

/** Levenshtein distance (insert, delete, substitute: cost 1), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (x === y) return 0;
  if (!x.length) return y.length;
  if (!y.length) return x.length;
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const cur = [i];
    for (let j = 1; j <= y.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[y.length];
}

/** The candidates nearest to `target` by edit distance (ties kept, at most `max`), nearest first. */
export function closest(target: string, candidates: Iterable<string>, max = 3): string[] {
  const seen = new Set<string>();
  const scored: Array<{ c: string; d: number }> = [];
  for (const c of candidates) {
    if (seen.has(c)) continue;
    seen.add(c);
    scored.push({ c, d: editDistance(target, c) });
  }
  scored.sort((p, q) => p.d - q.d || p.c.localeCompare(q.c));
  if (scored.length === 0) return [];
  const best = scored[0].d;
  return scored.filter((s) => s.d === best).slice(0, max).map((s) => s.c);
}

/** Length of the common prefix of two strings. */
export function commonPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}
