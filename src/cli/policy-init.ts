/**
 * `agent-os policy init [FILE] --preset read-only|workspace-write|workspace-exec` — writes
 * a commented starter policy (default `policy.yaml`) that passes `policy check`. Refuses
 * to overwrite an existing file unless `--force`; `-` prints it instead.
 */
import fs from 'node:fs';
import { Option, type Command } from 'commander';
import { loadPolicyText } from '../policy/index';
import { CliError, ExitCode, withOutputAndJsonAlias, type OutputFormat } from './conventions';
import type { CliIo } from './policy-io';
import { PolicyPreset, presetText } from './policy-presets';
import { reportError } from './report-error';

interface InitOptions {
  readonly preset: PolicyPreset;
  readonly force?: boolean;
  readonly output: OutputFormat;
}

/** Adds `init` to the `policy` group. */
export function registerPolicyInitCommand(group: Command, io: CliIo): Command {
  return withOutputAndJsonAlias(
    group
      .command('init')
      .description('write a commented starter policy from a preset (it passes `policy check`)')
      .argument('[file]', 'where to write it (`-` prints it)', 'policy.yaml')
      .addOption(new Option('--preset <name>', 'what the agent may do').choices(Object.values(PolicyPreset)).default(PolicyPreset.WorkspaceWrite))
      .option('--force', 'overwrite an existing file'),
  ).action((file: string, options: InitOptions) => {
    try {
      const text = presetText(options.preset);
      const doc = loadPolicyText(text, `preset ${options.preset}`); // a preset that fails its own check is a bug: fail loudly
      const rules = doc.capabilities.length + doc.deny.length + doc.ask.length;
      if (file === '-') {
        io.out(text);
      } else {
        if (fs.existsSync(file) && options.force !== true)
          throw new CliError(`${file} exists already — pass --force to overwrite it, or name another file`, ExitCode.Failure);
        fs.writeFileSync(file, text);
        io.out(
          options.output === 'text'
            ? `wrote ${file} (preset ${options.preset}, ${rules} rules) — check edits with: agent-os policy check ${file}\n`
            : `${JSON.stringify({ file, preset: options.preset, rules, hash: doc.hash })}\n`,
        );
      }
      io.setExitCode(ExitCode.Ok);
    } catch (err) {
      io.setExitCode(reportError(io, 'policy init', err));
    }
  });
}
