/**
 * `agent-os audit …` — commands on audit logs. The group is built from a list of
 * subcommand registrars, so a new subcommand (e.g. `export`) is one function plus one
 * entry in {@link AUDIT_SUBCOMMANDS}.
 *
 *   agent-os audit verify FILE [--anchor HEAD…] [-o json]   exit 0 intact, 1 broken, 2 unreadable / usage
 *   agent-os audit log FILE [filters] [-o jsonl] [--follow]  (audit-log.ts)
 */
import type { Command } from 'commander';
import { verifyAuditLog } from '../kernel/audit-verify';
import { registerAuditExport } from './audit-export';
import { registerAuditLog } from './audit-log';
import { ExitCode, withOutputOption } from './conventions';

/** Adds one subcommand to the `audit` group. */
export type AuditSubcommand = (audit: Command) => void;

/** `audit verify FILE`: checks every segment's chain and the heads; prints each problem as `FILE:LINE: [seq N] message`. */
export const registerAuditVerify: AuditSubcommand = (audit) => {
  withOutputOption(
    audit
      .command('verify')
      .description('check a JSONL audit log (all its writer segments and rotated files): edited, forged, removed, reordered, cut or truncated records')
      .argument('<file>', 'the audit log (JSONL), e.g. ~/.agent-os/kernel.log')
      .option('--anchor <head...>', 'a head file (<segment>.head, kept elsewhere) or a run export (audit export) the log must still reach; repeatable')
      .option('--json', 'print the result as JSON (same as -o json)'),
  ).action(async (file: string, options: { json?: boolean; anchor?: string[]; output?: string }) => {
    let result;
    try {
      result = await verifyAuditLog(file, { anchors: options.anchor ?? [] });
    } catch (err) {
      const why = (err as { code?: unknown }).code === 'ENOENT' ? 'no such file' : err instanceof Error ? err.message : String(err);
      process.stderr.write(`agent-os audit verify: cannot read ${file}: ${why}\n  fix: name an existing log (and readable --anchor files)\n`);
      process.exitCode = ExitCode.Usage;
      return;
    }
    if (options.json === true || options.output === 'json' || options.output === 'jsonl') {
      process.stdout.write(`${JSON.stringify({ file, ...result })}\n`);
    } else if (result.ok) {
      const segs = result.segments.length > 1 ? ` in ${result.segments.length} segments` : '';
      const after = result.anchors.reduce((n, a) => Math.max(n, a.after), 0);
      const anchored =
        result.anchors.length > 0 ? `, ${result.anchors.length} anchor(s) hold${after > 0 ? ` (up to ${after} record(s) written after an anchor)` : ''}` : '';
      process.stdout.write(
        `${file}: OK, ${result.records} record(s)${segs}, chain intact${anchored}${result.lastHash ? ` (last hash ${result.lastHash})` : ''}\n`,
      );
    } else {
      for (const p of result.problems) {
        process.stdout.write(`${p.file ?? file}:${p.line}: ${p.seq === undefined ? '' : `[seq ${p.seq}] `}${p.message}\n`);
      }
      process.stdout.write(`${file}: BROKEN, ${result.problems.length} problem(s) in ${result.records} record(s)\n`);
    }
    process.exitCode = result.ok ? ExitCode.Ok : ExitCode.Failure;
  });
};

/** The subcommands of `agent-os audit`, in help order. */
export const AUDIT_SUBCOMMANDS: readonly AuditSubcommand[] = [registerAuditVerify, registerAuditLog, registerAuditExport];

/**
 * Registers the `audit` command group on the program.
 * @returns the group, so callers may attach further subcommands.
 * @public main.ts loads it by name.
 */
export function registerAuditCommand(program: Command): Command {
  const audit = program.command('audit').description('inspect kernel audit logs');
  for (const register of AUDIT_SUBCOMMANDS) register(audit);
  return audit;
}
