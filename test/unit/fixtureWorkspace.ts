/** Fixtures of test/fixtures loaded into a fresh core Workspace, and offsets of names in them: for the feature tests. */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { analyze, Workspace, type Analysis } from '../../src/core/facade';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures');

export interface Loaded {
  ws: Workspace;
  uri: string;
  text: string;
  a: Analysis;
}

/** One fixture analyzed into a new workspace (or into `ws`). */
export function loadFixture(name: string, ws = new Workspace()): Loaded {
  const text = readFileSync(path.join(FIXTURES, name), 'utf8');
  return loadText(`file:///fixtures/${name}`, text, ws);
}

/** Text analyzed as `uri` into a new workspace (or into `ws`); the language follows the extension. */
export function loadText(uri: string, text: string, ws = new Workspace()): Loaded {
  const a = analyze(uri, text, { languageId: /\.ya?ml$/.test(uri) ? 'yaml' : 'json' });
  ws.set(a);
  return { ws, uri, text, a };
}

/** Offset just inside NAME where it is the value of KEY (`"key": "NAME"` or `key: NAME`); nth occurrence. */
export function at(text: string, key: string, name: string, nth = 0): number {
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(`${esc(key)}"?\\s*:\\s*"?(${esc(name)})`, 'g');
  let m: RegExpExecArray | null;
  let i = 0;
  while ((m = re.exec(text))) {
    if (i++ === nth) return m.index + m[0].length - name.length + 1;
  }
  throw new Error(`${key}: ${name} not found`);
}

/** The text of a span without quotes. */
export function textAt(text: string, s: { start: number; end: number }): string {
  return text.slice(s.start, s.end).replace(/^["']|["']$/g, '');
}

/** Both twins of a fixture: `sidecar` → sidecar.json, sidecar.yaml. */
export const TWINS = (base: string) => [`${base}.json`, `${base}.yaml`];
