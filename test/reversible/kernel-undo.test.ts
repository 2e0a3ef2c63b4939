import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { Decision } from '../../src/policy/types';
import { readLog } from '../kernel/kernel-helpers';
import { host, makeEnv, open } from './helpers';

const ALLOW: Decision = { effect: 'allow', ruleId: 'capabilities[1]', reason: 'allowed by capabilities[1]', target: '/workspace/output/u.txt' };

describe('Kernel.submitUndo', () => {
  test('Kernel.submitUndo: authority allowed this exact target → run called with the canonical target, audited with undo_of', async () => {
    const env = makeEnv();
    const { kernel } = open(env);
    const seen: string[] = [];
    const result = await kernel.submitUndo({
      action: 'fs.write',
      target: '/workspace/output/u.txt',
      undoOf: 'rec-1',
      authority: ALLOW,
      run: async (step) => {
        seen.push(step.request.canonicalTarget);
        return { done: true };
      },
    });
    await kernel.close();
    assert.deepEqual([result.status, result.data, seen], ['OK', { done: true }, ['/workspace/output/u.txt']]);
    const [record] = readLog(env.logPath);
    assert.deepEqual([record?.['undo_of'], record?.['status'], record?.['rule_id']], ['rec-1', 'OK', 'capabilities[1]']);
  });

  test('Kernel.submitUndo: authority is a deny, or judged another target → DENIED Kernel.UndoNotAuthorised, run never called, still audited', async () => {
    const env = makeEnv();
    const { kernel } = open(env);
    let ran = 0;
    const run = async (): Promise<unknown> => (ran += 1);
    const deny = await kernel.submitUndo({ action: 'fs.write', target: '/workspace/output/u.txt', undoOf: 'r', authority: { ...ALLOW, effect: 'deny' }, run });
    const other = await kernel.submitUndo({ action: 'fs.write', target: '/workspace/secret.txt', undoOf: 'r', authority: ALLOW, run });
    const forged = await kernel.submitUndo({
      action: 'fs.write',
      target: '/workspace/secret.txt',
      undoOf: 'r',
      authority: { ...ALLOW, target: '/workspace/secret.txt', effect: 'nope' as 'allow' },
      run,
    });
    await kernel.close();
    for (const r of [deny, other, forged]) assert.deepEqual([r.status, r.code], ['DENIED', 'Kernel.UndoNotAuthorised']);
    assert.equal(ran, 0);
    assert.equal(readLog(env.logPath).length, 3);
  });

  test('Kernel.submitUndo: target given in a non-canonical form → DENIED, the authority covers only the judged form', async () => {
    const env = makeEnv();
    const { kernel } = open(env);
    let ran = 0;
    const r = await kernel.submitUndo({
      action: 'fs.write',
      target: '/workspace/output/x/../u.txt',
      undoOf: 'r',
      authority: { ...ALLOW, target: '/workspace/output/x/../u.txt' },
      run: async () => (ran += 1),
    });
    await kernel.close();
    assert.deepEqual([r.status, r.code, ran], ['DENIED', 'Kernel.UndoNotAuthorised', 0]);
  });

  test('Kernel.submit: beforeExecute throws → ERROR with its code, provider never writes, one record', async () => {
    const env = makeEnv();
    const { kernel } = open(env);
    const hook = async (): Promise<void> => {
      throw Object.assign(new Error('stop'), { code: 'Test.Stop' });
    };
    const r = await kernel.submit({ action: 'fs.write', target: '/workspace/output/h.txt', params: { content: 'x' } }, { beforeExecute: hook });
    const untyped = await kernel.submit(
      { action: 'fs.write', target: '/workspace/output/h.txt', params: { content: 'x' } },
      { beforeExecute: async () => Promise.reject(new Error('/host/path')) },
    );
    await kernel.close();
    assert.deepEqual([r.status, r.code], ['ERROR', 'Test.Stop']);
    assert.deepEqual([untyped.status, untyped.code], ['ERROR', 'Kernel.HookFailed']);
    assert.ok(!String(untyped.error).includes('/host/path'));
    assert.equal(fs.existsSync(host(env, '/workspace/output/h.txt')), false);
    assert.equal(readLog(env.logPath).length, 2);
  });

  test('Kernel.submit: beforeExecute on a denied action → never called', async () => {
    const env = makeEnv();
    const { kernel } = open(env);
    let called = 0;
    const r = await kernel.submit({ action: 'fs.write', target: '/etc/passwd', params: { content: 'x' } }, { beforeExecute: async () => void (called += 1) });
    await kernel.close();
    assert.deepEqual([r.status, called], ['DENIED', 0]);
  });
});
