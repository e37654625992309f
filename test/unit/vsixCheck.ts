/**
 * Reads a VSIX (a zip file) with node:zlib alone and checks that it carries every file its bundles load, so an
 * installed extension cannot fail with "Cannot find module './kubeClient.js'" (issue 8) while the tests, run from
 * the project folder, pass. Used by test/unit/vsix.test.ts (a VSIX of the built dist/) and by the UI test
 * test/vscode/e2e.ts (the VSIX it installs).
 *
 * What a bundle loads, found in its text (minified or not):
 *  - `require("./x")` / `require('../x')`: relative to the bundle, resolved as Node does (x, x.js, x.json, x/index.js);
 *  - `path.join(__dirname, "a", "b")` / `path.resolve(__dirname, …)`: relative to the bundle;
 *  - `vscode.Uri.joinPath(anything, "a", "b")`, `path.join(X.fsPath, "a", …)`, `path.join(X.extensionPath, …)`,
 *    `asAbsolutePath("a/b")` with string literals only: relative to the extension's root (the worker script
 *    `path.join(extensionUri.fsPath, 'dist', 'indexWorker.js')`, the webview's `media/graph.js`, the README the
 *    diagnostics link to, `localResourceRoots` folders);
 * and from package.json: `main`, `browser` and `icon`. Every JavaScript file reached is scanned in turn, as is every
 * `.js` under the main bundle's folder. A path must name a file in the VSIX, or a folder holding files.
 * The VSIX must also carry no source maps, sources, tests or node_modules.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

/** One file of a zip, with its data inflated on demand. */
export interface ZipEntry {
  readonly name: string;
  readonly size: number;
  data(): Buffer;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** The files of a zip, from its central directory; throws on anything but a well-formed, non-zip64 archive. */
export function readZip(zip: Buffer): ZipEntry[] {
  // End of central directory: 22 bytes plus a comment of at most 65,535 bytes, at the very end.
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === EOCD && i + 22 + zip.readUInt16LE(i + 20) === zip.length) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip file: no end of central directory record');
  const count = zip.readUInt16LE(eocd + 10);
  const cdSize = zip.readUInt32LE(eocd + 12);
  const cdOffset = zip.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdOffset === 0xffffffff) throw new Error('zip64 archives are not supported');
  if (cdOffset + cdSize > eocd) throw new Error('the central directory runs past its end record');
  const entries: ZipEntry[] = [];
  let p = cdOffset;
  for (let n = 0; n < count; n++) {
    if (p + 46 > eocd || zip.readUInt32LE(p) !== CENTRAL) throw new Error(`central directory entry ${n} is damaged`);
    const flags = zip.readUInt16LE(p + 8);
    const method = zip.readUInt16LE(p + 10);
    const crc = zip.readUInt32LE(p + 16);
    const compressed = zip.readUInt32LE(p + 20);
    const size = zip.readUInt32LE(p + 24);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const local = zip.readUInt32LE(p + 42);
    const name = zip.toString(flags & 0x800 ? 'utf8' : 'latin1', p + 46, p + 46 + nameLen);
    p += 46 + nameLen + extraLen + commentLen;
    if (flags & 1) throw new Error(`${name} is encrypted`);
    if (method !== 0 && method !== 8) throw new Error(`${name} uses compression method ${method}`);
    entries.push({
      name,
      size,
      data() {
        if (zip.readUInt32LE(local) !== LOCAL) throw new Error(`the local header of ${name} is damaged`);
        const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
        const raw = zip.subarray(start, start + compressed);
        const out = method === 8 ? zlib.inflateRawSync(raw) : Buffer.from(raw);
        if (out.length !== size) throw new Error(`${name}: ${out.length} bytes inflated, ${size} expected`);
        // zlib.crc32 exists from Node 20.15 on.
        const crc32 = (zlib as { crc32?: (b: Buffer) => number }).crc32;
        if (crc32 && crc32(out) >>> 0 !== crc) throw new Error(`${name}: CRC mismatch`);
        return out;
      },
    });
  }
  return entries;
}

/** A file the bundles load, and who loads it. */
export interface Reference {
  /** Path inside the extension folder, `/`-separated (e.g. `dist/kubeClient.js`). */
  readonly target: string;
  /** The file that loads it, and the text that does (e.g. `dist/extension.js: require("./kubeClient.js")`). */
  readonly from: string;
  readonly how: string;
  /** Node's module resolution applies (x, x.js, x.json, x/index.js). */
  readonly module?: boolean;
}

export interface VsixReport {
  /** Paths inside the extension folder (the `extension/` prefix dropped). */
  readonly files: string[];
  readonly references: Reference[];
  /** One sentence per missing file or unwanted content; empty when the VSIX is complete. */
  readonly problems: string[];
}

const LIT = String.raw`(?:"[^"\\\n]*"|'[^'\\\n]*'|\x60[^\x60\\$\n]*\x60)`;
const REQUIRE = new RegExp(String.raw`\brequire\(\s*(${LIT})\s*\)`, 'g');
// `join(base, "a", "b")` with string literals after the base; `joinPath` is vscode.Uri.joinPath.
const JOIN = new RegExp(String.raw`\b(join|resolve|joinPath)\(\s*([\w$]+(?:\.[\w$]+)*)\s*((?:,\s*${LIT}\s*)+)\)`, 'g');
const AS_ABSOLUTE = new RegExp(String.raw`\basAbsolutePath\(\s*(${LIT})\s*\)`, 'g');
const LITERAL = new RegExp(LIT, 'g');

const unquote = (s: string) => s.slice(1, -1);

/** What one bundle's text loads; `file` is its path inside the extension folder. */
export function referencesOf(file: string, text: string): Reference[] {
  const dir = path.posix.dirname(file);
  const refs: Reference[] = [];
  for (const m of text.matchAll(REQUIRE)) {
    const spec = unquote(m[1]);
    if (spec.startsWith('./') || spec.startsWith('../')) {
      refs.push({ target: path.posix.join(dir, spec), from: file, how: m[0], module: true });
    }
  }
  for (const m of text.matchAll(JOIN)) {
    const [how, fn, base, rest] = m;
    const segs = [...rest.matchAll(LITERAL)].map((s) => unquote(s[0]));
    let root: string | undefined;
    if (base === '__dirname' && fn !== 'joinPath') root = dir;
    else if (fn === 'joinPath' || (fn === 'join' && /\.(fsPath|extensionPath)$/.test(base))) root = '.';
    if (root === undefined) continue;
    refs.push({ target: path.posix.join(root, ...segs), from: file, how });
  }
  for (const m of text.matchAll(AS_ABSOLUTE)) refs.push({ target: path.posix.normalize(unquote(m[1])), from: file, how: m[0] });
  return refs;
}

/** Checks a VSIX (its bytes or path). */
export function checkVsix(vsix: Buffer | string): VsixReport {
  const zip = readZip(typeof vsix === 'string' ? readFileSync(vsix) : vsix);
  const problems: string[] = [];
  const byName = new Map<string, ZipEntry>();
  for (const e of zip) {
    if (e.name.startsWith('extension/') && !e.name.endsWith('/')) byName.set(e.name.slice('extension/'.length), e);
  }
  const files = [...byName.keys()].sort();
  const isFolder = (p: string) => p === '.' || files.some((f) => f.startsWith(`${p}/`));
  /** The file a reference lands on, or undefined. */
  const resolve = (r: Reference): string | undefined => {
    const candidates = r.module ? [r.target, `${r.target}.js`, `${r.target}.json`, `${r.target}/index.js`] : [r.target];
    return candidates.find((c) => byName.has(c));
  };
  const references: Reference[] = [];

  const manifestEntry = byName.get('package.json');
  if (!manifestEntry) return { files, references, problems: ['the VSIX has no extension/package.json'] };
  const manifest = JSON.parse(manifestEntry.data().toString('utf8')) as { main?: string; browser?: string; icon?: string };
  for (const key of ['main', 'browser', 'icon'] as const) {
    const v = manifest[key];
    if (typeof v === 'string') references.push({ target: path.posix.normalize(v), from: 'package.json', how: `"${key}": "${v}"`, module: key !== 'icon' });
  }
  if (typeof manifest.main !== 'string') problems.push('package.json has no "main"');

  // Scan the entry points, then every JavaScript file they reach.
  const mainDir = typeof manifest.main === 'string' ? path.posix.dirname(path.posix.normalize(manifest.main)) : 'dist';
  const queue = files.filter((f) => f.endsWith('.js') && path.posix.dirname(f) === mainDir);
  const scanned = new Set<string>();
  const visit = (f: string | undefined) => {
    if (f && f.endsWith('.js') && !scanned.has(f) && !f.startsWith('media/')) queue.push(f);
  };
  for (const r of references) visit(resolve(r));
  while (queue.length) {
    const f = queue.shift()!;
    if (scanned.has(f)) continue;
    scanned.add(f);
    for (const r of referencesOf(f, byName.get(f)!.data().toString('utf8'))) {
      references.push(r);
      visit(resolve(r));
    }
  }

  for (const r of references) {
    if (resolve(r) || (!r.module && isFolder(r.target))) continue;
    const other = files.find((f) => f.toLowerCase() === r.target.toLowerCase());
    problems.push(`${r.target} is not in the VSIX, but ${r.from} loads it (${r.how})` +
      (other ? `; the VSIX has ${other}, a different file on a case-sensitive file system` : ''));
  }
  for (const f of files) {
    if (f.endsWith('.map')) problems.push(`${f}: the VSIX carries a source map`);
    else if (/^(src|test|out|bench|node_modules|\.cache)\//.test(f) || f.endsWith('.ts') && !f.endsWith('.d.ts')) {
      problems.push(`${f}: the VSIX carries sources, tests or node_modules`);
    }
  }
  return { files, references, problems: [...new Set(problems)] };
}
