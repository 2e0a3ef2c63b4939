/**
 * `agent-os --version`, `-V` and `agent-os version`: the package version (from the
 * package.json this build ships with).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { withOutputAndJsonAlias, type OutputFormat } from './conventions';
import { processIo, type CliIo } from './policy-io';

/** The version in the package.json next to the compiled `dist/` folder. */
export function packageVersion(): string {
  for (const up of [path.join(__dirname, '..', '..', '..', 'package.json'), path.join(__dirname, '..', '..', 'package.json')]) {
    try {
      const pkg = JSON.parse(fs.readFileSync(up, 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'agent-os-kernel' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      /* try the next candidate */
    }
  }
  return 'unknown';
}

/** Registers `-V, --version` on the program and the `version` command. */
export function registerVersion(program: Command, io: CliIo = processIo): void {
  const version = packageVersion();
  program.version(version, '-V, --version', 'print the version and exit');
  withOutputAndJsonAlias(program.command('version').description('print the version of agent-os and of Node.js')).action((options: { output: OutputFormat }) => {
    io.out(options.output === 'text' ? `agent-os ${version} (node ${process.version})\n` : `${JSON.stringify({ version, node: process.version })}\n`);
    io.setExitCode(0);
  });
}
