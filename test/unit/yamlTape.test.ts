import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import YAML from 'yaml';

import { generateDump, mulberry32 as prng, toYaml } from '../../bench/generateDump';
import { K, KEY_NONE, KEY_UNKNOWN, keyIdOf } from '../../src/core/parse/keys';
import {
  KIND_ARRAY, KIND_FALSE, KIND_NULL, KIND_NUMBER, KIND_OBJECT, KIND_STRING, KIND_TRUE, type Tape,
} from '../../src/core/parse/tape';
import { composeYamlTape, parseYamlToTape, scanYamlFast } from '../../src/core/parse/yamlTape';
import { build } from './tapeValue';

// ----------------------------------------------------------------------------------------------------------------
// Helpers

function values(t: Tape): unknown[] {
  return t.roots.map((r) => build(t, r));
}

/** What yaml.parse makes of every non-empty document (merge keys on), and the errors that are syntax errors. */
function reference(text: string): { values: unknown[]; errors: YAML.YAMLError[] } {
  const docs = YAML.parseAllDocuments(text, { merge: true, prettyErrors: false, logLevel: 'error' });
  const list = Array.isArray(docs) ? docs : [];
  const empty = (d: YAML.Document.Parsed) => {
    const c = d.contents;
    return c === null || (YAML.isScalar(c) && c.value === null && c.source === '' && !c.tag && !c.anchor);
  };
  return {
    values: list.filter((d) => !empty(d)).map((d) => d.toJS({ maxAliasCount: -1 }) as unknown),
    errors: list.flatMap((d) => d.errors).filter((e) => e.code !== 'DUPLICATE_KEY'),
  };
}

/** Structural invariants every tape must keep. `contained`: children lie inside their parent's span. */
function checkTape(t: Tape, text: string, contained: boolean): void {
  assert.equal(t.units, 'utf16');
  let expect = 0;
  for (const r of t.roots) {
    assert.equal(r, expect, 'roots tile the tape');
    expect = t.next[r];
    assert.equal(t.keyId[r], KEY_NONE);
    assert.equal(t.keyStart[r], -1);
  }
  assert.equal(expect, t.length);
  for (let i = 0; i < t.length; i++) {
    assert.ok(t.start[i] >= 0 && t.start[i] <= t.end[i] && t.end[i] <= text.length, `span of node ${i}`);
    assert.ok(t.next[i] > i && t.next[i] <= t.length, `next of node ${i}`);
    const k = t.kind[i];
    assert.ok(k >= KIND_OBJECT && k <= KIND_NULL, `kind of node ${i}`);
    if (k !== KIND_OBJECT && k !== KIND_ARRAY) { assert.equal(t.next[i], i + 1); continue; }
    let c = i + 1;
    for (; c < t.next[i]; c = t.next[c]) {
      if (k === KIND_OBJECT) {
        const key = t.keyText(c);
        assert.ok(key !== undefined && t.keyStart[c] >= 0, `member ${c} has a key`);
        assert.equal(t.keyId[c], keyIdOf(key));
      } else {
        assert.equal(t.keyId[c], KEY_NONE);
        assert.equal(t.keyStart[c], -1);
        assert.equal(t.keyText(c), undefined);
      }
      if (contained) {
        assert.ok(t.start[c] >= t.start[i] && t.end[c] <= t.end[i], `node ${c} inside its parent ${i}`);
        if (t.keyStart[c] >= 0) assert.ok(t.keyStart[c] >= t.start[i] && t.keyStart[c] <= t.start[c]);
      }
    }
    assert.equal(c, t.next[i], `children of ${i} end at next`);
  }
}

/** The fast path and the general path must write the very same tape. */
function assertSameTape(a: Tape, b: Tape, text: string): void {
  assert.equal(a.length, b.length, `node count for ${JSON.stringify(text.slice(0, 80))}`);
  assert.deepEqual(a.roots, b.roots);
  for (let i = 0; i < a.length; i++) {
    const where = `node ${i} of ${JSON.stringify(text.slice(0, 200))}`;
    assert.equal(a.kind[i], b.kind[i], where);
    assert.equal(a.next[i], b.next[i], where);
    assert.equal(a.keyId[i], b.keyId[i], where);
    assert.equal(a.keyStart[i], b.keyStart[i], where);
    assert.equal(a.start[i], b.start[i], where);
    assert.equal(a.end[i], b.end[i], where);
    assert.equal(a.keyText(i), b.keyText(i), where);
    if (a.kind[i] !== KIND_OBJECT && a.kind[i] !== KIND_ARRAY) assert.equal(a.str(i), b.str(i), where);
    assert.ok(Object.is(a.num(i), b.num(i)), where);
  }
}

/** Checks text against yaml.parse; returns whether the fast path took it. */
function agrees(text: string): boolean {
  const ref = reference(text);
  const tape = parseYamlToTape(text);
  checkTape(tape, text, !/[*<]/.test(text));
  assert.deepEqual(values(tape), ref.values, `values of ${JSON.stringify(text)}`);
  const fast = scanYamlFast(text);
  if (!fast) return false;
  assert.equal(ref.errors.length, 0, `fast path accepted text with errors: ${JSON.stringify(text)}`);
  assertSameTape(fast, composeYamlTape(text), text);
  return true;
}


function node(t: Tape, text: string, path: Array<string | number>): number {
  let i = t.roots[0];
  for (const step of path) {
    let found = -1;
    let n = 0;
    for (let c = i + 1; c < t.next[i]; c = t.next[c], n++) {
      if (typeof step === 'number' ? n === step : t.keyText(c) === step) { found = c; break; }
    }
    assert.ok(found >= 0, `no ${String(step)} in ${JSON.stringify(text.slice(t.start[i], t.end[i]))}`);
    i = found;
  }
  return i;
}

const src = (t: Tape, text: string, i: number) => text.slice(t.start[i], t.end[i]);

// ----------------------------------------------------------------------------------------------------------------
// Documents

const DOCS: string[] = [
  '- name: x\n  routes:\n  - match:\n      prefix: /\n    route:\n      cluster: outbound|9080||reviews.default.svc.cluster.local\n  - match: {prefix: /api}\n    route: {cluster: c2}\n',
  'configs:\n  - "@type": type.googleapis.com/envoy.admin.v3.ClustersConfigDump\n    \'static_clusters\': []\n    "esc\\tkey": {}\n',
  'lit: |\n  line 1\n   indented\n\n  line 3\nfold: >-\n  a\n  b\n\n  c\n   more\n  d\nkeep: |+\n  x\n\nstrip: |-\n  y\nind: |2\n    four\nend: 1\n',
  '# comment\na: 1 # trailing\n# between\n\nb: [1, 2] # flow\nc: "#not a comment"\nd: e#f\n',
  '---\na: 1\n...\n---\n- b\n---\n# only a comment\n---\nc\n--- |\n  root block\n',
  '{"configs": [{"@type": "t", "n": 1.5e3, "ok": true, "none": null, "s": "\\u00e9\\ud83d\\ude00", "e": [], "o": {}}]}\n',
  '{\n  "pretty": [\n    1,\n    {"json": "in yaml"}\n  ]\n}\n',
  'ints: [0, -1, +2, 0o17, 0x1F, 012, -0]\nfloats: [1.5, .5, 1., 1e3, -.inf, .Inf, .NaN, 2.50]\nbools: [true, True, FALSE, yes, no, on]\nnulls: [~, null, Null, ]\nnot: [0x, 1_000, 1.2.3, 0b1]\n',
  'plain: this is\n  a multi-line\n\n  plain scalar\ndq: "a\\\n   b \\x41\\u00e9\\t"\nsq: \'it\'\'s\n  folded\'\nfolded dq: "one\n  two\n\n  three"\n',
  'crlf: 1\r\nlist:\r\n  - a\r\n  - b: |\r\n      x\r\n      y\r\n',
  'k:\n- a\n- - b\n  - c\n-\n- d:\n- e: \n  f: g\n',
  'ü: "😀"\n😀: ü\n"😀q": [ü, 😀]\n',
  '1.0: a\n~: b\nTrue: c\n0x1F: d\n"1.0": e\nnull: f\n',
  'url: http://x:80/y\ncolon: a:b\nspaced: a :b\ndash: -a\nq: ?x\nflow: [a:b, "c":d, {e: f, g}]\n',
  'empty1:\nempty2: ""\nempty3: \'\'\nempty4: []\nempty5: {}\nlast:\n',
  'base: &b {x: 1, y: 2}\nuse: *b\nmerged:\n  <<: *b\n  y: 3\nmulti:\n  <<: [*b, {z: 4}]\n  x: 0\nlist:\n  - &s scalar\n  - *s\n',
  'tags: !!str 123\nt2: !!int "42"\nt3: !!float 1\nt4: !custom value\n',
  '? complex key\n: value\n? [a, b]\n: seq key\n',
  '%YAML 1.2\n---\ndirective: yes\n',
  'a:\n  b:\n    c:\n      - d: 1\n        e:\n        - f\n        - g\n  h: i\n',
];

describe('parseYamlToTape: values', () => {
  it('matches yaml.parse on hand-written documents', () => {
    let fast = 0;
    for (const text of DOCS) if (agrees(text)) fast++;
    assert.ok(fast >= 14, `fast path took ${fast} of ${DOCS.length}`);
  });

  it('matches yaml.parse on generated documents in many styles', () => {
    const rnd = prng(20240514);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
    const words = ['a', 'name', 'route_config_name', 'x y', 'true', '1.0', '~', 'foo:bar', 'a#b', 'a #b', 'ü', '😀',
      '', ' lead', 'trail ', "it's", 'q"q', 'tab\there', 'line\nbreak', 'two\n\nbreaks', '\n', 'x\n\n', '- x', '@type',
      '[a]', '#h', 'outbound|9080||reviews.default.svc.cluster.local', 'long words that will be folded at the line width',
      '0x1F', '.inf', '-0', '012', 'null', 'back\\slash', 'é\u2028'];
    // Collections are sometimes reused: yaml.stringify prints a repeated object as an anchor and aliases.
    const made: unknown[] = [];
    const value = (d: number): unknown => {
      const k = rnd();
      if (d > 3 || k < 0.45) return rnd() < 0.8 ? pick(words) : pick([0, -3, 1.5, 1e21, true, false, null]);
      if (made.length > 0 && rnd() < 0.3) return pick(made);
      let v: unknown;
      if (k < 0.72) v = Array.from({ length: Math.floor(rnd() * 4) }, () => value(d + 1));
      else {
        const o: Record<string, unknown> = {};
        for (let i = Math.floor(rnd() * 4); i > 0; i--) o[pick(words)] = value(d + 1);
        v = o;
      }
      made.push(v);
      return v;
    };
    let fast = 0;
    const n = 400;
    let aliased = 0;
    for (let i = 0; i < n; i++) {
      made.length = 0;
      const v = value(0);
      const text = YAML.stringify(v, {
        indent: 1 + Math.floor(rnd() * 4), indentSeq: rnd() < 0.5, lineWidth: pick([0, 20, 80]), minContentWidth: pick([0, 20]),
        collectionStyle: pick(['any', 'block', 'block', 'flow'] as const),
        defaultStringType: pick(['PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE', 'BLOCK_LITERAL', 'BLOCK_FOLDED'] as const),
        defaultKeyType: pick([null, 'PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE'] as const),
      });
      const variant = rnd() < 0.15 ? text.replace(/\n/g, '\r\n') : text;
      if (agrees(variant)) fast++;
      if (/(^|[\s[{,])\*a\d/.test(text)) aliased++;
    }
    assert.ok(fast > n * 0.7, `fast path took ${fast} of ${n}`);
    assert.ok(aliased > 20, `${aliased} documents with aliases`);
  });

  it('reads an Istio-like dump printed as yq -P does, on the fast path, equal to the JSON', () => {
    const json = generateDump({ services: 6, portsPerService: 2, casing: 'snake', includeEds: true, danglingRate: 0, seed: 7 });
    const yaml = toYaml(json);
    const tape = scanYamlFast(yaml);
    assert.ok(tape, 'fast path');
    checkTape(tape, yaml, true);
    assert.deepEqual(values(tape), [JSON.parse(json) as unknown]);
    // yaml.stringify's defaults fold long strings; still the fast path.
    const folded = YAML.stringify(JSON.parse(json));
    const t2 = scanYamlFast(folded);
    assert.ok(t2, 'fast path for folded output');
    assert.deepEqual(values(t2), [JSON.parse(json) as unknown]);
  });

  it('scalar kinds per the core schema; str() is the source text of non-strings', () => {
    const text = 'a: [0x1F, 0o17, -12, 1e3, .5, -.inf, .nan, true, False, ~, null, "12", \'true\', yes, 1_0]\n';
    const t = parseYamlToTape(text);
    const items = [];
    for (let c = node(t, text, ['a']) + 1; c < t.next[node(t, text, ['a'])]; c = t.next[c]) items.push(c);
    assert.deepEqual(items.map((i) => t.kind[i]), [
      KIND_NUMBER, KIND_NUMBER, KIND_NUMBER, KIND_NUMBER, KIND_NUMBER, KIND_NUMBER, KIND_NUMBER, KIND_TRUE, KIND_FALSE,
      KIND_NULL, KIND_NULL, KIND_STRING, KIND_STRING, KIND_STRING, KIND_STRING,
    ]);
    assert.deepEqual(items.slice(0, 7).map((i) => t.num(i)), [31, 15, -12, 1000, 0.5, -Infinity, NaN]);
    assert.deepEqual(items.map((i) => t.str(i)), [
      '0x1F', '0o17', '-12', '1e3', '.5', '-.inf', '.nan', 'true', 'False', '~', 'null', '12', 'true', 'yes', '1_0',
    ]);
    assert.ok(Number.isNaN(t.num(items[11])), 'num() of a string is NaN');
  });
});

describe('parseYamlToTape: keys', () => {
  it('gives snake_case and camelCase spellings the same key id', () => {
    const text = 'route_config_name: a\nrouteConfigName: b\n"@type": c\n\'cluster_name\': d\nnotAKey: e\n{x: 1}: f\n';
    const t = parseYamlToTape(text);
    assert.equal(t.keyId[node(t, text, ['route_config_name'])], K.route_config_name);
    assert.equal(t.keyId[node(t, text, ['routeConfigName'])], K.route_config_name);
    assert.equal(t.keyId[node(t, text, ['@type'])], K['@type']);
    assert.equal(t.keyId[node(t, text, ['cluster_name'])], K.cluster_name);
    assert.equal(t.keyId[node(t, text, ['notAKey'])], KEY_UNKNOWN);
    const flow = 'items: [{name: x, filterChains: []}, {"stat_prefix": y}]\n';
    const f = parseYamlToTape(flow);
    assert.equal(f.keyId[node(f, flow, ['items', 0, 'name'])], K.name);
    assert.equal(f.keyId[node(f, flow, ['items', 0, 'filterChains'])], K.filter_chains);
    assert.equal(f.keyId[node(f, flow, ['items', 1, 'stat_prefix'])], K.stat_prefix);
    assert.equal(f.keyId[node(f, flow, ['items', 0])], KEY_NONE);
  });

  it('keyText() is the decoded key and keyStart the key token', () => {
    const text = '"a\\tb": 1\n\'it\'\'s\': 2\nplain key : 3\n1.0: 4\n';
    const t = parseYamlToTape(text);
    const members = [];
    for (let c = 1; c < t.next[0]; c = t.next[c]) members.push(c);
    assert.deepEqual(members.map((c) => t.keyText(c)), ['a\tb', "it's", 'plain key', '1']);
    assert.deepEqual(members.map((c) => t.keyStart[c]), [0, text.indexOf("'it"), text.indexOf('plain'), text.indexOf('1.0')]);
  });
});

describe('parseYamlToTape: spans', () => {
  const text = [
    'ü: 1',
    '😀x: "q"  # comment',
    'list:',
    '  - a',
    '  - {b: [1, 2]}',
    'blk: |-',
    '  t',
    '  u',
    '',
    'after: \'s\'',
    '',
  ].join('\n');

  it('counts UTF-16 units, covers scalar tokens, quotes included, comments excluded', () => {
    const t = parseYamlToTape(text);
    assert.ok(scanYamlFast(text));
    const x = node(t, text, ['😀x']);
    assert.equal(t.keyStart[x], text.indexOf('😀x'));
    assert.equal(src(t, text, x), '"q"');
    assert.equal(t.str(x), 'q');
    assert.equal(t.keyStart[node(t, text, ['ü'])], 0);
    assert.equal(src(t, text, node(t, text, ['ü'])), '1');
    assert.equal(src(t, text, node(t, text, ['list', 0])), 'a');
    assert.equal(src(t, text, node(t, text, ['list', 1])), '{b: [1, 2]}');
    assert.equal(src(t, text, node(t, text, ['list', 1, 'b'])), '[1, 2]');
    assert.equal(src(t, text, node(t, text, ['list', 1, 'b', 1])), '2');
    assert.equal(src(t, text, node(t, text, ['list'])), '- a\n  - {b: [1, 2]}');
    assert.equal(src(t, text, node(t, text, ['blk'])), '|-\n  t\n  u');
    assert.equal(t.str(node(t, text, ['blk'])), 't\nu');
    assert.equal(src(t, text, t.roots[0]), text.slice(0, text.lastIndexOf("'s'") + 3));
  });

  it('places empty values after their indicator', () => {
    const e = 'a:\nb:   # c\nl:\n  -\n  - x\n';
    const t = parseYamlToTape(e);
    assert.equal(t.start[node(t, e, ['a'])], 2);
    assert.equal(t.start[node(t, e, ['b'])], e.indexOf('# c'));
    assert.equal(t.start[node(t, e, ['l', 0])], e.indexOf('-\n') + 1);
    assert.equal(t.kind[node(t, e, ['l', 0])], KIND_NULL);
  });

  it('every string scalar on the fast path slices to its own source', () => {
    const json = generateDump({ services: 3, portsPerService: 1, casing: 'camel', includeEds: false, danglingRate: 0, seed: 3 });
    const yaml = toYaml(json);
    const t = scanYamlFast(yaml);
    assert.ok(t);
    for (let i = 0; i < t.length; i++) {
      if (t.kind[i] !== KIND_STRING) continue;
      const s = src(t, yaml, i);
      if (s.startsWith('|') || s.startsWith('>')) continue;
      const quoted = s.startsWith("'") ? s.slice(1, -1).replace(/''/g, "'") : s.startsWith('"') ? JSON.parse(s) as string : s;
      assert.equal(t.str(i), quoted);
    }
  });
});

describe('parseYamlToTape: anchors, aliases, merge keys, tags', () => {
  it('copies an aliased subtree with spans on the alias', () => {
    const text = 'base: &b\n  x: 1\n  y: [2]\nuse: *b\n';
    const t = parseYamlToTape(text);
    assert.equal(scanYamlFast(text), undefined);
    assert.deepEqual(values(t), [{ base: { x: 1, y: [2] }, use: { x: 1, y: [2] } }]);
    const use = node(t, text, ['use']);
    const at = text.indexOf('*b');
    for (let i = use; i < t.next[use]; i++) {
      assert.deepEqual([t.start[i], t.end[i]], [at, at + 2]);
      if (i > use && t.keyStart[i] !== -1) assert.equal(t.keyStart[i], at, 'copied members keep the alias as key span');
    }
    assert.equal(t.keyStart[node(t, text, ['use', 'y'])], at);
    assert.equal(t.keyStart[use], text.indexOf('use'));
    assert.equal(t.keyId[node(t, text, ['use', 'x'])], KEY_UNKNOWN);
  });

  it('applies merge keys: explicit keys win, earlier sources win', () => {
    const text = 'a: &a {name: a, x: 1}\nb: &b {name: b, y: 2}\nc:\n  <<: [*a, *b]\n  x: 0\n';
    const t = parseYamlToTape(text);
    assert.deepEqual(values(t)[0], { a: { name: 'a', x: 1 }, b: { name: 'b', y: 2 }, c: { name: 'a', x: 0, y: 2 } });
    const c = node(t, text, ['c']);
    const keys = [];
    for (let m = c + 1; m < t.next[c]; m = t.next[m]) keys.push(t.keyText(m));
    assert.deepEqual(keys.sort(), ['name', 'x', 'y'], 'no duplicate members');
    assert.equal(t.keyId[node(t, text, ['c', 'name'])], K.name);
    assert.equal(t.start[node(t, text, ['c', 'name'])], text.indexOf('*a'));
  });

  it('survives recursive and exponential aliases', () => {
    const self = parseYamlToTape('a: &a [1, *a]\n');
    assert.ok(self.length > 0 && self.problems.length > 0);
    const unresolved = parseYamlToTape('a: *x\nb: 1\n');
    assert.deepEqual(values(unresolved), [{ a: null, b: 1 }]);
    assert.match(unresolved.problems[0].message, /Unresolved alias \*x/);
    assert.deepEqual([unresolved.problems[0].start, unresolved.problems[0].end], [3, 5]);
    const lines = ['l0: &l0 [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) lines.push(`l${i}: &l${i} [${Array(9).fill(`*l${i - 1}`).join(', ')}]`);
    const bomb = lines.join('\n') + '\n';
    const t = parseYamlToTape(bomb);
    assert.ok(t.length < 2_000_000, `tape of ${t.length} nodes`);
    assert.ok(t.problems.some((p) => /alias/i.test(p.message)));
  });

  it('resolves tags and ignores unknown ones', () => {
    const text = 'a: !!str 123\nb: !!int "42"\nc: !custom value\nd: !!float 1\ne: !!float 1.5\n';
    const t = parseYamlToTape(text);
    // As in yaml: `!!float 1` does not resolve (core floats need a dot or exponent) and stays a string.
    assert.deepEqual(values(t), [{ a: '123', b: 42, c: 'value', d: '1', e: 1.5 }]);
    assert.equal(t.kind[node(t, text, ['a'])], KIND_STRING);
    assert.equal(t.num(node(t, text, ['b'])), 42);
  });
});

describe('parseYamlToTape: documents', () => {
  it('makes one root per non-empty document', () => {
    const text = '---\na: 1\n---\n---\n# nothing\n...\n- b\n--- c\n';
    const t = parseYamlToTape(text);
    assert.equal(t.roots.length, 3);
    assert.deepEqual(values(t), [{ a: 1 }, ['b'], 'c']);
    assert.equal(parseYamlToTape('').length, 0);
    assert.equal(parseYamlToTape('# just a comment\n').roots.length, 0);
    assert.deepEqual(values(parseYamlToTape('--- ~\n')), [null]);
  });
});

describe('parseYamlToTape: errors', () => {
  const cases: Array<[string, string]> = [
    ['bad indentation', 'a:\n  b: 1\n c: 2\nd: 3\n'],
    ['unterminated quote', 'a: 1\nb: "open\nc: 2\n'],
    ['unclosed flow', 'a: [1, 2\nb: 3\n'],
    ['tab indentation', 'a:\n\tb: 1\n'],
    ['bad escape', 'a: "\\q"\nb: 2\n'],
  ];
  for (const [name, text] of cases) {
    it(`reports ${name} with a span and keeps what it can`, () => {
      const t = parseYamlToTape(text);
      assert.ok(t.problems.length > 0, 'a problem');
      for (const p of t.problems) {
        assert.ok(p.start >= 0 && p.start <= p.end && p.end <= text.length, `span ${p.start}-${p.end}`);
        assert.ok(p.message.length > 0);
      }
      checkTape(t, text, true);
      assert.ok(t.length > 0 && t.kind[t.roots[0]] === KIND_OBJECT);
      assert.equal(t.keyText(t.roots[0] + 1), 'a');
    });
  }

  it('never throws on truncated or mutated input (seeded)', () => {
    const rnd = prng(99);
    const json = generateDump({ services: 2, portsPerService: 1, casing: 'snake', includeEds: false, danglingRate: 0, seed: 1 });
    const bases = [toYaml(json).slice(0, 4000), ...DOCS];
    const noise = [' ', '\n', ':', '- ', '#', '"', "'", '[', ']', '{', '}', ',', '|', '>', '\t', '?', '&a', '*a', '!', '\\',
      '\r', '  ', '\n  ', 'ü', '😀'];
    let fast = 0;
    for (let n = 0; n < 600; n++) {
      let s = bases[Math.floor(rnd() * bases.length)];
      for (let e = 1 + Math.floor(rnd() * 3); e > 0; e--) {
        const at = Math.floor(rnd() * (s.length + 1));
        const op = rnd();
        const piece = noise[Math.floor(rnd() * noise.length)];
        if (op < 0.35) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rnd() * 4));
        else if (op < 0.7) s = s.slice(0, at) + piece + s.slice(at);
        else s = s.slice(0, at) + piece + s.slice(at + 1);
      }
      if (rnd() < 0.3) s = s.slice(0, Math.floor(rnd() * s.length));
      const t = parseYamlToTape(s);
      checkTape(t, s, false);
      const f = scanYamlFast(s);
      if (f) {
        fast++;
        const ref = reference(s);
        assert.equal(ref.errors.length, 0, `fast path accepted text with errors: ${JSON.stringify(s)}`);
        assert.deepEqual(values(f), ref.values);
      }
    }
    assert.ok(fast > 50, `fast path took ${fast}`);
  });

  it('the fast path gives up on everything yaml reports (differential, seeded)', () => {
    const rnd = prng(7);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
    const keys = ['a', 'b', '"q"', "'s'", 'k k', '? c', '"x\ny"', '1', 'null', '[a]', '{b: 1}', 'x:y', '-', '---', '...'];
    const seps = [':', ': ', ':  ', ' :', '', ':\t'];
    const vals = ['x', 'x y', 'a#b', 'a #b', '|', '>', '|-', '>+', '|2', '|1-', '[a, b]', '{a: 1, b}', '[a,\n  b]',
      '{\n"a": 1\n}', '[', ']', '{a: [1, {b: c}]}', '["a":1]', '[a: 1]', '{a:1}', '[a, , b]', '[a,]', '"dq \\n esc"',
      '"bad \\q"', "'sq ''x'''", '"ml\n  cont"', '"ml\ncont"', '"\\u00e9\\x41"', '"\\\n  joined"', "'open", '"open',
      '&a x', '*a', '!!str 1', '- x', '-', '\tt', 'ü 😀'];
    let fast = 0;
    for (let n = 0; n < 1500; n++) {
      const lines = [];
      for (let l = 1 + Math.floor(rnd() * 7); l > 0; l--) {
        let line = ' '.repeat(Math.floor(rnd() * 5));
        const m = Math.floor(rnd() * 12);
        if (m < 2) line += '- ';
        if (m === 2) line += '- - ';
        if (rnd() < 0.6) line += pick(keys) + pick(seps);
        if (rnd() < 0.8) line += pick(vals);
        if (rnd() < 0.1) line += pick([' # c', '#c', '  ']);
        lines.push(line);
      }
      const text = lines.join(pick(['\n', '\n', '\n\n', '\r\n']));
      const t = parseYamlToTape(text);
      checkTape(t, text, false);
      const f = scanYamlFast(text);
      if (!f) continue;
      fast++;
      const ref = reference(text);
      assert.equal(ref.errors.length, 0, `fast path accepted text with errors: ${JSON.stringify(text)}`);
      assert.deepEqual(values(f), ref.values, JSON.stringify(text));
      assertSameTape(f, composeYamlTape(text), text);
    }
    assert.ok(fast > 150, `fast path took ${fast}`);
  });
});

describe('parseYamlToTape: cancellation', () => {
  const json = generateDump({ services: 40, portsPerService: 2, casing: 'snake', includeEds: true, danglingRate: 0, seed: 5 });
  const yaml = toYaml(json);

  const cancelled = (e: unknown) => e instanceof Error && e.name === 'CancellationError';

  it('throws a CancellationError on the fast path', () => {
    assert.throws(() => parseYamlToTape(yaml, { isCancelled: () => true }), cancelled);
    let calls = 0;
    assert.throws(() => parseYamlToTape(yaml, { isCancelled: () => ++calls > 2 }), cancelled);
    assert.equal(calls, 3);
    calls = 0;
    const t = parseYamlToTape(yaml, { isCancelled: () => (calls++, false) });
    assert.ok(calls > 2, `polled ${calls} times for ${t.length} nodes`);
  });

  it('throws a CancellationError on the general path', () => {
    const withAlias = 'extra: &e {a: 1}\nmore: *e\n' + yaml;
    assert.equal(scanYamlFast(withAlias), undefined);
    let calls = 0;
    assert.throws(() => parseYamlToTape(withAlias, { isCancelled: () => ++calls > 2 }), cancelled);
    assert.equal(calls, 3);
  });
});
