/**
 * `agent-os audit …` — commands on audit logs. The group is built from a list of
 * subcommand registrars, so a new subcommand (e.g. `export`) is one function plus one
 * entry in {@link AUDIT_SUBCOMMANDS}.
 *
 *   agent-os audit verify FILE [--json]   exit 0 intact, 1 broken, 2 unreadable / usage
 */
import type { Command } from 'commander';
import { jsonAliasOption, outputOption } from './conventions';
import { verifyAuditLog } from '../kernel/audit-verify';
import { registerAuditExport } from './audit-export';

/** Adds one subcommand to the `audit` group. */
export type AuditSubcommand = (audit: Command) => void;

/** `audit verify FILE`: checks the hash chain; prints each problem as `FILE:LINE: [seq N] message`. */
export const registerAuditVerify: AuditSubcommand = (audit) => {
  audit
    .command('verify')
    .description('check the hash chain of a JSONL audit log: edited, removed, reordered or cut records')
    .argument('<file>', 'the audit log (JSONL)')
    .addOption(outputOption())
    .addOption(jsonAliasOption())
    .action(async (file: string, options: { json?: boolean }) => {
      let result;
      try {
        result = await verifyAuditLog(file);
      } catch (err) {
        const why = (err as { code?: unknown }).code === 'ENOENT' ? 'no such file' : err instanceof Error ? err.message : String(err);
        process.stderr.write(`agent-os audit verify: cannot read ${file}: ${why}\n`);
        process.exitCode = 2;
        return;
      }
      if (options.json === true) {
        process.stdout.write(`${JSON.stringify({ file, ...result })}\n`);
      } else if (result.ok) {
        process.stdout.write(`${file}: OK, ${result.records} record(s), chain intact${result.lastHash ? ` (last hash ${result.lastHash})` : ''}\n`);
      } else {
        for (const p of result.problems) {
          process.stdout.write(`${file}:${p.line}: ${p.seq === undefined ? '' : `[seq ${p.seq}] `}${p.message}\n`);
        }
        process.stdout.write(`${file}: BROKEN, ${result.problems.length} problem(s) in ${result.records} record(s)\n`);
      }
      process.exitCode = result.ok ? 0 : 1;
    });
};

/** The subcommands of `agent-os audit`, in help order. */
export const AUDIT_SUBCOMMANDS: readonly AuditSubcommand[] = [registerAuditVerify, registerAuditExport];

/**
 * Registers the `audit` command group on the program.
 * @returns the group, so callers may attach further subcommands.
 */
export function registerAuditCommand(program: Command): Command {
  const audit = program.command('audit').description('inspect kernel audit logs');
  for (const register of AUDIT_SUBCOMMANDS) register(audit);
  return audit;
}
