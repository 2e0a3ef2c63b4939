/** Runs `agent-os policy …` in-process with captured output and exit code. */
import { Command } from 'commander';
import { registerPolicyCommand } from '../../src/cli/policy';

/** What one run printed and the exit code it set. */
export interface PolicyRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** Runs `agent-os policy <args>`; commander usage errors give exit code 2, as in main.ts. */
export async function runPolicy(...args: string[]): Promise<PolicyRun> {
  let out = '';
  let err = '';
  let code = 0;
  const program = new Command('agent-os').exitOverride().configureOutput({ writeOut: (s) => void (out += s), writeErr: (s) => void (err += s) });
  registerPolicyCommand(program, { out: (s) => void (out += s), err: (s) => void (err += s), setExitCode: (c) => void (code = c) });
  try {
    await program.parseAsync(['policy', ...args], { from: 'user' });
  } catch (e) {
    code = String((e as { code?: unknown }).code).startsWith('commander.') ? 2 : 1;
  }
  return { code, out, err };
}
