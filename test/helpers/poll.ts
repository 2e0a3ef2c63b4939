/**
 * The one polling helper of the tests: check a condition until it holds or a limit passes.
 * For waiting on a state that has no event to await (a process gone, a file written by
 * another process, a query answer) — never as a sleep.
 */

/**
 * Polls `check` every `intervalMs` (0: every turn of the event loop) until it holds or
 * `limitMs` passes; resolves whether it held.
 */
export async function pollUntil(check: () => boolean | Promise<boolean>, limitMs: number, intervalMs = 25): Promise<boolean> {
  const end = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > end) return false;
    await new Promise((r) => (intervalMs === 0 ? setImmediate(r) : setTimeout(r, intervalMs)));
  }
  return true;
}

/** Resolves when `check` holds; throws naming `what` after `limitMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, limitMs = 30_000): Promise<void> {
  if (!(await pollUntil(check, limitMs, 50))) throw new Error(`timed out after ${limitMs} ms waiting for ${what}`);
}
