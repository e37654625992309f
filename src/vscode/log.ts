/** One LogOutputChannel for the extension, and the `runSafe` wrapper every provider goes through. */
import * as vscode from 'vscode';
import { isCancellation } from '../core/facade';

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
    if (!isCancellation(e)) log().error(`[${what}]`, e as Error);
    return empty;
  }
}

