import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hasErrorCode } from '../../src/errors';
import { FilesystemProvider } from '../../src/providers/filesystem';
import { HttpProvider } from '../../src/providers/http';
import { McpProvider } from '../../src/providers/mcp/provider';
import { ProcessProvider, type ProcessProviderOptions } from '../../src/providers/process';
import { makeWorkspace, run } from './process-fixture';

// Red team 15: the providers ignored option keys they did not know, so a misspelt safety
// option was silently none. `hardning: { uid: 65534, gid: 65534 }` on a root worker left
// bubblewrap running as root: what a program made in the workspace belonged to host root
// (setuid-root files included, threat model) instead of the unprivileged uid asked for.
// Now an unknown key is refused when the provider is built.

describe('provider options under a misspelt key (red team 15)', () => {
  const ws = makeWorkspace();
  fs.chmodSync(ws, 0o777);
  after(() => fs.rmSync(ws, { recursive: true, force: true }));

  test(
    'ProcessProvider({ hardning: { uid: 65534 } }) on a root worker → refused at construction; never a file owned by host root',
    { skip: process.getuid?.() !== 0 ? 'needs a root worker' : false },
    async () => {
      let provider: ProcessProvider | undefined;
      try {
        provider = new ProcessProvider({ mounts: { '/workspace': ws }, hardning: { uid: 65534, gid: 65534 } } as unknown as ProcessProviderOptions);
      } catch (err) {
        assert.ok(hasErrorCode(err, 'Provider.InvalidParams'), String(err));
        assert.match((err as Error).message, /hardning/);
      }
      if (provider !== undefined) {
        const result = await run(provider, 'touch', { args: ['/workspace/made-by-program'] });
        assert.equal(result.exitCode, 0, result.stderr);
        assert.notEqual(fs.statSync(path.join(ws, 'made-by-program')).uid, 0, 'the program made a file owned by host root');
      }
      assert.equal(provider, undefined);
    },
  );

  test('FilesystemProvider, HttpProvider, ProcessProvider, McpProvider: a misspelt key → refused; every documented key → built', () => {
    assert.throws(
      () => new FilesystemProvider({ maxbytes: 10 } as never),
      (e: unknown) => hasErrorCode(e, 'Fs.InvalidParam'),
    );
    assert.throws(
      () => new HttpProvider({ allowAddress: ['127.0.0.1'] } as never),
      (e: unknown) => hasErrorCode(e, 'Provider.InvalidParams'),
    );
    assert.throws(
      () => new ProcessProvider({ mounts: { '/workspace': ws }, limit: { nproc: 4 } } as never),
      (e: unknown) => hasErrorCode(e, 'Provider.InvalidParams'),
    );
    assert.throws(
      () => new McpProvider({ servers: {}, pinFile: 'pins.json' } as never),
      (e: unknown) => hasErrorCode(e, 'Provider.InvalidParams'),
    );
    new FilesystemProvider({ mounts: { '/workspace': ws }, maxBytes: 10, durability: 'os', undefinedIsAbsent: undefined } as never);
    new HttpProvider({ credentials: [], credentialEnv: {}, timeoutMs: 1, maxBytes: 1, maxRedirects: 0, allowAddresses: [] });
  });
});
