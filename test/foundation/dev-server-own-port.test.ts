import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDevServer, takenMeanwhile } from '../../src/dev/dev-server';
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

test('dev server: a port it picked itself and found taken at bind time (the HTTP port: `agent-os dev` gives only the gRPC and UI ports) → started again with new ports; a port the caller gave → not retried', () => {
  // What the Temporal server prints when its HTTP API port was taken between the pick and the bind (seen in a fresh-clone demo run).
  const httpTaken = 'failed listening for HTTP API on 127.0.0.1:37649: listen tcp 127.0.0.1:37649: bind: address already in use';
  assert.equal(takenMeanwhile(httpTaken, [7233, 8233]), true, 'the HTTP port was ours to pick: retried');
  assert.equal(takenMeanwhile(httpTaken, []), true);
  const grpcTaken = 'listen tcp 127.0.0.1:7233: bind: address already in use';
  assert.equal(takenMeanwhile(grpcTaken, [7233, 8233]), false, 'the given gRPC port: the caller must choose another');
  assert.equal(takenMeanwhile('address already in use', [7233]), false, 'no port named, one given: not retried');
  assert.equal(takenMeanwhile('address already in use', []), true);
  assert.equal(takenMeanwhile('some other failure', []), false);
});
