import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WORKER_CONFIG_SCHEMA } from '../../src/cli/worker-config';
import { repoRoot } from '../helpers/paths';
import { temporal } from '../helpers/temporal';
import { CLI } from './worker-harness';

/** The ```bash runnable blocks of a Markdown file, with their line numbers. */
function runnableBlocks(file: string): Array<{ line: number; code: string }> {
  const lines = fs.readFileSync(path.join(repoRoot, file), 'utf8').split('\n');
  const blocks: Array<{ line: number; code: string }> = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```bash\s+runnable\s*$/.test(lines[i] ?? '')) continue;
    const start = i + 1;
    const end = lines.indexOf('```', start);
    assert.ok(end > start, `${file}:${start}: unterminated block`);
    blocks.push({ line: start, code: lines.slice(start, end).join('\n') });
    i = end;
  }
  return blocks;
}

function run(code: string, cwd: string, env: NodeJS.ProcessEnv): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', code], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.on('close', (status) => resolve({ status, output }));
  });
}

describe('docs: every `bash runnable` block of README.md and docs/usage.md runs (real CLI, real dev server)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-os-docs-'));
  const bin = path.join(root, 'bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'agent-os'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`, { mode: 0o755 });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  const blocks = ['README.md', 'docs/usage.md'].flatMap((file) => runnableBlocks(file).map((b) => ({ file, ...b })));

  test('docs: there are runnable blocks to run', () => {
    assert.ok(blocks.length >= 1);
  });

  for (const block of blocks) {
    test(`docs: ${block.file}:${block.line} → exit 0`, async () => {
      const cwd = fs.mkdtempSync(path.join(root, 'block-'));
      fs.symlinkSync(path.join(repoRoot, 'examples'), path.join(cwd, 'examples'));
      fs.symlinkSync(path.join(repoRoot, 'deploy'), path.join(cwd, 'deploy'));
      const env = {
        PATH: `${bin}:${process.env['PATH'] ?? ''}`,
        HOME: cwd,
        TEMPORAL_ADDRESS: (await temporal()).address,
        TEMPORAL_NAMESPACE: 'default',
        OPENAI_BASE_URL: '',
        OPENAI_API_KEY: '',
      };
      const { status, output } = await run(block.code, cwd, env);
      assert.equal(status, 0, `${block.file}:${block.line}:\n${output}`);
    });
  }
});

describe('docs and package: the paths they name exist', () => {
  test('package: every `files` entry exists; the policy schema the docs name and the worker-config schema are packed', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { files: string[] };
    for (const entry of pkg.files) assert.ok(fs.existsSync(path.join(repoRoot, entry)), `package.json files: ${entry} exists`);
    const packed = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(packed.status, 0, packed.stderr);
    const files = (JSON.parse(packed.stdout) as Array<{ files: Array<{ path: string }> }>)[0]?.files.map((f) => f.path) ?? [];
    const reference = fs.readFileSync(path.join(repoRoot, 'docs', 'policy-reference.md'), 'utf8');
    const named = /\$schema=\.\/node_modules\/agent-os-kernel\/(\S+?)`/.exec(reference)?.[1];
    assert.equal(named, 'dist/src/policy/schema.json');
    assert.ok(files.includes(named), `${named} is in the package`);
    assert.ok(files.includes('schema/worker-config.schema.json'), 'the worker-config schema is in the package');
  });

  test('schema/worker-config.schema.json → the schema worker --config validates with', () => {
    const shipped = JSON.parse(fs.readFileSync(path.join(repoRoot, 'schema', 'worker-config.schema.json'), 'utf8')) as unknown;
    assert.deepEqual(shipped, JSON.parse(JSON.stringify(WORKER_CONFIG_SCHEMA)));
  });

  test('README: the Temporal CLI example asks about data.csv in the workspace it mounts', () => {
    const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    assert.match(readme, /--mount \/workspace=\$PWD\/deploy\/workspace/);
    assert.match(readme, /Summarise \/workspace\/data\.csv/);
    assert.ok(fs.existsSync(path.join(repoRoot, 'deploy', 'workspace', 'data.csv')));
    assert.doesNotMatch(readme, /temporal workflow show --workflow-id \S+ +#/, 'show needs --detailed or -o json to show decisions');
  });
});
