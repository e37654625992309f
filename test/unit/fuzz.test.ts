/**
 * Fuzz: truncate and mutate real and generated dumps (seeded, bounded) and assert the core never throws and always
 * returns its diagnostics; a damaged document must say so with a parse-error.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { generateDump, mulberry32 as prng, toYaml } from '../../bench/generateDump';
import { analyze, check, Workspace } from '../../src/core/facade';
import { CORPUS, corpusDumps } from './corpusDumps';

const ROOT = path.join(__dirname, '..', '..', '..');

const NOISE = ['{', '}', '[', ']', ',', ':', '"', '\\', '\n', '- ', '  ', 'null', '0', '\u00e9', '\ud83d\ude00', '\u0000', '#', '&a', '*a', '|'];

function mutate(text: string, rnd: () => number): string {
  let s = text;
  const edits = 1 + Math.floor(rnd() * 4);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(rnd() * s.length);
    const op = rnd();
    if (op < 0.4) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rnd() * 20));
    else if (op < 0.8) s = s.slice(0, at) + NOISE[Math.floor(rnd() * NOISE.length)] + s.slice(at);
    else {
      const b = Math.floor(rnd() * s.length);
      s = s.slice(0, at) + s.slice(b, b + 30) + s.slice(at);
    }
  }
  return s;
}

function run(uri: string, input: string | Uint8Array, languageId: string): number {
  const ws = new Workspace();
  const a = analyze(uri, input, { languageId });
  ws.set(a);
  const diags = check(ws, uri);
  assert.ok(Array.isArray(diags));
  for (const d of diags) {
    assert.ok(d.span.start >= 0 && d.span.end >= d.span.start, `${uri}: bad span ${JSON.stringify(d.span)}`);
    assert.ok(d.span.end <= a.length, `${uri}: span ${JSON.stringify(d.span)} past the end (${a.length})`);
  }
  return diags.filter((d) => d.code === 'parse-error').length;
}

function seeds(): Array<{ name: string; text: string; lang: string }> {
  const out = [
    { name: 'generated.json', text: generateDump({ services: 6, portsPerService: 2, casing: 'snake', includeEds: true, danglingRate: 0.1, seed: 7 }), lang: 'json' },
    { name: 'generated-camel.json', text: generateDump({ services: 4, portsPerService: 1, casing: 'camel', includeEds: false, seed: 8 }), lang: 'json' },
  ];
  out.push({ name: 'generated.yaml', text: toYaml(out[1].text), lang: 'yaml' });
  const fixtures = path.join(ROOT, 'test', 'fixtures');
  for (const f of ['sidecar.json', 'envoy.bootstrap.json', 'sidecar.yaml']) {
    out.push({ name: f, text: readFileSync(path.join(fixtures, f), 'utf8'), lang: f.endsWith('.yaml') ? 'yaml' : 'json' });
  }
  if (existsSync(CORPUS)) {
    for (const f of ['slime-io__scout__config_dump.json', 'istio__istio__istioctl__pkg__authz__testdata__configdump.yaml', 'liucw2012__istio__configuration__default__analysis__eds.json']) {
      const p = path.join(CORPUS, f);
      if (existsSync(p)) out.push({ name: f, text: readFileSync(p, 'utf8'), lang: f.endsWith('.yaml') ? 'yaml' : 'json' });
    }
  }
  return out;
}

describe('fuzz', () => {
  for (const s of seeds()) {
    it(`${s.name}: truncations never throw and are reported`, () => {
      const rnd = prng(s.text.length);
      for (let i = 0; i < 25; i++) {
        const cut = Math.floor(rnd() * s.text.length);
        const text = s.text.slice(0, cut);
        const errors = run(`${s.name}#cut${cut}`, i % 2 ? Buffer.from(text) : text, s.lang);
        // A JSON document cut anywhere before its last brace is incomplete and must say so.
        if (s.lang === 'json' && /[{[]/.test(text) && cut < s.text.trimEnd().length - 1) {
          assert.ok(errors > 0, `${s.name} cut at ${cut}: no parse-error`);
        }
      }
    });
    it(`${s.name}: mutations never throw`, () => {
      const rnd = prng(s.text.length * 31 + 1);
      for (let i = 0; i < 25; i++) {
        const text = mutate(s.text, rnd);
        run(`${s.name}#mut${i}`, i % 2 ? Buffer.from(text) : text, s.lang);
      }
    });
  }
});

/**
 * The text JSON.parse would see once the extras real dumps carry, which the scanner tolerates on purpose, are taken
 * out: a UTF-8 BOM, a leading HTTP status line (and headers), `//` and block comments, and a comma after a value
 * right before a closing bracket or brace. Independent of the scanner (its own small tokenizer).
 */
export function stripTolerated(text: string): string {
  let s = text.replace(/^\ufeff/, '');
  const status = /^\s*(?:HTTP\/[\d.]+ \d{3}[^\n]*\n(?:[A-Za-z0-9-]+:[^\n]*\n)*\s*\n|\d{3}[ \t]*\r?\n)(?=\s*[{[])/.exec(s);
  if (status) s = s.slice(status[0].length);
  let out = '';
  let lastSig = ''; // the last significant character kept (a string counts as '"')
  let i = 0;
  const n = s.length;
  const skipBlank = (k: number): number => {
    for (;;) {
      while (k < n && ' \t\r\n'.includes(s[k])) k++;
      if (s.startsWith('//', k)) { const nl = s.indexOf('\n', k); k = nl < 0 ? n : nl + 1; continue; }
      if (s.startsWith('/*', k)) { const e = s.indexOf('*/', k + 2); if (e < 0) return k; k = e + 2; continue; }
      return k;
    }
  };
  while (i < n) {
    const c = s[i];
    if (c === '"') {
      let j = i + 1;
      while (j < n && s[j] !== '"') j += s[j] === '\\' ? 2 : 1;
      out += s.slice(i, j + 1);
      i = j + 1;
      lastSig = '"';
      continue;
    }
    if (c === '/' && (s[i + 1] === '/' || (s[i + 1] === '*' && s.indexOf('*/', i + 2) >= 0))) {
      const k = skipBlank(i);
      out += ' ';
      i = k;
      continue;
    }
    if (c === ',' && /["\d\]}el]/.test(lastSig)) {
      const k = skipBlank(i + 1);
      if (s[k] === ']' || s[k] === '}') { i++; continue; }
    }
    out += c;
    if (!' \t\r\n'.includes(c)) lastSig = c;
    i++;
  }
  return out;
}

function rejects(input: string | Buffer): boolean {
  const text = typeof input === 'string' ? input : input.toString('utf8');
  if (typeof input !== 'string' && !Buffer.from(text, 'utf8').equals(input)) return true; // not valid UTF-8
  try {
    JSON.parse(stripTolerated(text));
    return false;
  } catch {
    return true;
  }
}

describe('JSON mutants: a parse-error exactly when JSON.parse rejects them (after the tolerated extras)', () => {
  it('stripTolerated takes out only the tolerated extras', () => {
    assert.equal(stripTolerated('\ufeff200\n{"a":[1,2,],"b":"x,]//",} // c\n'), '{"a":[1,2],"b":"x,]//"}  ');
    assert.equal(stripTolerated('[,]'), '[,]');
    assert.equal(stripTolerated('{"a":1,,}'), '{"a":1,,}');
  });
  const jsonSeeds = seeds().filter((s) => s.lang === 'json');
  for (const s of jsonSeeds) {
    const count = s.text.length > 200_000 ? 100 : 300;
    it(`${s.name}: ${count} mutants, string and Buffer`, { timeout: 120_000 }, () => {
      const rnd = prng(s.text.length * 7 + 3);
      let rejected = 0;
      for (let i = 0; i < count; i++) {
        const text = mutate(s.text, rnd);
        const input = i % 2 ? Buffer.from(text) : text;
        const expectError = rejects(input);
        const ws = new Workspace();
        const a = analyze(`${s.name}#strict${i}`, input, { languageId: 'json' });
        ws.set(a);
        const errors = check(ws, a.uri).filter((d) => d.code === 'parse-error');
        if (expectError) {
          rejected++;
          assert.ok(errors.length > 0, `${s.name} mutant ${i}: JSON.parse rejects it, no parse-error`);
        } else {
          assert.deepEqual(errors.map((d) => d.message), [], `${s.name} mutant ${i}: JSON.parse accepts it`);
        }
      }
      assert.ok(rejected > count / 3, `only ${rejected} mutants were rejected: the mutator is too gentle`);
    });
  }
  it('mutants with raw control characters, bad escapes and invalid UTF-8 (string and Buffer)', { timeout: 120_000 }, () => {
    const base = readFileSync(path.join(ROOT, 'test', 'fixtures', 'sidecar.json'));
    const rnd = prng(8);
    const bad = [[0x00], [0x01], [0x09], [0x0a], [0x1f], [0x5c, 0x71], [0x5c, 0x75, 0x31, 0x47], [0xff], [0xc3], [0xed, 0xa0, 0x80]];
    let checked = 0;
    for (let i = 0; i < 400; i++) {
      // Into a string body: just after an opening quote that starts a value or a key.
      const at = base.indexOf(0x22, Math.floor(rnd() * base.length));
      if (at < 0) continue;
      const ins = Buffer.from(bad[i % bad.length]);
      const b = Buffer.concat([base.subarray(0, at + 1), ins, base.subarray(at + 1)]);
      const input = i % 3 === 0 ? b.toString('utf8') : b;
      const expectError = rejects(input);
      const a = analyze(`mut${i}`, input, { languageId: 'json' });
      assert.equal(a.problems.some((p) => p.code === 'parse-error'), expectError, `mutant ${i} (${ins.toString('hex')} at ${at})`);
      checked++;
    }
    assert.ok(checked > 300);
  });
});

describe('every span of every finding lies within its file', () => {
  const files = corpusDumps();
  if (files.length === 0) {
    it('corpus (skipped: ../shared/corpus is absent)', { skip: true }, () => undefined);
    return;
  }
  it(`${files.length} corpus files, whole and truncated, string and Buffer`, { timeout: 300_000 }, () => {
    const rnd = prng(2024);
    for (const { name: f, path: file, languageId: lang } of files) {
      const text = readFileSync(file, 'utf8');
      run(f, text, lang);
      run(f, Buffer.from(text), lang);
      for (let i = 0; i < 4; i++) {
        const cut = Math.floor(rnd() * text.length);
        run(`${f}#cut${cut}`, i % 2 ? Buffer.from(text.slice(0, cut)) : text.slice(0, cut), lang);
      }
    }
  });
});
