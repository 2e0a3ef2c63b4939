import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import type { Command } from 'commander';
import { EXIT_CODES_HELP } from '../../src/cli/conventions';
import { buildProgram } from '../../src/cli/main';
import { repoRoot } from '../helpers/paths';

/** Leaf commands without `-o text|json|jsonl` (and its `--json` alias), and why. */
const NO_JSON: Readonly<Record<string, string>> = {
  'audit export': 'its output is JSONL already (-o jsonl is its only format)',
  worker: 'a long-running process; it prints log lines, not a result',
  'codec-server': 'a long-running server; it follows the newer -o/--output convention (src/cli/conventions.ts)',
};

/** Commands that act on one run, and so take `-w, --workflow-id`. */
const ON_A_RUN = ['status', 'cancel', 'approve', 'rollback', 'audit export', 'run'];

/** Every command path (`['policy', 'check']`, …) of the program, groups included. */
function commandPaths(command: Command, prefix: readonly string[] = []): string[][] {
  return command.commands.filter((c) => c.name() !== 'help').flatMap((c) => [[...prefix, c.name()], ...commandPaths(c, [...prefix, c.name()])]);
}

/** Runs `agent-os <path> --help` in process; returns what it printed and how commander ended. */
async function help(pathParts: readonly string[]): Promise<{ out: string; code: string | undefined }> {
  const program = buildProgram();
  let out = '';
  const capture = (c: Command): void => {
    c.configureOutput({ writeOut: (s) => void (out += s), writeErr: (s) => void (out += s) });
    c.commands.forEach(capture);
  };
  capture(program);
  try {
    await program.parseAsync(['node', 'agent-os', ...pathParts, '--help']);
    return { out, code: undefined };
  } catch (err) {
    return { out, code: (err as { code?: string }).code };
  }
}

function find(program: Command, pathParts: readonly string[]): Command {
  let command = program;
  for (const name of pathParts) {
    const next = command.commands.find((c) => c.name() === name);
    assert.ok(next, `command ${pathParts.join(' ')} exists`);
    command = next;
  }
  return command;
}

describe('agent-os --help on every command', () => {
  const program = buildProgram();
  const paths = commandPaths(program);

  test('cli: the program → has the demo, policy, audit, worker and run commands', () => {
    const names = paths.map((p) => p.join(' '));
    for (const expected of [
      'dev',
      'policy check',
      'policy test',
      'policy explain',
      'audit verify',
      'worker',
      'run',
      'submit',
      'status',
      'list',
      'cancel',
      'version',
    ]) {
      assert.ok(names.includes(expected), `${expected} in ${names.join(', ')}`);
    }
  });

  for (const parts of paths) {
    const name = parts.join(' ');
    test(`cli: agent-os ${name} --help → usage, a description, every argument and option described`, async () => {
      const { out, code } = await help(parts);
      assert.equal(code, 'commander.helpDisplayed');
      assert.ok(out.startsWith(`Usage: agent-os ${name} `), out);
      const command = find(buildProgram(), parts);
      assert.ok(command.description().length >= 10, `${name} has a description`);
      for (const argument of command.registeredArguments) assert.ok(argument.description, `${name}: argument <${argument.name()}> is described`);
      for (const option of command.options) assert.ok(option.description, `${name}: option ${option.flags} is described`);
      const leaf = command.commands.length === 0;
      if (leaf && !(name in NO_JSON)) {
        assert.ok(
          command.options.some((o) => o.long === '--json'),
          `${name} offers --json`,
        );
        assert.ok(
          command.options.some((o) => o.flags.startsWith('-o, --output <format>')),
          `${name} offers -o, --output <format>`,
        );
      }
      if (ON_A_RUN.includes(name))
        assert.ok(
          command.options.some((o) => o.flags === '-w, --workflow-id <id>'),
          `${name} offers -w, --workflow-id`,
        );
      assert.ok(out.endsWith(`${EXIT_CODES_HELP}\n`), `${name} --help ends with the exit-code table:\n${out}`);
    });
  }
});

describe('agent-os exit codes', () => {
  const main = path.join(repoRoot, 'dist', 'src', 'cli', 'main.js');
  const run = (...args: string[]) => spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', timeout: 60_000 });

  test('cli: agent-os --help → exit 0, every command listed', () => {
    const { status, stdout } = run('--help');
    assert.equal(status, 0);
    for (const name of ['dev', 'policy', 'audit']) assert.match(stdout, new RegExp(`^ {2}${name}\\b`, 'm'));
  });

  test('cli: an unknown command → exit 2 with the usage', () => {
    const { status, stderr } = run('frobnicate');
    assert.equal(status, 2);
    assert.match(stderr, /unknown command 'frobnicate'/);
    assert.match(stderr, /Usage: agent-os/);
  });

  test('cli: a missing argument → exit 2 naming it', () => {
    const { status, stderr } = run('policy', 'check');
    assert.equal(status, 2);
    assert.match(stderr, /missing required argument 'file'/);
  });
});
