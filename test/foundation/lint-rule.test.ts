import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { ESLint } from 'eslint';
import { repoRoot } from '../helpers/paths';

const eslint = new ESLint({ cwd: repoRoot });
const lintWorkflow = async (code: string): Promise<string[]> => {
  const [result] = await eslint.lintText(code, { filePath: path.join(repoRoot, 'src', 'workflows', 'lint-probe.ts') });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
};

test('lint: src/workflows importing Node built-ins, openai, micromatch or src/policy → errors', async () => {
  for (const source of [
    "import * as fs from 'node:fs';",
    "import * as path from 'path';",
    "import OpenAI from 'openai';",
    "import micromatch from 'micromatch';",
    "import { evaluate } from '../policy/evaluate';",
  ]) {
    const messages = await lintWorkflow(`${source}\nexport const x = 1;\n`);
    assert.equal(messages.length, 1, `${source} must be refused, got ${JSON.stringify(messages)}`);
  }
});

test('lint: src/workflows importing code from a folder that cannot run in the sandbox → errors', async () => {
  const folders = [
    'model/chat',
    'model/types',
    'worker/worker',
    'dev/dev-server',
    'client/connection',
    'cli/main',
    'activities/index',
    'kernel/kernel',
    'providers/filesystem',
    'reversible/index',
    'errors',
    'index',
  ];
  for (const folder of folders) {
    const source = `import { x } from '../${folder}';`;
    const messages = await lintWorkflow(`${source}\nexport const y = x;\n`);
    assert.equal(messages.length, 1, `${source} must be refused, got ${JSON.stringify(messages)}`);
  }
});

test('lint: src/workflows importing workflow code and types only → no error', async () => {
  const messages = await lintWorkflow(
    "import { proxyActivities } from '@temporalio/workflow';\nimport type { Decision } from '../policy/types';\nimport type { ChatMessage } from '../model/types';\nimport { Saga } from './saga';\nexport const x = [proxyActivities, {} as Decision, {} as ChatMessage, Saga];\n",
  );
  assert.deepEqual(messages, []);
});
