/**
 * Red team (undo): links planted at the target after the action ran (by the agent through a
 * program, or another process). Held on main; kept as regression tests. The undo never writes,
 * removes or restores through them: it is refused loudly (with its audit record) and the file
 * the link leads to is untouched.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readLog } from '../kernel/kernel-helpers';
import { host, makeEnv, open } from './helpers';

const T = '/workspace/output/t.txt';

async function afterWrite(prior: string | undefined) {
  const env = makeEnv();
  if (prior !== undefined) fs.writeFileSync(host(env, T), prior);
  const canary = path.join(env.root, 'canary.txt');
  fs.writeFileSync(canary, 'agent');
  const { kernel, layer } = open(env);
  const result = await layer.submit({ action: 'fs.write', target: T, params: { content: 'agent' } });
  assert.equal(result.status, 'OK');
  return { env, canary, kernel, layer, id: result.recordId as string };
}

describe('red team: undo through links planted after the action', () => {
  for (const prior of ['before', undefined]) {
    const what = prior === undefined ? 'a created file' : 'an overwritten file';
    test(`${what} replaced by a symlink to an outside file with the same bytes → undo refused (even with force), outside file and link untouched, one audit record`, async () => {
      const { env, canary, kernel, layer, id } = await afterWrite(prior);
      fs.rmSync(host(env, T));
      fs.symlinkSync(canary, host(env, T));
      const undo = await layer.rollback(id, { force: true });
      await kernel.close();
      assert.notEqual(undo.status, 'OK');
      assert.equal(fs.readFileSync(canary, 'utf8'), 'agent');
      assert.equal(fs.readlinkSync(host(env, T)), canary);
      assert.equal(readLog(env.logPath).filter((r) => r['undo_of'] === id).length, 1);
    });

    test(`${what} replaced by a hard link to an outside file with the same bytes → undo refused, the outside file keeps its bytes`, async () => {
      const { env, canary, kernel, layer, id } = await afterWrite(prior);
      fs.rmSync(host(env, T));
      fs.linkSync(canary, host(env, T));
      const undo = await layer.rollback(id, { force: true });
      await kernel.close();
      assert.notEqual(undo.status, 'OK');
      assert.equal(fs.readFileSync(canary, 'utf8'), 'agent');
      assert.equal(fs.statSync(canary).nlink, 2);
    });
  }
});
