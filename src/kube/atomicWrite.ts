// Saving a fetched dump so that the final name only ever holds a whole file: the bytes go to a temporary file in the
// same folder (same file system, so the rename is atomic), which is flushed to disk and then renamed over the
// target. A full disk, a missing permission or a kill mid-write leaves the target as it was; the temporary file is
// removed on any failure and when the process exits (a SIGKILL can still leave one `.<name>.<pid>.<random>.tmp`).
// Used by `envoy-lens fetch -o` and by the editor's `envoyLens.fetch.saveTo`. Node only.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FetchError, describeError } from './errors';

export interface AtomicWriteOptions {
  /** Create missing folders of the target's path (as the saveTo setting and `fetch -o` promise). Default true. */
  readonly mkdir?: boolean;
}

/** Temporary files being written now, removed if the process exits first (process.exit on a closed pipe …). */
const pending = new Set<string>();
let exitHookInstalled = false;

function track(tmp: string): void {
  pending.add(tmp);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const f of pending) {
      try { fs.unlinkSync(f); } catch { /* already gone */ }
    }
  });
}

/**
 * Why `file` cannot be written, checked before a long fetch starts: an existing folder at that path, or a path
 * through a file. Undefined when it looks writable (the write itself can still fail, e.g. on a full disk).
 */
export function targetProblem(file: string): FetchError | undefined {
  const st = statOrUndefined(file);
  if (st?.isDirectory()) {
    return new FetchError('write-failed', `${file} is a folder; give a file name to save the dump to.`, `EISDIR: ${file}`);
  }
  // The nearest existing ancestor must be a folder.
  for (let dir = path.dirname(path.resolve(file)); ; dir = path.dirname(dir)) {
    const d = statOrUndefined(dir);
    if (d) {
      if (!d.isDirectory()) {
        return new FetchError('write-failed', `The dump cannot be saved to ${file}, because ${dir} is a file, not a folder; choose another path.`, `ENOTDIR: ${dir}`);
      }
      return undefined;
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

/** Writes `data` to `file` atomically; throws a FetchError `write-failed` with one sentence on any failure. */
export async function writeFileAtomic(file: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const target = path.resolve(file);
  const problem = targetProblem(target);
  if (problem) throw problem;
  const dir = path.dirname(target);
  const tmp = path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let handle: fs.promises.FileHandle | undefined;
  try {
    if (options.mkdir ?? true) await fs.promises.mkdir(dir, { recursive: true });
    track(tmp);
    handle = await fs.promises.open(tmp, 'wx', 0o666);
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.promises.rename(tmp, target);
    pending.delete(tmp);
  } catch (e) {
    if (handle) await handle.close().catch(() => undefined);
    await fs.promises.unlink(tmp).catch(() => undefined);
    pending.delete(tmp);
    throw writeError(file, e);
  }
}

function statOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p);
  } catch {
    return undefined;
  }
}

/** One sentence for a failed save, by errno. */
export function writeError(file: string, e: unknown): FetchError {
  const code = (e as NodeJS.ErrnoException).code;
  const why = ((): string => {
    switch (code) {
      case 'ENOSPC':
      case 'EDQUOT':
        return 'the disk is full; free some space or save elsewhere';
      case 'EACCES':
      case 'EPERM':
        return 'permission denied; choose a folder you may write to';
      case 'EROFS':
        return 'the file system is read-only; choose another folder';
      case 'EISDIR':
        return 'it is a folder; give a file name';
      case 'ENOTDIR':
        return 'a part of the path is a file, not a folder; choose another path';
      case 'ENOENT':
        return 'its folder does not exist; create it or choose another path';
      case 'ENAMETOOLONG':
        return 'the name is too long; choose a shorter one';
      case 'EFBIG':
        return 'the file size limit of this process or of the file system was reached; save elsewhere';
      default:
        return code ?? (e instanceof Error ? e.message.split('\n')[0] : String(e));
    }
  })();
  return new FetchError('write-failed', `The dump could not be saved to ${file} (${why}), and nothing was written under that name.`,
    describeError(e), 0, { cause: e });
}
