/**
 * `agent-os submit <action> <target>` — one action through the kernel, from the command
 * line, as the original library's CLI does it: the policy decides, a provider on the given
 * mounts acts, and the audit log gets its one record.
 *
 *   agent-os submit fs.read /workspace/data.csv --policy policy.yaml --mount /workspace=./ws --log kernel.log
 *
 * No Temporal involved (use `run` for an agent on a worker). An `ask` decision is DENIED
 * here ("requires approval"): there is nobody to ask.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { Kernel } from '../kernel/kernel';
import type { ActionResult } from '../kernel/types';
import { FilesystemProvider } from '../providers/filesystem';
import { HttpProvider } from '../providers/http';
import { ProcessProvider } from '../providers/process';
import { parseMounts } from '../worker/worker-host';
import { CliError, ExitCode, withOutputAndJsonAlias, type OutputFormat } from './conventions';
import { collectExtraAction, processIo, type CliIo } from './policy-io';
import { reportError } from './report-error';
import { printable, printableText } from './printable';

interface SubmitCliOptions {
  readonly policy: string;
  readonly mount: string[];
  readonly action?: string;
  readonly target?: string;
  readonly params?: string;
  readonly log: string;
  readonly output: OutputFormat;
}

/** Registers `agent-os submit`. @public main.ts loads it by name. */
export function registerSubmitCommand(program: Command, io: CliIo = processIo): void {
  withOutputAndJsonAlias(
    program
      .command('submit')
      .description('run one action through the kernel (policy decision, provider, audit record) without Temporal')
      .argument('[action]', 'the action, e.g. fs.read, fs.write, proc.exec, http.get (or --action)')
      .argument('[target]', 'the target as the agent sees it: a path, a program or a URL (or --target)')
      .requiredOption('--policy <file>', 'the policy (YAML)')
      .option('--mount <agent=host>', 'mount a host folder at an agent path, e.g. /workspace=./ws (repeatable)', collectExtraAction, [])
      .option('--action <name>', 'same as the first argument')
      .option('--target <target>', 'same as the second argument')
      .option('--params <json>', 'action parameters as a JSON object, e.g. \'{"content":"hi"}\'')
      .option('--log <file>', 'the JSONL audit log to append to', 'kernel.log'),
  ).action(async (action: string | undefined, target: string | undefined, options: SubmitCliOptions) => {
    try {
      io.setExitCode(await submit(action, target, options, io));
    } catch (err) {
      io.setExitCode(reportError(io, 'submit', err));
    }
  });
}

function pick(name: string, positional: string | undefined, option: string | undefined): string {
  if (positional !== undefined && option !== undefined && positional !== option)
    throw new CliError(`two ${name}s given (${positional} and --${name} ${option}): pass one`, ExitCode.Usage);
  const value = option ?? positional;
  if (value === undefined) throw new CliError(`missing the ${name}: agent-os submit <action> <target> --policy FILE`, ExitCode.Usage);
  return value;
}

function parseParams(text: string | undefined): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CliError(`--params: not JSON (${(err as Error).message}); pass an object, e.g. --params '{"content":"hi"}'`, ExitCode.Usage);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new CliError('--params: expected a JSON object, e.g. --params \'{"content":"hi"}\'', ExitCode.Usage);
  return value as Record<string, unknown>;
}

async function submit(actionArg: string | undefined, targetArg: string | undefined, options: SubmitCliOptions, io: CliIo): Promise<number> {
  const action = pick('action', actionArg, options.action);
  const target = pick('target', targetArg, options.target);
  const params = parseParams(options.params);
  let mounts: Record<string, string>;
  try {
    mounts = parseMounts(options.mount);
  } catch (err) {
    throw new CliError((err as Error).message, ExitCode.Usage);
  }
  const kernel = new Kernel({
    policy: options.policy,
    providers: [new FilesystemProvider({ mounts }), ...(Object.keys(mounts).length > 0 ? [new ProcessProvider({ mounts })] : []), new HttpProvider()],
    logPath: path.resolve(options.log),
  });
  let result: ActionResult;
  try {
    result = await kernel.submit({ action, target, ...(params !== undefined ? { params } : {}) });
  } finally {
    await kernel.close();
  }
  if (options.output !== 'text') io.out(`${JSON.stringify({ action, target, ...result })}\n`);
  else io.out(formatResult(action, target, result));
  return result.status === 'OK' ? ExitCode.Ok : ExitCode.Failure;
}

/** `OK fs.read /workspace/data.csv (rule read-workspace, record …)` and then the data. */
export function formatResult(action: string, target: string, result: ActionResult): string {
  const facts = [result.ruleId ? `rule ${result.ruleId}` : undefined, result.code, result.auditRecordId ? `record ${result.auditRecordId}` : undefined].filter(
    Boolean,
  );
  const why = result.status === 'OK' ? '' : ` — ${result.error ?? ''}${result.reason && result.reason !== result.error ? ` (${result.reason})` : ''}`;
  // What the action returned is the agent's or a server's text (a file the agent wrote, an HTTP body):
  // escaped (printable.ts), the data keeping its lines.
  let text = `${printable(`${result.status} ${action} ${result.target ?? target}${facts.length > 0 ? ` [${facts.join(', ')}]` : ''}${why}`)}\n`;
  if (result.data !== undefined) {
    const data = printableText(typeof result.data === 'string' ? result.data : JSON.stringify(result.data, null, 2));
    text += data.endsWith('\n') ? data : `${data}\n`;
  }
  return text;
}
