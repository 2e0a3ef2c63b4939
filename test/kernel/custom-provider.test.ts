import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { KV_POLICY, KvProvider } from '../../examples/kv-provider';
import { Kernel } from '../../src/kernel/kernel';
import { loadPolicyText } from '../../src/policy/load';
import { tempDir, writePolicy } from './kernel-helpers';

function kernelWith(provider: KvProvider): Kernel {
  return new Kernel({ policy: writePolicy(tempDir(), KV_POLICY), providers: [provider] });
}

describe('custom provider (examples/kv-provider.ts)', () => {
  test("KvProvider: policy file naming kv.* → loads, because the kernel registers the provider's actions", async () => {
    const kernel = kernelWith(new KvProvider());
    const put = await kernel.submit({ action: 'kv.put', target: 'notes/drafts/a', params: { value: '1' } });
    const get = await kernel.submit({ action: 'kv.get', target: 'NOTES/drafts/a' });
    await kernel.close();
    assert.deepEqual([put.status, get.status, get.data], ['OK', 'OK', '1']);
  });

  test('KvProvider: action outside its grant or under a deny rule → DENIED like a built-in', async () => {
    const kernel = kernelWith(new KvProvider());
    const write = await kernel.submit({ action: 'kv.put', target: 'notes/final', params: { value: 'x' } });
    const privateRead = await kernel.submit({ action: 'kv.get', target: 'notes/private/x' });
    await kernel.close();
    assert.deepEqual([write.status, write.error], ['DENIED', 'not permitted']);
    assert.deepEqual([privateRead.status, privateRead.ruleId], ['DENIED', 'deny[0]']);
  });

  test("KvProvider: target refused by resolve → DENIED with the provider's code and reason", async () => {
    const kernel = kernelWith(new KvProvider());
    const r = await kernel.submit({ action: 'kv.get', target: 'notes/../private' });
    await kernel.close();
    assert.deepEqual([r.status, r.code], ['DENIED', 'Kv.InvalidKey']);
    assert.match(String(r.reason), /invalid key/);
  });

  test('KvProvider.execute: called directly → Kernel.Unauthorized', async () => {
    const kv = new KvProvider();
    const resolved = await kv.resolve({ action: 'kv.put', target: 'notes/drafts/a', params: { value: 'x' } });
    await assert.rejects(kv.execute(resolved, { decision: { effect: 'allow', reason: '', target: 'notes/drafts/a' }, constraint: {} }), {
      code: 'Kernel.Unauthorized',
    });
  });

  test('loadPolicyText: kv.* without extraActions → Policy.Invalid (custom actions must be registered)', () => {
    assert.throws(() => loadPolicyText(KV_POLICY, 'kv.yaml'), { code: 'Policy.Invalid' });
  });
});
