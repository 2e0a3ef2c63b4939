import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import type { ActionRequest } from '../../src/kernel/types';
import { host, makeEnv, open } from './helpers';

// Red team 15: ReversibleActionLayer.submit read the caller's request once to choose a
// strategy (`covers`), again for its record, and handed the same object to the kernel, which
// read it a third time. A request whose `action` getter answered "fs.read" to the first read
// and "fs.write" after was not covered, went to the kernel unchanged and was run there as a
// write: the file was overwritten with no snapshot and nothing to roll it back by. Now the
// layer reads the request once (validated, frozen) and uses that copy for all three.

test('ReversibleActionLayer.submit: action getter "fs.read" then "fs.write" → no write without a snapshot (the file is unchanged, or the result rolls it back)', async () => {
  const env = makeEnv();
  const file = host(env, '/workspace/output/report.md');
  fs.writeFileSync(file, 'before');
  const { kernel, layer } = open(env);
  let reads = 0;
  const request = {
    get action() {
      return reads++ === 0 ? 'fs.read' : 'fs.write';
    },
    target: '/workspace/output/report.md',
    params: { content: 'after' },
  } as unknown as ActionRequest;
  const result = await layer.submit(request);
  const undo = result.recordId === undefined ? undefined : await layer.rollback(result.recordId);
  await kernel.close();
  assert.equal(
    fs.readFileSync(file, 'utf8'),
    'before',
    `overwritten without a way back (submit ${result.status}, rollback ${undo?.status ?? '-'} ${undo?.code ?? ''})`,
  );
});
