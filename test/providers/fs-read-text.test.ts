/**
 * `fs.read` decodes text without a decoder object when the bytes end in ASCII (nothing can
 * be incomplete there); it must give exactly what `StringDecoder#write` gives, which holds
 * back an incomplete character at the end (a read cut by `max_bytes` never ends in U+FFFD).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { Kernel } from '../../src/kernel/kernel';
import { FilesystemProvider } from '../../src/providers/filesystem';
import { tempDir, writePolicy } from '../kernel/kernel-helpers';

test('fs.read text: ASCII, whole or cut multi-byte characters, lone continuation and invalid bytes, with and without max_bytes → what StringDecoder gives', async () => {
  const root = tempDir();
  const ws = path.join(root, 'ws');
  fs.mkdirSync(ws);
  const kernel = new Kernel({
    policy: writePolicy(root, 'capabilities:\n  - action: fs.read\n    resource: /workspace/**\n'),
    providers: [new FilesystemProvider({ mounts: { '/workspace': ws } })],
  });
  const cases: Buffer[] = [
    Buffer.from('plain ascii\n'),
    Buffer.from(''),
    Buffer.from('ends in é'),
    Buffer.from('ends in 😀'),
    Buffer.from([0x61, 0xe2, 0x82]), // a cut three-byte character
    Buffer.from([0x61, 0xf0, 0x9f, 0x98]), // a cut four-byte character
    Buffer.from([0x61, 0x80]), // a lone continuation byte
    Buffer.from([0x61, 0xff, 0x62]), // an invalid byte inside
    Buffer.from([0xc3, 0xa9, 0xff]), // an invalid byte at the end
  ];
  try {
    for (const [i, bytes] of cases.entries()) {
      fs.writeFileSync(path.join(ws, `t${i}`), bytes);
      for (const max of [undefined, Math.max(0, bytes.length - 1)]) {
        const r = await kernel.submit({ action: 'fs.read', target: `/workspace/t${i}`, ...(max === undefined ? {} : { params: { max_bytes: max } }) });
        const expected = new StringDecoder('utf8').write(bytes.subarray(0, max ?? bytes.length));
        assert.deepEqual([r.status, r.data], ['OK', expected], `case ${i}, max_bytes ${String(max)}`);
      }
    }
  } finally {
    await kernel.close();
    fs.rmSync(root, { recursive: true, force: true });
  }
});
