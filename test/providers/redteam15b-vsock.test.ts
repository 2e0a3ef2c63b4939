import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ProcessProvider } from '../../src/providers/process';
import { makeWorkspace, run } from './process-fixture';

// Red team 15b: a network namespace does not hold AF_VSOCK sockets on kernels without vsock namespaces (this one, 6.18), so a program
// "without network" could still open one and talk to the VM's host over virtio-vsock (this machine is
// such a VM, /dev/vsock present). The host's vsock services belong to the machine, not to this
// project, so the test does not connect anywhere: it shows the socket can no longer be made.
describe('sandbox and AF_VSOCK (red team 15b)', () => {
  const root = makeWorkspace();
  const ws = path.join(root, 'ws');
  fs.mkdirSync(ws, { mode: 0o755 });
  after(() => fs.rmSync(root, { recursive: true, force: true }));
  const provider = new ProcessProvider({ mounts: { '/workspace': ws } });

  test('sandbox: socket(AF_VSOCK) → refused (EPERM), while a Unix or an IPv4 socket is still made', async () => {
    const script = [
      'use Errno;',
      'for my $f ([vsock => 40, 1], [unix => 1, 1], [inet => 2, 1]) {',
      '  my ($name, $family, $type) = @$f;',
      '  if (socket(my $s, $family, $type, 0)) { print "$name ok\\n" } else { print "$name ", ($!{EPERM} ? "EPERM" : "other: $!"), "\\n" }',
      '}',
    ].join(' ');
    const r = await run(provider, 'perl', { args: ['-e', script] });
    assert.equal(r.stdout, 'vsock EPERM\nunix ok\ninet ok\n', r.stderr);
  });
});
