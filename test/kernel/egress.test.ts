import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { runEgress } from '../../src/kernel/egress';
import { PolicyGate } from '../../src/kernel/policy-gate';
import type { EgressOutcome } from '../../src/kernel/types';
import { loadPolicyText } from '../../src/policy/load';
import { SpyProvider, readLog, tempDir, writePolicy } from './kernel-helpers';

const POLICY = [
  'version: 1',
  'capabilities:',
  '  - { action: proc.exec, resource: "net-tool", constraint: { network: proxy } }',
  '  - { action: proc.exec, resource: "offline-tool" }',
  '  - { id: ok, action: net.http, resource: "https://ok.test/**" }',
  'ask:',
  '  - { id: ask, action: net.http, resource: "https://ask.test/**" }',
  '',
].join('\n');

describe('Kernel egress hook', () => {
  test("egress: allowed, denied, ask and malformed connections → open runs only for the allowed one; one net.http record each, all with the run's exec_id", async () => {
    const dir = tempDir();
    const logPath = path.join(dir, 'kernel.log');
    const opened: string[] = [];
    const outcomes: EgressOutcome<string>[] = [];
    const provider = new SpyProvider('proc', ['proc.exec'], async (_request, context) => {
      for (const url of ['https://ok.test/', 'https://no.test/', 'https://ask.test/', 'connect:bad host']) {
        const egress = context.egress;
        assert.ok(egress !== undefined);
        outcomes.push(
          await egress(
            { method: 'CONNECT', url },
            async (grant) => {
              opened.push(grant.target);
              return 'socket';
            },
            () => assert.fail('nothing to discard'),
          ),
        );
      }
      return 'done';
    });
    const kernel = new Kernel({ policy: writePolicy(dir, POLICY), providers: [provider], logPath });
    const r = await kernel.submit({ action: 'proc.exec', target: 'net-tool' });
    await kernel.close();
    assert.equal(r.status, 'OK');
    assert.deepEqual(opened, ['https://ok.test/']);
    assert.deepEqual(
      outcomes.map((o) => (o.allowed ? 'allowed' : `${o.status} ${o.code}`)),
      ['allowed', 'DENIED Policy.Denied', 'DENIED Kernel.ApprovalRequired', 'DENIED Policy.InvalidTarget'],
    );
    const log = readLog(logPath);
    assert.deepEqual(
      log.map((x) => [x['action'], x['status'], x['rule_id']]),
      [
        ['net.http', 'OK', 'ok'],
        ['net.http', 'DENIED', undefined],
        ['net.http', 'DENIED', 'ask'],
        ['net.http', 'DENIED', undefined],
        ['proc.exec', 'OK', 'capabilities[0]'],
      ],
    );
    assert.equal(new Set(log.map((x) => x['exec_id'])).size, 1);
    assert.equal(typeof log[0]?.['exec_id'], 'string');
  });

  test("egress: a net.http rule with max_calls: 2 → a program's third allowed connection is denied, counted with the session's own submits", async () => {
    const dir = tempDir();
    const logPath = path.join(dir, 'kernel.log');
    const opened: string[] = [];
    const provider = new SpyProvider('proc', ['proc.exec'], async (_request, context) => {
      for (let i = 0; i < 3; i++) {
        const egress = context.egress;
        assert.ok(egress !== undefined);
        await egress(
          { method: 'CONNECT', url: 'https://ok.test/' },
          async (grant) => {
            opened.push(grant.target);
            return 'socket';
          },
          () => undefined,
        );
      }
      return 'done';
    });
    const policy = [
      'version: 1',
      'capabilities:',
      '  - { action: proc.exec, resource: "net-tool", constraint: { network: proxy } }',
      '  - { id: ok, action: net.http, resource: "https://ok.test/**", max_calls: 2 }',
      '',
    ].join('\n');
    const kernel = new Kernel({ policy: writePolicy(dir, policy), providers: [provider], logPath });
    const r = await kernel.submit({ action: 'proc.exec', target: 'net-tool' });
    await kernel.close();
    assert.equal(r.status, 'OK');
    assert.equal(opened.length, 2);
    assert.deepEqual(
      readLog(logPath).map((x) => [x['action'], x['status']]),
      [
        ['net.http', 'OK'],
        ['net.http', 'OK'],
        ['net.http', 'DENIED'],
        ['proc.exec', 'OK'],
      ],
    );
  });

  test('egress: a rule without network → the provider gets no egress hook (it cannot open a connection the policy did not grant)', async () => {
    const dir = tempDir();
    let hook: unknown = 'unset';
    const provider = new SpyProvider('proc', ['proc.exec'], async (_request, context) => {
      hook = context.egress;
      return 'done';
    });
    const kernel = new Kernel({ policy: writePolicy(dir, POLICY), providers: [provider], logPath: path.join(dir, 'kernel.log') });
    const r = await kernel.submit({ action: 'proc.exec', target: 'offline-tool' });
    await kernel.close();
    assert.equal(r.status, 'OK');
    assert.equal(hook, undefined);
  });

  test('egress: open throws (upstream refused) → ERROR record with its code, the connection refused', async () => {
    const dir = tempDir();
    const logPath = path.join(dir, 'kernel.log');
    let outcome: EgressOutcome<string> | undefined;
    const provider = new SpyProvider('proc', ['proc.exec'], async (_request, context) => {
      outcome = await context.egress?.(
        { method: 'GET', url: 'https://ok.test/x' },
        () => Promise.reject(Object.assign(new Error('connection to https://ok.test/x failed: ECONNREFUSED'), { code: 'Provider.EgressFailed' })),
        () => undefined,
      );
      return 'done';
    });
    const kernel = new Kernel({ policy: writePolicy(dir, POLICY), providers: [provider], logPath });
    await kernel.submit({ action: 'proc.exec', target: 'net-tool' });
    await kernel.close();
    assert.deepEqual(outcome?.allowed === false ? [outcome.status, outcome.code] : outcome, ['ERROR', 'Provider.EgressFailed']);
    assert.deepEqual(
      readLog(logPath).map((x) => [x['action'], x['status'], x['code']]),
      [
        ['net.http', 'ERROR', 'Provider.EgressFailed'],
        ['proc.exec', 'OK', undefined],
      ],
    );
  });

  test('runEgress: the audit record cannot be written → refused with Kernel.AuditFailed and the opened connection discarded (fail closed)', async () => {
    const gate = new PolicyGate(loadPolicyText(POLICY, 'p.yaml'), [], []);
    const discarded: string[] = [];
    const outcome = await runEgress(
      { method: 'CONNECT', url: 'https://ok.test/' },
      () => Promise.resolve('socket'),
      (v) => discarded.push(v),
      { gate, append: () => Promise.reject(new Error('disk full')), execId: () => 'e' },
    );
    assert.deepEqual(outcome.allowed === false ? [outcome.status, outcome.code] : outcome, ['ERROR', 'Kernel.AuditFailed']);
    assert.deepEqual(discarded, ['socket']);
  });
});
