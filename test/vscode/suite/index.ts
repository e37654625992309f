/**
 * Entry point the extension host loads through extensionTestsPath: runs every *.test.js beside it with mocha (TDD
 * UI) and resolves when they pass. Files run in a fixed order because the extension's workspace is shared by the
 * whole run: the istioctl files are checked alone before any full dump is open (a full dump in scope makes every
 * kind checkable). MOCHA_GREP (from EXT_TEST_ENV) selects tests.
 */
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

const ORDER = ['host', 'istioctl', 'plain', 'sidecar', 'yaml', 'bootstrap'];

function rank(file: string): number {
  const i = ORDER.findIndex((p) => file.startsWith(p));
  return i < 0 ? ORDER.length : i;
}

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 60_000, grep: process.env.MOCHA_GREP || undefined });
  const files = readdirSync(__dirname)
    .filter((f) => f.endsWith('.test.js'))
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  for (const f of files) mocha.addFile(path.join(__dirname, f));
  return new Promise((resolve, reject) => {
    try {
      const runner = mocha.run((failures) => {
        const { passes = 0, pending = 0 } = runner.stats ?? {};
        // The plain closing line CI reads, after mocha's own "N passing / N failing".
        console.log(`integration: ${passes} passed, ${failures} failed${pending ? `, ${pending} skipped` : ''}`);
        if (failures > 0) reject(new Error(`${failures} integration test(s) failed`));
        else resolve();
      });
    } catch (e) {
      reject(e as Error);
    }
  });
}
