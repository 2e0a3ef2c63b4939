import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createToolActivities } from '../../src/activities/tool';
import { RunPolicyViews } from '../../src/activities/run-policy';
import { Kernel } from '../../src/kernel/kernel';
import { FilesystemProvider } from '../../src/providers/filesystem';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'run-policy-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
const workspace = path.join(root, 'ws');
fs.mkdirSync(path.join(workspace, 'output'), { recursive: true });
fs.writeFileSync(path.join(workspace, 'data.csv'), 'a,b\n');

const CEILING = `
version: 1
capabilities:
  - id: read-ws
    action: fs.read
    resource: /workspace/**
  - id: write-out
    action: fs.write
    resource: /workspace/output/**
ask:
  - id: ask-delete
    action: fs.delete
    resource: /workspace/**
`;

function kernel(logName: string): Kernel {
  const file = path.join(root, `${logName}.yaml`);
  fs.writeFileSync(file, CEILING);
  return new Kernel({
    policy: file,
    providers: [new FilesystemProvider({ mounts: { '/workspace': workspace } })],
    logPath: path.join(root, `${logName}.log`),
  });
}

const request = (action: string, target: string, params: Record<string, unknown> = {}) => ({ request: { action, target, params } });

describe('run policy narrowing', () => {
  test('narrowing: run policy allows what the ceiling denies → still denied', async () => {
    const k = kernel('widen');
    const { decideAction } = createToolActivities(k);
    const runPolicy = 'version: 1\ncapabilities:\n  - action: fs.write\n    resource: /workspace/**\n';
    const decided = await decideAction({ ...request('fs.write', '/workspace/secret.txt', { content: 'x' }), runPolicy });
    assert.equal(decided.effect, 'deny');
    const submitted = await k.narrowed([]).submit({ action: 'fs.write', target: '/workspace/secret.txt', params: { content: 'x' } });
    assert.equal(submitted.status, 'DENIED');
    assert.equal(fs.existsSync(path.join(workspace, 'secret.txt')), false);
    await k.close();
  });

  test('narrowing: ask in the ceiling, allow in the run → ask', async () => {
    const k = kernel('ask');
    const { decideAction } = createToolActivities(k);
    const runPolicy = 'version: 1\ncapabilities:\n  - action: fs.delete\n    resource: /workspace/**\n';
    const decided = await decideAction({ ...request('fs.delete', '/workspace/data.csv'), runPolicy });
    assert.equal(decided.effect, 'ask');
    assert.equal(decided.ruleId, 'ask-delete');
    await k.close();
  });

  test('narrowing: run denies what the ceiling allows → deny, and the view writes DENIED to the shared log', async () => {
    const k = kernel('deny');
    const { decideAction } = createToolActivities(k);
    const runPolicy =
      'version: 1\ncapabilities:\n  - action: fs.read\n    resource: /workspace/**\ndeny:\n  - id: no-csv\n    action: fs.read\n    resource: /workspace/*.csv\n';
    assert.equal((await decideAction(request('fs.read', '/workspace/data.csv'))).effect, 'allow');
    const decided = await decideAction({ ...request('fs.read', '/workspace/data.csv'), runPolicy });
    assert.equal(decided.effect, 'deny');
    assert.equal(decided.ruleId, 'no-csv');

    const view = new RunPolicyViews(k).get(runPolicy);
    assert.ok(view.ok);
    const result = await view.kernel.submit({ action: 'fs.read', target: '/workspace/data.csv' });
    assert.equal(result.status, 'DENIED');
    assert.equal((await k.submit({ action: 'fs.read', target: '/workspace/data.csv' })).status, 'OK');
    await k.close();
    const log = fs
      .readFileSync(path.join(root, 'deny.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { status: string; policy_hash: string });
    assert.deepEqual(
      log.map((r) => r.status),
      ['DENIED', 'OK'],
    );
    assert.notEqual(log[0]!.policy_hash, log[1]!.policy_hash, 'the narrowed record carries the combined hash');
    assert.equal(log[1]!.policy_hash, k.policyHash);
  });

  test('narrowing: run allows a subset of the ceiling → allowed where both allow', async () => {
    const k = kernel('subset');
    const view = new RunPolicyViews(k).get('version: 1\ncapabilities:\n  - action: fs.write\n    resource: /workspace/output/*.md\n');
    assert.ok(view.ok);
    assert.equal((await view.kernel.submit({ action: 'fs.write', target: '/workspace/output/a.md', params: { content: 'x' } })).status, 'OK');
    assert.equal((await view.kernel.submit({ action: 'fs.write', target: '/workspace/output/a.txt', params: { content: 'x' } })).status, 'DENIED');
    await k.close();
  });

  test('narrowing: invalid run policy → invalid decision naming the problem, nothing allowed', async () => {
    const k = kernel('invalid');
    const { decideAction } = createToolActivities(k);
    const decided = await decideAction({
      ...request('fs.read', '/workspace/data.csv'),
      runPolicy: 'capabilities:\n  - action: fs.read\n    effect: allow\n    resource: /workspace/**\n',
    });
    assert.equal(decided.effect, 'invalid');
    assert.equal(decided.code, 'Policy.Invalid');
    assert.match(decided.reason, /run-policy\.yaml:3:\d+: E_UNKNOWN_KEY/);
    await k.close();
  });

  test('narrowing: same policy text twice → the same cached view', () => {
    const k = kernel('cache');
    const views = new RunPolicyViews(k);
    const text = 'version: 1\ncapabilities:\n  - action: fs.read\n    resource: /workspace/**\n';
    const a = views.get(text);
    const b = views.get(text);
    assert.ok(a.ok && b.ok);
    assert.equal(a.kernel, b.kernel);
    const none = views.get(undefined);
    assert.ok(none.ok);
    assert.equal(none.kernel, k);
    return k.close();
  });
});
