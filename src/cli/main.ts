#!/usr/bin/env node
/**
 * `agent-os` — the command-line entry point. Each command lives in its own file and
 * registers itself on the program; this file only wires them together.
 */
import { Command } from 'commander';
import { registerDevCommand } from './dev';
import { registerAuditCommand } from './audit';
import { registerPolicyCommand } from './policy';
import { registerWorkerCommand } from './worker';
import { registerRunCommand } from './run';
import { registerRollbackCommand } from './rollback';
import { registerApproveCommand } from './approve';
import { registerApprovalsCommand } from './approvals';
import { registerMcpCommand } from './mcp';
import { registerCodecServerCommand } from './codec-server';

/** Builds the `agent-os` program with every command registered (exported for tests). */
export function buildProgram(): Command {
  const program = new Command('agent-os')
    .description('Security kernel for LLM agents on Temporal')
    .showHelpAfterError()
    .exitOverride();
  registerDevCommand(program);
  registerAuditCommand(program);
  registerPolicyCommand(program);
  registerWorkerCommand(program);
  registerRunCommand(program);
  registerRollbackCommand(program);
  registerApproveCommand(program);
  registerApprovalsCommand(program);
  registerMcpCommand(program);
  registerCodecServerCommand(program);
  return program;
}

async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv as string[]);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'commander.helpDisplayed' || code === 'commander.version') return 0;
    if (typeof code === 'string' && code.startsWith('commander.')) return 2;
    process.stderr.write(`agent-os: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

if (require.main === module) {
  // `agent-os … | head` closes the pipe early: that is not a crash, stop writing quietly.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
  void main(process.argv).then((code) => {
    process.exitCode = code;
  });
}
