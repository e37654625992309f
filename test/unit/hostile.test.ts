/**
 * Hostile input for the readers (issue 8, section 3): every input is built here from its description, each test has a
 * generous timeout so that a hang fails it, and each asserts the diagnostics, never a time.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { type Analysis, type Diagnostic } from '../../src/core/facade';
import { checkOne } from './checkOne';
import { MSG, scanJson } from '../../src/core/parse/jsonScanner';
import { toValue } from '../../src/core/parse/nav';
import {
  KIND_ARRAY, KIND_OBJECT, MAX_DEPTH, MAX_PARSE_PROBLEMS, MSG_EMPTY, MSG_TOO_DEEP, moreProblemsMessage, type Tape,
} from '../../src/core/parse/tape';
import { limitDepth, parseYamlToTape } from '../../src/core/parse/yamlTape';

const LIMIT = { timeout: 30_000 };

function run(input: string | Uint8Array, languageId: string): { a: Analysis; diags: Diagnostic[] } {
  const { a, diags } = checkOne('file:///hostile', input, languageId);
  for (const d of diags) {
    assert.ok(d.span.start >= 0 && d.span.start <= d.span.end && d.span.end <= a.length, `span ${JSON.stringify(d.span)} in ${a.length}`);
  }
  return { a, diags };
}

const parseErrors = (diags: Diagnostic[]) => diags.filter((d) => d.code === 'parse-error');

/** A listener whose HTTP filter carries `inner` inside its typed_config. */
function dumpWith(inner: string): string {
  return '{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.ListenersConfigDump","static_listeners":[{"listener":'
    + '{"name":"deep","address":{"socket_address":{"address":"0.0.0.0","port_value":80}},"filter_chains":[{"filters":'
    + `[{"name":"f","typed_config":{"@type":"type.googleapis.com/x","v":${inner}}}]}]}}]}]}`;
}

/** Depth of the deepest node of a tape (iteratively). */
function tapeDepth(t: Tape): number {
  let max = 0;
  const stack: Array<[number, number]> = t.roots.map((r) => [r, 1]);
  while (stack.length > 0) {
    const [i, d] = stack.pop()!;
    if (d > max) max = d;
    if (t.kind[i] === KIND_OBJECT || t.kind[i] === KIND_ARRAY) {
      for (let c = i + 1; c < t.next[i]; c = t.next[c]) stack.push([c, d + 1]);
    }
  }
  return max;
}

/** Depth of a plain value (iteratively; a scalar is 0). */
function valueDepth(root: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[root, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (d + 1 > max) max = d + 1;
    for (const c of Object.values(v)) stack.push([c, d + 1]);
  }
  return max;
}

describe('deep nesting is cut at MAX_DEPTH with a parse-error, in every reader and stage', () => {
  for (const depth of [3_000, 100_000]) {
    const text = dumpWith('['.repeat(depth) + ']'.repeat(depth));
    const cutAt = text.indexOf('[[') + (MAX_DEPTH - 6); // six containers enclose "v"'s array: configs..typed_config
    for (const [label, input] of [['string', text], ['Buffer', Buffer.from(text)]] as const) {
      it(`${depth} nested arrays in typed_config (JSON, ${label})`, LIMIT, () => {
        const { a, diags } = run(input, 'json');
        const errs = parseErrors(diags);
        assert.equal(errs.length, 1, JSON.stringify(errs));
        assert.equal(errs[0].message, MSG_TOO_DEEP);
        assert.equal(text[errs[0].span.start], '[');
        assert.ok(errs[0].span.start > cutAt - 16 && errs[0].span.start < cutAt + 16, `cut at ${errs[0].span.start}`);
        assert.ok(a.defs.some((d) => d.kind === 'listener' && d.name === 'deep'), 'the listener is still indexed');
        const t = scanJson(input);
        assert.equal(tapeDepth(t), MAX_DEPTH + 1);
        // The trace re-reads resources with toValue: the whole (cut) tree comes back.
        assert.equal(valueDepth(toValue(t, 0)), MAX_DEPTH + 1);
      });
    }
    it(`${depth} nested flow sequences as a YAML value`, LIMIT, () => {
      const yaml = 'static_resources:\n  listeners:\n  - name: deep\n    v: ' + '['.repeat(depth) + ']'.repeat(depth) + '\n';
      const { a, diags } = run(yaml, 'yaml');
      const errs = parseErrors(diags);
      assert.deepEqual(errs.map((d) => d.message), [MSG_TOO_DEEP]);
      assert.equal(yaml[errs[0].span.start], '[');
      assert.ok(a.defs.some((d) => d.kind === 'listener' && d.name === 'deep'));
      assert.ok(tapeDepth(parseYamlToTape(yaml)) <= MAX_DEPTH + 1);
    });
    it(`${depth} compact block sequences (- - - …) in YAML`, LIMIT, () => {
      const yaml = 'v:\n' + '- '.repeat(depth) + 'x\n';
      const { diags } = run(yaml, 'yaml');
      assert.ok(parseErrors(diags).some((d) => d.message === MSG_TOO_DEEP), JSON.stringify(diags.slice(0, 3)));
      // Block nesting is estimated from indentation (limitDepth): the cut may land a level or two later.
      const depthAfter = tapeDepth(parseYamlToTape(yaml));
      assert.ok(depthAfter >= MAX_DEPTH && depthAfter <= MAX_DEPTH + 4, `depth ${depthAfter}`);
    });
    it(`${depth} nested arrays in a YAML file holding JSON (JSON scanner, then YAML reader)`, LIMIT, () => {
      const { diags } = run(dumpWith('['.repeat(depth) + ']'.repeat(depth)), 'yaml');
      assert.ok(parseErrors(diags).some((d) => d.message === MSG_TOO_DEEP));
    });
  }

  it('the depth limiter keeps every offset and blanks only what is too deep', LIMIT, () => {
    const text = 'a:\n  b: ' + '['.repeat(MAX_DEPTH + 10) + '"x]"' + ']'.repeat(MAX_DEPTH + 10) + '\nc: 1\n';
    const r = limitDepth(text, MAX_DEPTH);
    assert.ok(r);
    assert.equal(r.text.length, text.length);
    assert.equal(r.cuts.length, 1);
    assert.ok(r.text.endsWith('\nc: 1\n'));
    assert.ok(!r.text.includes('"x]"'));
    assert.equal(limitDepth('a:\n  b: [[1], {c: d}]\n', MAX_DEPTH), undefined);
  });
});

describe('mismatched closers are recovered in linear time', () => {
  it('200 KB of [ then one } inside an object', LIMIT, () => {
    const text = '{"a":' + '['.repeat(200_000) + '}';
    const { diags } = run(text, 'json');
    const msgs = parseErrors(diags).map((d) => d.message);
    assert.ok(msgs.includes(MSG_TOO_DEEP));
    assert.ok(msgs.includes(MSG.eof));
  });
  it('thousands of closers that each close 250 levels at once', LIMIT, () => {
    const unit = '{"a":' + '['.repeat(250) + '}';
    const n = 800; // 200 KB
    const t = scanJson('[' + unit.repeat(n) + ']');
    // Each unit: its object, closed by its own brace with its 250 arrays, then a missing comma before the next.
    let count = 0;
    for (let c = 1; c < t.next[0]; c = t.next[c]) {
      assert.equal(t.kind[c], KIND_OBJECT);
      count++;
    }
    assert.equal(count, n);
    assert.equal(tapeDepth(t), 252);
    assert.equal(t.problems.length, MAX_PARSE_PROBLEMS + 1);
    assert.match(t.problems[MAX_PARSE_PROBLEMS].message, /^\d+ more parse errors not shown/);
  });
});

describe('YAML keys cost linear time', () => {
  it('ten explicit keys that are 600-deep flow maps', LIMIT, () => {
    const one = (i: number) => '? ' + `{a${i}: `.repeat(600) + 'b' + '}'.repeat(600) + '\n: v\n';
    const text = Array.from({ length: 10 }, (_, i) => one(i)).join('');
    const { diags } = run(text, 'yaml');
    assert.deepEqual(parseErrors(diags).map((d) => d.message), Array(10).fill(MSG_TOO_DEEP));
  });
  it('ten explicit keys that are 200-deep flow maps (under the limit): their source text, one line', LIMIT, () => {
    const one = (i: number) => '? ' + `{a${i}: `.repeat(200) + 'b' + '}'.repeat(200) + '\n: v\n';
    const text = Array.from({ length: 10 }, (_, i) => one(i)).join('');
    const t = parseYamlToTape(text);
    assert.deepEqual(t.problems, []);
    let members = 0;
    for (let c = 1; c < t.next[0]; c = t.next[c]) {
      const key = t.keyText(c) ?? '';
      assert.ok(key.startsWith(`{a${members}: {a${members}: `) && key.length <= 1025, key.slice(0, 40));
      members++;
    }
    assert.equal(members, 10);
  });
  for (const quote of ['', '"']) {
    it(`a 20 MB ${quote ? 'quoted' : 'plain'} scalar used as a key`, LIMIT, () => {
      const big = 'x'.repeat(20_000_000);
      const text = `${quote}${big}${quote}: 1\nname: n\n`;
      const t = parseYamlToTape(text);
      assert.equal(t.problems.length, 1);
      assert.match(t.problems[0].message, /at most 1024 chars/);
      assert.deepEqual([t.problems[0].start, t.problems[0].end], [0, big.length + 2 * quote.length]);
      assert.equal(t.keyText(1)?.length, big.length);
      assert.equal(t.keyText(2), 'name');
    });
  }
});

describe('problems are capped per file', () => {
  it('aliases to a missing anchor fanned out: 100 problems, then one that counts the rest', LIMIT, () => {
    let text = 'a: &a [' + Array(10).fill('*missing').join(', ') + ']\n';
    let prev = 'a';
    for (const name of 'bcdefghij') {
      text += `${name}: &${name} [${Array(10).fill(`*${prev}`).join(', ')}]\n`;
      prev = name;
    }
    assert.ok(text.length < 600);
    const { a, diags } = run(text, 'yaml');
    assert.equal(a.problems.filter((p) => p.code === 'parse-error').length, MAX_PARSE_PROBLEMS + 1);
    const more = parseErrors(diags).filter((d) => /more parse errors not shown/.test(d.message));
    assert.equal(more.length, 1);
    const n = Number(/^(\d+)/.exec(more[0].message)?.[1]);
    assert.ok(n > 1000, more[0].message);
    assert.equal(more[0].message, moreProblemsMessage(n));
  });
  it('a JSON file of garbage: the same cap', LIMIT, () => {
    const { diags } = run('[' + '@,'.repeat(50_000) + ']', 'json');
    assert.equal(parseErrors(diags).length, MAX_PARSE_PROBLEMS + 1);
  });
});

describe('an empty file: one parse-error, the same in JSON and YAML', () => {
  const cases: Array<[string, string]> = [
    ['', 'json'], ['  \n\t\n', 'json'], ['\ufeff', 'json'], ['// nothing here\n', 'json'], ['/* nothing */', 'jsonc'],
    ['', 'yaml'], ['\n\n', 'yaml'], ['# only a comment\n# and another\n', 'yaml'], ['---\n', 'yaml'], ['---\n...\n', 'yaml'],
  ];
  for (const [text, lang] of cases) {
    it(`${JSON.stringify(text)} as ${lang}`, LIMIT, () => {
      for (const input of [text, Buffer.from(text)]) {
        const { a, diags } = run(input, lang);
        assert.equal(a.shape, 'empty');
        assert.deepEqual(diags.map((d) => [d.code, d.severity, d.message, d.span.start, d.span.end]),
          [['parse-error', 'error', MSG_EMPTY, 0, 0]]);
      }
    });
  }
});

describe('JSON strings and bytes are held to what JSON.parse accepts', () => {
  const cases: Array<[string, string, string]> = [
    ['NUL in a string', '{"name":"a\u0000b"}', MSG.control],
    ['raw tab in a key', '{"na\tme":"ab"}', MSG.control],
    ['raw line break in a string', '{"name":"a\nb"}', MSG.control],
    ['bad \\u escape', '{"name":"a\\u12G4"}', MSG.escape],
    ['short \\u escape at the end', '{"name":"a\\u12"}', MSG.escape],
    ['unknown escape', '{"name":"a\\qb"}', MSG.escape],
    ['unknown escape in a key', '{"na\\qme":"b"}', MSG.escape],
  ];
  for (const [label, text, message] of cases) {
    it(label, LIMIT, () => {
      assert.throws(() => JSON.parse(text));
      for (const input of [text, Buffer.from(text)]) {
        const t = scanJson(input);
        assert.equal(t.problems.length, 1, JSON.stringify(t.problems));
        assert.equal(t.problems[0].message, message);
        assert.equal(t.length, 2, 'the value is still indexed');
      }
    });
  }
  it('invalid UTF-8 bytes', LIMIT, () => {
    for (const bad of [[0xff], [0xc0, 0xaf], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80]]) {
      const b = Buffer.concat([Buffer.from('{"name":"a'), Buffer.from(bad), Buffer.from('b"}')]);
      const t = scanJson(b);
      assert.deepEqual(t.problems.map((p) => [p.message, p.start]), [[MSG.utf8, 10]], JSON.stringify(bad));
    }
    assert.deepEqual(scanJson(Buffer.from('{"name":"é😀"}')).problems, []);
  });
  it('what real dumps have stays tolerated', LIMIT, () => {
    for (const text of ['\ufeff{"a":1}', '200\n{"a":1}', 'HTTP/1.1 200 OK\ncontent-type: application/json\n\n{"a":1}',
      '{"a":[1,2,],}', '// c\n{"a": /* c */ 1}']) {
      assert.deepEqual(scanJson(text).problems, [], text);
      assert.deepEqual(scanJson(Buffer.from(text)).problems, [], text);
    }
  });
});
