/**
 * `agent-os audit export <workflowId>` — a run's history as the seed's JSONL audit log,
 * hash-chained (check it with `agent-os audit verify FILE`). Registered in the `audit`
 * group through `AUDIT_SUBCOMMANDS`.
 *
 * `--output-file FILE` writes to a file; `-o/--output` is the format (`jsonl`, the only one
 * that fits an audit log; `-o FILE` — the older spelling — is still read as a file name).
 */
import fs from 'node:fs';
import type { Command } from 'commander';
import { auditJsonl } from '../client/history-audit';
import { exportRunAudit } from '../client/run-export';
import type { AuditSubcommand } from './audit';
import { withClient, withConnectionOptions, type ConnectionFlags } from './connection-options';
import { CliError, ExitCode, OutputFormat, withOptionalWorkflowIdOption, workflowIdOf } from './conventions';
import { processIo, type CliIo } from './policy-io';
import { reportError } from './report-error';

interface ExportOptions extends ConnectionFlags {
  readonly runId?: string;
  readonly output?: string;
  readonly outputFile?: string;
  readonly workflowId?: string;
}

/** `-o jsonl` is the format; any other value of the older `-o FILE` is a file name. */
function outputFileOf(options: ExportOptions): string | undefined {
  const formats: readonly string[] = Object.values(OutputFormat);
  if (options.output !== undefined && options.output !== OutputFormat.Jsonl && formats.includes(options.output)) {
    throw new CliError(`-o ${options.output}: an audit log is JSON lines; use -o jsonl (the default)`, ExitCode.Usage);
  }
  const legacy = options.output !== undefined && !formats.includes(options.output) ? options.output : undefined;
  if (legacy !== undefined && options.outputFile !== undefined && legacy !== options.outputFile)
    throw new CliError(`two output files given (${legacy} and ${options.outputFile}): pass --output-file once`, ExitCode.Usage);
  return options.outputFile ?? legacy;
}

/** Builds the `audit export` registrar (the io is injectable for tests). */
export function auditExportCommand(io: CliIo = processIo): AuditSubcommand {
  return (audit: Command) => {
    withConnectionOptions(
      withOptionalWorkflowIdOption(
        audit
          .command('export')
          .description("export a run's actions from its Temporal history as a hash-chained JSONL audit log")
          .argument('[workflowId]', 'the run (same as -w)')
          .option('--run-id <id>', 'export the continue-as-new chain up to this run of the workflow id (default: the latest)')
          .option('-o, --output <format>', 'output format: jsonl (the default and only one; an older `-o FILE` still names a file)')
          .option('--output-file <file>', 'write to a file instead of standard output'),
      ),
    ).action(async (positional: string | undefined, options: ExportOptions) => {
      try {
        const workflowId = workflowIdOf(positional, options.workflowId);
        const file = outputFileOf(options);
        const text = await withClient(options, async (client) => {
          // Every run of the chain and the rollbacks done later, decoded with the configured keys
          // (refuses with Codec.* without them).
          const { records } = await exportRunAudit(client, workflowId, options.runId === undefined ? {} : { runId: options.runId });
          return auditJsonl(records);
        });
        if (file !== undefined) {
          fs.writeFileSync(file, text);
          io.err(`agent-os audit export: ${text.split('\n').length - 1} record(s) → ${file}\n`);
        } else io.out(text);
        io.setExitCode(ExitCode.Ok);
      } catch (err) {
        io.setExitCode(reportError(io, 'audit export', err));
      }
    });
  };
}

/** `audit export` on the process streams. */
export const registerAuditExport: AuditSubcommand = auditExportCommand();
