/**
 * What `run` does with a person at the terminal: the narrator (text, `-o json`, `-o jsonl`),
 * the approval prompt, and Ctrl-C (cancel or detach).
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { approveUpdate } from '../workflows/messages';
import type { PendingApproval } from '../workflows/types';
import { defaultApprover } from './approve';
import { ExitCode, type OutputFormat } from './conventions';
import type { CliIo } from './policy-io';
import { prompt } from './prompt';
import { reportError } from './report-error';
import { printable } from './printable';

/** Writes text lines, one JSON object at the end (json) or one JSON line per event (jsonl). */
export class Narrator {
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

export async function askApproval(client: Client, workflowId: string, p: PendingApproval, io: CliIo): Promise<void> {
  const answer = await prompt(
    `  allow ${printable(`${p.action} ${p.target}`)}${p.params === undefined ? '' : ` with ${printable(p.params)}`}? [y]es / [n]o / Enter to leave it waiting: `,
  );
  if (answer !== 'y' && answer !== 'yes' && answer !== 'n' && answer !== 'no') return;
  const allow = answer.startsWith('y');
  const approver = defaultApprover();
  try {
    await client.workflow
      .getHandle(workflowId)
      .executeUpdate(approveUpdate, { args: [{ requestId: p.requestId, allow, approver, reason: 'answered at the agent-os run prompt' }] });
    io.out(`  ${p.requestId} ${allow ? 'allowed' : 'denied'} by ${approver}\n`);
  } catch (err) {
    reportError(io, 'run', err);
  }
}

/** Ctrl-C: on a terminal asks cancel or detach; otherwise detaches. `detached` resolves with the exit code. */
export function onInterrupt(
  io: CliIo,
  handle: WorkflowHandle,
  workflowId: string,
  interactive: boolean,
  narrate: Narrator,
): { detached: Promise<number>; dispose(): void } {
  let resolveDetached: (code: number) => void = () => undefined;
  const detached = new Promise<number>((resolve) => (resolveDetached = resolve));
  let asking = false;
  const detach = (): void => {
    narrate.event({ type: 'detached', workflowId }, '');
    io.err(
      `agent-os run: detached; ${workflowId} goes on. Follow it with \`agent-os status -w ${workflowId}\`, stop it with \`agent-os cancel -w ${workflowId}\`\n`,
    );
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
