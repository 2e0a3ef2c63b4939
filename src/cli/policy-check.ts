/**
 * `agent-os policy check FILE [--json]`: validates a policy file. Exit 0 and
 * `FILE: OK (N rules)` when valid; exit 1 listing every problem otherwise; exit 2 for an
 * unreadable file or a malformed `--extra-action`.
 */
import type { Command } from 'commander';
import { jsonAliasOption, outputOption } from './conventions';
import { readPolicySource } from '../policy/load';
import { parsePolicy } from '../policy/parse';
import { formatProblem } from '../policy/problem';
import { validatePolicy } from '../policy/validate';
import { collectExtraAction, reportCliError, type CliIo } from './policy-io';

interface CheckOptions {
  readonly json?: boolean;
  readonly extraAction?: string[];
}

function check(io: CliIo, file: string, opts: CheckOptions): number {
  const json = opts.json === true;
  try {
    const { document, problems } = validatePolicy(parsePolicy(readPolicySource(file), file), { extraActions: opts.extraAction ?? [] });
    if (document) {
      const rules = document.capabilities.length + document.deny.length + document.ask.length;
      io.out(json ? `${JSON.stringify({ file, ok: true, rules, hash: document.hash })}\n` : `${file}: OK (${rules} rules)\n`);
      return 0;
    }
    if (json) {
      io.out(`${JSON.stringify({ file, ok: false, problems })}\n`);
    } else {
      io.out(`${problems.map(formatProblem).join('\n')}\n`);
      io.out(`${file}: ${problems.length} ${problems.length === 1 ? 'problem' : 'problems'}\n`);
    }
    return 1;
  } catch (err) {
    return reportCliError(io, err, json, file);
  }
}

/** Adds `check` to the `policy` group. */
export function registerPolicyCheckCommand(group: Command, io: CliIo): Command {
  return group
    .command('check')
    .description('validate a policy file and list every problem')
    .argument('<file>', 'policy YAML file')
    .addOption(outputOption())
    .addOption(jsonAliasOption())
    .option('--extra-action <name>', 'an action registered by a custom provider (repeatable)', collectExtraAction)
    .action((file: string, opts: CheckOptions) => {
      io.setExitCode(check(io, file, opts));
    });
}
