/**
 * What ships is what runs (issue 8): the VSIX carries every file its bundles load. The checker (vsixCheck.ts) is
 * tested on zips made here, then run on a VSIX of the built dist/ packed by scripts/package.mjs with the project's
 * real .vscodeignore (`--prebuilt`: vsce runs in a temp copy, nothing in the project is written), and on that VSIX
 * with one chunk taken out. The UI test (test/vscode/e2e.ts) runs the same check on the VSIX it installs.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as zlib from 'node:zlib';
import { checkVsix, readZip, referencesOf, type VsixReport } from './vsixCheck';

const ROOT = path.join(__dirname, '..', '..', '..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'envoy-lens-vsix-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(b: Buffer): number {
  let c = 0xffffffff;
  for (const x of b) c = CRC_TABLE[(c ^ x) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A zip of `files` (deflated unless `stored`), written the way vsce's yazl writes one. */
function makeZip(files: Array<[string, string | Buffer]>, stored = false): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, content] of files) {
    const data = Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
    const packed = stored ? data : zlib.deflateRawSync(data);
    const nameBuf = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x800, 6);
    local.writeUInt16LE(stored ? 0 : 8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBuf.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x800, 8);
    central.writeUInt16LE(stored ? 0 : 8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBuf.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBuf, packed);
    centrals.push(central, nameBuf);
    offset += 30 + nameBuf.length + packed.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(files.length, 8);
  end.writeUInt16LE(files.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** An extension laid out as ours is: a main bundle loading a chunk, a worker, webview media and the README. */
function sampleFiles(): Array<[string, string]> {
  return [
    ['extension.vsixmanifest', '<PackageManifest/>'],
    ['extension/package.json', JSON.stringify({ name: 'x', main: './dist/extension.js', icon: 'media/icon.png' })],
    ['extension/readme.md', '# x'],
    ['extension/dist/extension.js', [
      '"use strict";var a=require("vscode"),b=require("node:path");',
      'function k(){return require("./kubeClient.js")}',
      'class W{constructor(e){this.w=new Worker(b.join(e.fsPath,"dist","indexWorker.js"))}}',
      'function h(n,e){return[n.asWebviewUri(a.Uri.joinPath(e,"media","graph.js")),a.Uri.joinPath(e,"media","graph.css")]}',
      'var roots=[a.Uri.joinPath(c.extensionUri,"media")];',
    ].join('\n')],
    ['extension/dist/kubeClient.js', "module.exports=require('../lib/helper')"],
    ['extension/lib/helper.js', 'module.exports={}'],
    ['extension/dist/indexWorker.js', 'require("node:worker_threads")'],
    ['extension/media/graph.js', 'window.x=1'],
    ['extension/media/graph.css', 'body{}'],
    ['extension/media/icon.png', 'PNG'],
  ];
}

const without = (files: Array<[string, string]>, name: string) => files.filter(([n]) => n !== name);

describe('VSIX reader', () => {
  it('reads names and contents of deflated and stored entries', () => {
    const files: Array<[string, string]> = [['a.txt', 'hello '.repeat(1000)], ['dir/ü.json', '{"k":"✓"}'], ['empty', '']];
    for (const stored of [false, true]) {
      const entries = readZip(makeZip(files, stored));
      assert.deepEqual(entries.map((e) => e.name), files.map(([n]) => n));
      assert.deepEqual(entries.map((e) => e.data().toString('utf8')), files.map(([, c]) => c));
      assert.deepEqual(entries.map((e) => e.size), files.map(([, c]) => Buffer.byteLength(c)));
    }
  });

  it('refuses what is not a whole zip', () => {
    const zip = makeZip([['a.txt', 'abc']]);
    assert.throws(() => readZip(Buffer.from('not a zip at all, just text')), /not a zip file/);
    assert.throws(() => readZip(zip.subarray(0, zip.length - 5)), /not a zip file/);
    const damaged = Buffer.from(zip);
    damaged.writeUInt32LE(0, zip.length - 22 - 46 - 5); // the central directory entry's signature
    assert.throws(() => readZip(damaged), /central directory entry 0 is damaged/);
  });
});

describe('VSIX checker', () => {
  const check = (files: Array<[string, string]>) => checkVsix(makeZip(files));

  it('finds what a bundle loads, minified or not', () => {
    const refs = referencesOf('dist/extension.js', [
      'require("./kubeClient.js"); require(\'../x\'); require("vscode"); require("node:fs")',
      'path.join(__dirname, "..", "package.json"); path.join(home, ".kube", "config"); join(e,".")',
      'Sn.join(e.fsPath,"dist","indexWorker.js"); path.join(ctx.extensionPath, "media")',
      'vscode.Uri.joinPath(extensionUri, \'media\', \'graph.js\'); vscode.Uri.joinPath(dir, name(i))',
      'context.asAbsolutePath("media/icon.png")',
    ].join(';\n')).map((r) => r.target);
    assert.deepEqual(refs, ['dist/kubeClient.js', 'x', 'package.json', 'dist/indexWorker.js', 'media', 'media/graph.js', 'media/icon.png']);
  });

  it('passes an extension that carries everything', () => {
    const r = check(sampleFiles());
    assert.deepEqual(r.problems, []);
    const targets = r.references.map((x) => x.target);
    for (const t of ['dist/extension.js', 'dist/kubeClient.js', 'lib/helper', 'dist/indexWorker.js', 'media/graph.js', 'media/graph.css', 'media', 'media/icon.png']) {
      assert.ok(targets.includes(t), `a reference to ${t}: ${targets.join(', ')}`);
    }
  });

  it('fails when a chunk, the worker, a webview file, the main bundle or the icon is missing', () => {
    const cases: Array<[string, RegExp]> = [
      ['extension/dist/kubeClient.js', /^dist\/kubeClient\.js is not in the VSIX, but dist\/extension\.js loads it \(require\("\.\/kubeClient\.js"\)\)$/],
      ['extension/dist/indexWorker.js', /^dist\/indexWorker\.js is not in the VSIX, but dist\/extension\.js loads it/],
      ['extension/media/graph.js', /^media\/graph\.js is not in the VSIX/],
      ['extension/media/graph.css', /^media\/graph\.css is not in the VSIX/],
      ['extension/media/icon.png', /^media\/icon\.png is not in the VSIX, but package\.json loads it \("icon"/],
      ['extension/dist/extension.js', /^dist\/extension\.js is not in the VSIX, but package\.json loads it \("main"/],
    ];
    for (const [name, message] of cases) {
      const r = check(without(sampleFiles(), name));
      assert.equal(r.problems.length, 1, `${name}: ${r.problems.join('\n')}`);
      assert.match(r.problems[0], message);
    }
    // A chunk of a chunk: found by scanning kubeClient.js in turn.
    assert.deepEqual(check(without(sampleFiles(), 'extension/lib/helper.js')).problems,
      ['lib/helper is not in the VSIX, but dist/kubeClient.js loads it (require(\'../lib/helper\'))']);
  });

  it('fails on a file whose name differs only in case, a source map, sources, or no package.json', () => {
    const readme = sampleFiles();
    readme[3] = [readme[3][0], `${readme[3][1]}\nvar d=a.Uri.joinPath(t,"README.md");`];
    assert.deepEqual(check(readme).problems, [
      'README.md is not in the VSIX, but dist/extension.js loads it (joinPath(t,"README.md")); the VSIX has readme.md, a different file on a case-sensitive file system',
    ]);
    assert.deepEqual(check([...sampleFiles(), ['extension/dist/extension.js.map', '{}'], ['extension/src/a.ts', '']]).problems,
      ['dist/extension.js.map: the VSIX carries a source map', 'src/a.ts: the VSIX carries sources, tests or node_modules']);
    assert.deepEqual(check(without(sampleFiles(), 'extension/package.json')).problems, ['the VSIX has no extension/package.json']);
  });
});

describe('the VSIX of this project', { timeout: 180_000 }, () => {
  let vsix = '';
  let report: VsixReport;

  before(() => {
    assert.ok(existsSync(path.join(ROOT, 'dist', 'extension.js')), 'dist/ is not built: run npm run build (npm test does, in pretest)');
    const out = path.join(tmp, 'package');
    // scripts/package.mjs with the project's .vscodeignore, packing the dist/ already built.
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'package.mjs'), '--prebuilt', '--out', out], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, `package.mjs --prebuilt failed:\n${r.stdout}\n${r.stderr}`);
    vsix = path.join(out, readdirSync(out).find((f) => f.endsWith('.vsix'))!);
    report = checkVsix(vsix);
  });

  it('carries every file its bundles load, and no source maps', () => {
    assert.deepEqual(report.problems, []);
    // The check saw what it must: the chunk, the worker, the webview's files (else it could pass vacuously).
    const seen = (target: string, from: string) => report.references.some((r) => r.target === target && r.from === from);
    assert.ok(seen('dist/extension.js', 'package.json'), 'package.json main');
    assert.ok(seen('dist/kubeClient.js', 'dist/extension.js'), 'require("./kubeClient.js")');
    assert.ok(seen('dist/indexWorker.js', 'dist/extension.js'), 'the index worker');
    assert.ok(seen('media/graph.js', 'dist/extension.js') && seen('media/graph.css', 'dist/extension.js'), 'the graph webview');
    for (const f of ['package.json', 'dist/extension.js', 'dist/kubeClient.js', 'dist/indexWorker.js', 'dist/cli.js', 'media/graph.js']) {
      assert.ok(report.files.includes(f), `${f} in ${report.files.join(', ')}`);
    }
  });

  it('fails once a chunk is taken out of it', () => {
    const entries = readZip(readFileSync(vsix));
    const files = entries.filter((e) => e.name !== 'extension/dist/kubeClient.js').map((e): [string, Buffer] => [e.name, e.data()]);
    assert.equal(files.length, entries.length - 1);
    const broken = checkVsix(makeZip(files));
    // Both front ends load the Kubernetes client from it on their first cluster call (scripts/build.mjs).
    assert.equal(broken.problems.length, 2, broken.problems.join('\n'));
    const sorted = [...broken.problems].sort();
    assert.match(sorted[0], /^dist\/kubeClient\.js is not in the VSIX, but dist\/cli\.js loads it \(require\(["']\.\/kubeClient\.js["']\)\)$/);
    assert.match(sorted[1], /^dist\/kubeClient\.js is not in the VSIX, but dist\/extension\.js loads it \(require\(["']\.\/kubeClient\.js["']\)\)$/);
  });
});
