import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePolicy } from '../../src/policy/compile';
import { evaluateLayered } from '../../src/policy/layered';
import type { CanonicalRequest } from '../../src/policy/types';
import { policyDoc } from './helpers/doc';

const ceiling = compilePolicy(
  policyDoc({
    capabilities: [
      ['fs.read', '/workspace/**', { max_bytes: 1000 }, 'worker-read'],
      ['fs.write', '/workspace/**', {}, 'worker-write'],
      ['proc.exec', 'git', {}, 'worker-git'],
    ],
    ask: [['proc.exec', 'git', { args: ['push', '**'] }, 'worker-ask-push']],
  }),
);
const run = compilePolicy(
  policyDoc({
    capabilities: [
      ['fs.read', '/workspace/**', { max_bytes: 100 }, 'run-read'],
      ['fs.read', '/etc/**', {}, 'run-etc'],
      ['proc.exec', 'git', {}, 'run-git'],
    ],
    deny: [['fs.write', '/workspace/src/**', {}, 'run-no-src']],
  }),
);
const req = (action: string, target: string, params: Record<string, unknown> = {}): CanonicalRequest => ({ action, target, params });

describe('evaluateLayered', () => {
  test('evaluateLayered: both allow → allow with the tightest max_bytes of the layers', () => {
    const d = evaluateLayered([ceiling, run], req('fs.read', '/workspace/a'));
    assert.equal(d.effect, 'allow');
    assert.equal(d.constraint?.max_bytes, 100);
  });
  test('evaluateLayered: run policy allows what the ceiling does not → deny (a run allow never widens)', () => {
    const d = evaluateLayered([ceiling, run], req('fs.read', '/etc/passwd'));
    assert.deepEqual([d.effect, d.reason], ['deny', 'no capability allows fs.read on /etc/passwd']);
  });
  test('evaluateLayered: run policy denies what the ceiling allows → deny by the run rule', () => {
    const d = evaluateLayered([ceiling, run], req('fs.write', '/workspace/src/a.ts'));
    assert.deepEqual([d.effect, d.ruleId], ['deny', 'run-no-src']);
  });
  test('evaluateLayered: one layer asks, the other allows → ask', () => {
    const d = evaluateLayered([ceiling, run], req('proc.exec', 'git', { args: ['push'] }));
    assert.deepEqual([d.effect, d.ruleId], ['ask', 'worker-ask-push']);
  });
  test('evaluateLayered: layer order → same effect', () => {
    for (const r of [
      req('fs.read', '/workspace/a'),
      req('fs.read', '/etc/x'),
      req('fs.write', '/workspace/src/a'),
      req('proc.exec', 'git', { args: ['push'] }),
    ]) {
      assert.equal(evaluateLayered([run, ceiling], r).effect, evaluateLayered([ceiling, run], r).effect, r.target);
    }
  });
  test('evaluateLayered: a single policy → the same decision as evaluate', () => {
    assert.equal(evaluateLayered([ceiling], req('fs.read', '/workspace/a')).constraint?.max_bytes, 1000);
  });
  test('evaluateLayered: no policies → deny', () => {
    assert.equal(evaluateLayered([], req('fs.read', '/workspace/a')).effect, 'deny');
  });
  test('evaluateLayered: recursive allowed by only one layer → the merged constraint does not allow it', () => {
    const a = compilePolicy(policyDoc({ capabilities: [['fs.delete', '/workspace/**', { recursive: true }]] }));
    const b = compilePolicy(policyDoc({ capabilities: [['fs.delete', '/workspace/**']] }));
    const d = evaluateLayered([a, b], req('fs.delete', '/workspace/x'));
    assert.equal(d.effect, 'allow');
    assert.equal(d.constraint?.recursive, undefined);
    assert.equal(evaluateLayered([a, b], req('fs.delete', '/workspace/x', { recursive: true })).effect, 'deny');
  });

  test('evaluateLayered: the ceiling grants network: proxy, the run policy does not → allow without network (a run may take network away)', () => {
    const withNet = compilePolicy(policyDoc({ capabilities: [['proc.exec', 'curl', { network: 'proxy', timeout_ms: 5000 }, 'worker-curl']] }));
    const without = compilePolicy(policyDoc({ capabilities: [['proc.exec', 'curl', {}, 'run-curl']] }));
    const d = evaluateLayered([withNet, without], req('proc.exec', 'curl', { args: [] }));
    assert.equal(d.effect, 'allow');
    assert.equal(d.constraint?.network, undefined);
    assert.equal(d.constraint?.timeout_ms, 5000);
  });
  test('evaluateLayered: the run policy grants network: proxy, the ceiling does not → allow without network (a run never grants network)', () => {
    const without = compilePolicy(policyDoc({ capabilities: [['proc.exec', 'curl', {}, 'worker-curl']] }));
    const withNet = compilePolicy(policyDoc({ capabilities: [['proc.exec', 'curl', { network: 'proxy' }, 'run-curl']] }));
    const d = evaluateLayered([without, withNet], req('proc.exec', 'curl', { args: [] }));
    assert.deepEqual([d.effect, d.constraint?.network], ['allow', undefined]);
  });
  test('evaluateLayered: both layers grant network: proxy → allow with network: proxy', () => {
    const a = compilePolicy(policyDoc({ capabilities: [['proc.exec', 'curl', { network: 'proxy' }, 'worker-curl']] }));
    const b = compilePolicy(policyDoc({ capabilities: [['proc.exec', 'curl', { network: 'proxy' }, 'run-curl']] }));
    const d = evaluateLayered([a, b], req('proc.exec', 'curl', { args: [] }));
    assert.deepEqual([d.effect, d.constraint?.network], ['allow', 'proxy']);
  });
});
