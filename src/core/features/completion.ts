/**
 * Completion of defined names: after a key that names a cluster or route configuration (either casing), or after
 * `name:` inside an SDS secret config or a weighted_clusters list, the names of that kind the workspace defines.
 */
import { KIND_LABEL } from '../describe';
import type { RefKind, Span } from '../model/types';
import type { Workspace } from '../workspace';

export interface CompletionCandidate {
  name: string;
  /** `Cluster · EDS`. */
  detail: string;
}

export interface Completions {
  kind: RefKind;
  /** The part of the name already typed, which the chosen candidate replaces. */
  replace: Span;
  candidates: CompletionCandidate[];
}

/** Keys whose value names a definition, both casings, and the kind they name. */
const VALUE_KEYS: Array<[RegExp, RefKind]> = [
  [/(?:^|[\s"{,])(?:cluster|collector_?[cC]luster|local_?[cC]luster_?[nN]ame|cluster_?[nN]ame)"?\s*:\s*"?([^"\s,]*)$/, 'cluster'],
  [/(?:^|[\s"{,])(?:route_?[cC]onfig_?[nN]ame|route_?[cC]onfiguration_?[nN]ame)"?\s*:\s*"?([^"\s,]*)$/, 'routeConfig'],
];
const NAME_KEY = /(?:^|[\s"{,-])name"?\s*:\s*"?([^"\s,]*)$/;
/** How many lines above the cursor say what a `name:` names. */
export const COMPLETION_LINES_ABOVE = 4;

/**
 * Which kind of name belongs at the cursor, from the key before it on its line and, for `name`, the lines above.
 * `before` is the text from the start of the line COMPLETION_LINES_ABOVE lines up (or the file) to the cursor.
 */
export function completionContext(before: string): { kind: RefKind; typed: string } | undefined {
  const nl = before.lastIndexOf('\n');
  const line = before.slice(nl + 1);
  for (const [re, kind] of VALUE_KEYS) {
    const m = re.exec(line);
    if (m) return { kind, typed: m[1] };
  }
  const m = NAME_KEY.exec(line);
  if (!m) return undefined;
  const above = before.slice(0, nl + 1);
  if (/sds_?[sS]ecret_?[cC]onfig/.test(above)) return { kind: 'secret', typed: m[1] };
  if (/weighted_?[cC]lusters/.test(above)) return { kind: 'cluster', typed: m[1] };
  return undefined;
}

/**
 * The names to offer at `offset` of `uri`, given the text before the cursor (see completionContext), or undefined
 * when the cursor is not where a name goes. Each name once, across the workspace.
 */
export function completionsAt(workspace: Workspace, uri: string, offset: number, before: string): Completions | undefined {
  const ctx = completionContext(before);
  if (!ctx || !workspace.get(uri)) return undefined;
  const seen = new Set<string>();
  const candidates: CompletionCandidate[] = [];
  for (const f of workspace.all()) {
    for (const d of f.defs) {
      if (d.kind !== ctx.kind || seen.has(d.name) || d.name.startsWith('(unnamed')) continue;
      seen.add(d.name);
      candidates.push({ name: d.name, detail: `${KIND_LABEL[d.kind]}${d.info.clusterType ? ` · ${d.info.clusterType}` : ''}` });
    }
  }
  return { kind: ctx.kind, replace: { start: offset - ctx.typed.length, end: offset }, candidates };
}
