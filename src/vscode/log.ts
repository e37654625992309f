/** One LogOutputChannel for the extension, and the `runSafe` wrapper every provider goes through. */
import * as vscode from 'vscode';

let channel: vscode.LogOutputChannel | undefined;

/** The "Envoy Lens" output channel (created on first use). */
export function log(): vscode.LogOutputChannel {
  channel ??= vscode.window.createOutputChannel('Envoy Lens', { log: true });
  return channel;
}

/**
 * Runs a provider body: returns `empty` when cancelled before or after, and logs an exception instead of letting it
 * reach the editor (a failing provider returns nothing; it never breaks the editor).
 */
export async function runSafe<T>(what: string, token: vscode.CancellationToken | undefined, empty: T, fn: () => T | Promise<T>): Promise<T> {
  if (token?.isCancellationRequested) return empty;
  try {
    const result = await fn();
    return token?.isCancellationRequested ? empty : result;
  } catch (e) {
    if ((e as Error)?.name !== 'CancellationError') log().error(`[${what}]`, e as Error);
    return empty;
  }
}

/**
 * Registers a command guarded as `runSafe` guards providers: an exception or a rejection is logged with its stack and
 * shown as one sentence (with a button to open the log) instead of VS Code's bare "command failed"; a cancellation is
 * silent. Every command of the extension is registered through this.
 */
export function registerCommand<A extends unknown[], R>(id: string, handler: (...args: A) => R | Promise<R>): vscode.Disposable {
  return vscode.commands.registerCommand(id, async (...args: A): Promise<R | undefined> => {
    try {
      return await handler(...args);
    } catch (e) {
      if ((e as Error)?.name === 'CancellationError') return undefined;
      log().error(`[command ${id}]`, e as Error);
      const reason = ((e as Error)?.message ?? String(e)).split('\n')[0].slice(0, 160);
      void vscode.window.showErrorMessage(`Envoy Lens: ${id} failed (${reason}); see the log for details.`, 'Show Log').then((pick) => {
        if (pick) log().show(true);
      });
      return undefined;
    }
  });
}
