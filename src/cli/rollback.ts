/**
 * `agent-os rollback <workflowId> [recordId] [--all]` — undoes a run's reversible actions.
 * A running run undoes them itself (its `rollback` update); for a finished run the
 * compensations are read from its `state` query and undone by a `rollbackRun` workflow on
 * the run's task queue (idempotent: a second rollback reports NOOP).
 * Exit codes: 0 every undo OK or NOOP, 1 some undo failed / conflicted / unreachable, 2 usage.
 */
import type { Command } from 'commander';
import { rollbackUpdate, stateQuery } from '../workflows/messages';
import { runInputOf } from '../client/history-audit';
import type { AgentRunInput, RollbackRequest, RollbackResult, RollbackRunInput } from '../workflows/types';
import { errorMessage, withClient, withConnectionOptions, type ConnectionFlags } from './connection-options';
import { processIo, type CliIo } from './policy-io';

interface RollbackCliOptions extends ConnectionFlags {
  readonly all?: boolean;
  readonly force?: boolean;
  readonly json?: boolean;
}

/** Registers `agent-os rollback`. */
export function registerRollbackCommand(program: Command, io: CliIo = processIo): void {
  withConnectionOptions(
    program
      .command('rollback')
      .description('undo reversible actions of a run (one record, or --all newest first)')
      .argument('<workflowId>', 'the run')
      .argument('[recordId]', 'the record to undo (from the run\'s actions or compensations)')
      .option('--all', 'undo every reversible action of the run, newest first')
      .option('--force', 'finished runs: overwrite targets that changed since (CONFLICT otherwise)')
      .option('--json', 'print the undo results as JSON'),
  ).action(async (workflowId: string, recordId: string | undefined, options: RollbackCliOptions) => {
    if ((recordId === undefined) === (options.all !== true)) {
      io.err('agent-os rollback: pass a record id or --all (not both)\n');
      io.setExitCode(2);
      return;
    }
    try {
      const result = await withClient(options, (client) => rollback(client, workflowId, recordId, options.force === true));
      if (options.json) io.out(`${JSON.stringify({ workflowId, ...result })}\n`);
      else if (result.undone.length === 0) io.out(`${workflowId}: nothing to undo\n`);
      else for (const u of result.undone) io.out(`${u.status.padEnd(8)} ${u.action} ${u.target}${u.recordId ? ` [${u.recordId}]` : ''}${u.reason ? ` — ${u.reason}` : ''}\n`);
      io.setExitCode(result.undone.every((u) => u.status === 'OK' || u.status === 'NOOP') ? 0 : 1);
    } catch (err) {
      io.err(`agent-os rollback: ${errorMessage(err)}${(err as { cause?: unknown }).cause ? `: ${errorMessage((err as { cause: unknown }).cause)}` : ''}\n`);
      io.setExitCode(1);
    }
  });
}

type ClientLike = Parameters<Parameters<typeof withClient>[1]>[0];

async function rollback(client: ClientLike, workflowId: string, recordId: string | undefined, force: boolean): Promise<RollbackResult> {
  const handle = client.workflow.getHandle(workflowId);
  const description = await handle.describe();
  const request: RollbackRequest = recordId === undefined ? { all: true } : { recordId };
  if (description.status.name === 'RUNNING') return handle.executeUpdate(rollbackUpdate, { args: [request] });
  const state = await handle.query(stateQuery);
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
