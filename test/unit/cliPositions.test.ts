/**
 * The CLI places findings without decoding an ASCII file or building its line table: its positions must be the
 * editor's (LineIndex over the decoded text) for every offset, with LF, CRLF, blank lines, a file without a final
 * newline, and for non-ASCII files (which take the decoded path).
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { LineIndex, analyze } from '../../src/core/facade';
import { positionsOf, type Loaded } from '../../src/cli/load';

function loaded(text: string): Loaded {
  const bytes = Buffer.from(text, 'utf8');
  return { path: 'x.json', uri: 'file:///x.json', bytes, analysis: analyze('file:///x.json', bytes) };
}

function expectSame(text: string): void {
  const li = new LineIndex(text);
  const offsets: number[] = [];
  for (let o = 0; o <= text.length; o++) offsets.push(o);
  // Asked out of order and twice, as findings' starts and ends are.
  const asked = [...offsets].reverse().concat(offsets);
  const got = positionsOf(loaded(text), asked);
  for (const o of offsets) assert.deepEqual(got.get(o), li.positionAt(o), `offset ${o} of ${JSON.stringify(text.slice(0, 40))}`);
}

describe('positionsOf (CLI finding positions)', () => {
  it('agrees with LineIndex on LF, CRLF, blank lines and no final newline', () => {
    expectSame('{\n  "a": 1,\n\n  "b": [\n    2\n  ]\n}\n');
    expectSame('{\r\n  "a": 1,\r\n\r\n  "b": 2\r\n}');
    expectSame('\n\n\n');
    expectSame('{"a":1}');
  });

  it('agrees with LineIndex on non-ASCII text (multibyte and astral characters)', () => {
    expectSame('{\n  "name": "café",\n  "emoji": "😀😀",\n  "x": "ü"\n}\n');
  });

  it('places the findings of a long ASCII file exactly, far from its start', () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `    {"name": "c${i}", "type": "STATIC"}`);
    const text = `{\n  "clusters": [\n${rows.join(',\n')}\n  ]\n}\n`;
    const li = new LineIndex(text);
    const offsets = [text.lastIndexOf('c4999'), text.indexOf('c2500'), 0, text.length];
    const got = positionsOf(loaded(text), offsets);
    for (const o of offsets) assert.deepEqual(got.get(o), li.positionAt(o));
    assert.equal(got.get(text.lastIndexOf('c4999'))!.line, 5001);
  });
});
