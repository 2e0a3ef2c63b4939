import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ProcessProvider } from '../../src/providers/process';
import { probeSandbox } from '../../src/providers/sandbox';
import { makeWorkspace, run } from './process-fixture';

// Red team 15b: the private /tmp was sized (limits.tmpBytes) after a program wrote 6 GB into it, but
// the sandbox's root, /dev (and /dev/shm in it) and /run were unsized tmpfs of the sandbox's own,
// writable by the program: the same 6 GB went there instead, into the host's memory, no rlimit counting it.
describe('sandbox memory-backed folders (red team 15b)', () => {
  const root = makeWorkspace();
  const ws = path.join(root, 'ws');
  fs.mkdirSync(ws, { mode: 0o755 });
  after(() => fs.rmSync(root, { recursive: true, force: true }));
  const mib = 1024 ** 2;
  const small = new ProcessProvider({ mounts: { '/workspace': ws }, limits: { tmpBytes: mib } });

  test('sandbox: 4 MiB written to /, /dev, /dev/shm, /run and /tmp → none holds more than limits.tmpBytes', async () => {
    assert.ok(probeSandbox().tmpfsSize === true, 'this bubblewrap cannot size a tmpfs (--size, bubblewrap 0.8+)');
    const folders = ['/', '/dev', '/dev/shm', '/run', '/tmp'];
    const script = folders
      .map(
        (d) =>
          `dd if=/dev/zero of=${d === '/' ? '' : d}/big bs=65536 count=64 2>/dev/null; echo "${d} $(stat -c %s ${d === '/' ? '' : d}/big 2>/dev/null || echo 0)"`,
      )
      .join('; ');
    const r = await run(small, 'sh', { args: ['-c', script] });
    const held = Object.fromEntries(
      r.stdout
        .trim()
        .split('\n')
        .map((line) => line.split(' ') as [string, string]),
    );
    assert.deepEqual(Object.keys(held), folders, r.stderr);
    for (const d of folders) assert.ok(Number(held[d]) <= mib, `${d} held ${held[d]} bytes`);
  });

  test('sandbox: /dev/shm → still usable for shared memory, within the limit', async () => {
    const r = await run(small, 'sh', { args: ['-c', 'echo shared > /dev/shm/seg && cat /dev/shm/seg && echo hi > /dev/null'] });
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.stdout, 'shared\n');
  });
});
