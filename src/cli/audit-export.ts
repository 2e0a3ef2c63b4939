/**
 * `agent-os audit export <workflowId>` — a run's history as the seed's JSONL audit log,
 * hash-chained (check it with `agent-os audit verify FILE`): every run of its continue-as-new
 * chain and the rollbacks done later for it (client/run-export.ts). Registered in the
 * `audit` group through `AUDIT_SUBCOMMANDS`.
 *
 * Exit codes: 0 exported, 1 unreachable / unknown run, 2 usage.
 */
import * as fs from 'node:fs';
import type { Command } from 'commander';
import { auditJsonl } from '../client/history-audit';
import { exportRunAudit } from '../client/run-export';
import type { AuditSubcommand } from './audit';
import { errorMessage, withClient, withConnectionOptions, type ConnectionFlags } from './connection-options';
import { processIo, type CliIo } from './policy-io';

interface ExportOptions extends ConnectionFlags {
  readonly runId?: string;
  readonly output?: string;
}

/** Builds the `audit export` registrar (the io is injectable for tests). */
export function auditExportCommand(io: CliIo = processIo): AuditSubcommand {
  return (audit: Command) => {
    withConnectionOptions(
      audit
        .command('export')
        .description('export a run\'s actions from its Temporal history as a hash-chained JSONL audit log')
        .argument('<workflowId>', 'the run')
        .option('--run-id <id>', 'export the chain up to this run of the workflow id (default: the latest)')
        .option('-o, --output <file>', 'write to a file instead of standard output'),
    ).action(async (workflowId: string, options: ExportOptions) => {
      try {
        const text = await withClient(options, async (client) => {
          // Decoded with the configured keys; refuses (Codec.*) without them.
          const { records } = await exportRunAudit(client, workflowId, options.runId === undefined ? {} : { runId: options.runId });
          return auditJsonl(records);
        });
        if (options.output) {
          fs.writeFileSync(options.output, text);
          io.err(`agent-os audit export: ${text.split('\n').length - 1} record(s) → ${options.output}\n`);
        } else io.out(text);
        io.setExitCode(0);
      } catch (err) {
        io.err(`agent-os audit export: ${errorMessage(err)}\n`);
        io.setExitCode(1);
      }
    });
  };
}

/** `audit export` on the process streams. */
export const registerAuditExport: AuditSubcommand = auditExportCommand();
