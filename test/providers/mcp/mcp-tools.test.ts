import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Context, asyncLocalStorage, type Info } from '@temporalio/activity';
import { noopMetricMeter } from '@temporalio/common';
import { checkArguments } from '../../../src/activities/schema-check';
import { createToolActivities } from '../../../src/activities/tool';
import { mcpCallRequest, mcpToolDefs } from '../../../src/providers/mcp/tools';
import { EXAMPLE_SERVER, firstText, mcpKernel } from './mcp-fixture';

const POLICY = `
capabilities:
  - action: mcp.call
    resource: 'my_server/{echo,add,fail}'
ask:
  - action: mcp.call
    resource: my_server/big
deny:
  - action: mcp.call
    resource: my_server/fail
  - action: mcp.call
    resource: my_server/add
    constraint: { params: { a: { max: 10 } } }
`;

/** Runs `fn` as an activity on attempt `attempt` (what the worker does, without a worker). */
function asActivity<T>(attempt: number, fn: () => Promise<T>): Promise<T> {
  const log = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} };
  const context = new Context(
    { attempt } as Info,
    new Promise<never>(() => undefined),
    new AbortController().signal,
    () => undefined,
    undefined,
    log as never,
    noopMetricMeter,
    {} as never,
  );
  return asyncLocalStorage.run(context, fn);
}

describe('MCP tools for a model', () => {
  const k = mcpKernel(POLICY, { servers: { my_server: { command: ['node', EXAMPLE_SERVER], idempotentTools: ['add'] } } });
  after(() => k.close());

  test("mcpToolDefs: offers exactly the tools the policy could allow, named server__tool, with the server's schema and the pin", async () => {
    const { offers, skipped, failed } = await mcpToolDefs(k.mcp, k.kernel);
    assert.deepEqual(failed, []);
    // fail: denied unconditionally; env, wait, whoami: no rule. add: its deny has a constraint, so it may be allowed.
    assert.deepEqual(
      offers.map((o) => o.name),
      ['my_server__echo', 'my_server__add', 'my_server__big'],
    );
    assert.deepEqual(skipped.map((s) => s.target).sort(), ['my_server/env', 'my_server/fail', 'my_server/wait', 'my_server/whoami']);
    const echo = offers[0]!;
    assert.equal(echo.description, 'Echo the text back.');
    assert.deepEqual(echo.parameters['required'], ['text']);
    assert.equal(echo.pin, k.mcp.pins.get('my_server')?.hash);
    for (const o of offers) assert.match(o.name, /^[A-Za-z0-9_-]{1,64}$/);
  });

  test('a model call through an offer: arguments checked against the schema first; a valid call → one audit record', async () => {
    const { offers } = await mcpToolDefs(k.mcp, k.kernel);
    const add = offers.find((o) => o.name === 'my_server__add')!;
    assert.match(String(checkArguments(add.parameters, { a: 1 })), /must have required property 'b'/);
    assert.equal(checkArguments(add.parameters, { a: 1, b: 2 }), undefined);
    const before = k.records().length;
    const r = await k.kernel.submit(mcpCallRequest(add, { a: 1, b: 2 }));
    assert.equal(firstText(r.data), '3');
    assert.deepEqual(
      k
        .records()
        .slice(before)
        .map((x) => [x['canonical_target'], x['status']]),
      [['my_server/add', 'OK']],
    );
  });

  test('executeAction retried (attempt 2): a tool not declared idempotent → UNKNOWN recorded, not run again; a declared one (add) → run again', async () => {
    const { executeAction } = createToolActivities(k.kernel, k.kernel, undefined, (r) => r.action === 'mcp.call' && k.mcp.isIdempotent(r.target));
    const before = k.records().length;
    const echo = await asActivity(2, () =>
      executeAction({ request: { action: 'mcp.call', target: 'my_server/echo', params: { arguments: { text: 'again?' } } }, idempotencyKey: 'run/1/1' }),
    );
    assert.equal(echo.status, 'UNKNOWN');
    assert.equal(echo.data, undefined);
    const add = await asActivity(2, () =>
      executeAction({ request: { action: 'mcp.call', target: 'my_server/add', params: { arguments: { a: 1, b: 1 } } }, idempotencyKey: 'run/1/2' }),
    );
    assert.equal(add.status, 'OK');
    assert.deepEqual(
      k
        .records()
        .slice(before)
        .map((x) => [x['canonical_target'], x['status'], x['idempotency_key']]),
      [
        ['my_server/echo', 'UNKNOWN', 'run/1/1'],
        ['my_server/add', 'OK', 'run/1/2'],
      ],
    );
  });

  test('executeAction without the operator declaration: every mcp.call is at-most-once (server hints are not trusted)', async () => {
    const { executeAction } = createToolActivities(k.kernel);
    const add = await asActivity(3, () =>
      executeAction({ request: { action: 'mcp.call', target: 'my_server/add', params: { arguments: { a: 1, b: 1 } } }, idempotencyKey: 'run/2/1' }),
    );
    assert.equal(add.status, 'UNKNOWN');
  });
});
