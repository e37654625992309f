/** test/fixtures/secrets.json and .yaml (certificates made with openssl, dump time 2026-06-01T00:00:00Z), checked. */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { mock } from 'node:test';
import type { Diagnostic } from '../../src/core/checks/types';
import { checkOne } from './checkOne';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures');

export const CERT_TWINS = ['secrets.json', 'secrets.yaml'];

export function fixtureText(name: string): string {
  return readFileSync(path.join(FIXTURES, name), 'utf8');
}

/** The fixture without any `last_updated`: a dump that does not say when it was taken. */
export function withoutTimes(name: string): string {
  return fixtureText(name).replace(/^\s*"?last_updated"?: .*\n/gm, '');
}

/**
 * Findings of one code for `text` checked as `uri`, while Date.now and `new Date()` report `clock` (so a test shows the
 * wall clock plays no part), as `secret name → message`.
 */
export function findings(uri: string, text: string, code: string, clock = Date.parse('2031-01-01T00:00:00Z')): Array<{ secret: string; d: Diagnostic; text: string }> {
  const m = mock.method(Date, 'now', () => clock);
  try {
    const { a, diags } = checkOne(uri, text, uri.endsWith('.yaml') ? 'yaml' : 'json');
    return diags
      .filter((d) => d.code === code)
      .map((d) => {
        const owner = a.defs.find((def) => def.kind === 'secret' && def.span.start <= d.span.start && d.span.end <= def.span.end);
        return { secret: owner?.name ?? '?', d, text: text.slice(d.span.start, d.span.end) };
      });
  } finally {
    m.mock.restore();
  }
}
