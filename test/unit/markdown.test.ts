/**
 * Dump text cannot become Markdown: the escaping helpers (src/core/markdown.ts) and every hover of a hostile dump,
 * rendered by a CommonMark renderer with raw HTML and autolinks turned on (worse than VS Code's hover, which allows
 * neither), must show the text as text: no link, no image, no HTML, no block the hover did not make itself.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { analyze, hoverAt, mdCell, mdCode, mdCommandLink, mdText, noLinks, Workspace } from '../../src/core/facade';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures');

interface Renderer {
  render(src: string): string;
}
/** markdown-it (a CommonMark renderer the toolchain already installs); these tests skip when it is absent. */
function renderer(): Renderer | undefined {
  try {
    const markdownIt = createRequire(__filename)('markdown-it') as (o: object) => Renderer;
    return markdownIt({ html: true, linkify: true });
  } catch {
    return undefined;
  }
}
const md = renderer();
const skip = md ? false : 'markdown-it is not installed';

/** What hostile dumps put in names, details and match strings. */
const HOSTILE = [
  '[x](command:workbench.action.terminal.new)',
  '![i](https://evil/x.png)',
  '<img src=x onerror=alert(1)>',
  '`` a ` b ``',
  '`',
  '*bold* _em_ **strong**',
  'line one\n\n# heading\n- item\n> quote',
  'a | b | c',
  'https://evil.example/x www.evil.example mail@evil.example',
  '&lt;script&gt; &amp; &#91;',
  '$(alert) \\[x\\](command:y)',
  '1. list\r\n2) list',
  '[ref]: https://evil/ref',
];

function decode(html: string): string {
  return html
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** The tags of rendered HTML. */
function tags(html: string): Set<string> {
  return new Set([...html.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9]*)/g)].map((m) => m[1].toLowerCase()));
}

/** What the text shows once line breaks are flattened (as the helpers do). */
const flat = (s: string) => s.replace(/[\r\n]/g, ' ');

describe('markdown escaping helpers', { skip }, () => {
  it('mdText renders every hostile string as one paragraph of itself', () => {
    for (const s of HOSTILE) {
      const html = md!.render(mdText(s));
      assert.deepEqual([...tags(html)], ['p'], `${JSON.stringify(s)} → ${html}`);
      assert.equal(decode(html.replace(/<\/?p>\n?/g, '')), flat(s), JSON.stringify(s));
    }
  });

  it('mdText inside our own Markdown leaves that Markdown alone', () => {
    for (const s of HOSTILE) {
      const html = md!.render(`**Cluster** ${mdText(s)}\n\n- error: ${mdText(s)}`);
      assert.deepEqual([...tags(html)].sort(), ['li', 'p', 'strong', 'ul'], `${JSON.stringify(s)} → ${html}`);
    }
  });

  it('mdCode renders each hostile string as exactly one code span of itself', () => {
    for (const s of [...HOSTILE, '', ' ', ' padded ', '``', 'ends with `']) {
      const html = md!.render(`name ${mdCode(s)}`);
      assert.deepEqual([...tags(html)].sort(), ['code', 'p'], `${JSON.stringify(s)} → ${html}`);
      const code = /<code>([\s\S]*)<\/code>/.exec(html)![1];
      assert.equal(decode(code), s === '' ? ' ' : flat(s), JSON.stringify(s));
    }
  });

  it('mdCell keeps a table at its columns', () => {
    for (const s of HOSTILE) {
      const html = md!.render(`| name | detail |\n|---|---|\n| ${mdCell(s)} | ok |\n`);
      assert.equal((html.match(/<td>/g) ?? []).length, 2, `${JSON.stringify(s)} → ${html}`);
      assert.ok(!tags(html).has('a') && !tags(html).has('img'), html);
    }
  });

  it('cuts a huge string', () => {
    const s = 'x'.repeat(100_000);
    assert.equal(mdText(s).length, 501);
    assert.equal(mdText(s, 10), 'xxxxxxxxxx…');
  });

  it('mdCommandLink: our one link, its arguments intact whatever the URI holds', () => {
    const args = ['file:///tmp/a (1)/x).json', 7];
    const link = mdCommandLink('Go to [definition]', 'envoyLens.revealLocation', args);
    const html = md!.render(`text\n\n${link}`);
    const hrefs = [...html.matchAll(/<a href="([^"]*)"/g)].map((m) => decode(m[1]));
    assert.equal(hrefs.length, 1, html);
    const [scheme, query] = hrefs[0].split('?');
    assert.equal(scheme, 'command:envoyLens.revealLocation');
    assert.deepEqual(JSON.parse(decodeURIComponent(query)), args);
    assert.match(html, />Go to \[definition\]<\/a>/);
  });

  it('noLinks: a notification cannot turn dump text into a link', () => {
    // The shape VS Code's notifications link: [label](target) with the target right after the bracket.
    const linked = /\[[^\]]+\]\((?:https?:|command:|file:)[^)\s]+\)/;
    for (const s of HOSTILE) assert.doesNotMatch(noLinks(`Route "${s}" answers 404`), linked, s);
    assert.equal(noLinks('plain [text] (kept)'), 'plain [text] (kept)');
  });
});

/** sidecar.json with hostile text in front of every name, detail, match and version (references stay consistent). */
function hostileDump(): string {
  const dump = JSON.parse(readFileSync(path.join(FIXTURES, 'sidecar.json'), 'utf8')) as unknown;
  const keys = new Set(['name', 'cluster', 'cluster_name', 'service_name', 'route_config_name', 'details', 'prefix', 'path', 'version_info', 'last_updated', 'address', 'domains', 'regex']);
  let n = 0;
  const pick = new Map<string, string>();
  const taint = (v: string) => {
    if (!pick.has(v)) pick.set(v, HOSTILE[n++ % HOSTILE.length] + v);
    return pick.get(v)!;
  };
  const walk = (x: unknown, key?: string): unknown => {
    if (typeof x === 'string') return key && keys.has(key) && !x.startsWith('type.googleapis') ? taint(x) : x;
    if (Array.isArray(x)) return x.map((v) => walk(v, key));
    if (x && typeof x === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(x)) out[k] = walk(v, k);
      return out;
    }
    return x;
  };
  return JSON.stringify(walk(dump), null, 1);
}

describe('hovers of a hostile dump', { skip }, () => {
  const text = hostileDump();
  const ws = new Workspace();
  const a = analyze('hostile.json', text, { languageId: 'json' });
  ws.set(a);

  it('the dump still indexes with its hostile names', () => {
    assert.ok(a.defs.length > 20, `${a.defs.length} definitions`);
    assert.ok(a.defs.some((d) => d.name.startsWith('[x](command:')), 'a hostile cluster name is indexed');
    assert.ok(a.defs.some((d) => d.info.errorDetails?.includes('error adding listener')), 'the listener error is indexed');
  });

  it('every hover renders without links, images or HTML, and shows the hostile names as text', () => {
    const offsets = [...a.defs.map((d) => d.nameSpan.start + 1), ...a.refs.map((r) => r.span.start + 1), ...a.dynamicRefs.map((r) => r.span.start + 1)];
    let hovers = 0;
    let withError = 0;
    for (const off of offsets) {
      const h = hoverAt(ws, a.uri, off);
      if (!h) continue;
      hovers++;
      const html = md!.render(h.markdown);
      const t = tags(html);
      for (const tag of t) assert.ok(['p', 'strong', 'code', 'ul', 'li'].includes(tag), `<${tag}> in the hover at ${off}:\n${h.markdown}\n→ ${html}`);
      const shown = decode(html.replace(/<[^>]+>/g, ''));
      const d = ws.defAt(a.uri, off)?.def;
      if (d) assert.ok(shown.includes(flat(d.name)), `the hover at ${off} shows ${JSON.stringify(d.name)}:\n${shown}`);
      if (d?.info.errorDetails) {
        withError++;
        assert.ok(shown.includes(flat(d.info.errorDetails)), `error details shown as text:\n${shown}`);
      }
    }
    assert.ok(hovers > 40, `${hovers} hovers`);
    assert.ok(withError > 0, 'a hover with error details was checked');
  });
});
