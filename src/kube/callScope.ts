// One call to the cluster: a caller's AbortSignal, an overall deadline and our own failures (size cap)
// turned into a single internal AbortSignal that closes sockets and kills credential plugins.
import { CLI_OPTION_NAMES, FetchError, type OptionNames } from './errors';

/** Options every call to the cluster accepts. */
export interface CallOptions {
  /** Cancels the call; open streams are closed and credential plugins killed. */
  readonly signal?: AbortSignal;
  /** Deadline for the whole call, credential plugins included. */
  readonly timeoutMs?: number;
  /** How messages name the options (flags or settings); default the CLI's flags. */
  readonly names?: OptionNames;
}

export const DEFAULT_TIMEOUT_MS = 120_000;

export class CallScope {
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly detachCaller: () => void;
  private failure: FetchError | undefined;
  private readonly startedAt = Date.now();
  /** What is going on now, for timeout and cancel messages ("running the credential plugin "x"" …). */
  phase = 'contacting the API server';
  /** How messages name the options the user can change. */
  readonly names: OptionNames;
  /** What to suggest if the deadline passes during this phase. */
  timeoutHint: string;
  /** Payload bytes received so far (reported by cancel, timeout and truncation messages). */
  bytes = 0;

  constructor(options: CallOptions, private readonly what: string) {
    this.names = options.names ?? CLI_OPTION_NAMES;
    this.timeoutHint = `check the connection to the cluster or raise the timeout (${this.names.timeout})`;
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (timeoutMs > 0 && Number.isFinite(timeoutMs)) {
      this.timer = setTimeout(() => this.fail(this.timeoutError(timeoutMs)), timeoutMs);
    }
    const caller = options.signal;
    const onCallerAbort = (): void => this.fail(new FetchError('cancelled',
      `${capitalise(this.what)} was cancelled while ${this.phase}${this.bytes ? ` after ${formatBytes(this.bytes)}` : ''}; nothing was kept.`,
      `cancelled after ${Date.now() - this.startedAt} ms`, this.bytes));
    if (caller?.aborted) onCallerAbort();
    else caller?.addEventListener('abort', onCallerAbort, { once: true });
    this.detachCaller = () => caller?.removeEventListener('abort', onCallerAbort);
  }

  /** Aborted on cancel, timeout or fail(); pass it to anything that can be cancelled. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The error the scope ended with, if any. */
  get error(): FetchError | undefined {
    return this.failure;
  }

  /** Ends the call with this error (first one wins): aborts the signal, which closes streams. */
  fail(error: FetchError): void {
    if (this.failure) return;
    this.failure = error;
    this.controller.abort(error);
  }

  /** Throws the scope's error if it has ended. */
  check(): void {
    if (this.failure) throw this.failure;
  }

  /** Runs `fn` when the scope ends early; returns an unregister function. */
  onAbort(fn: () => void): () => void {
    if (this.controller.signal.aborted) {
      fn();
      return () => undefined;
    }
    this.controller.signal.addEventListener('abort', fn, { once: true });
    return () => this.controller.signal.removeEventListener('abort', fn);
  }

  /** Settles with `promise`, or rejects with the scope's error as soon as it ends. */
  race<T>(promise: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.failure) {
        promise.catch(() => undefined);
        reject(this.failure);
        return;
      }
      const off = this.onAbort(() => reject(this.failure));
      promise.then((v) => { off(); resolve(v); }, (e: unknown) => { off(); reject(e); });
    });
  }

  /** Releases the timer and the caller's signal. Always call in a finally. */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.detachCaller();
  }

  private timeoutError(timeoutMs: number): FetchError {
    return new FetchError('timeout',
      `${capitalise(this.what)} timed out after ${formatSeconds(timeoutMs)} while ${this.phase}${this.bytes ? ` (${formatBytes(this.bytes)} received)` : ''}; ${this.timeoutHint}.`,
      `deadline ${timeoutMs} ms`, this.bytes);
  }
}

/** "12.3 MB" style sizes for messages (decimal megabytes, like the size caps people type). */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} bytes`;
  if (n < 1_000_000) return `${(n / 1000).toFixed(1)} kB`;
  return `${(n / 1_000_000).toFixed(1)} MB`;
}

function formatSeconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Number((ms / 1000).toFixed(1))} s`;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
