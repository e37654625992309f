/**
 * The real dumps of ../shared/corpus, for the suites that run over them. The folder is not part of the repository:
 * without it, `eachCorpusDump` registers one skipped test that says so (and prints the notice), and `corpusDumps()`
 * is empty.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { it } from 'node:test';

/** ../shared/corpus beside the checkout (this file runs from out/test/unit). */
export const CORPUS = path.resolve(__dirname, '..', '..', '..', '..', 'shared', 'corpus');

export interface CorpusDump {
  name: string;
  path: string;
  /** What VS Code would open it as: YAML for .yaml / .yml, else JSON (three dumps have no extension). */
  languageId: 'json' | 'yaml';
}

/** Every dump of the corpus in name order: all its files but INDEX.tsv (and dot files); [] when it is absent. */
export function corpusDumps(): CorpusDump[] {
  if (!existsSync(CORPUS)) return [];
  return readdirSync(CORPUS)
    .filter((n) => n !== 'INDEX.tsv' && !n.startsWith('.'))
    .sort()
    .map((name) => ({ name, path: path.join(CORPUS, name), languageId: /\.ya?ml$/i.test(name) ? 'yaml' : 'json' }));
}

/** One test per corpus dump, named `<file>: <claim>`; one skipped test and a notice when the corpus is absent. */
export function eachCorpusDump(claim: string, body: (dump: CorpusDump, bytes: Buffer) => void): void {
  const dumps = corpusDumps();
  if (dumps.length === 0) {
    it(`is skipped: ${CORPUS} is not beside this checkout`, (t) => {
      console.log(`# corpus tests skipped (${claim}): ${CORPUS} does not exist`);
      t.skip('no ../shared/corpus');
    });
    return;
  }
  for (const d of dumps) it(`${d.name}: ${claim}`, { timeout: 60_000 }, () => body(d, readFileSync(d.path)));
}
