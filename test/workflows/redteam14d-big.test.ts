/**
 * redteam14d: a model that sends about a megabyte of tool-call arguments turn after turn. Only
 * tool outputs were elided to fit the transcript budget, so the model's own messages grew the
 * next model call's input and the continue-as-new input past Temporal's payload limit (2 MiB):
 * the workflow task failed again and again, and the run was wedged (never answered, never
 * compensated). Runs on the dev server with a scripted model on loopback.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentRun } from '../../src/workflows/agent-run';
import { ELIDED_ARGUMENTS, budgetTranscript, transcriptSize } from '../../src/workflows/transcript';
import type { ChatMessage } from '../../src/model/types';
import { FILE_TOOLS, withAgentBench } from '../helpers/agent';
import { readLog } from '../kernel/kernel-helpers';
import { uniqueId } from '../helpers/temporal';

test('agent run: four turns of ~900 KB tool-call arguments each → every call recorded, the run answers (it was wedged past the payload limit)', async () => {
  const junk = 'x'.repeat(900_000);
  const step = (n: number) => ({ reply: { toolCalls: [{ name: 'read_file', arguments: { path: '/workspace/a.txt', junk }, id: `c${n}` }] } });
  await withAgentBench({ files: { 'a.txt': 'A' }, script: [step(1), step(2), step(3), step(4), { reply: { content: 'done' } }] }, async (bench, { client }) => {
    const handle = await client.workflow.start(agentRun, {
      taskQueue: bench.taskQueue,
      workflowId: uniqueId('rt14d-big'),
      args: [{ prompt: 'read', tools: FILE_TOOLS }],
      // Bounds the test: a run whose workflow task fails again and again never ends by itself.
      workflowExecutionTimeout: '90 seconds',
    });
    const result = await handle.result();
    assert.equal(result.output, 'done');
    assert.equal(readLog(bench.logPath).length, 4);
    // What the model was sent last: within the transcript budget (200,000 characters by default) and a payload.
    const last = bench.model.requests.at(-1)!;
    assert.ok(JSON.stringify(last.messages).length < 400_000, `the last model request held ${JSON.stringify(last.messages).length} characters`);
  });
});

test('budgetTranscript: over budget after the tool outputs → the oldest assistant texts, arguments and long names elided; ids and call structure kept', () => {
  const big = 'y'.repeat(10_000);
  const messages: ChatMessage[] = [
    { role: 'user', content: 'go' },
    {
      role: 'assistant',
      content: big,
      toolCalls: [
        { id: 'a', name: 'read_file', arguments: JSON.stringify({ path: '/w', big }) },
        { id: 'b', name: `custom:${'n'.repeat(5_000)}`, arguments: '', sent: JSON.stringify({ id: 'b', type: 'custom', custom: { name: 'x', input: big } }) },
      ],
    },
    { role: 'tool', toolCallId: 'a', content: 'ok' },
    { role: 'tool', toolCallId: 'b', content: 'unknown tool' },
    { role: 'assistant', content: null, toolCalls: [{ id: 'c', name: 'read_file', arguments: '{"path":"/w"}' }] },
  ];
  const out = budgetTranscript(messages, 1_000);
  // From ~35,000 characters to about the budget (what is kept of the model's texts and names is short).
  assert.ok(transcriptSize(out) < 2_000, `size ${transcriptSize(out)}`);
  const first = out[1] as Extract<ChatMessage, { role: 'assistant' }>;
  assert.equal(first.toolCalls?.[0]?.arguments, ELIDED_ARGUMENTS);
  assert.deepEqual(
    first.toolCalls?.map((c) => c.id),
    ['a', 'b'],
  );
  assert.equal(JSON.parse(first.toolCalls![1]!.sent!).type, 'custom');
  assert.deepEqual(out[4], messages[4]);
  assert.deepEqual(budgetTranscript(messages, 1_000_000), messages);
});

test('agent run: a tool call whose id is 1.5 MB → recorded, answered under a short id the reply and the answer share; the run answers (the id went back twice per model call, past the payload limit)', async () => {
  const id = 'i'.repeat(1_500_000);
  await withAgentBench(
    {
      files: { 'a.txt': 'A' },
      script: [{ reply: { toolCalls: [{ name: 'read_file', arguments: { path: '/workspace/a.txt' }, id }] } }, { reply: { content: 'done' } }],
    },
    async (bench, { client }) => {
      const handle = await client.workflow.start(agentRun, {
        taskQueue: bench.taskQueue,
        workflowId: uniqueId('rt14d-big-id'),
        args: [{ prompt: 'read', tools: FILE_TOOLS }],
        workflowExecutionTimeout: '60 seconds',
      });
      const result = await handle.result();
      assert.equal(result.output, 'done');
      assert.equal(readLog(bench.logPath).length, 1);
      const next = bench.model.requests[1]!.messages;
      const sent = (next.find((m) => m.role === 'assistant')?.tool_calls?.[0] as { id: string }).id;
      assert.ok(sent.length <= 64, `id of ${sent.length} characters`);
      assert.equal(next.find((m) => m.role === 'tool')?.tool_call_id, sent);
    },
  );
});
