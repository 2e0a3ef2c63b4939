/**
 * The base of every typed error in agent-os-kernel. Each module has its own `errors.ts`
 * with one class per failure; every class carries a stable, dotted `code`
 * (e.g. `Policy.Invalid`, `Kernel.NoProvider`; every one is listed in `ErrorCode`) that survives serialisation, so code
 * on the far side of the Temporal boundary checks `code`, never `instanceof`.
 */
export abstract class AgentOsError extends Error {
  /** Stable, dotted error code. Part of the public API: never change a published one. */
  abstract readonly code: string;

  /**
   * What the audit log keeps instead of `message`, for an error whose message quotes foreign
   * text (an MCP server's own words): the agent still reads `message`, but the log never holds
   * content it cannot vouch for (it may echo parameters or file contents). Unset: the log
   * keeps `message`. Read by the kernel (pipeline.ts, outcomeToResult).
   */
  readonly auditMessage?: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * The stable code of `err` when it carries a string `code` (ours, or a system code such as
 * `ENOENT`), else `fallback` — the one way to read "code or fallback".
 * @example
 * const code = errorCode(err, KernelCode.DecideFailed);
 */
export function errorCode(err: unknown, fallback: string): string {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : fallback;
}

/** True if `err` is an Error-like value with the given stable code (works across realms and serialisation). */
export function hasErrorCode(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}
