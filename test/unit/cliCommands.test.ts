/**
 * The CLI's command table and output formats: one parser for every command (help, unknown flags, -H), directory
 * operands, SARIF 2.1.0, GitHub workflow annotations, colour, and the problem matcher package.json contributes,
 * tried on real `check` output.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { DIAGNOSTIC_CODES } from '../../src/core/facade';
import { usageOf } from '../../src/cli/command';
import { COMMANDS } from '../../src/cli/commands/index';
import { escapeData, escapeProperty, githubLine, textLine, wantColour, type Row } from '../../src/cli/formats';
import { runCli } from './cliRun';

const ROOT = path.join(__dirname, '..', '..', '..');
const fx = (f: string) => path.join(ROOT, 'test', 'fixtures', f);

const run = runCli;

const tmp = mkdtempSync(path.join(os.tmpdir(), 'envoy-lens-cmd-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('one command table', () => {
  it('envoy-lens --help lists every command of the table with its summary', () => {
    const r = run(['--help']);
    assert.equal(r.code, 0);
    for (const c of COMMANDS) assert.match(r.out, new RegExp(`^  ${c.name} +${c.summary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'), c.name);
    assert.deepEqual(COMMANDS.map((c) => c.name), ['check', 'summary', 'pc', 'refs', 'trace', 'diff', 'scrub', 'fetch', 'check-pods']);
    assert.equal(run(['help']).out, r.out);
  });

  it('help CMD and CMD --help print the same text, exit 0, with every flag of the table', () => {
    for (const c of COMMANDS) {
      const a = run(['help', c.name]);
      const b = run([c.name, '--help']);
      const h = run([c.name, '-h']);
      assert.equal(a.code, 0, c.name);
      assert.equal(b.code, 0, c.name);
      assert.equal(a.out, b.out, c.name);
      assert.equal(h.out, b.out, c.name);
      assert.equal(b.out, usageOf(c));
      for (const f of c.flags) assert.ok(b.out.includes(`--${f.name}`), `${c.name} --${f.name}`);
    }
    assert.equal(run(['help', 'frobnicate']).code, 2);
  });

  it('an unknown flag is exit 2 and one sentence, for every command', () => {
    for (const c of COMMANDS) {
      const r = run([c.name, '--no-such-flag', 'x']);
      assert.equal(r.code, 2, c.name);
      assert.equal(r.err, `envoy-lens: Unknown option --no-such-flag for ${c.name}. Run "envoy-lens ${c.name} --help" for usage.`);
      assert.equal(r.out, '');
    }
    assert.match(run(['--bogus']).err, /^envoy-lens: Unknown option --bogus\. Run "envoy-lens --help" for usage\.$/);
  });

  it('version, --version and -v print the package version, exit 0 (the built CLI, which finds its package.json)', () => {
    const want = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    for (const w of ['version', '--version', '-v']) {
      const r = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), w], { encoding: 'utf8' });
      assert.deepEqual([r.status, r.stdout, r.stderr], [0, `${want}\n`, ''], w);
    }
  });

  it('a mistyped command or flag is exit 2 with the name it was probably meant to be, and nothing far off is offered', () => {
    const said = (argv: string[]) => {
      const r = run(argv);
      assert.equal(r.code, 2, argv.join(' '));
      assert.equal(r.out, '');
      return r.err;
    };
    assert.equal(said(['chek', 'x']), 'envoy-lens: Unknown command "chek". Did you mean "check"? Run "envoy-lens --help" for usage.');
    assert.match(said(['sumary', 'x']), /Did you mean "summary"\?/);
    assert.match(said(['help', 'trase']), /^envoy-lens: Unknown command "trase"\. Did you mean "trace"\? Run/);
    assert.match(said(['check-pod']), /Did you mean "check-pods"\?/);
    assert.equal(said(['check', '--formt', 'json', fx('sidecar.json')]),
      'envoy-lens: Unknown option --formt for check. Did you mean --format? Run "envoy-lens check --help" for usage.');
    assert.match(said(['pc', 'clusters', '--fqd', 'x', fx('sidecar.json')]), /Unknown option --fqd for pc\. Did you mean --fqdn\?/);
    // Too far from every name, or too short to guess from: no suggestion.
    for (const argv of [['frobnicate'], ['x'], ['c'], ['check', '--zzzzzz'], ['check', '-x']]) assert.doesNotMatch(said(argv), /Did you mean/, argv.join(' '));
  });

  it('a missing value, a value on a boolean and a dash-led value are usage errors in one sentence', () => {
    const cases: Array<[string[], RegExp]> = [
      [['refs', fx('sidecar.json'), '--name'], /^envoy-lens: Option --name needs a value\. Run/],
      [['check', '--recursive=yes', fx('sidecar.json')], /^envoy-lens: Option --recursive takes no value\. Run/],
      [['check', '--max-size', '-1', fx('sidecar.json')], /^envoy-lens: Option --max-size needs a value \(write --max-size=-VALUE for one starting with "-"\)\. Run/],
    ];
    for (const [args, re] of cases) {
      const r = run(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.equal(r.err.split('\n').length, 1);
      assert.match(r.err, re);
    }
    assert.equal(run(['check', '--max-size=-1', fx('sidecar.json')]).code, 2);
  });

  it('summary --format json is a usage error, not silently ignored', () => {
    const r = run(['summary', '--format', 'json', fx('sidecar.json')]);
    assert.equal(r.code, 2);
    assert.equal(r.out, '');
  });

  it('trace -H is a header (it used to be read as a file name), repeatable, mixed with --header', () => {
    const long = run(['trace', fx('sidecar.yaml'), '--to', 'http://reviews:9080/reviews/1', '--header', 'host=reviews', '--header', 'end-user: jason']);
    const short = run(['trace', fx('sidecar.yaml'), '--to', 'http://reviews:9080/reviews/1', '-H', 'host=reviews', '-H', 'end-user: jason']);
    const mixed = run(['trace', fx('sidecar.yaml'), '--to', 'http://reviews:9080/reviews/1', '-H', 'host=reviews', '--header=end-user=jason']);
    assert.equal(long.code, 1);
    assert.match(long.out, /headers end-user: jason/);
    assert.equal(short.code, long.code);
    assert.equal(short.out, long.out);
    assert.equal(mixed.out, long.out);
    assert.equal(short.err, '');
    // Without -H: the route that needs end-user does not match, so the outcome differs.
    const none = run(['trace', fx('sidecar.yaml'), '--to', 'http://reviews:9080/reviews/1', '-H', 'host=reviews']);
    assert.notEqual(none.out, long.out);
    assert.equal(run(['trace', fx('sidecar.json'), '--to', 'http://a/', '-H', 'nonsense']).code, 2);
  });

  it('-n and -o are fetch\'s short flags; check has neither', () => {
    assert.match(run(['check', '-n', 'x', fx('sidecar.json')]).err, /Unknown option -n for check/);
    assert.match(usageOf(COMMANDS.find((c) => c.name === 'fetch')!), /-n, --namespace N/);
  });
});

describe('a directory operand', () => {
  const dir = path.join(tmp, 'dumps');
  mkdirSync(path.join(dir, 'nested', 'deeper'), { recursive: true });
  copyFileSync(fx('sidecar.json'), path.join(dir, 'b-sidecar.json'));
  copyFileSync(fx('istioctl-routes.camel.yaml'), path.join(dir, 'a-routes.yaml'));
  copyFileSync(fx('trace-istio.json'), path.join(dir, 'nested', 'deeper', 'istio.yml.json'));
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'not-a-dump', version: '1.0.0' }));
  writeFileSync(path.join(dir, 'notes.txt'), 'static_resources: this is a text file, not a dump\n');
  writeFileSync(path.join(dir, 'nested', 'k8s.yaml'), 'apiVersion: v1\nkind: ConfigMap\n');

  it('checks the dumps in it, in name order, and skips everything else silently', () => {
    const viaDir = run(['check', '--fail-on', 'never', dir]);
    assert.equal(viaDir.code, 0);
    assert.equal(viaDir.err, '');
    const explicit = run(['check', '--fail-on', 'never', path.join(dir, 'a-routes.yaml'), path.join(dir, 'b-sidecar.json')]);
    assert.equal(viaDir.out, explicit.out);
    const json = JSON.parse(run(['check', '--format', 'json', dir]).out) as { files: Array<{ path: string }> };
    assert.deepEqual(json.files.map((f) => path.basename(f.path)), ['a-routes.yaml', 'b-sidecar.json']);
  });

  it('--recursive descends into subfolders', () => {
    const json = JSON.parse(run(['check', '--recursive', '--format', 'json', dir]).out) as { files: Array<{ path: string }> };
    assert.deepEqual(json.files.map((f) => path.relative(dir, f.path)), ['a-routes.yaml', 'b-sidecar.json', path.join('nested', 'deeper', 'istio.yml.json')]);
    assert.equal(run(['summary', '-r', dir]).code, 0);
    assert.match(run(['refs', '-r', dir, '--name', 'PassthroughCluster']).out, /b-sidecar\.json:\d+:\d+ cluster definition/);
  });

  it('says how many were read on stderr when it is a terminal, nothing otherwise', () => {
    const r = run(['check', '--fail-on', 'never', '-r', dir], { errIsTerminal: true });
    assert.equal(r.err, `envoy-lens: ${dir}: 3 dumps read, 3 other files skipped.`);
    assert.equal(run(['check', '--fail-on', 'never', '-r', dir]).err, '');
  });

  it('a directory with no dump is exit 3 and one sentence; the others are still checked', () => {
    const empty = path.join(tmp, 'empty-dir');
    mkdirSync(empty, { recursive: true });
    const r = run(['check', '--fail-on', 'never', empty, fx('sidecar.json')]);
    assert.equal(r.code, 3);
    assert.equal(r.err, `envoy-lens: ${empty} holds no Envoy dumps (.json, .yaml or .yml files that look like one); --recursive looks in its subfolders too.`);
    assert.match(r.out, /listener-error/);
  });
});

/** The `check` findings of the sidecar fixture, as Rows. */
function sidecarRows(): Row[] {
  return (JSON.parse(run(['check', '--format', 'json', fx('sidecar.json')]).out) as { problems: Row[] }).problems;
}

describe('check --format sarif', () => {
  it('is one SARIF 2.1.0 run: a rule per diagnostic code, a result per finding at its 1-based region', () => {
    const r = run(['check', '--format', 'sarif', fx('sidecar.json')]);
    assert.equal(r.code, 1); // same exit as text: listener-error
    const log = JSON.parse(r.out);
    assert.equal(log.version, '2.1.0');
    assert.match(log.$schema, /sarif-2\.1\.0/);
    assert.equal(log.runs.length, 1);
    const run0 = log.runs[0];
    assert.equal(run0.tool.driver.name, 'envoy-lens');
    const rules = run0.tool.driver.rules as Array<{ id: string; helpUri: string }>;
    assert.deepEqual(rules.map((x) => x.id), [...DIAGNOSTIC_CODES]);
    for (const rule of rules) assert.match(rule.helpUri, /^https:\/\/[^ ]+#diagnostic-codes$/);
    const rows = sidecarRows();
    assert.equal(run0.results.length, rows.length);
    const levels: Record<string, string> = { error: 'error', warning: 'warning', information: 'note', hint: 'note' };
    run0.results.forEach((res: Record<string, any>, i: number) => { // eslint-disable-line @typescript-eslint/no-explicit-any
      const row = rows[i];
      assert.equal(res.ruleId, row.code);
      assert.equal(rules[res.ruleIndex].id, row.code);
      assert.equal(res.level, levels[row.severity]);
      assert.equal(res.message.text, row.message);
      const loc = res.locations[0].physicalLocation;
      assert.equal(loc.artifactLocation.uri, `file://${fx('sidecar.json')}`);
      assert.deepEqual(loc.region, { startLine: row.line, startColumn: row.column, endLine: row.endLine, endColumn: row.endColumn });
    });
    // The region points at the text: the listener-error sits on the listener's name.
    const le = run0.results.find((x: { ruleId: string }) => x.ruleId === 'listener-error');
    const { startLine, startColumn } = le.locations[0].physicalLocation.region;
    const text = readFileSync(fx('sidecar.json'), 'utf8').split('\n');
    assert.equal(text[startLine - 1].slice(startColumn - 1, startColumn - 1 + 14), '"0.0.0.0_15010');
  });

  it('gives relative paths as relative URIs with forward slashes', () => {
    const rel = path.relative(process.cwd(), fx('sidecar.json'));
    const log = JSON.parse(run(['check', '--format', 'sarif', rel]).out);
    assert.equal(log.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri, rel.split(path.sep).map(encodeURIComponent).join('/'));
  });
});

describe('check --format github', () => {
  it('prints one workflow command per finding: error, warning, notice', () => {
    const r = run(['check', '--format', 'github', fx('sidecar.json')]);
    assert.equal(r.code, 1);
    const rows = sidecarRows();
    const lines = r.out.split('\n');
    assert.equal(lines.length, rows.length);
    const cmd: Record<string, string> = { error: 'error', warning: 'warning', information: 'notice', hint: 'notice' };
    lines.forEach((l, i) => {
      const row = rows[i];
      const file = escapeProperty(fx('sidecar.json'));
      assert.equal(l, `::${cmd[row.severity]} file=${file},line=${row.line},col=${row.column},endLine=${row.endLine},endColumn=${row.endColumn},title=envoy-lens ${row.code}::${escapeData(row.message)}`);
    });
    assert.ok(lines.some((l) => l.startsWith('::notice ')));
  });

  it('escapes %, CR and LF in the message, and , and : in properties too', () => {
    assert.equal(escapeData('100% a\r\nb: c, d'), '100%25 a%0D%0Ab: c, d');
    assert.equal(escapeProperty('C:\\x,y%\n'), 'C%3A\\x%2Cy%25%0A');
    const line = githubLine({ path: 'a,b:c.json', line: 1, column: 2, endLine: 3, endColumn: 4, severity: 'warning', code: 'unknown-cluster', message: 'x: 50%\ny' });
    assert.equal(line, '::warning file=a%2Cb%3Ac.json,line=1,col=2,endLine=3,endColumn=4,title=envoy-lens unknown-cluster::x: 50%25%0Ay');
  });
});

describe('colour', () => {
  it('is on for a terminal, off with NO_COLOR (any value) or when piped, forced by FORCE_COLOR', () => {
    assert.equal(wantColour(true, {}), true);
    assert.equal(wantColour(false, {}), false);
    assert.equal(wantColour(true, { NO_COLOR: '1' }), false);
    assert.equal(wantColour(true, { NO_COLOR: '' }), false);
    assert.equal(wantColour(true, { TERM: 'dumb' }), false);
    assert.equal(wantColour(false, { FORCE_COLOR: '1' }), true);
    assert.equal(wantColour(false, { FORCE_COLOR: '' }), true);
    assert.equal(wantColour(true, { FORCE_COLOR: '0' }), false);
    assert.equal(wantColour(true, { FORCE_COLOR: 'false' }), false);
  });

  it('colours only the severity word of text output; json, sarif and github never', () => {
    const plain = run(['check', fx('sidecar.json')]).out;
    const coloured = run(['check', fx('sidecar.json')], { colour: true }).out;
    assert.notEqual(coloured, plain);
     
    assert.equal(coloured.replace(/\x1b\[[0-9;]*m/g, ''), plain);
    assert.match(coloured, /: \x1b\[1;31merror\x1b\[0m listener-error: /);  
    for (const format of ['json', 'sarif', 'github']) {
      assert.equal(run(['check', '--format', format, fx('sidecar.json')], { colour: true }).out, run(['check', '--format', format, fx('sidecar.json')]).out);
    }
  });
});

describe('the problem matcher package.json contributes', () => {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const matchers = pkg.contributes.problemMatchers as Array<Record<string, any>>; // eslint-disable-line @typescript-eslint/no-explicit-any
  const m = matchers.find((x) => x.name === 'envoy-lens')!;

  /** What VS Code's severity reading makes of the captured word (Severity.fromValue, then E/W/I/hint/note). */
  const vscodeSeverity = (w: string): string => ({ error: 'error', warning: 'warning', info: 'info', hint: 'info' } as Record<string, string>)[w.toLowerCase()] ?? 'DEFAULT';

  it('is named and owned envoy-lens, and finds files given as absolute or relative paths', () => {
    assert.ok(m, 'a problem matcher named envoy-lens');
    assert.equal(m.owner, 'envoy-lens');
    assert.deepEqual(m.fileLocation, ['autoDetect', '${workspaceFolder}']);
  });

  it('matches every line of real check output, the coloured one with its escapes removed, as VS Code does', () => {
    const re = new RegExp(m.pattern.regexp);
    const rel = path.relative(process.cwd(), fx('sidecar.json'));
    const rows = sidecarRows();
    for (const [file, colour] of [[fx('sidecar.json'), false], [rel, false], [fx('sidecar.json'), true]] as const) {
       
      const lines = run(['check', '--fail-on', 'never', file], { colour }).out.split('\n').map((l) => l.replace(/\x1b\[[0-9;]*m/g, ''));
      assert.equal(lines.length, rows.length);
      lines.forEach((l, i) => {
        const g = re.exec(l);
        assert.ok(g, l);
        assert.equal(g[m.pattern.file], file);
        assert.equal(Number(g[m.pattern.line]), rows[i].line);
        assert.equal(Number(g[m.pattern.column]), rows[i].column);
        assert.equal(g[m.pattern.code], rows[i].code);
        assert.equal(g[m.pattern.message], rows[i].message);
        // information must read as info, not fall through to the matcher's default (error).
        const expected = { error: 'error', warning: 'warning', information: 'info', hint: 'info' }[rows[i].severity];
        assert.equal(vscodeSeverity(g[m.pattern.severity]), expected, l);
      });
    }
    assert.ok(rows.some((r) => r.severity === 'information') || rows.some((r) => r.severity === 'hint'));
  });

  it('matches the documented line shape, Windows drive letters included', () => {
    const re = new RegExp(m.pattern.regexp);
    const g = re.exec(textLine({ path: 'C:\\dumps\\a.json', line: 3, column: 9, endLine: 3, endColumn: 12, severity: 'information', code: 'warming', message: 'x: y' }))!;
    assert.deepEqual([g[1], g[2], g[3], g[4], g[5], g[6]], ['C:\\dumps\\a.json', '3', '9', 'info', 'warming', 'x: y']);
  });
});
