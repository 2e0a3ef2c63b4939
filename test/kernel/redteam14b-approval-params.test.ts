/**
 * Red team 14b: an approval holds for what was decided and shown, not only for the target.
 * `SubmitOptions.decided` compared the canonical target alone, so a proc.exec whose working
 * folder (a param, judged at its real path) was a link re-pointed between the approval and
 * the run ran elsewhere: the person approved `touch` in staging/, and — judged again at use
 * time, under another ask rule — it ran in prod/ on that approval.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { ProcessProvider } from '../../src/providers/process';
import { readLog, tempDir, writePolicy } from './kernel-helpers';
import { STAGING_PROD_ASK } from '../helpers/agent';

const CEILING = STAGING_PROD_ASK;

function setUp() {
  const dir = tempDir();
  const ws = path.join(dir, 'ws');
  for (const d of ['staging/app', 'prod/app']) fs.mkdirSync(path.join(ws, d), { recursive: true });
  // The agent's working folder: a link inside staging/ to staging/app.
  fs.symlinkSync(path.join(ws, 'staging', 'app'), path.join(ws, 'staging', 'current'));
  const logPath = path.join(dir, 'kernel.log');
  const kernel = new Kernel({ policy: writePolicy(dir, CEILING), providers: [new ProcessProvider({ mounts: { '/workspace': ws } })], logPath });
  return { ws, kernel, logPath };
}
const touch = { action: 'proc.exec', target: 'touch', params: { args: ['DEPLOYED'], cwd: '/workspace/staging/current' } };
const alice = { approver: 'alice' };

describe('redteam14b: an approval does not carry over to a request judged otherwise at use time', () => {
  test('a working folder re-pointed after the approval: nothing runs (Kernel.DecisionChanged), nothing is touched in prod/', async () => {
    const { ws, kernel, logPath } = setUp();
    const decided = await kernel.decide(touch);
    assert.deepEqual([decided.effect, decided.ruleId], ['ask', 'ask-staging'], decided.reason);
    // While the person reads "touch (rule ask-staging)", the link is re-pointed to prod/app.
    fs.rmSync(path.join(ws, 'staging', 'current'));
    fs.symlinkSync(path.join(ws, 'prod', 'app'), path.join(ws, 'staging', 'current'));
    const ran = await kernel.submit(touch, {
      approval: alice,
      decided: { effect: 'ask', target: decided.target as string, paramsHash: (decided as { paramsHash?: string }).paramsHash as string },
    });
    await kernel.close();
    assert.equal(fs.existsSync(path.join(ws, 'prod', 'app', 'DEPLOYED')), false, 'the approval of staging ran touch in prod/');
    assert.deepEqual([ran.status, ran.code], ['DENIED', 'Kernel.DecisionChanged'], ran.reason);
    const records = readLog(logPath);
    assert.deepEqual(
      records.map((r) => [r['status'], r['code']]),
      [['DENIED', 'Kernel.DecisionChanged']],
    );
  });

  test('unchanged: the approved request runs where it was decided', async () => {
    const { ws, kernel } = setUp();
    const decided = await kernel.decide(touch);
    const ran = await kernel.submit(touch, {
      approval: alice,
      decided: { effect: 'ask', target: decided.target as string, paramsHash: (decided as { paramsHash?: string }).paramsHash as string },
    });
    await kernel.close();
    assert.equal(ran.status, 'OK', ran.reason);
    assert.equal(fs.existsSync(path.join(ws, 'staging', 'app', 'DEPLOYED')), true);
  });
});
