import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { buildProgram } from '../../src/cli/main';
import { repoRoot } from '../helpers/paths';

const MAIN = path.join(repoRoot, 'dist', 'src', 'cli', 'main.js');

/** The packages a fresh process has loaded after building the program for `args` (and the commands it registered). */
function loadedFor(args: readonly string[]): { readonly packages: string[]; readonly commands: string[] } {
  const script = `
    const { buildProgram } = require(${JSON.stringify(MAIN)});
    const program = buildProgram(['node', 'agent-os', ...${JSON.stringify(args)}]);
    const packages = new Set(Object.keys(require.cache).flatMap((f) => {
      const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(f);
      return m ? [m[1]] : [];
    }));
    process.stdout.write(JSON.stringify({ packages: [...packages].sort(), commands: program.commands.map((c) => c.name()) }));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as { packages: string[]; commands: string[] };
}

test('cli start-up: a command → only its module loads (approve: the Temporal client, not the worker or openai; --version: neither)', () => {
  const approve = loadedFor(['approve', '--help']);
  assert.deepEqual(approve.commands, ['version', 'approve']);
  assert.ok(approve.packages.includes('@temporalio/client'), approve.packages.join(' '));
  for (const heavy of ['@temporalio/worker', 'openai', 'rxjs']) assert.ok(!approve.packages.includes(heavy), `${heavy} loaded for approve`);

  const version = loadedFor(['--version']);
  assert.deepEqual(version.commands, ['version']);
  assert.ok(!version.packages.some((p) => p.startsWith('@temporalio/')), version.packages.join(' '));
});

test('cli start-up: --help, no command or an unknown one → every command is registered (help and suggestions stay complete)', () => {
  const all = buildProgram().commands.map((c) => c.name());
  for (const args of [['--help'], [], ['nosuch'], ['--log-level', 'debug', 'help']]) {
    assert.deepEqual(
      buildProgram(['node', 'agent-os', ...args]).commands.map((c) => c.name()),
      all,
      args.join(' '),
    );
  }
  assert.ok(all.includes('worker') && all.includes('codec-server') && all.includes('unfreeze'), all.join(' '));
  assert.deepEqual(
    buildProgram(['node', 'agent-os', '--log-level', 'debug', 'freeze']).commands.map((c) => c.name()),
    ['version', 'freeze', 'unfreeze'],
  );
});
