/**
 * `agent-os policy explain FILE ACTION TARGET [--params JSON] [--json] [--history FILE | -w ID]`:
 * prints the decision the policy makes for one request, the deciding rule (with its file
 * position) and the canonical target that was judged. With `--history` (a history JSON file
 * exported with `temporal workflow show -o json`) or `-w` (a run on the server, every run of
 * its continue-as-new chain), the request is judged as the next step of that recorded run:
 * the run's own policy layered under FILE as at run time, and history-aware rules
 * (`max_calls`, `requires`, `created_by_run`) judged from the run state the run recorded.
 * Exit 0 when a decision was explained (whatever its effect), 1 when the policy is invalid,
 * 2 when it cannot be read, for malformed `--params` or an unreadable history, 3 when the
 * server is unreachable, 4 when no run has that workflow id.
 * Symlinks are not resolved here (no filesystem is consulted): the path is judged as
 * written after normalisation; at run time the provider also resolves links.
 */
import type { Command } from 'commander';
import { ExitCode, jsonAliasOption, outputOption } from './conventions';
import { compilePolicy, type CompiledPolicy } from '../policy/compile';
import { explainRequest, formatExplanation, type ExplainRun } from '../policy/explain';
import { HistoryLookup } from '../policy/history';
import type { CanonicalRequest } from '../policy/types';
import { DEFAULT_PROGRAM_PATH, programAliases } from '../providers/program-names';
import { loadPolicyFile, loadPolicyText } from '../policy/load';
import { collectExtraAction, processIo, reportCliError, type CliIo } from './policy-io';
import { runFromFile, runsFromServer } from '../client/replay/load-histories';
import { recordedRunState, type RecordedRunState } from '../client/replay/run-state';
import { ClientCode } from '../client/errors';
import { settingsFromFlags, withClient, withConnectionOptions, type ConnectionFlags } from './connection-options';
import { AesGcmCodec } from '../codec/aes-gcm-codec';
import { printable, printableText } from './printable';

interface ExplainOptions extends ConnectionFlags {
  readonly params?: string;
  readonly json?: boolean;
  readonly extraAction?: string[];
  readonly history?: string;
  readonly workflowId?: string;
}

/** The recorded run to explain against, or an exit code after saying why not. */
async function recordedRun(io: CliIo, opts: ExplainOptions): Promise<RecordedRunState | number | undefined> {
  if (opts.history === undefined && opts.workflowId === undefined) return undefined;
  const say = (m: string): void => io.err(`agent-os policy explain: ${printableText(m)}\n`);
  if (opts.history !== undefined && opts.workflowId !== undefined) {
    say('give one recorded run: --history FILE or -w/--workflow-id ID, not both');
    return ExitCode.Usage;
  }
  try {
    const id = opts.workflowId;
    // An exported history of an encrypted run is decoded with the configured keys, as in `policy replay`.
    const runs =
      id === undefined
        ? [await runFromFile(opts.history as string, new AesGcmCodec(settingsFromFlags(opts).codecKeys))]
        : await withClient(opts, (client) => runsFromServer(client, { workflowIds: [id] }));
    return recordedRunState(runs);
  } catch (err) {
    say((err as Error).message);
    const code = (err as { code?: string }).code;
    return code === ClientCode.ReplayNotFound ? ExitCode.NotFound : code === ClientCode.ReplayBadHistory ? ExitCode.Usage : ExitCode.Unavailable;
  }
}

/** One line on the run state a decision was judged from. */
function historyLine(r: RecordedRunState): string {
  const calls = Object.entries(r.state.calls ?? {}).map(([k, n]) => `${k}=${n}`);
  const parts = [
    `${r.actions} action(s) recorded`,
    `calls ${calls.length > 0 ? calls.join(', ') : 'none'}`,
    `created ${(r.state.created?.length ?? 0) + (r.state.createdFiles?.length ?? 0)} target(s)`,
    ...(r.state.granted?.length ? [`${r.state.granted.length} rule/target grant(s)`] : []),
    ...(r.state.dropped ? [`${r.state.dropped} entr(ies) dropped at the bound`] : []),
    ...(r.runPolicy !== undefined ? ['its run policy layered under this one (layer 1)'] : []),
  ];
  // From the run's history (a file, or the server): escaped (printable.ts).
  return `  ${printable(`history: ${r.workflowId} (run ${r.runId}): ${parts.join('; ')}`)}`;
}

function parseParams(text: string | undefined): Record<string, unknown> | string {
  if (text === undefined) return {};
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
    return '--params must be a JSON object, e.g. \'{"method":"POST"}\'';
  } catch (err) {
    return `--params is not valid JSON: ${err instanceof Error ? err.message : String(err)}`;
  }
}

async function explain(io: CliIo, file: string, action: string, target: string, opts: ExplainOptions): Promise<number> {
  const json = opts.json === true;
  const params = parseParams(opts.params);
  if (typeof params === 'string') {
    io.err(`agent-os policy explain: ${params}\n`);
    return 2;
  }
  let policy;
  try {
    policy = compilePolicy(loadPolicyFile(file, { extraActions: opts.extraAction ?? [] }));
  } catch (err) {
    return reportCliError(io, err, json, file);
  }
  const recorded = await recordedRun(io, opts);
  if (typeof recorded === 'number') return recorded;
  let run: ExplainRun | undefined;
  if (recorded !== undefined) {
    let narrow: CompiledPolicy[] = [];
    try {
      if (recorded.runPolicy !== undefined)
        narrow = [compilePolicy(loadPolicyText(recorded.runPolicy, '<run policy>', { extraActions: opts.extraAction ?? [] }))];
    } catch (err) {
      io.err(`agent-os policy explain: the run's recorded policy does not load: ${(err as Error).message}\n`);
      return ExitCode.Usage;
    }
    run = { narrow, history: new HistoryLookup(recorded.state) };
  }
  // A program's other names, as the process provider finds them on its default fixed PATH.
  const names = action === 'proc.exec' ? (c: CanonicalRequest) => programAliases(c.target, c.target, DEFAULT_PROGRAM_PATH) : undefined;
  const e = explainRequest(policy, { action, target, params }, undefined, run, names);
  if (!json) {
    io.out(`${formatExplanation(e)}\n${recorded !== undefined ? `${historyLine(recorded)}\n` : ''}`);
    return 0;
  }
  const { decision: d } = e;
  io.out(
    `${JSON.stringify({
      file,
      action,
      input: target,
      effect: d.effect,
      ruleId: d.ruleId ?? null,
      reason: d.reason,
      target: d.target,
      ...(e.aliases !== undefined ? { aliases: e.aliases } : {}),
      rule: e.rule ?? null,
      invalid: e.invalid ?? null,
      ...(recorded !== undefined
        ? {
            history: {
              workflowId: recorded.workflowId,
              runId: recorded.runId,
              actions: recorded.actions,
              state: recorded.state,
              runPolicy: recorded.runPolicy !== undefined,
            },
          }
        : {}),
    })}\n`,
  );
  return 0;
}

/**
 * Adds `explain` to the `policy` group (called by `registerPolicyCommand` in policy.ts).
 *
 * @example
 * registerPolicyExplainCommand(policyCommandGroup(program));
 */
export function registerPolicyExplainCommand(policyGroup: Command, io: CliIo = processIo): Command {
  const command = policyGroup
    .command('explain')
    .description('show the decision, the deciding rule and the canonical target for one request')
    .argument('<file>', 'policy YAML file')
    .argument('<action>', 'action name, e.g. fs.read')
    .argument('<target>', 'target as the agent would write it')
    .option('--params <json>', 'request params as a JSON object, e.g. \'{"args":["status"]}\'')
    .addOption(outputOption())
    .addOption(jsonAliasOption())
    .option('--extra-action <name>', 'an action registered by a custom provider (repeatable)', collectExtraAction)
    .option('--history <file>', 'judge the request as the next step of the run in this history (exported with `temporal workflow show -o json`)')
    .option('-w, --workflow-id <id>', 'judge the request as the next step of this run on the server (every run of its continue-as-new chain)');
  withConnectionOptions(command);
  return command.action(async (file: string, action: string, target: string, opts: ExplainOptions) => {
    io.setExitCode(await explain(io, file, action, target, opts));
  });
}
