/**
 * YAML text → Tape (see tape.ts): the same flat, positioned shape the JSON scanner produces, so nothing downstream
 * branches on the file format.
 *
 * This module is the public entry (parseYamlToTape) and picks the path; the work lives in yaml/:
 * schema.ts (shared syntax facts), tapeBuilder.ts (tape storage), scanner.ts (path 1), composer.ts (path 2) and
 * depthLimit.ts (nesting cap for path 2).
 *
 * Two paths:
 *
 * 1. A hand-written scanner for the YAML that config dumps are made of (block maps and sequences, plain, quoted and
 *    block scalars, flow collections, comments, several documents). It writes the tape straight from the text and
 *    builds no per-value objects: on a 10 MB Istio-like dump (bench/yaml.ts) it takes about 3× JSON.parse of the
 *    JSON twin once warm (6-9× on the first call of the process). The `yaml` package's own lower layers do not fit
 *    that budget even without composing a Document: its Lexer alone, which yields bare token strings, measured
 *    10-25× JSON.parse, its CST Parser 55-90× and parseDocument 60-105× on the same input (noisy machine), so the
 *    fast path does not use them.
 *    The scanner accepts only input it is sure about: anything else (anchors, aliases, tags, merge keys, directives,
 *    explicit keys, tabs used as indentation, and every syntax error) makes it give up, and the text goes to path 2.
 *    The scanner mirrors the `yaml` package's results exactly for what it accepts; the differential fuzz test in
 *    test/unit/yamlTape.test.ts holds it to that.
 *
 * 2. The general path: the `yaml` package's Parser and Composer (the full node tree, which knows every corner of
 *    YAML 1.2 and recovers from errors), walked into a tape. Aliases copy the anchored subtree again with every span
 *    pointing at the alias; `<<` merge keys are applied (members copied in, explicit keys win); parser errors become
 *    `problems`. Duplicate keys are not reported (a semantic check, not a syntax one; the JSON scanner does not report
 *    them either).
 *
 * Scalars resolve per the YAML 1.2 core schema: plain `null`/`Null`/`NULL`/`~`/empty, `true`/`false` (three
 * spellings), decimal, `0o` and `0x` integers, floats and `.inf`/`.nan`; every other plain scalar, every quoted and
 * every block scalar is a string. Keys are stringified as `yaml.parse` does for a JS object (`1.0:` → "1", `~:` → "").
 *
 * Spans (UTF-16 offsets into `text`, end exclusive): a scalar's token without trailing comment or line break (quotes
 * included; a block scalar from its `|`/`>` header to the end of its last non-blank line); a block collection from its
 * first item to the end of its last item's value; a flow collection including its brackets; an empty value is
 * zero-width after its `:` or `-` indicator and the blanks that follow on that line (after its key in a flow map
 * without `:`), as the `yaml` package places it.
 */


import { MAX_DEPTH, type Tape } from './tape';
import { composeTape } from './yaml/composer';
import { limitDepth } from './yaml/depthLimit';
import { BAIL, FastScanner } from './yaml/scanner';
import { isCancellation } from '../cancel';
import { TapeBuilder, cancellationError } from './yaml/tapeBuilder';

export { limitDepth };

export interface YamlTapeOptions {
  /** Polled every few thousand nodes (and lines, on the general path); when it returns true the parse throws a
   *  CancellationError (src/core/cancel.ts). */
  isCancelled?: () => boolean;
}

/** Parse YAML (one or more documents) into a tape. Never throws, except the CancellationError asked for. */
export function parseYamlToTape(text: string, options: YamlTapeOptions = {}): Tape {
  const cancel = options.isCancelled;
  if (cancel?.()) throw cancellationError();
  try {
    return new FastScanner(text, cancel).run();
  } catch (e) {
    if (isCancellation(e)) throw e;
    // Bail, too deep (or an unforeseen failure of the fast path): the general path decides.
  }
  // The general path (the yaml package's composer and the tree walk) recurses once per level or more: nesting past
  // MAX_DEPTH is blanked out first (same offsets), and each cut is reported.
  const limited = limitDepth(text, MAX_DEPTH);
  const cuts = limited?.cuts ?? [];
  const input = limited?.text ?? text;
  if (limited) {
    try {
      return new FastScanner(input, cancel, text, cuts).run();
    } catch (e) {
      if (isCancellation(e)) throw e;
    }
  }
  try {
    return composeTape(input, cancel, text, cuts);
  } catch (e) {
    if (isCancellation(e)) throw e;
    const b = new TapeBuilder(text, 0, cancel);
    b.problems.add(0, Math.min(text.length, 1), `YAML could not be parsed: ${String(e)}`);
    return b.finish(true);
  }
}

/**
 * The fast path alone: the tape, or undefined when the text needs the general path (for tests and benchmarks).
 * @internal
 */
export function scanYamlFast(text: string, options: YamlTapeOptions = {}): Tape | undefined {
  try {
    return new FastScanner(text, options.isCancelled).run();
  } catch (e) {
    if (e === BAIL) return undefined;
    throw e;
  }
}

/**
 * The general path alone (the yaml package's node tree), for tests and benchmarks. Throws only on cancellation.
 * @internal
 */
export function composeYamlTape(text: string, options: YamlTapeOptions = {}): Tape {
  return composeTape(text, options.isCancelled);
}
