/** Errors of hosting workers. */
import { AgentOsError } from '../errors';

/** Codes of worker hosting's failures (published as `Client.*`; never renamed). */
export const WorkerCode = {
  SearchAttributes: 'Client.SearchAttributes',
  StateInWorkspace: 'Client.StateInWorkspace',
} as const;
export type WorkerCode = (typeof WorkerCode)[keyof typeof WorkerCode];

/** Search attributes agent runs set are missing and could not be registered. */
export class SearchAttributesError extends AgentOsError {
  readonly code = WorkerCode.SearchAttributes;
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

/**
 * A file or folder of the worker's own (its audit log, snapshots, policy, keys, freeze file…)
 * lies inside a mounted workspace: the agent could read or rewrite it with its own tools.
 */
export class StateInWorkspaceError extends AgentOsError {
  readonly code = WorkerCode.StateInWorkspace;
  constructor(
    readonly what: string,
    readonly path: string,
    readonly option: string,
    readonly mountPoint: string,
  ) {
    super(
      `${what} ${JSON.stringify(path)} overlaps the workspace mounted at ${mountPoint}: the agent could read or rewrite it with its own tools — move it outside every mounted folder (${option})`,
    );
  }
}
