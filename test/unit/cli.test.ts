/** The CLI contract: commands, flags, text and JSON output, exit codes, and one-line errors on bad input. */
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { generateDump } from '../../bench/generateDump';
import { EXIT_PIPE } from '../../src/cli/main';
import { runCli, type CliRun } from './cliRun';

const ROOT = path.join(__dirname, '..', '..', '..');
const FIX = path.join(ROOT, 'test', 'fixtures');
const fx = (f: string) => path.join(FIX, f);

const run = (...argv: string[]): CliRun => runCli(argv);

const tmp = mkdtempSync(path.join(os.tmpdir(), 'envoy-lens-cli-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('envoy-lens check', () => {
  it('prints path:line:col: severity code: message, 1-based', () => {
    const r = run('check', '--fail-on', 'never', fx('sidecar.json'));
    assert.equal(r.code, 0);
    const lines = r.out.split('\n');
    assert.equal(lines.length, 18);
    for (const l of lines) assert.match(l, /^.+sidecar\.json:\d+:\d+: (error|warning|information|hint) [a-z-]+: .+$/);
    // The error_state listener, checked by hand against the fixture: line 66 (1-based) holds `"name": "0.0.0.0_15010"`.
    const err = lines.find((l) => l.includes('listener-error'))!;
    const [, line, col] = /:(\d+):(\d+):/.exec(err)!;
    const text = readFileSync(fx('sidecar.json'), 'utf8').split('\n');
    assert.equal(text[Number(line) - 1].slice(Number(col) - 1, Number(col) - 1 + 14), '"0.0.0.0_15010');
  });

  it('exits 1 on errors by default, and follows --fail-on', () => {
    assert.equal(run('check', fx('sidecar.json')).code, 1); // listener-error
    assert.equal(run('check', fx('istioctl-listeners.camel.json')).code, 0);
    const pair = [fx('istioctl-listeners.camel.json'), fx('istioctl-routes.camel.json')];
    assert.equal(run('check', ...pair).code, 0); // warnings only
    assert.equal(run('check', '--fail-on', 'warning', ...pair).code, 1);
    assert.equal(run('check', '--fail-on=never', fx('sidecar.json')).code, 0);
  });

  it('prints exactly one JSON object in the documented shape', () => {
    const r = run('check', '--format', 'json', fx('sidecar.yaml'), fx('istioctl-routes.camel.json'));
    const o = JSON.parse(r.out) as {
      files: Array<{ path: string; shape: string; counts: Record<string, number> }>;
      problems: Array<Record<string, unknown>>;
    };
    assert.deepEqual(Object.keys(o), ['files', 'problems']);
    assert.deepEqual(Object.keys(o.files[0]), ['path', 'shape', 'counts']);
    assert.deepEqual(Object.keys(o.files[0].counts), ['listeners', 'routeConfigs', 'virtualHosts', 'routes', 'clusters', 'endpointConfigs', 'secrets']);
    assert.deepEqual(o.files[0].counts, { listeners: 6, routeConfigs: 2, virtualHosts: 4, routes: 6, clusters: 11, endpointConfigs: 4, secrets: 2 });
    assert.equal(o.files[1].shape, 'istioctl-routes');
    assert.ok(o.problems.length >= 18);
    for (const p of o.problems) {
      assert.deepEqual(Object.keys(p), ['path', 'line', 'column', 'endLine', 'endColumn', 'severity', 'code', 'message']);
      assert.ok(['error', 'warning', 'information', 'hint'].includes(p.severity as string));
    }
  });

  it('rejects bad usage with exit 2', () => {
    assert.equal(run().code, 2);
    assert.equal(run('check').code, 2);
    assert.equal(run('check', '--format', 'xml', fx('sidecar.json')).code, 2);
    assert.equal(run('check', '--fail-on', 'sometimes', fx('sidecar.json')).code, 2);
    assert.equal(run('check', '--bogus', fx('sidecar.json')).code, 2);
    assert.equal(run('frobnicate', fx('sidecar.json')).code, 2);
    assert.equal(run('refs', fx('sidecar.json')).code, 2);
    assert.equal(run('--help').code, 0);
  });

  it('gives one line, no stack, for a missing file, a directory, binary input and non-Envoy JSON', () => {
    const bin = path.join(tmp, 'dump.json.gz');
    writeFileSync(bin, Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00]));
    const pkg = path.join(tmp, 'package.json');
    writeFileSync(pkg, JSON.stringify({ name: 'x', version: '1.0.0' }));
    const brackets = path.join(tmp, 'brackets.json');
    writeFileSync(brackets, '[[[[');
    const badYaml = path.join(tmp, 'bad.yaml');
    writeFileSync(badYaml, 'a: [\n');
    // A directory stands for the dumps in it: one with none is one sentence too.
    const noDumps = path.join(tmp, 'no-dumps');
    mkdirSync(noDumps, { recursive: true });
    writeFileSync(path.join(noDumps, 'package.json'), '{"name": "x"}');
    for (const [p, re] of [
      [path.join(tmp, 'nope.json'), /does not exist/],
      [noDumps, /no-dumps holds no Envoy dumps \(\.json, \.yaml or \.yml files that look like one\); --recursive looks in its subfolders too\.$/],
      [bin, /binary file.*gzip/],
      [pkg, /not an Envoy config dump or config \(no listeners, routes, clusters, endpoints or secrets found\)\.$/],
      // Damage is named, not hidden behind "not an Envoy config dump".
      [brackets, /brackets\.json is not an Envoy config dump .*; it does not parse either: 1:5: Unexpected end of input\.$/],
      [badYaml, /bad\.yaml is not an Envoy config dump .*; it does not parse either: 2:1: /],
    ] as const) {
      const r = run('check', p);
      assert.equal(r.code, 3, p);
      assert.equal(r.err.split('\n').length, 1, r.err);
      assert.match(r.err, re);
      assert.doesNotMatch(r.err, /\n\s+at /);
    }
  });
});

describe('envoy-lens refs', () => {
  it('lists the definition and every reference of a name', () => {
    const r = run('refs', fx('sidecar.json'), '--name', 'PassthroughCluster');
    assert.equal(r.code, 0);
    const lines = r.out.split('\n');
    assert.equal(lines.length, 3);
    assert.match(lines[0], /sidecar\.json:\d+:\d+ cluster definition \(dynamic_active_clusters\)$/);
    assert.ok(lines.some((l) => / cluster reference \(tcp-proxy\)$/.test(l)));
    assert.ok(lines.some((l) => / cluster reference \(route\)$/.test(l)));
  });

  it('works across istioctl files and says so when nothing matches', () => {
    const r = run('refs', fx('istioctl-listeners.camel.json'), fx('istioctl-routes.camel.json'), '--name', '9080');
    assert.equal(r.out.split('\n').length, 2);
    const none = run('refs', fx('sidecar.json'), '--name', 'no-such-thing');
    assert.equal(none.code, 1);
    assert.match(none.err, /neither defined nor referenced/);
  });
});

describe('envoy-lens summary', () => {
  it('prints what pc all prints (istioctl proxy-config all)', () => {
    const r = run('summary', fx('sidecar.json'));
    assert.equal(r.code, 0);
    assert.match(r.out, /^NAME\s+ADDRESSES\s+PORT\s+MATCH\s+DESTINATION$/m);
    assert.match(r.out, /^listener\/virtualInbound\s+0\.0\.0\.0\s+15006\s+Trans: tls; App: TCP TLS; Addr: \*:9080\s+Cluster: inbound\|9080\|\|$/m);
    assert.match(r.out, /^listener\/0\.0\.0\.0_9080\s+0\.0\.0\.0\s+9080\s+ALL\s+Route: 9080$/m);
    assert.match(r.out, /^NAME\s+SERVICE FQDN\s+PORT\s+SUBSET\s+DIRECTION\s+TYPE\s+DESTINATION RULE$/m);
    assert.match(r.out, /^cluster\/outbound\|9080\|\|ratings\.default\.svc\.cluster\.local\s+ratings\.default\.svc\.cluster\.local\s+9080\s+-\s+outbound\s+EDS$/m);
    assert.match(r.out, /^NAME\s+STATUS\s+LOCALITY\s+CLUSTER$/m);
    assert.match(r.out, /^endpoint\/10\.4\.2\.9:9080\s+UNHEALTHY\s+r1\/z1\s+outbound\|9080\|\|ratings/m);
    assert.equal(r.out, run('pc', 'all', fx('sidecar.json')).out);
  });
});

describe('the bundled bin', () => {
  it('runs as a program and exits with the documented code', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'check', fx('sidecar.json')], { encoding: 'utf8' });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /listener-error/);
  });

  it('traces with the bundled bin (every dependency resolves inside the bundle)', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'trace', fx('sidecar.json'), '--to', 'http://ratings:9080/ratings/0'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /→ 10\.4\.1\.12:9080 \(HEALTHY\)$/m);
  });
});

const BIN = path.join(ROOT, 'dist', 'cli.js');

interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

/**
 * Runs the bundled bin with stdout on a real pipe. `closeAfter`: 'start' closes our end of the pipe before the
 * program writes anything; 'first-line' closes it once the first line arrived (what `| head -1` does).
 */
function runBin(args: string[], options: { closeAfter?: 'start' | 'first-line'; stdin?: string | Buffer; cwd?: string } = {}): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd ?? tmp, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdin.on('error', () => undefined); // the program may stop reading before we finish writing
    if (options.stdin !== undefined) child.stdin.end(options.stdin);
    else child.stdin.end();
    if (options.closeAfter === 'start') child.stdout.destroy();
    else {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (options.closeAfter === 'first-line' && out.includes('\n')) child.stdout.destroy();
      });
    }
    child.on('close', (code, signal) => resolve({ code, signal, out, err }));
  });
}

/** One line on stderr, prefixed, no stack frame. */
function oneSentence(err: string): void {
  const lines = err.trimEnd().split('\n');
  assert.equal(lines.length, 1, err);
  assert.match(lines[0], /^envoy-lens: .+[.]$/, err);
  assert.doesNotMatch(err, /\n\s+at |Error:|EPIPE/);
}

describe('a closed pipe (envoy-lens … | head -1)', () => {
  // A dump whose findings (--format json, ~190 kB) and tables (~210 kB) are far more than a pipe buffer (64 kB) plus
  // what head reads: the program is still writing when head exits.
  const big = path.join(tmp, 'big.json');
  writeFileSync(big, generateDump({ services: 150, portsPerService: 2, casing: 'snake', includeEds: true, danglingRate: 0.5, seed: 11 }));

  /** `envoy-lens ARGS 2>ERR | head -1`, through a shell and a real pipe (spawn gives a child a socket pair). */
  function throughHead(args: string[]): { code: number; err: string; head: string } {
    const errFile = path.join(tmp, 'stderr.txt');
    const r = spawnSync('bash', ['-c', '"$0" "$@" 2>"$ERR_FILE" | head -1; exit "${PIPESTATUS[0]}"', process.execPath, BIN, ...args],
      { encoding: 'utf8', env: { ...process.env, ERR_FILE: errFile }, cwd: tmp });
    return { code: r.status ?? -1, err: readFileSync(errFile, 'utf8'), head: r.stdout };
  }

  it('check and summary piped into head -1 stop quietly with 141, every time', { timeout: 180_000, skip: process.platform === 'win32' }, () => {
    for (const args of [['check', '--format', 'json', big], ['summary', big]]) {
      for (let i = 0; i < 3; i++) {
        const r = throughHead(args);
        assert.equal(r.err, '', `${args[0]} run ${i}: ${r.err}`);
        assert.equal(r.code, EXIT_PIPE, `${args[0]} run ${i}`);
        assert.equal(r.head.split('\n').length, 2, 'head printed its line');
      }
    }
  });

  it('every command that prints stops quietly when stdout is closed before it writes', { timeout: 120_000 }, async () => {
    const runs: string[][] = [
      ['check', fx('sidecar.json')],
      ['check', '--format', 'json', fx('sidecar.json')],
      ['summary', fx('sidecar.json')],
      ['refs', fx('sidecar.json'), '--name', 'PassthroughCluster'],
      ['trace', fx('sidecar.json'), '--to', 'http://ratings:9080/ratings/0'],
      ['--help'],
      ['fetch', '--help'],
    ];
    for (const args of runs) {
      for (let i = 0; i < 2; i++) {
        const r = await runBin(args, { closeAfter: 'start' });
        assert.equal(r.err, '', `${args.join(' ')}: ${r.err}`);
        assert.equal(r.code, EXIT_PIPE, args.join(' '));
      }
    }
  });
});

describe('inputs that are not dumps', () => {
  it('/dev/zero ends at once with one sentence, exit 3', { timeout: 30_000, skip: process.platform === 'win32' }, async () => {
    const r = await runBin(['check', '/dev/zero']);
    assert.equal(r.code, 3);
    oneSentence(r.err);
    assert.match(r.err, /\/dev\/zero is a binary file/);
  });

  it('an endless text stream on stdin stops at --max-size with one sentence, exit 3', { timeout: 30_000 }, async () => {
    const child = spawn(process.execPath, [BIN, 'check', '-', '--max-size', '0.5'], { cwd: tmp });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    // Keep writing until the program has gone: it must stop reading on its own.
    const line = Buffer.from('key: value that never ends\n'.repeat(2000));
    let open = true;
    child.stdin.on('error', () => { open = false; });
    const pump = (): void => {
      while (open && child.stdin.write(line));
      if (open) child.stdin.once('drain', pump);
    };
    pump();
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => { open = false; resolve(c); }));
    assert.equal(code, 3);
    oneSentence(err);
    assert.match(err, /<stdin> is larger than the 0\.5 MB input limit; pass --max-size/);
  });

  it('a file over --max-size is refused with the limit in the sentence', () => {
    const f = path.join(tmp, 'over.json');
    writeFileSync(f, readFileSync(fx('sidecar.json')));
    const r = run('check', '--max-size', '0.001', f);
    assert.equal(r.code, 3);
    oneSentence(r.err);
    assert.match(r.err, /over\.json is larger than the 0\.001 MB input limit/);
    for (const bad of ['0', '-1', 'lots', '']) assert.equal(run('check', '--max-size', bad, f).code, 2, bad);
  });

  it('empty, blank and comment-only files agree, JSON or YAML: exit 3, "there is nothing to check"', () => {
    const cases: Record<string, string | Buffer> = {
      'empty.json': '',
      'empty.yaml': '',
      'blank.json': '  \n\t\r\n',
      'blank.yml': '\n\n',
      'comments.yaml': '# istioctl output went here\n  # nothing else\n',
      'markers.yaml': '---\n# a comment\n...\n---\n',
      'comments.json': '// nothing\n/* at all */\n',
      'bom.json': Buffer.from([0xef, 0xbb, 0xbf, 0x0a]),
    };
    for (const [name, content] of Object.entries(cases)) {
      const f = path.join(tmp, name);
      writeFileSync(f, content);
      for (const command of [['check'], ['summary'], ['refs', '--name', 'x']]) {
        const r = run(...command, f);
        assert.equal(r.code, 3, `${command[0]} ${name}`);
        assert.equal(r.out, '', name);
        oneSentence(r.err);
        assert.match(r.err, new RegExp(`${name.replace('.', '\\.')} is empty .*; there is nothing to check\\.$`));
      }
    }
    // Not blank: a document marker followed by content, an unterminated comment (the parser reports those).
    for (const content of ['--- {a: 1}\n', '/* never closed\n']) {
      const f = path.join(tmp, 'not-blank.yaml');
      writeFileSync(f, content);
      assert.doesNotMatch(run('check', f).err, /is empty/, content);
    }
  });

  it('reads - from stdin, once, with the content deciding JSON or YAML', { timeout: 30_000 }, async () => {
    for (const f of ['sidecar.json', 'sidecar.yaml']) {
      const r = await runBin(['check', '-', '--fail-on', 'never'], { stdin: readFileSync(fx(f)) });
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /^<stdin>:\d+:\d+: error listener-error: /m, f);
    }
    const empty = await runBin(['check', '-'], { stdin: '' });
    assert.equal(empty.code, 3);
    assert.match(empty.err, /<stdin> is empty/);
    assert.equal(run('check', '-', '-').code, 2);
  });

  it('garbage of every kind: one sentence each, the right exit code, no stack', () => {
    const bin = path.join(tmp, 'random.json');
    writeFileSync(bin, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)));
    const notDir = path.join(tmp, 'plain-file');
    writeFileSync(notDir, 'x');
    const folder = path.join(tmp, 'a-folder');
    mkdirSync(folder, { recursive: true });
    for (const [args, code, re] of [
      [['check', bin], 3, /binary file/],
      [['check', path.join(notDir, 'x.json')], 3, /a part of the path is a file/],
      [['summary', folder], 3, /a-folder holds no Envoy dumps/],
      [['refs', path.join(tmp, 'missing.yaml'), '--name', 'x'], 3, /does not exist/],
      [['trace', folder, '--to', 'http://a/'], 3, /is a directory/],
      [['trace', path.join(tmp, 'missing.json'), '--to', 'http://a/'], 3, /does not exist/],
      [['check', '--context', 'x', fx('sidecar.json')], 2, /Unknown option --context for check/],
      [['summary', '--format', 'json', fx('sidecar.json')], 2, /Unknown option --format for summary/],
      [['refs', '--yaml', fx('sidecar.json'), '--name', 'x'], 2, /Unknown option --yaml for refs/],
      [['trace', fx('sidecar.json'), '--to', 'http://a/', '--max-size', 'x'], 2, /--max-size must be a positive number/],
      [['trace', fx('sidecar.json'), '-x'], 2, /Unknown option -x/],
      [['check', '-o'], 2, /Unknown option -o for check/],
    ] as const) {
      const r = run(...args);
      assert.equal(r.code, code, args.join(' '));
      oneSentence(r.err.replace(/ Run "envoy-lens[^"]*" for usage\.$/, ''));
      assert.match(r.err, re, args.join(' '));
    }
  });

  it('help: per command, listing every option that command takes', () => {
    for (const command of ['check', 'summary', 'refs', 'fetch']) {
      const r = run(command, '--help');
      assert.equal(r.code, 0, command);
      assert.match(r.out, new RegExp(`^Usage: envoy-lens ${command}`));
      assert.deepEqual(run('help', command).out, r.out);
    }
    const fetchHelp = run('fetch', '--help').out;
    for (const flag of ['--context', '--namespace', '-o, --output', '--yaml', '--resource', '--mask', '--method', '--admin-port',
      '--kubeconfig', '--timeout', '--max-size', '--fail-on']) {
      assert.ok(fetchHelp.includes(flag), flag);
    }
    assert.match(run('trace', '--help').out, /--max-size MB/);
  });
});
