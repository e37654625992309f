/**
 * `envoy-lens scrub FILE -o OUT [--pseudonymize]`: a copy of a dump safe to paste in a public issue (issue 13 §3).
 * Never writes over its input; writes atomically (a temporary file renamed over OUT); refuses to write output that
 * does not parse. Says on stderr what it removed, one line per kind.
 * Exit codes: 0 written, 2 usage, 3 an input that cannot be read or is not Envoy, or OUT cannot be written.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyze, scrubDump } from '../../core/facade';
import { writeFileAtomic } from '../../kube/atomicWrite';
import { EXIT_INPUT, EXIT_OK, UsageError, str, type Command, type Io } from '../command';
import { notEnvoyMessage, readInput } from '../input';
import { MAX_SIZE, maxSizeOf } from './common';

/** True when `a` and `b` name the same file (same path after links, or the same inode). */
function sameFile(a: string, b: string): boolean {
  if (path.resolve(a) === path.resolve(b)) return true;
  try {
    const sa = fs.statSync(a);
    const sb = fs.statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}

async function run(file: string, out: string, pseudonymize: boolean, maxBytes: number, io: Io): Promise<number> {
  const input = readInput(file, maxBytes);
  if (typeof input === 'string') {
    io.err(`envoy-lens: ${input}`);
    return EXIT_INPUT;
  }
  const before = analyze(input.name, input.bytes, { languageId: input.languageId, endpointSamples: 0 });
  if (before.problems.some((p) => p.code === 'not-envoy')) {
    io.err(`envoy-lens: ${notEnvoyMessage(input.name, input.bytes, before)}`);
    return EXIT_INPUT;
  }
  const result = scrubDump(input.bytes, { languageId: input.languageId, pseudonymize });
  // The output must read as its input did: no parse error the input did not have.
  const after = analyze(out, result.text, { languageId: result.format, endpointSamples: 0 });
  const broken = (a: typeof before): number => a.problems.filter((p) => p.code === 'parse-error').length;
  if (broken(after) > broken(before)) {
    io.err(`envoy-lens: the scrubbed copy of ${input.name} does not parse (${after.problems[0]?.message ?? 'unknown problem'}); nothing was written. Please report this.`);
    return EXIT_INPUT;
  }
  if (out === '-') {
    io.out(result.text.replace(/\n$/, ''));
  } else {
    try {
      await writeFileAtomic(out, result.text);
    } catch (e) {
      io.err(`envoy-lens: ${(e as Error).message}`);
      return EXIT_INPUT;
    }
  }
  const entries = Object.entries(result.counts).filter(([, n]) => (n ?? 0) > 0);
  if (entries.length === 0) io.err(`envoy-lens: ${input.name}: nothing to remove${pseudonymize ? ' or replace' : ''}.`);
  for (const [kind, n] of entries) io.err(`envoy-lens: ${kind}: ${n} ${pseudonymizedKinds.has(kind) ? 'replaced' : 'removed'}`);
  if (out !== '-') io.err(`envoy-lens: wrote ${out}.`);
  return EXIT_OK;
}

const pseudonymizedKinds = new Set(['IP addresses', 'namespaces', 'services', 'host names', 'service accounts', 'pods and workloads', 'SPIFFE IDs']);

export const scrubCommand: Command = {
  name: 'scrub',
  summary: 'A copy of a dump without certificates, keys, tokens or passwords.',
  synopsis: '[options] FILE -o OUT',
  description: `Writes a copy of the dump FILE to OUT without secret material: certificate and key bytes (replaced by
their size and SHA-256 prefix), tokens and passwords anywhere (JWTs, bearer and basic credentials, values under
keys such as password, token or secret), the values of authorization, cookie and x-api-key headers in header
matchers, headers to add and gRPC metadata, and the call credentials of xDS and SDS gRPC services. Prints a count
per kind on stderr. With --pseudonymize, IP addresses, host names, namespaces, service names and SPIFFE IDs are
replaced too, consistently, so check and trace tell the same story on the copy. FILE may be - for standard input;
OUT may be - for standard output. OUT is never FILE, and is written atomically.`,
  flags: [
    { name: 'output', short: 'o', value: 'OUT', help: 'Where to write the copy (required; - for standard output).' },
    { name: 'pseudonymize', help: 'Also replace IPs, host names, namespaces, service names and SPIFFE IDs\nwith consistent stand-ins.' },
    MAX_SIZE,
  ],
  exitCodes: 'Exit codes: 0 written, 2 usage error, 3 the input could not be used or OUT could not be written.',
  run(values, operands, io) {
    if (operands.length !== 1) throw new UsageError(`scrub needs one FILE, not ${operands.length}.`, 'scrub');
    const out = str(values, 'output');
    if (out === undefined || out === '') throw new UsageError('scrub needs -o OUT (where to write the copy; - for standard output).', 'scrub');
    const file = operands[0];
    if (file !== '-' && out !== '-' && sameFile(file, out)) {
      throw new UsageError(`-o ${out} is the input itself; scrub never writes over its input.`, 'scrub');
    }
    return run(file, out, values.pseudonymize === true, maxSizeOf(values, 'scrub'), io);
  },
};
