/**
 * CodeLens over top-level listeners, route configurations, clusters, secrets and endpoint configs: "used by N
 * references · M endpoints · K healthy", or "not referenced".
 */
import type { DefKind, Span } from '../model/types';
import type { Workspace } from '../workspace';

const LENS_KINDS: ReadonlySet<DefKind> = new Set<DefKind>(['listener', 'routeConfig', 'cluster', 'secret', 'endpoints']);
/** Beyond this many candidate definitions a file gets no CodeLens (VS Code itself drops them on very large files). */
export const MAX_LENSES = 5000;

/** Where a lens goes: the definition's index in its analysis and its name's span. */
export interface LensSite {
  index: number;
  span: Span;
}

export interface LensText {
  title: string;
  /** Where "show references" should look from (the definition's name), when there are any. */
  referencesAt?: number;
}

/** The definitions of a file that get a lens (none at all beyond MAX_LENSES). */
export function codeLensSites(workspace: Workspace, uri: string): LensSite[] {
  const a = workspace.get(uri);
  if (!a) return [];
  const out: LensSite[] = [];
  a.defs.forEach((d, i) => {
    if (LENS_KINDS.has(d.kind) && d.group === 'main' && d.nameSpan.end - d.nameSpan.start > 1) out.push({ index: i, span: d.nameSpan });
  });
  return out.length > MAX_LENSES ? [] : out;
}

/** The lens text of definition `index` of `uri`, or undefined when the file or definition is gone. */
export function codeLensText(workspace: Workspace, uri: string, index: number): LensText | undefined {
  const a = workspace.get(uri);
  const d = a?.defs[index];
  if (!a || !d) return undefined;
  const refs = workspace.referencesTo(a.uri, d.kind, d.name).filter((r) => !r.ref.soft);
  const parts: string[] = [];
  parts.push(refs.length === 0 ? 'not referenced' : `used by ${refs.length} ${d.kind === 'routeConfig' ? 'listener' : 'reference'}${refs.length === 1 ? '' : 's'}`);
  let e = d.info.endpoints;
  if (!e && d.info.edsName) e = workspace.resolve(a.uri, 'endpoints', d.info.edsName)[0]?.def.info.endpoints;
  if (e) parts.push(`${e.total} endpoint${e.total === 1 ? '' : 's'} · ${e.healthy} healthy`);
  return { title: parts.join(' · '), referencesAt: refs.length ? d.nameSpan.start : undefined };
}
