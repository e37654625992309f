/** One file analyzed alone in a fresh workspace and checked: what most unit tests of the checks start from. */
import type { Diagnostic } from '../../src/core/checks/types';
import { analyze, check, Workspace, type Analysis } from '../../src/core/facade';

export function checkOne(uri: string, input: string | Uint8Array, languageId?: string): { a: Analysis; ws: Workspace; diags: Diagnostic[] } {
  const ws = new Workspace();
  const a = analyze(uri, input, languageId ? { languageId } : {});
  ws.set(a);
  return { a, ws, diags: check(ws, uri) };
}
