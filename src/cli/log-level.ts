/**
 * The CLI's log level (`--log-level`, or `AGENT_OS_LOG_LEVEL`): `error`, `warn`, `info`
 * (default) or `debug`. At `debug`, errors print their stack traces.
 */

/** The levels `--log-level` accepts, quietest first. */
export const LogLevel = { Error: 'error', Warn: 'warn', Info: 'info', Debug: 'debug' } as const;

/** One of {@link LogLevel}'s values. */
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

let current: LogLevel | undefined;

/** Sets the level for this process (main's `--log-level`). */
export function setLogLevel(level: LogLevel): void {
  current = level;
}

/** The level in effect: the flag, else `AGENT_OS_LOG_LEVEL`, else `info`. */
export function logLevel(): LogLevel {
  if (current !== undefined) return current;
  const fromEnv = process.env['AGENT_OS_LOG_LEVEL'];
  return (Object.values(LogLevel) as string[]).includes(fromEnv ?? '') ? (fromEnv as LogLevel) : LogLevel.Info;
}

/** True at `debug`. */
export function isDebug(): boolean {
  return logLevel() === LogLevel.Debug;
}
