import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDevServer } from '../../src/dev/dev-server';
import { DevServerStartError } from '../../src/dev/errors';

// Free ports are taken by binding port 0 and releasing it, so another process's server can take the
// same port first. The server that then answers on it is not ours: a start that reports ready against
// it hands its caller a server that vanishes when its real owner stops it.
test('dev server: another Temporal server already answers on the port → start fails with Client.DevServerStart (address in use), it never reports the foreign server as its own', async () => {
  const owner = await startDevServer();
  try {
    const port = Number(owner.address.split(':')[1]);
    await assert.rejects(startDevServer({ port, startTimeoutMs: 60_000 }), (err: unknown) => {
      assert.ok(err instanceof DevServerStartError, String(err));
      assert.equal(err.code, 'Client.DevServerStart');
      assert.match(err.output, /address already in use|bind/i);
      return true;
    });
  } finally {
    await owner.stop();
  }
});
