/** Reading a dump file for the CLI: a one-sentence reason instead of an exception for anything unusable. */
import * as fs from 'node:fs';

/** The file's bytes, or a one-sentence reason it cannot be used. */
export function readProblem(p: string): Buffer | string {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    return `${p} does not exist.`;
  }
  if (st.isDirectory()) return `${p} is a directory; pass the dump files inside it.`;
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(p);
  } catch (e) {
    return `${p} cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'}).`;
  }
  // NUL bytes never occur in JSON or YAML text: this is a binary file (a gzip'd dump, an image).
  if (bytes.subarray(0, 8192).includes(0)) {
    const gz = bytes[0] === 0x1f && bytes[1] === 0x8b;
    return `${p} is a binary file, not JSON or YAML${gz ? ' (gzip: decompress it first)' : ''}.`;
  }
  return bytes;
}

