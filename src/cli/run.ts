/**
 * `agent-os run "prompt"` — starts an `agentRun` on a worker's task queue, prints each step
 * as it ends and then the answer (`--json`: one JSON object with the result instead).
 * `--policy FILE` narrows the worker's ceiling for this run; `--tools FILE` brings tools
 * (default: the worker's). Exit codes: 0 completed, 1 failed / unreachable, 2 usage.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import type { Command } from 'commander';
import { WorkflowFailedError } from '@temporalio/client';
import { followRun } from '../client/run-progress';
import { loadToolsFile } from '../client/tools-file';
import { loadPolicyText } from '../policy/index';
import type { AgentRunInput, AgentRunResult } from '../workflows/types';
import { errorMessage, withClient, withConnectionOptions, type ConnectionFlags } from './connection-options';
import { processIo, type CliIo } from './policy-io';
import { DEFAULT_TASK_QUEUE } from './worker';

interface RunCliOptions extends ConnectionFlags {
  readonly tools?: string;
  readonly policy?: string;
  readonly instructions?: string;
  readonly model?: string;
  readonly taskQueue: string;
  readonly workspaceQueue?: string;
  readonly workflowId?: string;
  readonly maxTurns?: string;
  readonly wait: boolean;
  readonly json?: boolean;
}

/** Registers `agent-os run`. */
export function registerRunCommand(program: Command, io: CliIo = processIo): void {
  withConnectionOptions(
    program
      .command('run')
      .description('start an agent run on a worker and print its progress and result')
      .argument('<prompt>', 'what the agent should do')
      .option('--tools <file>', 'tool definitions (YAML/JSON; default: the worker\'s)')
      .option('--policy <file>', 'a run policy that narrows the worker\'s ceiling (it can never widen it)')
      .option('--instructions <text>', 'system instructions')
      .option('--model <name>', 'model name (default: the worker\'s)')
      .option('--task-queue <queue>', 'the worker\'s task queue', DEFAULT_TASK_QUEUE)
      .option('--workspace-queue <queue>', 'send fs/proc activities to this workspace-bound queue')
      .option('--workflow-id <id>', 'workflow id (default: agent-run-<uuid>)')
      .option('--max-turns <n>', 'model turns before the run stops')
      .option('--no-wait', 'print the workflow id and return without waiting')
      .option('--json', 'print one JSON object instead of text'),
  ).action(async (prompt: string, options: RunCliOptions) => {
    io.setExitCode(await runCommand(prompt, options, io));
  });
}

/** Builds the run input from the flags. @throws Error with a usage message. */
export function runInputFromOptions(prompt: string, options: Omit<RunCliOptions, 'wait' | 'taskQueue'>): AgentRunInput {
  const maxTurns = options.maxTurns === undefined ? undefined : Number(options.maxTurns);
  if (maxTurns !== undefined && (!Number.isInteger(maxTurns) || maxTurns < 1)) throw new UsageError(`--max-turns ${options.maxTurns}: expected a positive integer`);
  let policy: string | undefined;
  if (options.policy !== undefined) {
    policy = fs.readFileSync(options.policy, 'utf8');
    loadPolicyText(policy, options.policy); // fail here, with positions, rather than in the run
  }
  const input: Record<string, unknown> = { prompt };
  if (options.tools !== undefined) input['tools'] = loadToolsFile(options.tools);
  if (options.instructions !== undefined) input['instructions'] = options.instructions;
  if (options.model !== undefined) input['model'] = options.model;
  if (maxTurns !== undefined) input['maxTurns'] = maxTurns;
  if (policy !== undefined) input['policy'] = policy;
  if (options.workspaceQueue !== undefined) input['workspaceQueue'] = options.workspaceQueue;
  return input as unknown as AgentRunInput;
}

class UsageError extends Error {}

async function runCommand(prompt: string, options: RunCliOptions, io: CliIo): Promise<number> {
  let input: AgentRunInput;
  try {
    input = runInputFromOptions(prompt, options);
  } catch (err) {
    io.err(`agent-os run: ${errorMessage(err)}\n`);
    return err instanceof UsageError ? 2 : 1;
  }
  const workflowId = options.workflowId ?? `agent-run-${randomUUID()}`;
  try {
    return await withClient(options, async (client, settings) => {
      const handle = await client.workflow.start('agentRun', { taskQueue: options.taskQueue, workflowId, args: [input] });
      if (!options.wait) {
        io.out(options.json ? `${JSON.stringify({ workflowId, runId: handle.firstExecutionRunId, status: 'started' })}\n` : `started ${workflowId} on ${options.taskQueue} (${settings.address})\n`);
        return 0;
      }
      if (!options.json) io.out(`run ${workflowId} on ${options.taskQueue}\n`);
      const end = await followRun(client, { workflowId, runId: handle.firstExecutionRunId }, (step) => {
        if (!options.json) io.out(`  ${step.summary} → ${step.status}${step.detail ? ` (${step.detail})` : ''}\n`);
      });
      if (end.status !== 'completed') {
        const detail = await handle.result().then(() => end.detail, (err: unknown) => (err instanceof WorkflowFailedError ? errorMessage(err.cause ?? err) : errorMessage(err)));
        if (options.json) io.out(`${JSON.stringify({ workflowId, runId: handle.firstExecutionRunId, status: end.status, error: detail ?? end.detail ?? null })}\n`);
        else io.err(`agent-os run: the run ${end.status}: ${detail ?? end.detail ?? 'no detail'}\n`);
        return 1;
      }
      const result: AgentRunResult = await handle.result();
      if (options.json) io.out(`${JSON.stringify({ workflowId, runId: handle.firstExecutionRunId, status: 'completed', result })}\n`);
      else io.out(`${result.output}\n`);
      return 0;
    });
  } catch (err) {
    io.err(`agent-os run: ${errorMessage(err)}\n`);
    return 1;
  }
}
