/**
 * The emergency stop: `agent-os freeze` writes a freeze file, `agent-os unfreeze` removes
 * it, and every worker started with that file (`--freeze-file`, default
 * `~/.agent-os/freeze` or `$AGENT_OS_FREEZE_FILE`) denies every action while it exists —
 * each denial audited with rule `agent-os-freeze` and the freeze's reason.
 *
 * Why a file: the kernel checks it at every decision (no watcher, so no window between the
 * freeze and its effect) and every 250 ms while actions run (it stops them: freeze-watch.ts), it works while Temporal is unreachable, it survives a worker
 * restart (a restarted worker comes up frozen), and several workers on one host — or on a
 * shared volume — stop together. A file that exists but cannot be read or parsed still
 * freezes (fail closed). Undo of earlier actions stays possible while frozen.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import type { FreezeCheck } from '../kernel/policy-gate';
import { defaultApprover } from './approve';
import { ExitCode, withOutputAndJsonAlias, type OutputFormat } from './conventions';
import { processIo, type CliIo } from './policy-io';
import { reportError } from './report-error';

/** The freeze file when neither a flag nor the config names one. */
export function defaultFreezeFile(env: NodeJS.ProcessEnv = process.env): string {
  return env['AGENT_OS_FREEZE_FILE'] || path.join(os.homedir(), '.agent-os', 'freeze');
}

/** What a freeze file holds. */
export interface FreezeRecord {
  readonly by: string;
  readonly reason: string;
  readonly at: string;
}

/** A {@link FreezeCheck} over `file`: frozen while it exists (also when it is unreadable). Never throws. */
export function freezeFileCheck(file: string): FreezeCheck {
  return () => {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as { code?: unknown }).code === 'ENOENT') return undefined;
      return { reason: `freeze file ${file} exists but cannot be read` };
    }
    try {
      const record = JSON.parse(text) as Partial<FreezeRecord>;
      return { reason: `by ${String(record.by ?? 'unknown')} at ${String(record.at ?? '?')}: ${String(record.reason ?? 'no reason given')}` };
    } catch {
      return { reason: `freeze file ${file}` };
    }
  };
}

interface FreezeCliOptions {
  readonly freezeFile?: string;
  readonly reason?: string;
  readonly output: OutputFormat;
}

/** Registers `agent-os freeze` and `agent-os unfreeze`. @public main.ts loads it by name. */
export function registerFreezeCommands(program: Command, io: CliIo = processIo): void {
  withOutputAndJsonAlias(
    program
      .command('freeze')
      .description('emergency stop: workers using the freeze file deny every action (audited) until `agent-os unfreeze`')
      .option('--reason <text>', "why (in every denial's audit record)", 'emergency stop')
      .option('--freeze-file <file>', 'the freeze file workers check (default: $AGENT_OS_FREEZE_FILE or ~/.agent-os/freeze)'),
  ).action((options: FreezeCliOptions) => {
    try {
      const file = options.freezeFile ?? defaultFreezeFile();
      const record: FreezeRecord = { by: defaultApprover(), reason: options.reason ?? 'emergency stop', at: new Date().toISOString() };
      fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
      fs.writeFileSync(file, `${JSON.stringify(record)}\n`);
      io.out(
        options.output === 'text'
          ? `frozen: workers using ${file} now deny every action — lift it with \`agent-os unfreeze${options.freezeFile ? ` --freeze-file ${file}` : ''}\`\n`
          : `${JSON.stringify({ frozen: true, file, ...record })}\n`,
      );
      io.setExitCode(ExitCode.Ok);
    } catch (err) {
      io.setExitCode(reportError(io, 'freeze', err));
    }
  });
  withOutputAndJsonAlias(
    program
      .command('unfreeze')
      .description('lift the emergency stop of `agent-os freeze`')
      .option('--freeze-file <file>', 'the freeze file workers check (default: $AGENT_OS_FREEZE_FILE or ~/.agent-os/freeze)'),
  ).action((options: FreezeCliOptions) => {
    try {
      const file = options.freezeFile ?? defaultFreezeFile();
      const was = fs.existsSync(file);
      fs.rmSync(file, { force: true });
      io.out(
        options.output === 'text'
          ? was
            ? `unfrozen: workers using ${file} decide by their policy again\n`
            : `not frozen (no ${file})\n`
          : `${JSON.stringify({ frozen: false, file, wasFrozen: was })}\n`,
      );
      io.setExitCode(ExitCode.Ok);
    } catch (err) {
      io.setExitCode(reportError(io, 'unfreeze', err));
    }
  });
}
