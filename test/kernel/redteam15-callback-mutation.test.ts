import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { FilesystemProvider } from '../../src/providers/filesystem';
import type { ResolvedRequest } from '../../src/kernel/types';
import type { Decision } from '../../src/policy/types';
import { SpyProvider, readLog, tempDir, writePolicy } from './kernel-helpers';

// Red team 15: the `approve` callback was handed the kernel's own resolved request and
// decision, and the provider then ran on that same object. An approver that changed what it
// was shown (a UI that "tidies" the request, a plugin it passes the object to) changed what
// ran: an approved write to drafts/ landed in prod/ — a target the policy denies — while the
// result and the audit record said drafts/, OK; args pushed onto a judged list ran; a
// changed rule id went into the record. And an `observe` callback that changed the record it
// was given changed the auditRecordId the caller got back. Now they are given copies.

const DRAFTS_POLICY = `
version: 1
ask:
  - id: drafts
    action: fs.write
    resource: /workspace/drafts/**
deny:
  - id: no-prod
    action: fs.write
    resource: /workspace/prod/**
`;

const RUN_POLICY = `
version: 1
ask:
  - id: run-safe
    action: custom.run
    resource: job
    constraint:
      params:
        args: { match: safe }
`;

/** Runs `fn` and returns what it threw (a frozen copy throws in strict mode), or undefined. */
function attempt(fn: () => void): void {
  try {
    fn();
  } catch {
    // refused by a frozen copy: what the attack hoped for did not happen either way
  }
}

describe('callbacks that change what they are handed (red team 15)', () => {
  test('approve re-points request.canonicalTarget from drafts/ to prod/ (denied) → nothing lands in prod/; the record says what ran', async () => {
    const dir = tempDir();
    const ws = path.join(dir, 'ws');
    for (const d of ['drafts', 'prod']) fs.mkdirSync(path.join(ws, d), { recursive: true });
    const logPath = path.join(dir, 'kernel.log');
    const kernel = new Kernel({
      policy: writePolicy(dir, DRAFTS_POLICY),
      providers: [new FilesystemProvider({ mounts: { '/workspace': ws } })],
      logPath,
      approve: (request: ResolvedRequest) => {
        attempt(() => {
          (request as { canonicalTarget: string }).canonicalTarget = request.canonicalTarget.replace('/drafts/', '/prod/');
        });
        return Promise.resolve(true);
      },
    });
    const result = await kernel.submit({ action: 'fs.write', target: '/workspace/drafts/a.txt', params: { content: 'hi' } });
    await kernel.close();
    assert.deepEqual(fs.readdirSync(path.join(ws, 'prod')), [], `a write landed in prod/ (result ${result.status} ${String(result.target)})`);
    const [record] = readLog(logPath);
    assert.equal(record?.['canonical_target'], '/workspace/drafts/a.txt');
    assert.equal(fs.existsSync(path.join(ws, 'drafts', 'a.txt')), result.status === 'OK', 'OK means the approved target was written');
  });

  test('approve pushes onto request.params.args and renames the decision → the provider runs the judged args; the record keeps the rule id', async () => {
    const dir = tempDir();
    const logPath = path.join(dir, 'kernel.log');
    const spy = new SpyProvider('custom', ['custom.run']);
    const kernel = new Kernel({
      policy: writePolicy(dir, RUN_POLICY),
      providers: [spy],
      logPath,
      approve: (request: ResolvedRequest, decision: Decision) => {
        attempt(() => (request.params['args'] as string[]).push('--evil'));
        attempt(() => {
          (decision as { ruleId?: string }).ruleId = 'someone-else';
        });
        return Promise.resolve(true);
      },
    });
    await kernel.submit({ action: 'custom.run', target: 'job', params: { args: ['safe'] } });
    await kernel.close();
    for (const executed of spy.executed) assert.deepEqual(executed.params['args'], ['safe'], 'the provider ran args nobody judged');
    assert.equal(readLog(logPath)[0]?.['rule_id'], 'run-safe');
  });

  test("observe overwrites the record's hash → the result's auditRecordId is still the record's in the log", async () => {
    const dir = tempDir();
    const logPath = path.join(dir, 'kernel.log');
    const kernel = new Kernel({
      policy: writePolicy(dir, 'version: 1\ncapabilities:\n  - id: run\n    action: custom.run\n    resource: job\n'),
      providers: [new SpyProvider('custom', ['custom.run'])],
      logPath,
      observe: (record) => {
        attempt(() => {
          (record as { hash: string }).hash = '0'.repeat(64);
        });
      },
    });
    const result = await kernel.submit({ action: 'custom.run', target: 'job' });
    await kernel.close();
    assert.equal(result.auditRecordId, readLog(logPath)[0]?.['hash']);
  });
});
