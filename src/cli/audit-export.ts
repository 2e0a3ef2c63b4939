/**
 * `agent-os audit export <workflowId>` — a run's history as the seed's JSONL audit log,
 * hash-chained (check it with `agent-os audit verify FILE`). Registered in the `audit`
 * group through `AUDIT_SUBCOMMANDS`.
 *
 * Exit codes: 0 exported, 1 unreachable / unknown run, 2 usage.
 */
import * as fs from 'node:fs';
import type { Command } from 'commander';
import { fetchDecodedHistory } from '../codec/client-codec';
import { auditJsonl, historyToAuditRecords } from '../client/history-audit';
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
        .option('--run-id <id>', 'a specific run of the workflow id (default: the latest)')
        .option('-o, --output <file>', 'write to a file instead of standard output'),
    ).action(async (workflowId: string, options: ExportOptions) => {
      try {
        const text = await withClient(options, async (client) => {
          const handle = client.workflow.getHandle(workflowId, options.runId);
          const description = await handle.describe();
          const memo = (await description.memo) ?? {};
          const fromAttrs = description.searchAttributes['AgentOsPolicyHash'];
          const policyHash = String(memo['policyHash'] ?? (Array.isArray(fromAttrs) ? fromAttrs[0] : '') ?? '');
          const history = await fetchDecodedHistory(handle); // refuses (Codec.*) without the run's keys
          return auditJsonl(historyToAuditRecords(history.events ?? [], policyHash));
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
