/**
 * Regexes from a dump: src/core/regex.ts (RE2 syntax and semantics in linear time, Envoy's full match and
 * regex_rewrite), the regex sites found on the tape, and the `invalid-regex` diagnostic on a JSON fixture and its
 * YAML twin. Expectations come from RE2's syntax page and Envoy's documentation, not from the module's output.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { type Diagnostic } from '../../src/core/facade';
import { checkOne } from './checkOne';
import { regexSites } from '../../src/core/model/regexSites';
import { scanJson } from '../../src/core/parse/jsonScanner';
import { parseYamlToTape } from '../../src/core/parse/yamlTape';
import { compileLegacy, compileRe2, ecmaScriptError, envoyRegexError, type Re2 } from '../../src/core/regex';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures');

function re(pattern: string, ignoreCase = false): Re2 {
  const c = compileRe2(pattern, { ignoreCase });
  assert.ok(c.ok, `${pattern}: ${c.ok ? '' : c.error}`);
  return c.re;
}

function error(pattern: string): string {
  const c = compileRe2(pattern);
  assert.ok(!c.ok, `${pattern} compiled`);
  return c.error;
}

describe('RE2 through re2js', () => {
  it('matches the whole input for fullMatch, any part for search', () => {
    assert.equal(re('v[0-9]+').fullMatch('v12'), true);
    assert.equal(re('v[0-9]+').fullMatch('v12x'), false);
    assert.equal(re('v[0-9]+').search('xv12x'), true);
    // Leftmost-first alternation still finds the full match when the first branch is shorter.
    assert.equal(re('a|ab').fullMatch('ab'), true);
  });

  it('reads RE2-only syntax as RE2 does', () => {
    assert.equal(re('a\\z').fullMatch('a'), true);
    assert.equal(re('\\Aa\\z').search('ba'), false);
    assert.equal(re('(?i)abc').fullMatch('ABC'), true);
    assert.equal(re('(?i:a)b').fullMatch('Ab'), true);
    assert.equal(re('(?i:a)b').fullMatch('AB'), false);
    assert.equal(re('\\pL+').fullMatch('héllo'), true);
    assert.equal(re('\\pL+').fullMatch('h3llo'), false);
    assert.equal(re('\\p{Greek}+').fullMatch('αβγ'), true);
    assert.equal(re('[[:alpha:]]+').fullMatch('abc'), true);
    assert.equal(re('[[:alpha:]]+').fullMatch('ab:'), false); // a POSIX class, not the characters ":alph"
    assert.equal(re('[[:^digit:]]+').fullMatch('ab'), true);
    assert.equal(re('(?P<id>[0-9]+)-(?<v>x)').fullMatch('12-x'), true);
    assert.equal(re('\\Q*.*\\E').fullMatch('*.*'), true);
    assert.equal(re('\\Q*.*\\E').fullMatch('*a*'), false);
    assert.equal(re('\\x{41}').fullMatch('A'), true);
    assert.equal(re('(?s).').fullMatch('\n'), true);
    assert.equal(re('.').fullMatch('\n'), false);
    assert.equal(re('(?U)^(a+)(a*)$').replaceAll('aaa', '\\1|\\2').result, 'a|aa'); // ungreedy
    assert.equal(re('^(a+)(a*)$').replaceAll('aaa', '\\1|\\2').result, 'aaa|');
    assert.equal(re('a$').search('a\n'), false); // `$` is the end of the text, not before a final newline
    assert.equal(re('a\\Cb').fullMatch('axb'), true); // RE2's \C (any byte), which re2js lacks, is translated
    assert.equal(re('a{1000}').fullMatch('a'.repeat(1000)), true);
  });

  it('rejects what RE2 rejects, saying why: lookaround, backreferences, unbalanced groups…', () => {
    assert.match(error('/lb/(?<=b)x'), /RE2 has no lookahead or lookbehind/);
    assert.match(error('(?<!a)b'), /no lookahead or lookbehind/);
    assert.match(error('a(?=b)'), /^invalid or unsupported Perl syntax: "\(\?="; RE2 has no lookahead/);
    assert.match(error('(?!a)'), /no lookahead or lookbehind/);
    assert.match(error('(a)\\1'), /^invalid escape sequence: "\\1"; RE2 has no backreferences$/);
    assert.match(error('(?>a)'), /no atomic groups or possessive quantifiers/);
    assert.match(error('a++'), /no atomic groups or possessive quantifiers/);
    assert.equal(error('(ab'), 'missing closing ): "(ab"');
    assert.match(error('ab)'), /unexpected \)|missing argument|unmatched/i);
    assert.match(error('a{1001}'), /invalid repeat count/);
    assert.match(error('(a{100}){100}'), /invalid repeat count/); // RE2 caps nested repetition at 1000 too
    assert.match(error('\\Z'), /invalid escape/); // \Z is Perl's, not RE2's
    assert.match(error('[a-\\d]'), /invalid/);
    assert.match(error('('.repeat(5000)), /missing closing \)/);
    // Long pieces are shortened in messages.
    assert.ok(error(`${'('.repeat(500)}`).length < 120);
  });

  it('never throws, and compiles each distinct pattern once', () => {
    for (const p of ['(', '[', '\\', '*', '(?P<>a)', '\uD800', '\u0000', 'x'.repeat(20000)]) {
      assert.doesNotThrow(() => compileRe2(p));
    }
    const a = compileRe2('cache-me-[0-9]+');
    assert.equal(compileRe2('cache-me-[0-9]+'), a);
    assert.notEqual(compileRe2('cache-me-[0-9]+', { ignoreCase: true }), a);
  });

  it('ignoreCase works like a (?i) prefix', () => {
    assert.equal(re('abc', true).fullMatch('AbC'), true);
    assert.equal(re('abc').fullMatch('AbC'), false);
  });

  it('envoyRegexError adds Envoy\'s own rule: a RegexMatcher regex may not be empty', () => {
    assert.match(envoyRegexError('')!, /empty/);
    assert.equal(envoyRegexError('.*'), undefined);
    assert.match(envoyRegexError('(a)\\1')!, /backreferences/);
  });

  // `/(a+)+$` backtracks exponentially in a JavaScript RegExp; RE2 is linear. The timeouts turn a hang into a failure.
  it('answers `/(a+)+$` on 30 characters', { timeout: 30_000 }, () => {
    const r = re('/(a+)+$');
    assert.equal(r.fullMatch(`/${'a'.repeat(29)}`), true);
    assert.equal(r.fullMatch(`/${'a'.repeat(28)}!`), false);
    assert.equal(r.search(`/${'a'.repeat(28)}!`), false);
  });
  it('answers `/(a+)+$` on 5,000 and 100,000 characters', { timeout: 30_000 }, () => {
    const r = re('/(a+)+$');
    for (const n of [5_000, 100_000]) {
      assert.equal(r.fullMatch(`/${'a'.repeat(n - 1)}`), true);
      assert.equal(r.fullMatch(`/${'a'.repeat(n - 2)}!`), false);
      assert.equal(r.search(`x/${'a'.repeat(n - 2)}!`), false);
      assert.equal(r.replaceAll(`/${'a'.repeat(n - 2)}!`, 'X').count, 0);
    }
    assert.equal(re('(x+x+)+y').fullMatch('x'.repeat(5000)), false);
  });
});

describe('regex_rewrite: RE2::GlobalReplace', () => {
  // The examples of Envoy's RouteAction.regex_rewrite documentation.
  it('gives the documented results', () => {
    assert.equal(re('^/service/([^/]+)(/.*)$').replaceAll('/service/foo/v1/api', '\\2/instance/\\1').result, '/v1/api/instance/foo');
    assert.equal(re('one').replaceAll('/xxx/one/yyy/one/zzz', 'two').result, '/xxx/two/yyy/two/zzz');
    assert.equal(re('^(.*?)one(.*)$').replaceAll('/xxx/one/yyy/one/zzz', '\\1two\\2').result, '/xxx/two/yyy/one/zzz');
    assert.equal(re('(?i)/xxx/').replaceAll('/aaa/XxX/bbb', '/yyy/').result, '/aaa/yyy/bbb');
  });
  it('follows RE2 on empty matches: none right after a match, a character at a time otherwise', () => {
    assert.deepEqual(re('a*').replaceAll('baaac', '-'), { result: '-b-c-', count: 3 });
    assert.deepEqual(re('x*').replaceAll('abc', '-'), { result: '-a-b-c-', count: 4 });
    assert.equal(re('x*').replaceAll('😀', '-').result, '-😀-'); // a surrogate pair is one character
    assert.equal(re('^a').replaceAll('aaa', 'X').result, 'Xaa'); // ^ is the start of the text only
  });
  it('reads \\0-\\9 and \\\\ in the substitution; an unmatched group inserts nothing', () => {
    assert.equal(re('(b)').replaceAll('abc', '[\\0\\1\\\\]').result, 'a[bb\\]c');
    assert.equal(re('a(x)?b').replaceAll('ab', '<\\1>').result, '<>');
    assert.equal(re('z').replaceAll('abc', 'y').count, 0);
  });
  it('leaves the input unchanged when the substitution names a group the pattern lacks', () => {
    const r = re('(a)').replaceAll('abc', '\\2');
    assert.equal(r.result, 'abc');
    assert.equal(r.count, 0);
    assert.match(r.problem!, /group \\2 but the pattern has 1 group/);
  });
  it('stops a rewrite at an escape RE2 does not accept, as RE2::Rewrite does', () => {
    const r = re('b').replaceAll('abc', 'X\\nY');
    assert.equal(r.result, 'aXc');
    assert.match(r.problem!, /"\\n"/);
  });
});

describe('deprecated v2 regexes (std::regex, ECMAScript grammar)', () => {
  it('run with RE2 when RE2 reads them, and say whether ECMAScript accepts what RE2 does not', () => {
    const ok = compileLegacy('/legacy/[0-9]+');
    assert.ok(ok.ok && ok.re.fullMatch('/legacy/12'));
    const la = compileLegacy('(?=x)x');
    assert.ok(!la.ok && la.ecmaValid);
    const bad = compileLegacy('/(x');
    assert.ok(!bad.ok && !bad.ecmaValid);
    assert.equal(ecmaScriptError('/(x'), 'Unterminated group');
    assert.equal(ecmaScriptError('(?=x)x'), undefined);
  });
});

describe('regex sites on the tape', () => {
  it('finds RegexMatcher regexes and deprecated v2 fields in both casings, nothing else', () => {
    const text = JSON.stringify({
      match: { safeRegex: { regex: 'a' }, headers: [{ name: 'h', safe_regex_match: { googleRe2: {}, regex: 'b' } }, { name: 'g', regexMatch: 'c' }] },
      route: { regexRewrite: { pattern: { regex: 'd' }, substitution: 'x' } },
      query_parameters: [{ name: 'q', stringMatch: { regex: 'e' } }],
      legacy: { match: { regex: 'f' } },
      // Not regex sites: a stats tag regex, a `pattern` outside regex_rewrite, a string where a matcher object goes.
      stats_tags: [{ tag_name: 't', regex: '(?=x)' }],
      other: { pattern: { regex: '(' } },
      safe_regex: 'g',
    });
    const sites = regexSites(scanJson(text));
    assert.deepEqual(
      sites.map((s) => [s.pattern, s.field, s.dialect]),
      [
        ['a', 'safe_regex', 're2'],
        ['b', 'safe_regex_match', 're2'],
        ['c', 'regex_match', 'ecmascript'],
        ['d', 'regex_rewrite', 're2'],
        ['e', 'string_match.regex', 'ecmascript'],
        ['f', 'match.regex', 'ecmascript'],
      ],
    );
    for (const s of sites) assert.equal(text.slice(s.span.start, s.span.end), JSON.stringify(s.pattern));
  });
  it('walks the deepest nesting the scanner keeps without recursion', () => {
    const depth = 250;
    const text = `${'['.repeat(depth)}{"safe_regex":{"regex":"(?<=a)"}}${']'.repeat(depth)}`;
    const sites = regexSites(scanJson(text));
    assert.deepEqual(sites.map((s) => s.pattern), ['(?<=a)']);
    assert.equal(sites[0].span.start, text.indexOf('"(?<=a)"'));
  });
  it('reads the same sites from YAML', () => {
    const sites = regexSites(parseYamlToTape('match:\n  safeRegex:\n    regex: "v[0-9]+"\n  headers:\n    - name: h\n      regex_match: x\n'));
    assert.deepEqual(sites.map((s) => [s.pattern, s.field]), [['v[0-9]+', 'safe_regex'], ['x', 'regex_match']]);
  });
});

function findings(file: string, binary: boolean): { text: string; diags: Diagnostic[] } {
  const text = readFileSync(path.join(FIXTURES, file), 'utf8');
  return { text, diags: checkOne(file, binary ? Buffer.from(text) : text, file.endsWith('.yaml') ? 'yaml' : 'json').diags };
}

for (const ext of ['json', 'yaml']) {
  describe(`invalid-regex (trace-regex.${ext})`, () => {
    const file = `trace-regex.${ext}`;
    const decode = (s: string) => (ext === 'json' ? JSON.parse(s) : parseYaml(s));
    for (const binary of [false, true]) {
      it(`flags exactly the regexes Envoy rejects, on the pattern (${binary ? 'from bytes' : 'from a string'})`, () => {
        const { text, diags } = findings(file, binary);
        const bad = diags.filter((d) => d.code === 'invalid-regex');
        assert.deepEqual(
          bad.map((d) => decode(text.slice(d.span.start, d.span.end))),
          ['/lb/(?<=b)x', '/br/(a)\\1', '(v1', '/lbad/(x'],
        );
        assert.ok(bad.every((d) => d.severity === 'error'));
        assert.match(bad[0].message, /^The safe_regex "\/lb\/\(\?<=b\)x" is not a valid RE2 regex \(.*no lookahead or lookbehind\); Envoy rejects the resource that holds it\.$/);
        assert.match(bad[1].message, /no backreferences/);
        assert.match(bad[2].message, /^The safe_regex_match "\(v1" is not a valid RE2 regex \(missing closing \): "\(v1"\)/);
        assert.match(bad[3].message, /^The deprecated v2 route regex "\/lbad\/\(x" is not valid in the ECMAScript grammar Envoy compiled it with \(Unterminated group\)/);
        // Nothing else in the fixture is a finding.
        assert.deepEqual(diags.filter((d) => d.code !== 'invalid-regex').map((d) => d.code), []);
      });
    }
  });
}

describe('invalid-regex on generated input', () => {
  it('puts the span on the pattern after multi-byte text read from bytes', () => {
    const text = '{"static_resources":{"listeners":[{"name":"é✓😀","filter_chains":[]}],"x":{"safe_regex":{"regex":"(?<=é)"}}}}';
    const d = checkOne('u.json', Buffer.from(text)).diags.find((x) => x.code === 'invalid-regex')!;
    assert.equal(text.slice(d.span.start, d.span.end), '"(?<=é)"');
  });
  it('reports an empty RegexMatcher regex', () => {
    const d = checkOne('e.yaml', 'static_resources:\n  clusters: []\nm:\n  safe_regex:\n    regex: ""\n', 'yaml').diags.filter((x) => x.code === 'invalid-regex');
    assert.equal(d.length, 1);
    assert.match(d[0].message, /the regex is empty/);
  });
  it('checks 20,000 regexes (2,000 distinct, some catastrophic, some invalid) and flags each invalid one', { timeout: 60_000 }, () => {
    const routes = [];
    for (let i = 0; i < 20_000; i++) {
      const k = i % 2000;
      const regex = k % 100 === 0 ? `/bad${k}/(?<=x)` : k % 2 ? `/(a+)+${k}$` : `/r${k}/[0-9]+`;
      routes.push({ name: `r${i}`, match: { safe_regex: { regex } }, direct_response: { status: 200 } });
    }
    const dump = { static_resources: { listeners: [], clusters: [] }, route_config: { name: 'rc', virtual_hosts: [{ name: 'v', domains: ['*'], routes }] } };
    const bad = checkOne('big.json', Buffer.from(JSON.stringify(dump))).diags.filter((x) => x.code === 'invalid-regex');
    assert.equal(bad.length, 200);
  });
});
