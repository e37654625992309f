/** Document highlights: every definition (write) and reference (read) in the file of the name under the cursor. */
import type { Span } from '../model/types';
import type { Workspace } from '../workspace';

export interface Highlight {
  span: Span;
  /** `write` for a definition's name, `read` for a reference. */
  kind: 'write' | 'read';
}

export function highlightsAt(workspace: Workspace, uri: string, offset: number): Highlight[] {
  const a = workspace.get(uri);
  const target = a ? workspace.targetAt(uri, offset) : undefined;
  if (!a || !target) return [];
  const out: Highlight[] = [];
  for (const d of a.defs) if (d.kind === target.kind && d.name === target.name) out.push({ span: d.nameSpan, kind: 'write' });
  for (const r of a.refs) if (r.kind === target.kind && r.name === target.name) out.push({ span: r.span, kind: 'read' });
  return out;
}
