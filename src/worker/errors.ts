/** Errors of hosting workers. */
import { AgentOsError } from '../errors';

/** Codes of worker hosting's failures (published as `Client.*`; never renamed). */
export const WorkerCode = {
  SearchAttributes: 'Client.SearchAttributes',
  SnapshotsInWorkspace: 'Client.SnapshotsInWorkspace',
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
 * The snapshot store is inside a mounted workspace (or holds one): the agent's own fs tools
 * could read the snapshots and rewrite or remove the records its undos trust.
 */
export class SnapshotsInWorkspaceError extends AgentOsError {
  readonly code = WorkerCode.SnapshotsInWorkspace;
  constructor(
    readonly snapshotsDir: string,
    readonly mountPoint: string,
  ) {
    super(
      `the snapshots folder ${JSON.stringify(snapshotsDir)} overlaps the workspace mounted at ${mountPoint}: the agent could rewrite the records its rollbacks trust — choose a folder outside every mount (--snapshots)`,
    );
  }
}
