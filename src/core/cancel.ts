/**
 * The one cancellation error of the project. Long core work (scan, parse, extract, regex judging) throws it when its
 * `isCancelled` poll says so; the editor's worker bridge rejects with it; every catch asks `isCancellation(e)`.
 */

/** Thrown when work was cancelled on request. Its name is 'CancellationError', as VS Code's own. */
export class CancellationError extends Error {
  constructor(message = 'cancelled') {
    super(message);
    this.name = 'CancellationError';
  }
}

/**
 * Whether an error means "cancelled, not failed". Judged by name, so errors from before this class (the parsers'
 * own, a worker's message rebuilt on the main thread, VS Code's `CancellationError`) count too.
 */
export function isCancellation(e: unknown): boolean {
  return e instanceof Error && e.name === 'CancellationError';
}
