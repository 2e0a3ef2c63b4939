import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildWorkerHost } from '../../../src/worker/worker-host';
import { tempDir } from '../../kernel/kernel-helpers';
import { EXAMPLE_SERVER, firstText } from './mcp-fixture';

test('worker host: --mcp servers file → the kernel executes mcp.call, only declared tools count as idempotent, pins go to the named file', async () => {
  const dir = tempDir('agent-os-mcp-host-');
  fs.mkdirSync(path.join(dir, 'ws'));
  fs.writeFileSync(path.join(dir, 'policy.yaml'), "capabilities:\n  - action: mcp.call\n    resource: 'my_server/*'\n");
  fs.writeFileSync(
    path.join(dir, 'servers.yaml'),
    `pins: pins.json\nservers:\n  my_server:\n    command: [node, ${JSON.stringify(EXAMPLE_SERVER)}]\n    idempotent_tools: [add]\n`,
  );
  const host = buildWorkerHost({
    policyFile: path.join(dir, 'policy.yaml'),
    mcpServersFile: path.join(dir, 'servers.yaml'),
    mounts: { '/workspace': path.join(dir, 'ws') },
    logPath: path.join(dir, 'kernel.log'),
    snapshotsDir: path.join(dir, 'snap'),
  });
  try {
    const r = await host.kernel.submit({ action: 'mcp.call', target: 'my_server/echo', params: { arguments: { text: 'via host' } } });
    assert.equal(firstText(r.data), 'via host');
    assert.equal(host.isIdempotent?.({ action: 'mcp.call', target: 'my_server/add' }), true);
    assert.equal(host.isIdempotent?.({ action: 'mcp.call', target: 'my_server/echo' }), false);
    assert.ok(fs.existsSync(path.join(dir, 'pins.json')));
  } finally {
    await host.close();
  }
});
