/**
 * `agent-os policy …` — the command group for policy files. Subcommands live in their own
 * files (policy-check.ts, policy-test.ts) and attach to the group returned by
 * {@link policyCommandGroup}; a new one (e.g. `explain`) needs one line in
 * {@link registerPolicyCommand}, or can attach itself via `policyCommandGroup(program)`.
 */
import type { Command } from 'commander';
import { registerPolicyCheckCommand } from './policy-check';
import { registerPolicyExplainCommand } from './policy-explain';
import { registerPolicyInitCommand } from './policy-init';
import { processIo, type CliIo } from './policy-io';
import { registerPolicyReplayCommand } from './policy-replay';
import { registerPolicyTestCommand } from './policy-test';

export { type CliIo } from './policy-io';

/**
 * The `policy` command of `program`, created on first use (so several files can add
 * subcommands to the same group in any order).
 *
 * @example
 * policyCommandGroup(program).command('explain <file>').action(...);
 */
export function policyCommandGroup(program: Command): Command {
  const existing = program.commands.find((c) => c.name() === 'policy');
  if (existing) return existing;
  return program.command('policy').description('check and test policy files');
}

/**
 * Registers `agent-os policy check` and `agent-os policy test` on `program`.
 *
 * @returns the `policy` group command.
 */
export function registerPolicyCommand(program: Command, io: CliIo = processIo): Command {
  const group = policyCommandGroup(program);
  registerPolicyCheckCommand(group, io);
  registerPolicyTestCommand(group, io);
  registerPolicyExplainCommand(group, io);
  registerPolicyReplayCommand(group, io);
  registerPolicyInitCommand(group, io);
  return group;
}
