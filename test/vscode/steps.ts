/**
 * Step recording for the UI tests (e2e.ts, e2eGraph.ts): one `ok - …` / `not ok - …` line per step with its time,
 * the results kept for the closing `N passed, N failed` line, and a condition poll with a deadline (the workbench's
 * DOM has no events to wait on from outside; tests inside the extension host wait on VS Code events instead).
 */

export interface StepResult {
  name: string;
  ok: boolean;
  detail?: string;
}

/** Records steps in order; a failing step is recorded, printed and rethrown. */
export class StepRecorder {
  readonly results: StepResult[] = [];
  private readonly t0 = Date.now();

  /** Seconds since the recorder was made, `12.3 s`. */
  since(): string {
    return `${((Date.now() - this.t0) / 1000).toFixed(1)} s`;
  }

  async step(name: string, fn: () => Promise<string | void>): Promise<void> {
    const t = Date.now();
    try {
      const detail = (await fn()) ?? undefined;
      this.results.push({ name, ok: true, detail });
      console.log(`ok - ${name}${detail ? ` (${detail})` : ''} [${Date.now() - t} ms]`);
    } catch (e) {
      this.results.push({ name, ok: false, detail: (e as Error).message });
      console.log(`not ok - ${name}: ${(e as Error).message}`);
      throw e;
    }
  }
}

export function check(cond: unknown, msg: string): asserts cond {
  if (!cond) throw new Error(msg);
}

/**
 * Polls `probe` until it returns something truthy; fails after timeoutMs with the last error seen, and what `seen`
 * says the screen showed then (a failure on a machine we cannot look at says what it found instead).
 */
export async function until<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 30_000, seen?: () => Promise<string>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      const saw = seen ? await seen().catch((e: Error) => `(could not tell: ${e.message})`) : undefined;
      throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}${saw ? `; seen: ${saw}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
