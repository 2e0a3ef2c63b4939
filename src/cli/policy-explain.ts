/**
 * `agent-os policy explain FILE ACTION TARGET [--params JSON] [--json]`: prints the
 * decision the policy makes for one request, the deciding rule (with its file position)
 * and the canonical target that was judged. Exit 0 when a decision was explained (whatever
 * its effect), 1 when the policy is invalid, 2 when it cannot be read or for malformed `--params`.
 * Symlinks are not resolved here (no filesystem is consulted): the path is judged as
 * written after normalisation; at run time the provider also resolves links.
 */
import type { Command } from 'commander';
import { jsonAliasOption, outputOption } from './conventions';
import { compilePolicy } from '../policy/compile';
import { explainRequest, formatExplanation } from '../policy/explain';
import { loadPolicyFile } from '../policy/load';
import { collectExtraAction, processIo, reportCliError, type CliIo } from './policy-io';

interface ExplainOptions {
  readonly params?: string;
  readonly json?: boolean;
  readonly extraAction?: string[];
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

function explain(io: CliIo, file: string, action: string, target: string, opts: ExplainOptions): number {
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
  const e = explainRequest(policy, { action, target, params });
  if (!json) {
    io.out(`${formatExplanation(e)}\n`);
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
      rule: e.rule ?? null,
      invalid: e.invalid ?? null,
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
  return policyGroup
    .command('explain')
    .description('show the decision, the deciding rule and the canonical target for one request')
    .argument('<file>', 'policy YAML file')
    .argument('<action>', 'action name, e.g. fs.read')
    .argument('<target>', 'target as the agent would write it')
    .option('--params <json>', 'request params as a JSON object, e.g. \'{"args":["status"]}\'')
    .addOption(outputOption())
    .addOption(jsonAliasOption())
    .option('--extra-action <name>', 'an action registered by a custom provider (repeatable)', collectExtraAction)
    .action((file: string, action: string, target: string, opts: ExplainOptions) => {
      io.setExitCode(explain(io, file, action, target, opts));
    });
}
