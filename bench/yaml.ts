/**
 * Benchmark for the YAML reader: builds a ~10 MB Istio-like config dump (JSON, as Envoy prints it) in memory with
 * bench/generateDump.ts (listeners with filter chains, route configs with virtual hosts and routes, clusters named
 * like outbound|9080||reviews.default.svc.cluster.local, endpoints), prints it as YAML in block style the way
 * `yq -P` does, and compares median times of
 *
 *   JSON.parse(json)            the baseline: the JSON twin of the YAML
 *   parseYamlToTape(yaml)       what the extension uses (target: ≤ 15× the baseline), also its first (cold) call
 *   yaml.parseDocument(yaml)    the full node tree, for reference
 *
 * With --layers it also times the yaml package's lower layers on their own (Lexer tokens only, CST Parser only) and
 * the general path of parseYamlToTape (the one taken for anchors, aliases, tags or syntax errors).
 *
 *   npx tsc -p tsconfig.json && node --expose-gc out/bench/yaml.js [targetMB=10] [runs=7] [--layers]
 */

import YAML, { Lexer, Parser } from 'yaml';
import { DEFAULT_SIZE_OPTIONS, generateDump, sizeToServices, toYaml } from './generateDump';
import { composeYamlTape, parseYamlToTape, scanYamlFast } from '../src/core/parse/yamlTape';

const args = process.argv.slice(2);
const flags = new Set(args.filter((a) => a.startsWith('--')));
const [targetMB = 10, runs = 7] = args.filter((a) => !a.startsWith('--')).map(Number);

const gc = (globalThis as { gc?: () => void }).gc;

/**
 * Median wall time in ms of `runs` calls after `warmup` unmeasured ones. The heap is collected once before the
 * warm-up only: a forced gc() between runs also drops V8's type feedback, and the scanner would be timed while it
 * deoptimizes and re-optimizes (2-3× slower than in use).
 */
function time(fn: () => unknown, n = runs, warmup = 2): number {
  gc?.();
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

const mb = (chars: number) => `${(chars / 1e6).toFixed(1)} MB`;
const ms = (t: number) => `${t.toFixed(1).padStart(8)} ms`;

function main(): void {
  const services = sizeToServices(targetMB * 1e6);
  const json = generateDump({ ...DEFAULT_SIZE_OPTIONS, services });
  const compact = JSON.stringify(JSON.parse(json));
  const yaml = toYaml(json);
  const folded = YAML.stringify(JSON.parse(json)); // yaml's defaults: long strings folded at 80 columns

  gc?.();
  const t0 = performance.now();
  const tape = parseYamlToTape(yaml); // first call in the process: the code is not optimized yet
  const cold = performance.now() - t0;
  const fast = scanYamlFast(yaml);
  console.log(`JSON twin ${mb(json.length)} (pretty, ${services} services), compact ${mb(compact.length)}, ` +
    `YAML ${mb(yaml.length)} (yq -P style), ${tape.length} tape nodes, fast path: ${fast ? 'yes' : 'NO'}`);
  if (!fast || tape.problems.length > 0) console.log('  warning: the YAML did not take the fast path cleanly');
  console.log(`median of ${runs} runs after 2 warm-up runs`);

  const base = time(() => JSON.parse(json));
  const baseCompact = time(() => JSON.parse(compact));
  const row = (name: string, t: number) =>
    console.log(`  ${name.padEnd(34)}${ms(t)}  ${(t / base).toFixed(2).padStart(6)}× JSON.parse(json)  ` +
      `${(t / baseCompact).toFixed(2).padStart(6)}× JSON.parse(compact)`);
  row('JSON.parse(json)', base);
  row('JSON.parse(compact json)', baseCompact);
  row('parseYamlToTape(yaml), first call', cold);
  row('parseYamlToTape(yaml)', time(() => parseYamlToTape(yaml)));
  row('parseYamlToTape(folded yaml)', time(() => parseYamlToTape(folded)));
  const slowRuns = Math.max(3, Math.min(runs, 5));
  row('yaml.parseDocument(yaml)', time(() => YAML.parseDocument(yaml), slowRuns, 1));
  if (flags.has('--layers')) {
    row('yaml Lexer tokens only', time(() => { for (const _ of new Lexer().lex(yaml)) { /* count */ } }, slowRuns, 1));
    row('yaml Parser (CST) only', time(() => { for (const _ of new Parser().parse(yaml)) { /* count */ } }, slowRuns, 1));
    row('general path (composeYamlTape)', time(() => composeYamlTape(yaml), slowRuns, 1));
  }
}

main();
