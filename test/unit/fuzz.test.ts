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

const ROOT = path.join(__dirname, '..', '..', '..');
const CORPUS = path.resolve(ROOT, '..', 'shared', 'corpus');


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
    assert.ok(d.span.end <= a.length + 1, `${uri}: span past the end`);
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
