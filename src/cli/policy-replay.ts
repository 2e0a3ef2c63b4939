/**
 * `agent-os policy replay --policy NEW.yaml (-w ID … | --query Q | --history FILE …)`:
 * re-decides every request recorded in the chosen runs under a candidate worker policy and
 * prints what would change (newly denied, newly allowed, newly asking, per rule).
 * `--ceiling OLD.yaml` checks each run's recorded ceiling hash; `--fail-on` makes a change
 * fail the command (for CI). Exported histories of encrypted runs are decoded with the
 * configured codec keys (exit 1 with `Codec.*` naming the key id without them).
 */
import type { Command } from 'commander';
import { loadPolicyFile } from '../policy/load';
import type { PolicyDocument } from '../policy/types';
import { runFromFile, runsFromServer } from '../client/replay/load-histories';
import { ClientCode } from '../client/errors';
import type { RecordedRun } from '../client/replay/recorded-actions';
import { replayPolicy, type ReplayReport } from '../client/replay/replay-policy';
import { AesGcmCodec } from '../codec/aes-gcm-codec';
import { settingsFromFlags, withClient, withConnectionOptions, type ConnectionFlags } from './connection-options';
import { CliError, ExitCode, withOutputOption, type OutputFormat } from './conventions';
import { collectExtraAction, processIo, type CliIo } from './policy-io';
import { printable, printableText } from './printable';

interface ReplayFlags extends ConnectionFlags {
  readonly policy: string;
  readonly ceiling?: string;
  readonly workflowId: string[];
  readonly query?: string;
  readonly history: string[];
  readonly failOn?: string;
  readonly output: OutputFormat;
  readonly json?: boolean;
}

const FAIL_ON = ['newly-denied', 'any-change'] as const;

function text(report: ReplayReport): string {
  const lines = [`replayed ${report.actions} action(s) of ${report.runs} run(s) under the new policy`];
  for (const c of report.changes) {
    const rule = (r?: string): string => (r ? ` (${r})` : '');
    lines.push(
      `  ${c.change.padEnd(13)} ${c.action} ${c.target}: ${c.before.effect}${rule(c.before.ruleId)} → ${c.after.effect}${rule(c.after.ruleId)}  [${c.workflowId} #${c.seq}]`,
    );
    if (c.note) lines.push(`                ${c.note}`);
  }
  const { counts } = report;
  lines.push(
    `newly denied ${counts['newly-denied']}, newly allowed ${counts['newly-allowed']}, newly asking ${counts['newly-asking']}, unchanged ${counts.unchanged}`,
  );
  const rules = Object.entries(report.byRule).map(([r, n]) => `${r} ${n}`);
  if (rules.length > 0) lines.push(`changes by rule: ${rules.join(', ')}`);
  if (report.notReplayable > 0)
    lines.push(`${report.notReplayable} recorded decision(s) have no request in history (refused before any step ran): not replayed`);
  for (const id of report.ceilingMismatches) lines.push(`warning: ${id} ran under another ceiling policy than --ceiling`);
  for (const id of report.partialChains)
    lines.push(`warning: ${id} continued from a run not replayed here: its history-aware rules were judged from an empty run state`);
  // Targets, rule ids and workflow ids come from the runs' histories (the model's targets): escaped (printable.ts).
  return `${lines.map(printable).join('\n')}\n`;
}

async function replay(io: CliIo, flags: ReplayFlags): Promise<number> {
  const say = (m: string): void => io.err(`agent-os policy replay: ${printableText(m)}\n`);
  if (flags.workflowId.length === 0 && flags.query === undefined && flags.history.length === 0) {
    say('choose runs: -w/--workflow-id ID (repeatable), --query "WorkflowType=\'agentRun\' AND …", or --history FILE (repeatable)');
    return ExitCode.Usage;
  }
  if (flags.failOn !== undefined && !(FAIL_ON as readonly string[]).includes(flags.failOn)) {
    say(`--fail-on must be one of ${FAIL_ON.join(', ')}`);
    return ExitCode.Usage;
  }
  let policy: PolicyDocument;
  let ceiling: PolicyDocument | undefined;
  try {
    policy = loadPolicyFile(flags.policy);
    if (flags.ceiling !== undefined) ceiling = loadPolicyFile(flags.ceiling);
  } catch (err) {
    say((err as Error).message);
    return ExitCode.Usage;
  }
  let runs: RecordedRun[];
  try {
    runs = [];
    if (flags.history.length > 0) {
      // Exported files of encrypted runs are decoded with the configured keys (--codec-keys,
      // AGENT_OS_CODEC_KEYS_FILE, AGENT_OS_CODEC_KEYS), and refused with Codec.* without them.
      const codec = new AesGcmCodec(settingsFromFlags(flags).codecKeys);
      for (const file of flags.history) runs.push(await runFromFile(file, codec));
    }
    if (flags.workflowId.length > 0 || flags.query !== undefined) {
      const selector = { workflowIds: flags.workflowId, ...(flags.query !== undefined ? { query: flags.query } : {}) };
      runs.push(...(await withClient(flags, (client) => runsFromServer(client, selector))));
    }
  } catch (err) {
    say((err as Error).message);
    const code = (err as { code?: string }).code;
    if (err instanceof CliError) return err.exitCode;
    if (typeof code === 'string' && code.startsWith('Codec.')) return ExitCode.Failure;
    return code === ClientCode.ReplayNotFound ? ExitCode.NotFound : code === ClientCode.ReplayBadHistory ? ExitCode.Usage : ExitCode.Unavailable;
  }
  let report: ReplayReport;
  try {
    report = replayPolicy(runs, { policy, ...(ceiling ? { ceiling } : {}) });
  } catch (err) {
    say((err as Error).message);
    return ExitCode.Failure;
  }
  if (flags.output === 'jsonl') for (const c of report.changes) io.out(`${JSON.stringify(c)}\n`);
  else if (flags.output === 'json' || flags.json === true) io.out(`${JSON.stringify(report)}\n`);
  else io.out(text(report));
  const failed = flags.failOn === 'any-change' ? report.changes.length > 0 : flags.failOn === 'newly-denied' ? report.counts['newly-denied'] > 0 : false;
  return failed ? ExitCode.Failure : ExitCode.Ok;
}

/** Registers `agent-os policy replay` on the `policy` group. */
export function registerPolicyReplayCommand(group: Command, io: CliIo = processIo): void {
  const command = group
    .command('replay')
    .description("re-decide the requests recorded in runs' histories under a new policy and show what would change")
    .requiredOption('--policy <file>', 'the candidate worker policy')
    .option('--ceiling <file>', "the worker policy the runs ran under (its hash is checked against each run's)")
    .option('-w, --workflow-id <id>', 'a run to replay, every run of its continue-as-new chain (repeatable)', collectExtraAction, [])
    .option('--query <query>', "runs matched by a visibility query, e.g. \"WorkflowType='agentRun' AND StartTime > '2026-11-01T00:00:00Z'\"")
    .option('--history <file>', 'a history exported with `temporal workflow show -o json` (repeatable)', collectExtraAction, [])
    .option('--fail-on <change>', 'exit 1 on: newly-denied | any-change')
    .option('--json', 'the same as -o json');
  withOutputOption(command);
  withConnectionOptions(command);
  command.action(async (flags: ReplayFlags) => {
    process.exitCode = await replay(io, flags);
  });
}
