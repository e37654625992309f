/**
 * Reading CLI inputs (files, and `-` for stdin): a one-sentence reason instead of an exception for anything unusable,
 * and never more than the size cap in memory. The cap is fetch's (`--max-size MB`, 256 MB by default), so /dev/zero,
 * a FIFO that never ends or a runaway pipe stops at the cap instead of filling memory.
 */
import * as fs from 'node:fs';
import { LineIndex, type Analysis } from '../core/facade';

/** Default cap in megabytes (1 MB = 1,000,000 bytes), the same as fetch's and the envoyLens.fetch.maxSizeMB setting. */
export const DEFAULT_MAX_MB = 256;
/** What `-` is called in messages and in findings. */
export const STDIN_NAME = '<stdin>';

export interface Input {
  /** The name for messages and findings: the path as given, or <stdin>. */
  readonly name: string;
  readonly bytes: Buffer;
  /** 'yaml' for .yaml/.yml, 'json' for other files, undefined for stdin (the content decides). */
  readonly languageId: 'json' | 'yaml' | undefined;
}

/** `--max-size` as bytes, or undefined when the value is not a positive number of megabytes. */
export function parseMaxSize(value: string | undefined): number | undefined {
  if (value === undefined) return DEFAULT_MAX_MB * 1_000_000;
  const mb = Number(value);
  if (value.trim() === '' || !Number.isFinite(mb) || mb <= 0) return undefined;
  return Math.max(1, Math.floor(mb * 1_000_000));
}

/** "256 MB", "0.5 MB": the cap as the user typed it (decimal megabytes). */
export function formatMb(bytes: number): string {
  return `${Number((bytes / 1_000_000).toPrecision(6))} MB`;
}

const BINARY_PROBE = 8192;

/** The input's bytes, or a one-sentence reason it cannot be used. `p` is a path, or `-` for stdin. */
export function readInput(p: string, maxBytes: number): Input | string {
  if (p === '-') return finish(STDIN_NAME, readFd(0, STDIN_NAME, maxBytes, 0), undefined);
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch (e) {
    return cannotOpen(p, e);
  }
  if (st.isDirectory()) return `${p} is a directory; pass the dump files inside it.`;
  // A regular file's size is known: refuse it without reading a byte.
  if (st.isFile() && st.size > maxBytes) return tooBig(p, maxBytes);
  let fd: number;
  try {
    fd = fs.openSync(p, 'r');
  } catch (e) {
    return cannotOpen(p, e);
  }
  try {
    const ext = /\.ya?ml$/i.test(p) ? 'yaml' : 'json';
    return finish(p, readFd(fd, p, maxBytes, st.isFile() ? st.size : 0), ext);
  } finally {
    fs.closeSync(fd);
  }
}

function finish(name: string, read: Buffer | string, languageId: Input['languageId']): Input | string {
  if (typeof read === 'string') return read;
  if (isBlank(read)) return `${name} is empty (nothing but whitespace or comments); there is nothing to check.`;
  return { name, bytes: read, languageId };
}

function cannotOpen(p: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return `${p} does not exist.`;
    case 'ENOTDIR':
      return `${p} does not exist (a part of the path is a file, not a folder).`;
    case 'EACCES':
    case 'EPERM':
      return `${p} cannot be read (permission denied).`;
    default:
      return `${p} cannot be read (${code ?? (e as Error).message}).`;
  }
}

function tooBig(name: string, maxBytes: number): string {
  return `${name} is larger than the ${formatMb(maxBytes)} input limit; pass --max-size with a larger number of megabytes to read it.`;
}

/**
 * Reads fd to its end, stopping as soon as more than maxBytes arrived or the first bytes show a binary file.
 * `sizeHint` (a regular file's size) lets a file be read into one buffer, as readFileSync does.
 */
function readFd(fd: number, name: string, maxBytes: number, sizeHint: number): Buffer | string {
  const chunks: Buffer[] = [];
  let total = 0;
  let probed = false;
  let next = Math.min(maxBytes + 1, Math.max(64 * 1024, sizeHint + 1));
  for (;;) {
    const buf = Buffer.allocUnsafe(next);
    let used = 0;
    while (used < buf.length) {
      let n: number;
      try {
        n = readSome(fd, buf, used);
      } catch (e) {
        return `${name} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`;
      }
      if (n === 0) break;
      used += n;
      if (!probed && total + used >= Math.min(BINARY_PROBE, maxBytes + 1)) {
        probed = true;
        const reason = binaryReason(name, buf.subarray(0, used));
        if (reason) return reason;
      }
    }
    total += used;
    if (total > maxBytes) return tooBig(name, maxBytes);
    chunks.push(used === buf.length ? buf : buf.subarray(0, used));
    if (used < buf.length) break; // end of input
    next = Math.min(maxBytes + 1 - total, Math.max(64 * 1024, Math.min(total, 8 * 1024 * 1024)));
  }
  const bytes = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
  if (!probed) return binaryReason(name, bytes) ?? bytes;
  return bytes;
}

/** One read; a non-blocking stdin (shared with another process) answers EAGAIN until data arrives: wait and retry. */
function readSome(fd: number, buf: Buffer, offset: number): number {
  for (;;) {
    try {
      return fs.readSync(fd, buf, offset, buf.length - offset, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EOF') return 0; // Windows: the other end of the pipe closed
      if (code !== 'EAGAIN') throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
}

/** NUL bytes never occur in JSON or YAML text: this is a binary file (a gzip'd dump, an image, /dev/zero). */
function binaryReason(name: string, head: Buffer): string | undefined {
  if (!head.subarray(0, BINARY_PROBE).includes(0)) return undefined;
  const gz = head[0] === 0x1f && head[1] === 0x8b;
  return `${name} is a binary file, not JSON or YAML${gz ? ' (gzip: decompress it first)' : ''}.`;
}

/**
 * True when the text has nothing but whitespace, comments (`#`, `//`, block comments) and YAML document markers
 * (`---`, `...`): JSON and YAML readers disagree on such files (an empty YAML stream is valid, empty JSON is not),
 * so the CLI answers both the same way before either parser sees them.
 */
export function isBlank(b: Uint8Array): boolean {
  let i = b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  let lineStart = true;
  while (i < b.length) {
    const c = b[i];
    if (c === 0x0a) {
      lineStart = true;
      i++;
    } else if (c === 0x20 || c === 0x09 || c === 0x0d) {
      i++;
    } else if (c === 0x23 || (c === 0x2f && b[i + 1] === 0x2f)) { // # or //
      while (i < b.length && b[i] !== 0x0a) i++;
    } else if (c === 0x2f && b[i + 1] === 0x2a) { // /* … */
      let j = i + 2;
      while (j + 1 < b.length && !(b[j] === 0x2a && b[j + 1] === 0x2f)) j++;
      if (j + 1 >= b.length) return false; // unterminated: the parser reports it
      i = j + 2;
    } else if (lineStart && (c === 0x2d || c === 0x2e) && b[i + 1] === c && b[i + 2] === c
      && (i + 3 >= b.length || [0x20, 0x09, 0x0d, 0x0a].includes(b[i + 3]))) { // --- or ... alone
      i += 3;
      lineStart = false;
    } else {
      return false;
    }
  }
  return true;
}

/**
 * Why a file is not used: not an Envoy dump, and, when it does not even parse, where it breaks first (`[[[[` or a
 * cut-off file would otherwise hide its damage behind "not an Envoy config dump").
 */
export function notEnvoyMessage(name: string, bytes: Uint8Array, analysis: Analysis): string {
  const broken = analysis.problems.find((p) => p.code === 'parse-error');
  const what = `${name} is not an Envoy config dump or config (no listeners, routes, clusters, endpoints or secrets found)`;
  if (!broken) return `${what}.`;
  const text = analysis.format === 'yaml' ? new TextDecoder().decode(bytes) : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  const at = new LineIndex(text).positionAt(broken.span.start);
  return `${what}; it does not parse either: ${at.line + 1}:${at.character + 1}: ${broken.message}`;
}
