// Writes the YAML twin of every JSON fixture (test/fixtures/X.json → X.yaml), block style as `yq -P` prints.
// Run after editing a JSON fixture; the unit tests run every assertion against both files.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'jsonc-parser';
import { stringify } from 'yaml';

const dir = new URL('../test/fixtures/', import.meta.url);
for (const f of readdirSync(dir)) {
  if (!f.endsWith('.json')) continue;
  // Fixtures may carry what real files carry: an HTTP status line first, trailing commas.
  const text = readFileSync(new URL(f, dir), 'utf8').replace(/^\d{3}\r?\n/, '');
  const value = parse(text, [], { allowTrailingComma: true });
  writeFileSync(new URL(f.replace(/\.json$/, '.yaml'), dir), stringify(value, { lineWidth: 0 }));
}
