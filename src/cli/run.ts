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
import * as fs from 'node:fs';
import type { Command } from 'commander';
import { WorkflowFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { RunEnd, RunStep } from '../client/run-progress';
import { loadToolsFile } from '../client/tools-file';
import { loadPolicyText } from '../policy/index';
import { approveUpdate } from '../workflows/messages';
import type { ActionSummary, AgentRunInput, AgentRunResult, PendingApproval } from '../workflows/types';
import { defaultApprover } from './approve';
import { withClient, withConnectionOptions, type ConnectionFlags } from './connection-options';
import { CliError, ExitCode, withOutputAndJsonAlias, type OutputFormat } from './conventions';
import { processIo, type CliIo } from './policy-io';
import { canPrompt, prompt } from './prompt';
import { reportError } from './report-error';
import { watchRun } from './run-watch';
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
  readonly input: boolean;
  readonly workerCheckAfter: string;
  readonly output: OutputFormat;
}

/** Registers `agent-os run`. */
export function registerRunCommand(program: Command, io: CliIo = processIo): void {
  withConnectionOptions(
    withOutputAndJsonAlias(
      program
        .command('run')
        .description('start an agent run on a worker and narrate its progress and result')
        .argument('<prompt>', 'what the agent should do')
        .option('--tools <file>', 'tool definitions (YAML/JSON; default: the worker\'s)')
        .option('--policy <file>', 'a run policy that narrows the worker\'s ceiling (it can never widen it)')
        .option('--instructions <text>', 'system instructions')
        .option('--model <name>', 'model name (default: the worker\'s)')
        .option('--task-queue <queue>', 'the worker\'s task queue', DEFAULT_TASK_QUEUE)
        .option('--workspace-queue <queue>', 'send fs/proc activities to this workspace-bound queue')
        .option('-w, --workflow-id <id>', 'workflow id (default: agent-run-<uuid>)')
        .option('--max-turns <n>', 'model turns before the run stops')
        .option('--no-wait', 'print the workflow id and return without waiting')
        .option('--no-input', 'never ask on the terminal (approvals, Ctrl-C): print what to run instead')
        .option('--worker-check-after <ms>', 'when no worker picked the run up after this long, say so (checks the queue\'s pollers)', '3000'),
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
export function runInputFromOptions(prompt: string, options: Omit<RunCliOptions, 'wait' | 'taskQueue' | 'input' | 'workerCheckAfter' | 'output'>): AgentRunInput {
  const maxTurns = options.maxTurns === undefined ? undefined : Number(options.maxTurns);
  if (maxTurns !== undefined && (!Number.isInteger(maxTurns) || maxTurns < 1)) throw new CliError(`--max-turns ${options.maxTurns}: expected a positive integer`, ExitCode.Usage);
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

/** `  read_file → fs.read /workspace/data.csv → OK`, as `run` and `status` print a step. */
export function formatStep(step: RunStep): string {
  return `  ${step.summary} → ${step.status}${step.detail ? ` (${step.detail})` : ''}\n`;
}

/** A tool call the workflow refused before any activity ran. */
export function formatInvalidCall(action: ActionSummary): string {
  return `  tool ${action.tool} → INVALID (${action.reason ?? 'refused'})\n`;
}

/** The lines printed when an approval starts waiting. */
export function formatApprovalPending(workflowId: string, p: PendingApproval): string {
  return (
    `  waiting for approval: ${p.action} ${p.target}${p.ruleId ? ` (rule ${p.ruleId})` : ''} — ${p.reason}\n` +
    `    agent-os approve -w ${workflowId} ${p.requestId} --allow    (or --deny --reason "…")\n`
  );
}

async function runCommand(prompt: string, options: RunCliOptions, io: CliIo): Promise<number> {
  if (options.model?.startsWith('scripted:')) {
    throw new CliError(`--model ${options.model}: the worker calls the model, so a scripted model is a worker setting — start the worker with \`agent-os worker --model ${options.model} …\` and run without --model`, ExitCode.Usage);
  }
  const input = runInputFromOptions(prompt, options);
  const noWorkerAfterMs = Number(options.workerCheckAfter);
  if (!Number.isFinite(noWorkerAfterMs) || noWorkerAfterMs < 0) throw new CliError(`--worker-check-after ${options.workerCheckAfter}: expected milliseconds (≥ 0)`, ExitCode.Usage);
  const workflowId = options.workflowId ?? `agent-run-${randomUUID()}`;
  return withClient(options, async (client, settings) => {
    const handle = await client.workflow.start('agentRun', { taskQueue: options.taskQueue, workflowId, args: [input] });
    const runId = handle.firstExecutionRunId;
    if (!options.wait) {
      io.out(options.output === 'text' ? `started ${workflowId} on ${options.taskQueue} (${settings.address})\n` : `${JSON.stringify({ workflowId, runId, status: 'started' })}\n`);
      return ExitCode.Ok;
    }
    const interactive = options.input && options.output === 'text' && canPrompt();
    const narrate = new Narrator(io, options.output, workflowId);
    narrate.text(`run ${workflowId} on ${options.taskQueue}\n`);
    const interrupt = onInterrupt(io, handle, workflowId, interactive, narrate);
    try {
      const abort = new AbortController();
      setMaxListeners(0, abort.signal); // every history call of the watch listens to it
      const watching = client.withAbortSignal(abort.signal, () => watchRun(client, { workflowId, runId }, { taskQueue: options.taskQueue, noWorkerAfterMs }, {
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
        }));
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
        (err: unknown) => (err instanceof WorkflowFailedError ? String((err.cause as Error | undefined)?.message ?? err.message) : String((err as Error).message)),
      ));
    narrate.final({ workflowId, runId, status: end.status, error: detail ?? null }, undefined, `agent-os run: the run ${end.status}: ${detail ?? 'no detail'}\n`);
    return ExitCode.Failure;
  }
  const result = (await handle.result()) as AgentRunResult;
  narrate.final({ workflowId, runId, status: 'completed', result }, `${result.output}\n`);
  return ExitCode.Ok;
}

/** Writes text lines, one JSON object at the end (json) or one JSON line per event (jsonl). */
class Narrator {
  private chain: Promise<void> = Promise.resolve();
  constructor(
    private readonly io: CliIo,
    private readonly format: OutputFormat,
    readonly workflowId: string,
  ) {}
  text(line: string): void {
    if (this.format === 'text') this.io.out(line);
  }
  event(json: Record<string, unknown>, line: string): void {
    if (this.format === 'text') this.io.out(line);
    else if (this.format === 'jsonl') this.io.out(`${JSON.stringify(json)}\n`);
  }
  final(json: Record<string, unknown>, out: string | undefined, err?: string): void {
    if (this.format === 'text') {
      if (out !== undefined) this.io.out(out);
      if (err !== undefined) this.io.err(err);
    } else this.io.out(`${JSON.stringify(this.format === 'jsonl' ? { type: 'end', ...json } : json)}\n`);
  }
  /** Runs terminal questions one after another. */
  queue(task: () => Promise<void>): void {
    this.chain = this.chain.then(task, task);
  }
}

async function askApproval(client: Client, workflowId: string, p: PendingApproval, io: CliIo): Promise<void> {
  const answer = await prompt(`  allow ${p.action} ${p.target}? [y]es / [n]o / Enter to leave it waiting: `);
  if (answer !== 'y' && answer !== 'yes' && answer !== 'n' && answer !== 'no') return;
  const allow = answer.startsWith('y');
  const approver = defaultApprover();
  try {
    await client.workflow.getHandle(workflowId).executeUpdate(approveUpdate, { args: [{ requestId: p.requestId, allow, approver, reason: 'answered at the agent-os run prompt' }] });
    io.out(`  ${p.requestId} ${allow ? 'allowed' : 'denied'} by ${approver}\n`);
  } catch (err) {
    reportError(io, 'run', err);
  }
}

/** Ctrl-C: on a terminal asks cancel or detach; otherwise detaches. `detached` resolves with the exit code. */
function onInterrupt(io: CliIo, handle: WorkflowHandle, workflowId: string, interactive: boolean, narrate: Narrator): { detached: Promise<number>; dispose(): void } {
  let resolveDetached: (code: number) => void = () => undefined;
  const detached = new Promise<number>((resolve) => (resolveDetached = resolve));
  let asking = false;
  const detach = (): void => {
    narrate.event({ type: 'detached', workflowId }, '');
    io.err(`agent-os run: detached; ${workflowId} goes on. Follow it with \`agent-os status -w ${workflowId}\`, stop it with \`agent-os cancel -w ${workflowId}\`\n`);
    resolveDetached(ExitCode.Ok);
  };
  const handler = (): void => {
    if (!interactive || asking) return detach();
    asking = true;
    void prompt(`\n  cancel the run or detach (it goes on)? [c]ancel / [d]etach: `).then(async (answer) => {
      asking = false;
      if (answer === 'c' || answer === 'cancel') {
        await handle.cancel().catch((err: unknown) => reportError(io, 'run', err));
        io.out(`  cancel requested; waiting for ${workflowId} to undo and stop…\n`);
      } else detach();
    });
  };
  process.on('SIGINT', handler);
  return { detached, dispose: () => process.removeListener('SIGINT', handler) };
}
