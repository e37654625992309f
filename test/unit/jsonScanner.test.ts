import { test } from 'node:test';
import assert from 'node:assert/strict';

import { mulberry32 as prng } from '../../bench/generateDump';
import { CancellationError, MSG, SCANNER_PRIMER, scanJson } from '../../src/core/parse/jsonScanner';
import { K, KEY_NONE, KEY_UNKNOWN, keySpellings } from '../../src/core/parse/keys';
import { Utf8OffsetMap, isAsciiBytes, utf8ToUtf16Offset, utf8ToUtf16Offsets } from '../../src/core/parse/offsets';
import { build } from './tapeValue';
import {
  KIND_ARRAY, KIND_FALSE, KIND_NULL, KIND_NUMBER, KIND_OBJECT, KIND_STRING, KIND_TRUE, MAX_DEPTH, type Tape,
} from '../../src/core/parse/tape';

// ----------------------------------------------------------------------------------------------------------------
// Helpers


/** Structural invariants every tape must satisfy, whatever the input. */
function checkInvariants(t: Tape, srcLength: number): void {
  assert.equal(t.roots.length, t.length > 0 ? 1 : 0);
  for (let i = 0; i < t.length; i++) {
    const k = t.kind[i];
    assert.ok(k >= KIND_OBJECT && k <= KIND_NULL, `kind of ${i}`);
    assert.ok(t.next[i] > i && t.next[i] <= t.length, `next of ${i}`);
    if (k !== KIND_OBJECT && k !== KIND_ARRAY) assert.equal(t.next[i], i + 1);
    assert.ok(t.start[i] >= 0 && t.start[i] <= t.end[i] && t.end[i] <= srcLength, `span of ${i}`);
    // Children lie inside their parent, in order.
    let prevEnd = t.start[i];
    for (let c = i + 1; c < t.next[i]; c = t.next[c]) {
      assert.ok(t.next[c] <= t.next[i], `child ${c} of ${i} overruns`);
      assert.ok(t.start[c] >= prevEnd && t.end[c] <= t.end[i], `child ${c} of ${i} outside`);
      prevEnd = t.end[c];
    }
    if (t.keyStart[i] < 0) assert.equal(t.keyId[i], KEY_NONE);
    // Accessors never throw.
    t.str(i);
    t.num(i);
    t.keyText(i);
  }
  for (const p of t.problems) {
    assert.ok(p.start >= 0 && p.start <= p.end && p.end <= srcLength, `problem span ${JSON.stringify(p)}`);
    assert.ok(/^[A-Z].*\.$/.test(p.message), `problem message ${p.message}`);
  }
}

/** Member of object node `obj` whose key is `key`. */
function member(t: Tape, obj: number, key: string): number {
  for (let c = obj + 1; c < t.next[obj]; c = t.next[c]) if (t.keyText(c) === key) return c;
  return -1;
}


function bothInputs(text: string): Array<[string, Tape, number]> {
  const buf = Buffer.from(text, 'utf8');
  return [['buffer', scanJson(buf), buf.length], ['string', scanJson(text), text.length]];
}

// ----------------------------------------------------------------------------------------------------------------
// Kinds, spans, next[]

test('every kind, with spans, next[] and keys', () => {
  const text = '{"s": "x", "n": -1.5e3, "t": true, "f": false, "z": null, "o": {}, "a": [], "name": [1, {"b": 2}]}';
  for (const [label, t] of bothInputs(text)) {
    assert.equal(t.problems.length, 0, label);
    assert.deepEqual(t.roots, [0]);
    assert.equal(t.kind[0], KIND_OBJECT);
    assert.equal(t.start[0], 0);
    assert.equal(t.end[0], text.length);
    assert.equal(t.next[0], t.length);
    assert.equal(t.keyId[0], KEY_NONE);
    assert.equal(t.keyStart[0], -1);
    const kinds: Array<[string, number, string]> = [
      ['s', KIND_STRING, '"x"'], ['n', KIND_NUMBER, '-1.5e3'], ['t', KIND_TRUE, 'true'], ['f', KIND_FALSE, 'false'],
      ['z', KIND_NULL, 'null'], ['o', KIND_OBJECT, '{}'], ['a', KIND_ARRAY, '[]'],
    ];
    for (const [key, kind, src] of kinds) {
      const i = member(t, 0, key);
      assert.ok(i > 0, `${label}: member ${key}`);
      assert.equal(t.kind[i], kind, key);
      assert.equal(text.slice(t.start[i], t.end[i]), src, key);
      assert.equal(text.slice(t.keyStart[i], t.keyStart[i] + 3), `"${key}"`);
      assert.equal(t.keyId[i], KEY_UNKNOWN);
    }
    assert.equal(t.str(member(t, 0, 's')), 'x');
    assert.equal(t.num(member(t, 0, 'n')), -1500);
    assert.ok(Number.isNaN(t.num(member(t, 0, 's'))));
    assert.equal(t.str(member(t, 0, 'n')), '-1.5e3');
    assert.equal(t.str(member(t, 0, 't')), 'true');
    const o = member(t, 0, 'o');
    assert.equal(t.next[o], o + 1);
    const nameArr = member(t, 0, 'name');
    assert.equal(t.keyId[nameArr], K.name);
    // Skip over the array with next[]: it is the last member, so next is the end of the tape.
    assert.equal(t.next[nameArr], t.length);
    const first = nameArr + 1;
    assert.equal(t.keyId[first], KEY_NONE);
    assert.equal(t.keyText(first), undefined);
    const obj = t.next[first];
    assert.equal(t.kind[obj], KIND_OBJECT);
    assert.equal(t.next[obj], obj + 2);
    assert.equal(t.num(obj + 1), 2);
    assert.equal(t.keyText(obj + 1), 'b');
  }
});

test('nesting: next[] skips whole subtrees', () => {
  const text = JSON.stringify({ a: [[[1, 2], { b: [3, { c: 4 }] }], 5], d: { e: { f: { g: [] } } }, h: 6 }, null, 2);
  const t = scanJson(text);
  assert.equal(t.problems.length, 0);
  const children: string[] = [];
  for (let c = 1; c < t.next[0]; c = t.next[c]) children.push(t.keyText(c) ?? '');
  assert.deepEqual(children, ['a', 'd', 'h']);
  const a = member(t, 0, 'a');
  assert.equal(t.kind[t.next[a]], KIND_OBJECT);
  assert.equal(t.keyText(t.next[a]), 'd');
  assert.deepEqual(build(t, 0), JSON.parse(text));
  checkInvariants(t, text.length);
});

test('scalar and empty roots', () => {
  for (const text of ['42', '"x"', 'true', 'null', '-0.5', '[]', '{}', ' \n 7 \n']) {
    const t = scanJson(text);
    assert.equal(t.problems.length, 0, text);
    assert.deepEqual(build(t, 0), JSON.parse(text));
  }
  const empty = scanJson('');
  assert.equal(empty.length, 0);
  assert.deepEqual(empty.roots, []);
  assert.deepEqual(empty.problems, [{ start: 0, end: 0, message: MSG.empty }]);
  for (const text of ['  \n', '\ufeff', '// nothing\n', '/* nothing */']) {
    assert.deepEqual(scanJson(text).problems, [{ start: 0, end: 0, message: MSG.empty }], JSON.stringify(text));
  }
});

// ----------------------------------------------------------------------------------------------------------------
// Keys

test('keyId for every snake_case and camelCase spelling, and unknown keys', () => {
  const spellings = keySpellings();
  const obj: Record<string, number> = {};
  spellings.forEach(([text], i) => (obj[text] = i));
  const unknown = ['foo', 'nam', 'names', 'Name', 'route_config_nam', 'routeConfigNames', 'x', '', 'é', 'idx', 'i',
    'dynamic_active_listener', 'a_very_long_key_that_is_longer_than_any_vocabulary_key_at_all'];
  for (const u of unknown) obj[u] = -1;
  for (const [label, t] of bothInputs(JSON.stringify(obj, null, 1))) {
    assert.equal(t.problems.length, 0);
    let seen = 0;
    for (let c = 1; c < t.next[0]; c = t.next[c]) {
      const key = t.keyText(c) ?? '';
      const v = t.num(c);
      if (v >= 0) {
        assert.equal(key, spellings[v][0]);
        assert.equal(t.keyId[c], spellings[v][1], `${label}: ${key}`);
      } else {
        assert.equal(t.keyId[c], KEY_UNKNOWN, `${label}: ${key}`);
      }
      seen++;
    }
    assert.equal(seen, spellings.length + unknown.length);
  }
  const t = scanJson('{"route_config_name": "a", "routeConfigName": "b", "@type": "c", "id": 1, "rds": {}}');
  assert.equal(t.keyId[1], K.route_config_name);
  assert.equal(t.keyId[2], K.route_config_name);
  assert.equal(t.keyId[3], K['@type']);
  assert.equal(t.keyId[4], K.id);
  assert.equal(t.keyId[5], K.rds);
});

test('keys with escapes are decoded before lookup', () => {
  const text = '{"n\\u0061me": 1, "cluster\\u005fname": 2, "a\\"b": 3, "\\\\": 4}';
  for (const [, t] of bothInputs(text)) {
    assert.equal(t.problems.length, 0);
    assert.equal(t.keyId[1], K.name);
    assert.equal(t.keyText(1), 'name');
    assert.equal(t.keyId[2], K.cluster_name);
    assert.equal(t.keyText(3), 'a"b');
    assert.equal(t.keyId[3], KEY_UNKNOWN);
    assert.equal(t.keyText(4), '\\');
    assert.deepEqual(build(t, 0), JSON.parse(text));
  }
});

// ----------------------------------------------------------------------------------------------------------------
// Strings, escapes, non-ASCII offsets

test('escapes in string values', () => {
  const value = { a: 'x"y', b: 'back\\slash\\', c: 'tab\there\nnl', d: '\u00fc\u{1f600}', e: '\\"', f: '/\b\f\r', g: '' };
  const text = JSON.stringify(value) + '\n';
  for (const [, t] of bothInputs(text)) {
    assert.equal(t.problems.length, 0);
    assert.deepEqual(build(t, 0), value);
  }
  const t = scanJson('["\\u0041\\/\\u00e9"]');
  assert.equal(t.str(1), 'A/é');
});

test('offsets after non-ASCII text: bytes for Buffer, UTF-16 units for string', () => {
  const text = '{"a": "ü", "b": "😀", "name": "x", "c": ["é😀ü", 1], "d": "plain"}';
  const buf = Buffer.from(text, 'utf8');
  const tb = scanJson(buf);
  const ts = scanJson(text);
  assert.equal(tb.units, 'utf8');
  assert.equal(ts.units, 'utf16');
  assert.equal(tb.problems.length + ts.problems.length, 0);
  assert.equal(tb.length, ts.length);
  const bytesBefore = (s: string): number => Buffer.byteLength(s, 'utf8');
  const nameS = member(ts, 0, 'name');
  const nameB = member(tb, 0, 'name');
  assert.equal(ts.keyStart[nameS], text.indexOf('"name"'));
  assert.equal(tb.keyStart[nameB], bytesBefore(text.slice(0, text.indexOf('"name"'))));
  assert.equal(ts.start[nameS], text.indexOf('"x"'));
  assert.equal(tb.start[nameB], bytesBefore(text.slice(0, text.indexOf('"x"'))));
  assert.equal(tb.str(member(tb, 0, 'b')), '😀');
  assert.equal(ts.str(member(ts, 0, 'b')), '😀');
  assert.deepEqual(build(tb, 0), JSON.parse(text));
  assert.deepEqual(build(ts, 0), JSON.parse(text));
  // Converting the byte tape's offsets gives the string tape's offsets.
  const starts = Array.from(tb.start);
  assert.deepEqual(utf8ToUtf16Offsets(buf, starts), Array.from(ts.start));
  const ends = Array.from(tb.end);
  const order = ends.map((_, i) => i).sort((x, y) => ends[x] - ends[y]);
  const converted = utf8ToUtf16Offsets(buf, order.map((i) => ends[i]));
  const back = new Array<number>(ends.length);
  order.forEach((i, k) => (back[i] = converted[k]));
  assert.deepEqual(back, Array.from(ts.end));
});

test('string input: characters above U+00FF never pass for JSON punctuation', () => {
  // Each of these has a low byte equal to a quote, backslash, bracket, brace, comma or colon.
  const tricky = '\u0122\u015c\u015b\u015d\u017b\u017d\u012c\u013a\u0222\u4e22\ud83d\ude00';
  const value = { [`k${tricky}`]: `v${tricky}`, name: [tricky, 1, { [tricky]: true }], lone: '\ud800x' };
  const text = JSON.stringify(value, null, 2);
  const t = scanJson(text);
  assert.deepEqual(t.problems, []);
  assert.deepEqual(build(t, 0), value);
  const name = member(t, 0, 'name');
  assert.equal(t.keyId[name], K.name);
  assert.equal(t.keyStart[name], text.indexOf('"name"'));
  assert.equal(t.keyId[1], KEY_UNKNOWN);
  checkInvariants(t, text.length);
  // The same characters outside strings are reported, at their UTF-16 offsets.
  const bad = scanJson('{"a": 1 \u0122 }');
  assert.deepEqual(bad.problems.map((p) => [p.start, p.end]), [[8, 9]]);
});

test('utf8ToUtf16Offsets and Utf8OffsetMap agree with the real encoding', () => {
  const rnd = prng(7);
  const alphabet = ['a', 'b', ' ', '"', 'ü', 'é', 'ß', '中', '文', '😀', '🎉', '\u0000', '~', 'Ω'];
  for (let round = 0; round < 20; round++) {
    let s = '';
    const n = Math.floor(rnd() * 200);
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
    if (round % 5 === 0) s = 'x'.repeat(40) + s; // exercise the eight-byte ASCII skip
    const bytes = Buffer.from(s, 'utf8');
    const byteOffsets: number[] = [];
    const expected: number[] = [];
    for (let i = 0; i <= s.length; i++) {
      const code = s.charCodeAt(i - 1);
      if (i > 0 && code >= 0xd800 && code <= 0xdbff) continue; // inside a surrogate pair
      byteOffsets.push(Buffer.byteLength(s.slice(0, i), 'utf8'));
      expected.push(i);
    }
    assert.deepEqual(utf8ToUtf16Offsets(bytes, byteOffsets), expected);
    const map = new Utf8OffsetMap(bytes);
    assert.equal(map.identity, isAsciiBytes(bytes));
    // Random access, out of order.
    for (let k = byteOffsets.length - 1; k >= 0; k -= 3) {
      // Offsets between two non-ASCII characters are not supported by the map (the scanner never produces them).
      const prev = byteOffsets[k] > 0 ? bytes[byteOffsets[k] - 1] : 0;
      if (prev >= 0x80 && k < byteOffsets.length - 1 && bytes[byteOffsets[k]] >= 0x80) continue;
      assert.equal(map.map(byteOffsets[k]), expected[k], `offset ${byteOffsets[k]} of ${JSON.stringify(s)}`);
    }
    for (let k = 0; k < byteOffsets.length; k += 5) {
      assert.equal(utf8ToUtf16Offset(bytes, byteOffsets[k]), expected[k]);
    }
  }
  const ascii = Buffer.from('{"plain": "ascii only text here, long enough"}');
  assert.ok(isAsciiBytes(ascii));
  assert.deepEqual(utf8ToUtf16Offsets(ascii, [0, 5, 46, 1000]), [0, 5, 46, ascii.length]);
  // An unsorted list is still converted.
  const mixed = Buffer.from('ü😀ab', 'utf8');
  assert.deepEqual(utf8ToUtf16Offsets(mixed, [6, 2, 7]), [3, 1, 4]);
});

test('plain Uint8Array input', () => {
  const text = '{"cluster": "ü-name", "port_value": 9080}';
  const u8 = new Uint8Array(Buffer.from(text, 'utf8'));
  const t = scanJson(u8);
  assert.equal(t.units, 'utf8');
  assert.deepEqual(build(t, 0), JSON.parse(text));
  assert.equal(t.keyId[1], K.cluster);
  // A view into a larger buffer, at an odd offset.
  const big = new Uint8Array(u8.length + 7);
  big.set(u8, 3);
  const t2 = scanJson(big.subarray(3, 3 + u8.length));
  assert.deepEqual(build(t2, 0), JSON.parse(text));
  assert.equal(t2.problems.length, 0);
});

// ----------------------------------------------------------------------------------------------------------------
// Tolerance

test('UTF-8 BOM, in bytes and as U+FEFF', () => {
  const body = '{"name": "x"}';
  const buf = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body)]);
  const tb = scanJson(buf);
  assert.equal(tb.problems.length, 0);
  assert.equal(tb.start[0], 3);
  assert.equal(tb.str(1), 'x');
  const ts = scanJson('\ufeff' + body);
  assert.equal(ts.problems.length, 0);
  assert.equal(ts.start[0], 1);
  assert.equal(ts.start[1], 1 + body.indexOf('"x"'));
  assert.equal(ts.str(1), 'x');
});

test('leading HTTP status line and headers are skipped silently', () => {
  const body = '{\n  "configs": [1, 2]\n}\n';
  const prefixes = ['200\n', '200\r\n', '  200  \n\n', 'HTTP/1.1 200 OK\n', 'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ndate: Tue, 14 May 2024 09:21:37 GMT\r\n\r\n', 'HTTP/2 200\n'];
  for (const prefix of prefixes) {
    for (const [label, t] of bothInputs(prefix + body)) {
      assert.deepEqual(t.problems, [], `${label}: ${JSON.stringify(prefix)}`);
      assert.equal(t.start[0], Buffer.byteLength(prefix));
      assert.deepEqual(build(t, 0), { configs: [1, 2] });
    }
  }
  // Other junk is skipped too, but reported.
  const t = scanJson('Warning: something odd\n' + body);
  assert.deepEqual(t.problems, [{ start: 0, end: 'Warning: something odd'.length, message: MSG.prefix }]);
  assert.deepEqual(build(t, 0), { configs: [1, 2] });
  // A bare number without a JSON line after it is the value itself.
  assert.deepEqual(build(scanJson('200\n'), 0), 200);
});

test('trailing commas are accepted silently', () => {
  const text = '{\n  "a": [1, 2,],\n  "b": {"c": true,},\n  "d": [],\n  "e": [{},],\n}';
  for (const [, t] of bothInputs(text)) {
    assert.deepEqual(t.problems, []);
    assert.deepEqual(build(t, 0), { a: [1, 2], b: { c: true }, d: [], e: [{}] });
  }
});

test('comments are skipped', () => {
  const text = '// leading\n{ /* block */ "a": /* c */ 1, // line\n "b" /* x */ : [2 /* y */, 3]\n/* end */}\n// trailing';
  for (const [, t] of bothInputs(text)) {
    assert.deepEqual(t.problems, []);
    assert.deepEqual(build(t, 0), { a: 1, b: [2, 3] });
  }
  const t = scanJson('{"a": 1 /* never closed');
  assert.equal(t.problems[0].message, MSG.comment);
  assert.equal(t.problems[0].start, 8);
});

// ----------------------------------------------------------------------------------------------------------------
// Broken input

test('specific errors are reported at the right place and recovered from', () => {
  const cases: Array<[string, Array<[number, string]>, unknown]> = [
    ['{"a": 1 "b": 2}', [[8, MSG.commaBrace]], { a: 1, b: 2 }],
    ['[1 2]', [[3, MSG.commaBracket]], [1, 2]],
    ['{"a": 1,, "b": 2}', [[8, MSG.property]], { a: 1, b: 2 }],
    ['{"a" 1}', [[5, MSG.colon]], { a: 1 }],
    ['{"a": }', [[6, MSG.value]], {}],
    ['{"a": [1, 2}', [[11, MSG.commaBracket]], { a: [1, 2] }],
    ['{"a": 01}', [[6, MSG.number]], {}],
    ['{"a": 1.}', [[6, MSG.number]], {}],
    ['{"a": -}', [[6, MSG.number]], {}],
    ['{"a": tru, "b": 1}', [[6, MSG.value]], { b: 1 }],
    ['{"a": 1} x', [[9, MSG.trailing]], { a: 1 }],
    ['{"a": 1}{"b": 2}', [[8, MSG.trailing]], { a: 1 }],
    ['{name: "x"}', [[1, MSG.property]], { name: 'x' }],
    ['{"a": 1]', [[7, MSG.commaBrace], [8, MSG.eof]], { a: 1 }],
    ['[1, @, 2]', [[4, MSG.value]], [1, 2]],
    ['{"a": "x', [[6, MSG.string], [8, MSG.eof]], { a: 'x' }],
  ];
  for (const [text, problems, value] of cases) {
    for (const [label, t] of bothInputs(text)) {
      assert.deepEqual(t.problems.map((p) => [p.start, p.message]), problems, `${label}: ${text}`);
      assert.deepEqual(build(t, 0), value, `${label}: ${text}`);
      checkInvariants(t, text.length);
    }
  }
  const unquoted = scanJson('{name: "x"}');
  assert.equal(unquoted.keyId[1], K.name);
});

test('containers open at the end of input are closed there', () => {
  const text = '{"a": [1, {"b": "c"';
  const t = scanJson(text);
  assert.deepEqual(t.problems, [{ start: text.length, end: text.length, message: MSG.eof }]);
  for (let i = 0; i < t.length; i++) {
    if (t.kind[i] === KIND_OBJECT || t.kind[i] === KIND_ARRAY) assert.equal(t.end[i], text.length);
  }
  assert.deepEqual(build(t, 0), { a: [1, { b: 'c' }] });
});

const SMALL_DOC = JSON.stringify({
  configs: [{
    '@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump',
    dynamic_listeners: [{ name: '0.0.0.0_8080', active_state: { listener: { address: { socket_address: { address: '0.0.0.0', port_value: 8080 } }, use_original_dst: false, x: null, t: true, f: -1.25e-3 } } }],
  }, { routeConfigName: 'ü😀', list: [[], {}, [1, [2]]] }],
}, null, 2);

test('truncated input at every prefix length never throws and keeps what came before', () => {
  for (const [label, full] of bothInputs(SMALL_DOC)) {
    const bytes = label === 'buffer';
    const src = bytes ? Buffer.from(SMALL_DOC, 'utf8') : SMALL_DOC;
    for (let cut = 0; cut < src.length; cut++) {
      const piece = bytes ? (src as Buffer).subarray(0, cut) : (src as string).slice(0, cut);
      if (!bytes && cut > 0 && /[\ud800-\udbff]/.test(piece[cut - 1] as string)) continue;
      const t = scanJson(piece);
      checkInvariants(t, cut);
      assert.ok(t.problems.length > 0, `${label} prefix ${cut} has no problem`);
      // Every container that opened before the cut, and every scalar that ended before it, is on the prefix tape
      // with the same kind, key and (for the scalar) span.
      let j = 0;
      for (let i = 0; i < full.length; i++) {
        if (full.start[i] >= cut) break;
        const container = full.kind[i] === KIND_OBJECT || full.kind[i] === KIND_ARRAY;
        if (!container && full.end[i] > cut) continue;
        while (j < t.length && t.start[j] < full.start[i]) j++;
        assert.ok(j < t.length && t.start[j] === full.start[i], `${label} prefix ${cut}: node ${i} missing`);
        assert.equal(t.kind[j], full.kind[i]);
        assert.equal(t.keyId[j], full.keyId[i]);
        assert.equal(t.keyStart[j], full.keyStart[i]);
        if (!container) assert.equal(t.end[j], full.end[i]);
        else if (full.end[i] <= cut) assert.equal(t.end[j], full.end[i]);
        else assert.equal(t.end[j], cut);
      }
    }
  }
});

function mutate(text: string, rnd: () => number): string {
  const chars = ['{', '}', '[', ']', '"', ',', ':', '\\', ' ', '\n', 'a', '1', '-', '.', 'e', 't', '/', '*', 'ü', '😀', '\u0000'];
  let s = text;
  const edits = 1 + Math.floor(rnd() * 3);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(rnd() * (s.length + 1));
    const op = rnd();
    const ch = chars[Math.floor(rnd() * chars.length)];
    if (op < 0.4) s = s.slice(0, at) + s.slice(at + 1);
    else if (op < 0.7) s = s.slice(0, at) + ch + s.slice(at);
    else s = s.slice(0, at) + ch + s.slice(at + 1);
  }
  return s;
}

test('random mutations never throw and produce consistent tapes', () => {
  const rnd = prng(12345);
  const docs = [SMALL_DOC, JSON.stringify(JSON.parse(SMALL_DOC)), '{"a": [1, 2, {"b": "c\\"d"}], "e": "\\u00fc"}'];
  let validCount = 0;
  for (let round = 0; round < 1500; round++) {
    const text = mutate(docs[round % docs.length], rnd);
    let expected: unknown;
    let valid = true;
    try {
      expected = JSON.parse(text);
    } catch {
      valid = false;
    }
    for (const [label, t, len] of bothInputs(text)) {
      checkInvariants(t, len);
      if (valid) {
        assert.deepEqual(t.problems, [], `${label}: ${JSON.stringify(text)}`);
        // Bytes cannot hold a lone surrogate (a mutation may split a pair): compare with what they decode to.
        const want = label === 'buffer' ? JSON.parse(Buffer.from(text, 'utf8').toString('utf8')) : expected;
        assert.deepEqual(build(t, 0), want);
      }
    }
    if (valid) validCount++;
  }
  assert.ok(validCount > 0);
});

test('random garbage never throws', () => {
  const rnd = prng(99);
  const alphabet = '{}[]",:\\ \n\t0123456789-+.eEtruefalsn/*\u00fc';
  for (let round = 0; round < 400; round++) {
    let s = '';
    const n = Math.floor(rnd() * 60);
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
    for (const [, t, len] of bothInputs(s)) checkInvariants(t, len);
  }
  // Deep nesting does not overflow the stack: it is cut at MAX_DEPTH with one problem (test/unit/hostile.test.ts).
  const deep = '['.repeat(100000) + ']'.repeat(100000);
  const t = scanJson(deep);
  // MAX_DEPTH arrays are read; the next one is kept empty over its whole span.
  assert.deepEqual(t.problems, [{ start: MAX_DEPTH, end: MAX_DEPTH + 1, message: MSG.tooDeep }]);
  assert.equal(t.length, MAX_DEPTH + 1);
  assert.equal(t.next[0], MAX_DEPTH + 1);
  assert.equal(t.end[0], deep.length);
  assert.equal(t.kind[MAX_DEPTH], KIND_ARRAY);
  assert.equal(t.next[MAX_DEPTH], MAX_DEPTH + 1);
  assert.equal(t.end[MAX_DEPTH], deep.length - MAX_DEPTH);
  const open = scanJson('{"a":'.repeat(50000));
  assert.deepEqual(open.problems.map((p) => p.message), [MSG.tooDeep, MSG.eof]);
  assert.equal(open.length, MAX_DEPTH + 1);
});

// ----------------------------------------------------------------------------------------------------------------
// Property: for valid JSON the tape rebuilds the JSON.parse value

const VOCAB = keySpellings();
const VOCAB_IDS = new Map(VOCAB);

function genValue(rnd: () => number, depth: number): unknown {
  const r = rnd();
  const vocab = VOCAB;
  if (depth <= 0 || r < 0.35) {
    const s = rnd();
    if (s < 0.25) return Math.floor(rnd() * 100000) - 50000;
    if (s < 0.4) return (rnd() - 0.5) * Math.pow(10, Math.floor(rnd() * 40) - 20);
    if (s < 0.5) return rnd() < 0.5;
    if (s < 0.55) return null;
    return genString(rnd);
  }
  if (r < 0.65) {
    return Array.from({ length: Math.floor(rnd() * 6) }, () => genValue(rnd, depth - 1));
  }
  const o: Record<string, unknown> = {};
  const n = Math.floor(rnd() * 6);
  for (let i = 0; i < n; i++) {
    const key = rnd() < 0.5 ? vocab[Math.floor(rnd() * vocab.length)][0] : genString(rnd);
    if (key === '__proto__') continue;
    o[key] = genValue(rnd, depth - 1);
  }
  return o;
}

function genString(rnd: () => number): string {
  const parts = ['a', 'name', ' ', '"', '\\', '/', '\n', '\t', '\u0001', 'ü', '😀', '中', 'outbound|9080||reviews.default.svc.cluster.local', '\u2028', 'x'.repeat(70)];
  let s = '';
  const n = Math.floor(rnd() * 6);
  for (let i = 0; i < n; i++) s += parts[Math.floor(rnd() * parts.length)];
  return s;
}

test('property: valid JSON rebuilds to what JSON.parse returns', () => {
  const rnd = prng(2024);
  for (let round = 0; round < 60; round++) {
    const value = genValue(rnd, 6);
    const text = JSON.stringify(value, null, round % 3 === 0 ? undefined : round % 3);
    const expected: unknown = JSON.parse(text);
    for (const [label, t, len] of bothInputs(text)) {
      assert.deepEqual(t.problems, [], label);
      assert.deepEqual(build(t, 0), expected, `${label} round ${round}`);
      checkInvariants(t, len);
      // keyId matches the key text for every member.
      for (let i = 0; i < t.length; i++) {
        const key = t.keyText(i);
        if (key === undefined) continue;
        assert.equal(t.keyId[i], VOCAB_IDS.get(key) ?? KEY_UNKNOWN, key);
      }
    }
  }
});

test('capacity grows for dense input', () => {
  const arr = Array.from({ length: 50000 }, (_, i) => i % 2);
  const text = JSON.stringify(arr);
  const t = scanJson(Buffer.from(text));
  assert.equal(t.length, 50001);
  assert.deepEqual(build(t, 0), arr);
});

// ----------------------------------------------------------------------------------------------------------------
// Cancellation

test('isCancelled is polled and raises a CancellationError', () => {
  const text = JSON.stringify({ list: Array.from({ length: 200000 }, (_, i) => ({ name: `n${i}` })) });
  let calls = 0;
  assert.throws(() => scanJson(text, { isCancelled: () => ++calls > 1 }), (e: unknown) => {
    assert.ok(e instanceof CancellationError);
    assert.equal((e as Error).name, 'CancellationError');
    return true;
  });
  assert.equal(calls, 2);
  calls = 0;
  const t = scanJson(Buffer.from(text), { isCancelled: () => (calls++, false) });
  assert.equal(t.problems.length, 0);
  assert.ok(calls >= 2 && calls <= text.length / (1 << 20) + 1, `polled ${calls} times`);
});

test('the primer takes the paths of a well-formed dump: no problem, every kind of node, every escape decoded', () => {
  // Scanned once per process before a large input (V8 then optimizes scanBytes with feedback for every branch):
  // a primer with a problem in it would train the error paths instead.
  for (const input of [SCANNER_PRIMER, Buffer.from(SCANNER_PRIMER, 'utf8')]) {
    const t = scanJson(input);
    assert.deepEqual(t.problems, []);
    const kinds = new Set(Array.from({ length: t.length }, (_, i) => t.kind[i]));
    assert.equal(kinds.size, 7, `node kinds seen: ${[...kinds].join(', ')}`);
    const escapes = Array.from({ length: t.length }, (_, i) => i).find((i) => t.kind[i] === KIND_STRING && t.str(i).includes('\u00e9 \ud83d'));
    assert.ok(escapes !== undefined);
    assert.equal(t.str(escapes), '" \\ / \b \f \n \r \t \u00e9 \ud83d\ude00');
  }
});
