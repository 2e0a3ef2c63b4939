import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import type { ScriptStep } from '../../src/dev/scripted-server';
import { agentRun } from '../../src/workflows/agent-run';
import type { AgentRunInput } from '../../src/workflows/types';
import { FILE_TOOLS, withAgentBench, type AgentBenchOptions } from '../helpers/agent';
import { uniqueId } from '../helpers/temporal';

const write = (n: number, content = `line ${n}`): ScriptStep => ({
  reply: { toolCalls: [{ name: 'write_file', arguments: { path: `/workspace/output/f${n}.txt`, content } }] },
});

async function failure(
  options: Omit<AgentBenchOptions, 'reversible'>,
  input: Partial<AgentRunInput>,
): Promise<{ type: string | undefined; message: string; files: string[] }> {
  return withAgentBench({ ...options, reversible: true }, async (bench, { client }) => {
    const err = await client.workflow
      .execute(agentRun, { taskQueue: bench.taskQueue, workflowId: uniqueId('budget'), args: [{ prompt: 'spend', tools: FILE_TOOLS, ...input }] })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(err instanceof WorkflowFailedError, 'the run must fail');
    const cause = err.cause as { type?: string; message: string };
    const out = path.join(bench.workspace, 'output');
    return { type: cause.type, message: cause.message, files: fs.existsSync(out) ? fs.readdirSync(out) : [] };
  });
}

describe('budgets', () => {
  test('budget: more tool calls than maxToolCalls → Budget.MaxToolCalls, earlier writes compensated', async () => {
    const r = await failure({ script: [write(1), write(2), write(3)] }, { budgets: { maxToolCalls: 2 } });
    assert.equal(r.type, 'Budget.MaxToolCalls');
    assert.deepEqual(r.files, []);
  });

  test('budget: the worker caps a run that asks for more → the worker limit wins', async () => {
    const r = await failure({ script: [write(1), write(2)], limits: { maxToolCalls: 1 } }, { budgets: { maxToolCalls: 50 } });
    assert.equal(r.type, 'Budget.MaxToolCalls');
    assert.match(r.message, /budget of 1/);
  });

  test('budget: more model tokens than maxModelTokens → Budget.MaxModelTokens', async () => {
    const r = await failure(
      {
        script: [
          { ...write(1), usage: { prompt: 50, completion: 10 } },
          { reply: { content: 'x' }, usage: { prompt: 900, completion: 100 } },
        ],
      },
      { budgets: { maxModelTokens: 500 } },
    );
    assert.equal(r.type, 'Budget.MaxModelTokens');
    assert.deepEqual(r.files, []);
  });

  test('budget: a write that would pass maxBytesWritten → Budget.MaxBytesWritten before anything is written', async () => {
    const r = await failure({ script: [write(1, 'twelve bytes')] }, { budgets: { maxBytesWritten: 11 } });
    assert.equal(r.type, 'Budget.MaxBytesWritten');
    assert.deepEqual(r.files, []);
  });

  test('budget: more turns than maxTurns → Budget.MaxTurns', async () => {
    const r = await failure({ script: [write(1), write(2)] }, { budgets: { maxTurns: 2 } });
    assert.equal(r.type, 'Budget.MaxTurns');
  });

  test('budget: a non-positive budget → Run.InvalidInput at once', async () => {
    const r = await failure({ script: [] }, { budgets: { maxToolCalls: 0 } });
    assert.equal(r.type, 'Run.InvalidInput');
  });
});
