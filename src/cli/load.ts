/**
 * Turning FILE operands into indexed dumps: `-` is standard input, a directory stands for the dumps in it
 * (`--recursive` descends), and every file that cannot be used is one sentence on stderr.
 */
import { isAscii } from 'node:buffer';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyze, LineIndex, looksLikeEnvoy, resourceCounts, SNIFF_BYTES, Workspace, type Analysis } from '../core/facade';
import { UsageError, type Io } from './command';
import { notEnvoyMessage, readInput } from './input';

export interface Loaded {
  path: string;
  uri: string;
  bytes: Buffer;
  analysis: Analysis;
  lines?: LineIndex;
}

const DUMP_EXTENSION = /\.(json|ya?ml)$/i;

/** The first bytes of a file, for the sniff; undefined when it cannot be read (it is then skipped). */
function head(file: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const buf = Buffer.alloc(SNIFF_BYTES);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    return new TextDecoder().decode(buf.subarray(0, n));
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

export interface Expanded {
  files: string[];
  /** Per directory operand: how many dumps it gave and how many files it skipped. */
  dirs: Array<{ dir: string; dumps: number; skipped: number }>;
  /** Directory operands with no dump in them: one sentence each. */
  empty: string[];
}

/**
 * Replaces each directory operand by the .json, .yaml and .yml files in it that look like Envoy dumps, in name order
 * (subdirectories too with `recursive`; symbolic links to directories are not followed, so there is no cycle).
 */
export function expandOperands(operands: string[], recursive: boolean): Expanded {
  const out: Expanded = { files: [], dirs: [], empty: [] };
  for (const op of operands) {
    let isDir = false;
    if (op !== '-') {
      try {
        isDir = fs.statSync(op).isDirectory();
      } catch { /* readInput says why */ }
    }
    if (!isDir) {
      out.files.push(op);
      continue;
    }
    const found: string[] = [];
    let skipped = 0;
    const walk = (dir: string): void => {
      let entries: fs.Dirent[];
      try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
      } catch {
        return;
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const e of entries) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) {
          if (recursive) walk(p);
          continue;
        }
        let file = e.isFile();
        if (e.isSymbolicLink()) {
          try {
            file = fs.statSync(p).isFile();
          } catch { /* dangling */ }
        }
        if (!file) continue;
        const h = DUMP_EXTENSION.test(e.name) ? head(p) : undefined;
        if (h !== undefined && looksLikeEnvoy(h)) found.push(p);
        else skipped++;
      }
    };
    walk(op);
    out.dirs.push({ dir: op, dumps: found.length, skipped });
    if (found.length === 0) out.empty.push(op);
    out.files.push(...found);
  }
  return out;
}

/**
 * Reads and indexes the operands (directories expanded); a file that cannot be read or is not Envoy gets one line
 * on stderr and counts as failed.
 */
export function load(operands: string[], io: Io, maxBytes: number, options: { endpointSamples?: number; recursive?: boolean } = {}):
  { loaded: Loaded[]; failed: number; ws: Workspace } {
  if (operands.filter((f) => f === '-').length > 1) throw new UsageError('Standard input (-) can be read only once.');
  const ex = expandOperands(operands, options.recursive ?? false);
  const ws = new Workspace();
  const loaded: Loaded[] = [];
  let failed = 0;
  for (const dir of ex.empty) {
    io.err(`envoy-lens: ${dir} holds no Envoy dumps (.json, .yaml or .yml files that look like one)${options.recursive ? '' : '; --recursive looks in its subfolders too'}.`);
    failed++;
  }
  for (const p of ex.files) {
    const input = readInput(p, maxBytes);
    if (typeof input === 'string') {
      io.err(`envoy-lens: ${input}`);
      failed++;
      continue;
    }
    const analysis = analyze(input.name, input.bytes, { languageId: input.languageId, endpointSamples: options.endpointSamples });
    if (analysis.problems.some((x) => x.code === 'not-envoy')) {
      io.err(`envoy-lens: ${notEnvoyMessage(input.name, input.bytes, analysis)}`);
      failed++;
      continue;
    }
    ws.set(analysis);
    loaded.push({ path: input.name, uri: input.name, bytes: input.bytes, analysis });
  }
  if (io.errIsTerminal) {
    for (const d of ex.dirs) {
      if (d.dumps > 0) io.err(`envoy-lens: ${d.dir}: ${d.dumps} dump${d.dumps === 1 ? '' : 's'} read, ${d.skipped} other file${d.skipped === 1 ? '' : 's'} skipped.`);
    }
  }
  return { loaded, failed, ws };
}

/**
 * Line and column (0-based, UTF-16 columns) of each offset of one loaded file. An ASCII file (most dumps) is not
 * decoded and no table of its lines is built: the offsets are sorted and the newlines before each are counted with
 * the buffer's native search, up to the last offset asked for. Other files go through a decoded LineIndex.
 */
export function positionsOf(l: Loaded, offsets: number[]): Map<number, { line: number; character: number }> {
  const out = new Map<number, { line: number; character: number }>();
  if (l.lines || !isAscii(l.bytes)) {
    const li = linesOf(l);
    for (const o of offsets) out.set(o, li.positionAt(o));
    return out;
  }
  const sorted = [...new Set(offsets)].sort((a, b) => a - b);
  const bytes = l.bytes;
  let line = 0;
  let lineStart = 0;
  let next = bytes.indexOf(10);
  for (const o of sorted) {
    while (next >= 0 && next < o) {
      line++;
      lineStart = next + 1;
      next = bytes.indexOf(10, lineStart);
    }
    out.set(o, { line, character: o - lineStart });
  }
  return out;
}

export function linesOf(l: Loaded): LineIndex {
  // Decode as analyze() did: YAML text loses a leading BOM there (TextDecoder), JSON bytes keep it as one unit.
  l.lines ??= new LineIndex(l.analysis.format === 'yaml' ? new TextDecoder().decode(l.bytes) : l.bytes.toString('utf8'));
  return l.lines;
}

/** What a dump holds, by kind (the JSON output's `counts`). */
export const counts = resourceCounts;
