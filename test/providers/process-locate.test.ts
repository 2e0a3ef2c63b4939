import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isWithin, locateCwd, locateProgram } from '../../src/providers/process-locate';
import { tempDir } from '../kernel/kernel-helpers';

test('isWithin: a name that only starts with two dots (..x) is below its parent; .. and what lies beside are not', () => {
  assert.equal(isWithin('/srv/ws', '/srv/ws'), true);
  assert.equal(isWithin('/srv/ws/..x', '/srv/ws'), true);
  assert.equal(isWithin('/srv/ws/..x/bin', '/srv/ws'), true);
  assert.equal(isWithin('/srv', '/srv/ws'), false);
  assert.equal(isWithin('/srv/other', '/srv/ws'), false);
  assert.equal(isWithin('/srv/ws2', '/srv/ws'), false);
});

test('locateCwd: a working folder named ..x inside the mount is inside it (it was refused as leaving the mount)', async () => {
  const ws = fs.realpathSync(tempDir('agent-os-ws-'));
  fs.mkdirSync(path.join(ws, '..x'));
  assert.equal(await locateCwd('/workspace/..x', { '/workspace': ws }), path.join(ws, '..x'));
});

test('locateProgram: a PATH folder named ..x inside a mount is inside the workspace → refused', async () => {
  const ws = fs.realpathSync(tempDir('agent-os-ws-'));
  const bin = path.join(ws, '..x');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'tool'), '#!/bin/sh\n', { mode: 0o755 });
  await assert.rejects(locateProgram('tool', [bin], [ws]), { code: 'Provider.ProgramOutsidePath' });
});
