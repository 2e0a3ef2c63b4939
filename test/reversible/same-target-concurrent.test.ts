/**
 * Red team 14: two reversible writes to one file at the same time (an agent's parallel tool
 * calls) each snapshotted the file before either had changed it — the second's snapshot was
 * taken while the first waited for its record to be durable. Rolling back the second then put
 * back the content from before *both* (`OK "content"`), silently dropping the first write, and
 * rolling back the first answered `NOOP`. Reversible actions on one target now take effect
 * one after another, each snapshotting what the one before it left.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { host, makeEnv, open } from './helpers';

describe('ReversibleActionLayer: concurrent actions on one target', () => {
  test('two parallel writes → rolling back the later one restores what the earlier one wrote', async () => {
    const env = makeEnv();
    const file = host(env, '/workspace/output/notes.md');
    fs.writeFileSync(file, 'original\n');
    const { kernel, layer } = open(env);
    const [a, b] = await Promise.all([
      layer.submit({ action: 'fs.write', target: '/workspace/output/notes.md', params: { content: 'first\n' } }),
      layer.submit({ action: 'fs.write', target: '/workspace/output/notes.md', params: { content: 'second\n' } }),
    ]);
    assert.equal(a.status, 'OK', a.error);
    assert.equal(b.status, 'OK', b.error);
    const last = fs.readFileSync(file, 'utf8');
    const [earlier, later] = last === 'second\n' ? [a, b] : [b, a];
    const undoLater = await layer.rollback(later.recordId as string);
    assert.deepEqual([undoLater.status, undoLater.restored], ['OK', 'content'], undoLater.error ?? undoLater.reason);
    assert.equal(fs.readFileSync(file, 'utf8'), last === 'second\n' ? 'first\n' : 'second\n', 'the earlier write is what the later one replaced');
    const undoEarlier = await layer.rollback(earlier.recordId as string);
    await kernel.close();
    assert.deepEqual([undoEarlier.status, undoEarlier.restored], ['OK', 'content'], undoEarlier.error ?? undoEarlier.reason);
    assert.equal(fs.readFileSync(file, 'utf8'), 'original\n');
  });

  test('ten parallel writes, rolled back newest first one by one → each undo restores the write before it, ending at the original', async () => {
    const env = makeEnv();
    const file = host(env, '/workspace/output/many.md');
    fs.writeFileSync(file, 'original\n');
    const { kernel, layer } = open(env);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => layer.submit({ action: 'fs.write', target: '/workspace/output/many.md', params: { content: `w${i}\n` } })),
    );
    for (const r of results) assert.equal(r.status, 'OK', r.error);
    const statuses: string[] = [];
    // Whose content is in the file now: that write took effect last, so it is undone next.
    const writer = new Map(results.map((r, i) => [`w${i}\n`, r.recordId as string]));
    let content = fs.readFileSync(file, 'utf8');
    for (let i = 0; i < 10; i++) {
      const id = writer.get(content);
      assert.ok(id !== undefined, `after ${i} undos the file holds ${JSON.stringify(content)}`);
      const undo = await layer.rollback(id);
      statuses.push(`${undo.status}:${undo.restored ?? undo.reason ?? ''}`);
      content = fs.readFileSync(file, 'utf8');
    }
    await kernel.close();
    assert.deepEqual(
      statuses,
      Array.from({ length: 10 }, () => 'OK:content'),
    );
    assert.equal(content, 'original\n');
  });
});
