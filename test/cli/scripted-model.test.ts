import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AgentLoop } from '../../src/client/agent-loop';
import { FILE_TOOLS } from '../../src/client/file-tools';
import { Kernel } from '../../src/kernel/kernel';
import { FilesystemProvider } from '../../src/providers/filesystem';
import { AGENT_POLICY } from '../helpers/agent';
import { temporal, workflowBundle } from '../helpers/temporal';
import { cliSync } from './worker-harness';

describe('--model scripted:FILE: try every path offline', () => {
  test('AgentLoop with model "scripted:FILE" → runs the scripted replies through the kernel, no API key', async () => {
    const t = await temporal();
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-loop-scripted-'));
    const workspace = path.join(root, 'ws');
    fs.mkdirSync(path.join(workspace, 'output'), { recursive: true });
    fs.writeFileSync(path.join(root, 'policy.yaml'), AGENT_POLICY);
    const script = path.join(root, 'replies.json');
    fs.writeFileSync(
      script,
      JSON.stringify([{ toolCalls: [{ name: 'write_file', arguments: { path: '/workspace/output/hi.md', content: 'hi\n' } }] }, { content: 'wrote hi.md' }]),
    );
    const kernel = new Kernel({
      policy: path.join(root, 'policy.yaml'),
      providers: [new FilesystemProvider({ mounts: { '/workspace': workspace } })],
      logPath: path.join(root, 'kernel.log'),
    });
    const saved = { address: process.env['TEMPORAL_ADDRESS'], url: process.env['OPENAI_BASE_URL'] };
    process.env['TEMPORAL_ADDRESS'] = t.address;
    process.env['OPENAI_BASE_URL'] = 'http://127.0.0.1:1/v1'; // never used: the script answers
    try {
      const loop = new AgentLoop({ kernel, model: `scripted:${script}`, instructions: 'Be brief.', tools: FILE_TOOLS, workflowBundle: await workflowBundle() });
      assert.equal(await loop.run('write hi'), 'wrote hi.md');
      assert.equal(fs.readFileSync(path.join(workspace, 'output', 'hi.md'), 'utf8'), 'hi\n');
    } finally {
      for (const [key, value] of [
        ['TEMPORAL_ADDRESS', saved.address],
        ['OPENAI_BASE_URL', saved.url],
      ] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
      await kernel.close();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  test('run --model scripted:FILE → exit 2: the worker calls the model, so it is a worker flag', () => {
    const out = cliSync(['run', 'hi', '--model', 'scripted:replies.json']);
    assert.equal(out.status, 2);
    assert.equal(
      out.stderr,
      'agent-os run: --model scripted:replies.json: the worker calls the model, so a scripted model is a worker setting — start the worker with `agent-os worker --model scripted:replies.json …` and run without --model\n',
    );
  });
});
