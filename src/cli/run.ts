/**
 * `agent-os run "prompt"` — starts an `agentRun` on a worker's task queue and narrates it:
 * each step as it ends (every tool call with its status, also the ones refused before any
 * activity), every approval that starts waiting with the exact `agent-os approve` command
 * (on a terminal: approve or deny right there), and — when no worker picks the run up in
 * time — that nobody polls the queue and how to start a worker. Ctrl-C asks whether to
 * cancel the run or detach (without a terminal: detaches). `-o json`: one JSON object with
 * the result; `-o jsonl`: one JSON line per event. `--policy FILE` narrows the worker's
 * ceiling for this run; `--tools FILE` brings tools (default: the worker's).
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import fs from 'node:fs';
import type { Command } from 'commander';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { RunEnd } from '../client/run-progress';
import { loadToolsFile } from '../client/tools-file';
import { loadPolicyText } from '../policy/index';
import type { AgentRunInput, AgentRunResult } from '../workflows/types';
import { withClient, withConnectionOptions, type ConnectionFlags } from './connection-options';
import { CliError, DEFAULT_TASK_QUEUE, ExitCode, withOutputAndJsonAlias, type OutputFormat } from './conventions';
import { processIo, type CliIo } from './policy-io';
import { canPrompt } from './prompt';
import { formatApprovalPending, formatInvalidCall, formatStep } from './run-format';
import { askApproval, Narrator, onInterrupt } from './run-interaction';
import { printable, printableText } from './printable';
import { reportError } from './report-error';
import { watchRun } from './run-watch';

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
  readonly input: boolean;
  readonly workerCheckAfter: string;
  readonly output: OutputFormat;
}

/** Registers `agent-os run`. @public main.ts loads it by name. */
export function registerRunCommand(program: Command, io: CliIo = processIo): void {
  withConnectionOptions(
    withOutputAndJsonAlias(
      program
        .command('run')
        .description('start an agent run on a worker and narrate its progress and result')
        .argument('<prompt>', 'what the agent should do')
        .option('--tools <file>', "tool definitions (YAML/JSON; default: the worker's)")
        .option('--policy <file>', "a run policy that narrows the worker's ceiling (it can never widen it)")
        .option('--instructions <text>', 'system instructions')
        .option('--model <name>', "model name (default: the worker's)")
        .option('--task-queue <queue>', "the worker's task queue", DEFAULT_TASK_QUEUE)
        .option('--workspace-queue <queue>', 'send fs/proc activities to this workspace-bound queue')
        .option('-w, --workflow-id <id>', 'workflow id (default: agent-run-<uuid>)')
        .option('--max-turns <n>', 'model turns before the run stops')
        .option('--no-wait', 'print the workflow id and return without waiting')
        .option('--no-input', 'never ask on the terminal (approvals, Ctrl-C): print what to run instead')
        .option('--worker-check-after <ms>', "when no worker picked the run up after this long, say so (checks the queue's pollers)", '3000'),
    ),
  ).action(async (prompt: string, options: RunCliOptions) => {
    try {
      io.setExitCode(await runCommand(prompt, options, io));
    } catch (err) {
      io.setExitCode(reportError(io, 'run', err));
    }
  });
}

/** Builds the run input from the flags. @throws CliError (usage) naming the bad flag or file. */
export function runInputFromOptions(
  prompt: string,
  options: Omit<RunCliOptions, 'wait' | 'taskQueue' | 'input' | 'workerCheckAfter' | 'output'>,
): AgentRunInput {
  const maxTurns = options.maxTurns === undefined ? undefined : Number(options.maxTurns);
  if (maxTurns !== undefined && (!Number.isInteger(maxTurns) || maxTurns < 1))
    throw new CliError(`--max-turns ${options.maxTurns}: expected a positive integer`, ExitCode.Usage);
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

async function runCommand(prompt: string, options: RunCliOptions, io: CliIo): Promise<number> {
  if (options.model?.startsWith('scripted:')) {
    throw new CliError(
      `--model ${options.model}: the worker calls the model, so a scripted model is a worker setting — start the worker with \`agent-os worker --model ${options.model} …\` and run without --model`,
      ExitCode.Usage,
    );
  }
  const input = runInputFromOptions(prompt, options);
  const noWorkerAfterMs = Number(options.workerCheckAfter);
  if (!Number.isFinite(noWorkerAfterMs) || noWorkerAfterMs < 0)
    throw new CliError(`--worker-check-after ${options.workerCheckAfter}: expected milliseconds (≥ 0)`, ExitCode.Usage);
  const workflowId = options.workflowId ?? `agent-run-${randomUUID()}`;
  return withClient(options, async (client, settings) => {
    const handle = await client.workflow.start('agentRun', { taskQueue: options.taskQueue, workflowId, args: [input] });
    const runId = handle.firstExecutionRunId;
    if (!options.wait) {
      io.out(
        options.output === 'text'
          ? `started ${workflowId} on ${options.taskQueue} (${settings.address})\n`
          : `${JSON.stringify({ workflowId, runId, status: 'started' })}\n`,
      );
      return ExitCode.Ok;
    }
    const interactive = options.input && options.output === 'text' && canPrompt();
    const narrate = new Narrator(io, options.output, workflowId);
    narrate.text(`run ${workflowId} on ${options.taskQueue}\n`);
    const interrupt = onInterrupt(io, handle, workflowId, interactive, narrate);
    try {
      const abort = new AbortController();
      setMaxListeners(0, abort.signal); // every history call of the watch listens to it
      const watching = client.withAbortSignal(abort.signal, () =>
        watchRun(
          client,
          { workflowId, runId },
          { taskQueue: options.taskQueue, noWorkerAfterMs },
          {
            onStep: (step) => narrate.event({ type: 'step', ...step }, formatStep(step)),
            onInvalidCall: (action) => narrate.event({ type: 'invalid', ...action }, formatInvalidCall(action)),
            onApprovalPending: (p) => {
              narrate.event({ type: 'approval', workflowId, ...p }, formatApprovalPending(workflowId, p));
              if (interactive) narrate.queue(() => askApproval(client, workflowId, p, io));
            },
            onNoWorker: (queue) =>
              narrate.event(
                { type: 'no-worker', taskQueue: queue, address: settings.address },
                `  no worker is polling task queue ${queue} on ${settings.address} (namespace ${settings.namespace}); the run waits until one does.\n` +
                  `  start one: agent-os worker --policy policy.yaml --task-queue ${queue}   (or try everything at once: agent-os dev)\n`,
              ),
          },
        ),
      );
      watching.catch(() => undefined); // when detached, the abort ends the watch
      const end = await Promise.race([watching, interrupt.detached]);
      if (typeof end === 'number') {
        abort.abort();
        return end;
      }
      return await finish(handle, end, narrate, workflowId, runId);
    } finally {
      interrupt.dispose();
    }
  });
}

async function finish(handle: WorkflowHandle, end: RunEnd, narrate: Narrator, workflowId: string, runId: string): Promise<number> {
  if (end.status !== 'completed') {
    // The history's own failure (the activity's, not "Activity task failed") says most.
    const detail =
      end.detail ??
      (await handle.result().then(
        () => undefined,
        (err: unknown) =>
          err instanceof WorkflowFailedError ? String((err.cause as Error | undefined)?.message ?? err.message) : String((err as Error).message),
      ));
    narrate.final(
      { workflowId, runId, status: end.status, error: detail ?? null },
      undefined,
      // The failure quotes the agent's targets and the model endpoint's words: escaped (printable.ts).
      `agent-os run: the run ${end.status}: ${printable(detail ?? 'no detail')}\n`,
    );
    return ExitCode.Failure;
  }
  const result = (await handle.result()) as AgentRunResult;
  // The model's answer is the model's text: shown with its lines, without terminal controls.
  narrate.final({ workflowId, runId, status: 'completed', result }, `${printableText(result.output)}\n`);
  return ExitCode.Ok;
}
