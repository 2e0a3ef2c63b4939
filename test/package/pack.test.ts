/**
 * The package as a user gets it: `npm pack`, unpacked into a temporary project (its
 * dependencies linked from this checkout, so nothing is downloaded), then every name the
 * README, docs/ and examples/ import from `agent-os-kernel` or one of its subpaths is
 * imported and type-checked with tsc, and required at run time. Importing the root must load
 * no Temporal and no undici module (checked in a fresh process through require.cache).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../helpers/paths';

interface DocImport {
  readonly specifier: string;
  readonly name: string;
  readonly typeOnly: boolean;
}

function docFiles(): string[] {
  const docs = fs
    .readdirSync(path.join(repoRoot, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => path.join(repoRoot, 'docs', f));
  const examples = fs
    .readdirSync(path.join(repoRoot, 'examples'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(repoRoot, 'examples', f));
  return [path.join(repoRoot, 'README.md'), ...docs, ...examples];
}

/** Every `import { … } from 'agent-os-kernel…'` in the documentation and the examples. */
function documentedImports(): DocImport[] {
  const found = new Map<string, DocImport>();
  for (const file of docFiles()) {
    const text = fs.readFileSync(file, 'utf8');
    for (const m of text.matchAll(/import\s+(type\s+)?\{([^}]*)\}\s*from\s*'(agent-os-kernel(?:\/[a-z-]+)?)'/g)) {
      for (const raw of (m[2] ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)) {
        const typeOnly = m[1] !== undefined || raw.startsWith('type ');
        const name = raw.replace(/^type\s+/, '').split(/\s+as\s+/)[0] as string;
        const key = `${m[3]}#${name}`;
        const prior = found.get(key);
        found.set(key, { specifier: m[3] as string, name, typeOnly: typeOnly && (prior?.typeOnly ?? true) });
      }
    }
  }
  return [...found.values()];
}

test('package: npm pack → a fresh project imports and type-checks every documented name; the root loads no Temporal, undici or MCP SDK module', () => {
  const imports = documentedImports();
  for (const needed of [
    'agent-os-kernel#AgentLoop',
    'agent-os-kernel#Kernel',
    'agent-os-kernel/temporal#createAgentWorker',
    'agent-os-kernel/workflows#agentRun',
    'agent-os-kernel/dev#ScriptedModelServer',
  ]) {
    assert.ok(
      imports.some((i) => `${i.specifier}#${i.name}` === needed),
      `the docs import ${needed}`,
    );
  }

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-os-pack-'));
  try {
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
    ) as Array<{ filename: string }>;
    const tarball = path.join(tmp, packed[0]?.filename as string);
    const project = path.join(tmp, 'project');
    const installed = path.join(project, 'node_modules', 'agent-os-kernel');
    fs.mkdirSync(installed, { recursive: true });
    execFileSync('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']);
    // The package's dependencies (and typescript, @types/node) from this checkout: nothing is downloaded.
    for (const entry of fs.readdirSync(path.join(repoRoot, 'node_modules'))) {
      if (entry.startsWith('.') || entry === 'agent-os-kernel') continue;
      fs.symlinkSync(path.join(repoRoot, 'node_modules', entry), path.join(project, 'node_modules', entry));
    }
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));

    const lines: string[] = [];
    const values: string[] = [];
    const types: string[] = [];
    imports.forEach((imp, i) => {
      const alias = `n${i}_${imp.name}`;
      lines.push(`import ${imp.typeOnly ? 'type ' : ''}{ ${imp.name} as ${alias} } from '${imp.specifier}';`);
      (imp.typeOnly ? types : values).push(alias);
    });
    lines.push(`export const values = [${values.join(', ')}];`);
    lines.push(`export type Types = [${types.join(', ')}];`);
    fs.writeFileSync(path.join(project, 'consumer.ts'), `${lines.join('\n')}\n`);
    fs.writeFileSync(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'node16', moduleResolution: 'node16', target: 'es2022', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] },
        files: ['consumer.ts'],
      }),
    );
    const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    try {
      execFileSync(process.execPath, [tsc, '-p', project], { cwd: project, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      assert.fail(`the documented imports do not type-check against the packed package:\n${(err as { stdout?: string }).stdout ?? String(err)}`);
    }

    // At run time: each documented value exists; importing the root alone loads no Temporal, undici or MCP SDK (zod) module.
    const check = `
      const imports = ${JSON.stringify(imports.filter((i) => !i.typeOnly))};
      const missing = imports.filter((i) => require(i.specifier)[i.name] === undefined).map((i) => i.specifier + '#' + i.name);
      process.stdout.write(JSON.stringify(missing));`;
    assert.equal(execFileSync(process.execPath, ['-e', check], { cwd: project, encoding: 'utf8' }), '[]');
    const rootOnly = `
      require('agent-os-kernel');
      process.stdout.write(JSON.stringify(Object.keys(require.cache).filter((k) => /node_modules[\\\\/](@temporalio|undici|@modelcontextprotocol|zod)[\\\\/]/.test(k))));`;
    assert.equal(execFileSync(process.execPath, ['-e', rootOnly], { cwd: project, encoding: 'utf8' }), '[]');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
