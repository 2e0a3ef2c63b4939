import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { hasErrorCode } from '../../src/errors';
import { McpProvider } from '../../src/providers/mcp/provider';
import { ProcessProvider } from '../../src/providers/process';
import { makeWorkspace, run } from './process-fixture';

// Red team 15 (as for the fs and http caps): ProcessProvider's maxOutputBytes is the cap of
// what a program's stdout and stderr may hold in the worker's memory. NaN (an unset
// environment variable through Number()) made every `chunk.length > room` false: a program
// printing without end was kept whole, until its timeout (gigabytes; the worker's memory).
// Now the option is refused when the provider is built, as are killGraceMs and McpProvider's
// limits of the same kind.

const BAD: readonly unknown[] = [NaN, -1, 1.5, '1024', null, Infinity];

describe('process and MCP limits given as something other than a count (red team 15)', () => {
  const ws = makeWorkspace();
  after(() => fs.rmSync(ws, { recursive: true, force: true }));

  test('ProcessProvider({ maxOutputBytes: NaN }): a program printing 3 MiB → refused at construction (it was kept whole)', async () => {
    let provider: ProcessProvider | undefined;
    try {
      provider = new ProcessProvider({ mounts: { '/workspace': ws }, maxOutputBytes: NaN });
    } catch (err) {
      assert.ok(hasErrorCode(err, 'Provider.InvalidParams'), String(err));
    }
    if (provider !== undefined) {
      const result = await run(provider, 'head', { args: ['-c', String(3 * 1024 * 1024), '/dev/zero'] });
      assert.ok(result.stdout.length <= 1024 * 1024, `kept ${result.stdout.length} bytes of output`);
    }
    assert.equal(provider, undefined);
  });

  test('ProcessProvider: maxOutputBytes or killGraceMs of NaN, -1, 1.5, "1024", null, Infinity → Provider.InvalidParams', () => {
    for (const key of ['maxOutputBytes', 'killGraceMs']) {
      for (const value of BAD) {
        assert.throws(
          () => new ProcessProvider({ mounts: { '/workspace': ws }, [key]: value }),
          (e: unknown) => hasErrorCode(e, 'Provider.InvalidParams'),
          `${key}: ${String(value)}`,
        );
      }
    }
  });

  test('McpProvider: maxOutputChars, maxMessageBytes or a timeout of NaN, -1, 1.5, "1024", null, Infinity → Provider.InvalidParams', () => {
    for (const key of ['maxOutputChars', 'maxMessageBytes', 'callTimeoutMs', 'startupTimeoutMs', 'shutdownTimeoutMs']) {
      for (const value of BAD) {
        assert.throws(
          () => new McpProvider({ servers: {}, [key]: value }),
          (e: unknown) => hasErrorCode(e, 'Provider.InvalidParams'),
          `${key}: ${String(value)}`,
        );
      }
    }
    new McpProvider({ servers: {}, maxOutputChars: 100, maxMessageBytes: 1024, callTimeoutMs: 1000, startupTimeoutMs: 1000, shutdownTimeoutMs: 0 });
  });
});
