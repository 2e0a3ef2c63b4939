import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hasErrorCode } from '../../src/errors';
import { Kernel } from '../../src/kernel/kernel';
import { FilesystemProvider } from '../../src/providers/filesystem';
import { HttpProvider } from '../../src/providers/http';
import { tempDir, writePolicy } from '../kernel/kernel-helpers';
import { startServer, type TestServer } from './http-fixture';

// Red team 15: a provider's byte cap is applied as Math.min(option, the rule's max_bytes). An
// option that is NaN (`Number(process.env.FS_MAX_BYTES)` with the variable unset) made that
// NaN, and `bytes > NaN` is false: net.http answered a whole body under a rule of
// max_bytes: 16 (the policy's own cap gone), and fs.write had no cap at all (an fs.read
// answered 0 bytes, "truncated"). Now such an option is refused when the provider is built.

const WRITE_POLICY = `
version: 1
capabilities:
  - id: writes
    action: fs.write
    resource: /workspace/**
`;

const BAD_LIMITS: readonly unknown[] = [NaN, -1, 1.5, '100', null, Infinity];

describe('provider byte caps given as something other than a count (red team 15)', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer();
  });
  after(() => srv.close());

  test('FilesystemProvider({ maxBytes: NaN }): a 100 000-byte write → refused at construction, nothing written', async () => {
    const dir = tempDir();
    const ws = path.join(dir, 'ws');
    fs.mkdirSync(ws);
    let provider: FilesystemProvider | undefined;
    try {
      provider = new FilesystemProvider({ mounts: { '/workspace': ws }, maxBytes: NaN });
    } catch (err) {
      assert.ok(hasErrorCode(err, 'Fs.InvalidParam'), String(err));
    }
    if (provider !== undefined) {
      const kernel = new Kernel({ policy: writePolicy(dir, WRITE_POLICY), providers: [provider] });
      await kernel.submit({ action: 'fs.write', target: '/workspace/big.txt', params: { content: 'x'.repeat(100_000) } });
      await kernel.close();
    }
    assert.equal(fs.existsSync(path.join(ws, 'big.txt')), false, 'a NaN cap is no cap: the write landed');
    assert.equal(provider, undefined, 'a NaN cap is refused');
  });

  test('FilesystemProvider: maxBytes of -1, 1.5, "100", null or Infinity → Fs.InvalidParam; 0 and a whole number → accepted', () => {
    for (const maxBytes of BAD_LIMITS) {
      assert.throws(
        () => new FilesystemProvider({ maxBytes: maxBytes as number }),
        (e: unknown) => hasErrorCode(e, 'Fs.InvalidParam'),
        String(maxBytes),
      );
    }
    new FilesystemProvider({ maxBytes: 0 });
    new FilesystemProvider({ maxBytes: 4096 });
  });

  test('HttpProvider({ maxBytes: NaN }) under a rule of max_bytes 16: a response of more → refused at construction, nothing fetched', async () => {
    const dir = tempDir();
    const policy = writePolicy(
      dir,
      `
version: 1
capabilities:
  - id: small-fetch
    action: net.http
    resource: "${srv.base}/**"
    constraint: { max_bytes: 16 }
`,
    );
    let provider: HttpProvider | undefined;
    try {
      provider = new HttpProvider({ allowAddresses: ['127.0.0.1'], maxBytes: NaN });
    } catch (err) {
      assert.ok(hasErrorCode(err, 'Provider.InvalidParams'), String(err));
    }
    if (provider !== undefined) {
      const kernel = new Kernel({ policy, providers: [provider] });
      const result = await kernel.submit({ action: 'net.http', target: `${srv.base}/hello`, params: { method: 'GET' } });
      await kernel.close();
      const body = (result.data as { body?: string } | undefined)?.body ?? '';
      assert.ok(body.length <= 16, `the rule's max_bytes of 16 held (got ${body.length} bytes)`);
    }
    assert.equal(provider, undefined, 'a NaN cap is refused');
  });

  test('HttpProvider: maxBytes, maxRedirects or timeoutMs of NaN, -1, 1.5, "100", null → Provider.InvalidParams', () => {
    for (const key of ['maxBytes', 'maxRedirects', 'timeoutMs']) {
      for (const value of BAD_LIMITS.filter((v) => v !== Infinity)) {
        assert.throws(
          () => new HttpProvider({ [key]: value }),
          (e: unknown) => hasErrorCode(e, 'Provider.InvalidParams'),
          `${key}: ${String(value)}`,
        );
      }
    }
    new HttpProvider({ maxBytes: 1024, maxRedirects: 0, timeoutMs: 1000 });
  });
});
