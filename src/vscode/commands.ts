/**
 * The one way the extension registers a command: `registerCommand(context, id, handler)` guards the handler as
 * `runSafe` guards providers. An exception or rejection is logged with its stack to the Envoy Lens channel and the
 * user sees one sentence (not a stack, not a toast per frame); a cancellation is neither logged nor shown. The
 * handler's own result is returned unchanged (commands such as traceRequest return data to their caller), and
 * undefined when it failed.
 */
import * as vscode from 'vscode';
import { isCancellation, noLinks } from '../core/facade';
import { log } from './log';

export type CommandHandler = (...args: any[]) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The sentence shown when the command titled `title` failed with `e`: its first line, without links. */
export function failureMessage(title: string, e: unknown): string {
  const reason = e instanceof Error ? e.message : String(e);
  const first = noLinks(reason.split('\n')[0].trim()).slice(0, 200).replace(/\.$/, '');
  return `"${title}" failed${first ? `: ${first}` : ''}. Details are in the Envoy Lens output.`;
}

/** Runs a command handler under the guard. */
async function runCommand(id: string, title: string, handler: CommandHandler, args: unknown[]): Promise<unknown> {
  try {
    return await handler(...args);
  } catch (e) {
    if (isCancellation(e)) return undefined;
    log().error(`[command ${id}]`, e instanceof Error ? e : new Error(String(e)));
    void vscode.window.showErrorMessage(failureMessage(title, e));
    return undefined;
  }
}

/** The title package.json gives a command (`Envoy: Show Summary`), or its id for commands not in the palette. */
function titleOf(context: vscode.ExtensionContext, id: string): string {
  const contributed = (context.extension?.packageJSON?.contributes?.commands ?? []) as Array<{ command?: string; title?: string; category?: string }>;
  const c = contributed.find((x) => x.command === id);
  if (!c?.title) return id;
  return c.category ? `${c.category}: ${c.title}` : c.title;
}

/** Registers a guarded command; the registration goes to context.subscriptions. */
export function registerCommand(context: vscode.ExtensionContext, id: string, handler: CommandHandler): void {
  const title = titleOf(context, id);
  context.subscriptions.push(vscode.commands.registerCommand(id, (...args: unknown[]) => runCommand(id, title, handler, args)));
}
