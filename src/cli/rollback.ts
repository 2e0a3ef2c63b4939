/**
 * `agent-os rollback -w <workflowId> [recordId] [--all]` — undoes a run's reversible actions.
 * A running run undoes them itself (its `rollback` update); for a finished run the
 * compensations are read from its `state` query and undone by a `rollbackRun` workflow on
 * the run's task queue (idempotent: a second rollback reports NOOP).
 *
 * Before anything is undone: a record id that is not one of the run's is an error (exit 4,
 * listing the known ids), and a task queue nobody polls is an error (exit 3, saying how to
 * start a worker) instead of a silent wait.
 */
import type { Command } from 'commander';
import type { Client } from '@temporalio/client';
import { rollbackUpdate, stateQuery } from '../workflows/messages';
import { runInputOf } from '../client/history-audit';
import type { AgentRunInput, Compensation, RollbackRequest, RollbackResult, RollbackRunInput } from '../workflows/types';
import { withClient, withConnectionOptions, type ConnectionFlags } from './connection-options';
import { CliError, ExitCode, withOptionalWorkflowIdOption, withOutputAndJsonAlias, workflowIdOf, type OutputFormat } from './conventions';
import { processIo, type CliIo } from './policy-io';
import { reportError } from './report-error';
import { workflowPollers } from './run-watch';
import { printable } from './printable';

interface RollbackCliOptions extends ConnectionFlags {
  readonly workflowId?: string;
  readonly all?: boolean;
  readonly force?: boolean;
  readonly workerTimeout: string;
  readonly output: OutputFormat;
}

/** Registers `agent-os rollback`. @public main.ts loads it by name. */
export function registerRollbackCommand(program: Command, io: CliIo = processIo): void {
  withConnectionOptions(
    withOutputAndJsonAlias(
      withOptionalWorkflowIdOption(
        program
          .command('rollback')
          .description('undo reversible actions of a run (one record, or --all newest first)')
          .argument('[workflowId]', 'the run (same as -w)')
          .argument('[recordId]', "the record to undo (from the run's actions or compensations)")
          .option('--all', 'undo every reversible action of the run, newest first')
          .option('--force', 'finished runs: overwrite targets that changed since (CONFLICT otherwise)')
          .option('--worker-timeout <ms>', "give up (exit 3) when the run's worker does not answer within this long", '10000'),
      ),
    ),
  ).action(async (first: string | undefined, second: string | undefined, options: RollbackCliOptions) => {
    try {
      // `rollback -w ID REC` and the older `rollback ID REC` both work.
      const [positionalId, recordId] = options.workflowId !== undefined && second === undefined ? [undefined, first] : [first, second];
      const workflowId = workflowIdOf(positionalId, options.workflowId);
      if ((recordId === undefined) === (options.all !== true)) throw new CliError('pass a record id or --all (not both)', ExitCode.Usage);
      const workerTimeoutMs = Number(options.workerTimeout);
      if (!Number.isFinite(workerTimeoutMs) || workerTimeoutMs <= 0)
        throw new CliError(`--worker-timeout ${options.workerTimeout}: expected milliseconds (> 0)`, ExitCode.Usage);
      const result = await withClient(options, (client) => rollback(client, workflowId, recordId, options.force === true, workerTimeoutMs));
      if (options.output !== 'text') io.out(`${JSON.stringify({ workflowId, ...result })}\n`);
      else if (result.undone.length === 0) io.out(`${workflowId}: nothing to undo\n`);
      else
        for (const u of result.undone)
          io.out(`${printable(`${u.status.padEnd(8)} ${u.action} ${u.target}${u.recordId ? ` [${u.recordId}]` : ''}${u.reason ? ` — ${u.reason}` : ''}`)}\n`);
      io.setExitCode(result.undone.every((u) => u.status === 'OK' || u.status === 'NOOP') ? ExitCode.Ok : ExitCode.Failure);
    } catch (err) {
      io.setExitCode(reportError(io, 'rollback', err));
    }
  });
}

/** The ids a record may be named by: its audit record id, else its idempotency key. */
function idsOf(compensations: readonly Compensation[]): string[] {
  return compensations.map((c) => c.recordId ?? c.idempotencyKey);
}

async function rollback(client: Client, workflowId: string, recordId: string | undefined, force: boolean, workerTimeoutMs: number): Promise<RollbackResult> {
  const handle = client.workflow.getHandle(workflowId);
  const description = await handle.describe();
  if ((await workflowPollers(client, description.taskQueue)) === 0) {
    throw new CliError(
      `no worker polls task queue ${description.taskQueue}, and undoing needs one — start it (agent-os worker --policy … --task-queue ${description.taskQueue}) and run the rollback again`,
      ExitCode.Unavailable,
    );
  }
  const state = await client.connection
    .withDeadline(Date.now() + workerTimeoutMs, () => handle.query(stateQuery))
    .catch((cause: unknown) => {
      throw new CliError(
        `the worker on ${description.taskQueue} did not answer the state query of ${workflowId} within ${workerTimeoutMs} ms — is it running? Start it (agent-os worker --task-queue ${description.taskQueue}) or check its log`,
        ExitCode.Unavailable,
        { cause },
      );
    });
  if (recordId !== undefined && !state.compensations.some((c) => c.recordId === recordId || c.idempotencyKey === recordId)) {
    const known = idsOf(state.compensations);
    throw new CliError(
      `${workflowId} has no reversible record "${recordId}"; known: ${known.join(', ') || '(none)'} — see \`agent-os status -w ${workflowId}\``,
      ExitCode.NotFound,
    );
  }
  const request: RollbackRequest = recordId === undefined ? { all: true } : { recordId };
  if (description.status.name === 'RUNNING') return handle.executeUpdate(rollbackUpdate, { args: [request] });
  const started = await runInputOf<AgentRunInput>(handle);
  const input: RollbackRunInput = {
    workflowId,
    runId: description.runId,
    compensations: state.compensations,
    ...(recordId !== undefined ? { recordIds: [recordId] } : {}),
    ...(force ? { force } : {}),
    ...(started?.workspaceQueue !== undefined ? { workspaceQueue: started.workspaceQueue } : {}),
  };
  return client.workflow.execute('rollbackRun', {
    taskQueue: description.taskQueue,
    workflowId: `${workflowId}-rollback-${Date.now()}`,
    args: [input],
  }) as Promise<RollbackResult>;
}
