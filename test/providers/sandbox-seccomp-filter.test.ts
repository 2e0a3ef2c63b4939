import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { endianness } from 'node:os';
import { sandboxFilter } from '../../src/providers/sandbox/seccomp';

const EPERM = 0x00050001;
const ALLOW = 0x7fff0000;

/** A classic BPF interpreter for the instructions the filter uses, over one seccomp_data (nr, arch, args[0]). */
function verdict(arch: number, nr: number, arg0 = 0): number {
  const filter = sandboxFilter();
  const le = endianness() === 'LE';
  const field = (offset: number): number => {
    if (offset === 0) return nr;
    if (offset === 4) return arch;
    if (offset === (le ? 16 : 20)) return arg0;
    throw new Error(`unexpected load at ${offset}`);
  };
  let acc = 0;
  for (let pc = 0; pc < filter.length / 8; pc += 1) {
    const at = pc * 8;
    const code = le ? filter.readUInt16LE(at) : filter.readUInt16BE(at);
    const k = le ? filter.readUInt32LE(at + 4) : filter.readUInt32BE(at + 4);
    if (code === 0x20) acc = field(k);
    else if (code === 0x15) pc += acc === k ? filter.readUInt8(at + 2) : filter.readUInt8(at + 3);
    else if (code === 0x06) return k;
    else throw new Error(`unexpected instruction ${code}`);
  }
  throw new Error('fell off the end');
}

describe('sandbox seccomp filter', () => {
  // [audit arch, keyring calls, socket calls, another call]
  const arches: [string, number, number[], number[], number][] = [
    ['x86-64', 0xc000003e, [248, 249, 250, 0x40000000 + 248, 0x40000000 + 250], [41, 0x40000000 + 41], 59],
    ['i386', 0x40000003, [286, 287, 288], [359], 11],
    ['aarch64', 0xc00000b7, [217, 218, 219], [198], 221],
    ['arm', 0x40000028, [309, 310, 311], [281], 11],
    ['riscv64', 0xc00000f3, [217, 218, 219], [198], 221],
  ];

  test('seccomp filter: add_key, request_key and keyctl → EPERM on every architecture it knows, other calls allowed', () => {
    for (const [name, arch, keyring, , other] of arches) {
      for (const nr of keyring) assert.equal(verdict(arch, nr), EPERM, `${name} nr ${nr}`);
      assert.equal(verdict(arch, other), ALLOW, `${name} nr ${other}`);
    }
  });

  test('seccomp filter: socket(AF_VSOCK) → EPERM; AF_UNIX, AF_INET, AF_INET6, AF_NETLINK sockets allowed', () => {
    for (const [name, arch, , sockets] of arches) {
      for (const nr of sockets) {
        assert.equal(verdict(arch, nr, 40), EPERM, `${name} socket(AF_VSOCK)`);
        for (const family of [1, 2, 10, 16]) assert.equal(verdict(arch, nr, family), ALLOW, `${name} socket(${family})`);
      }
    }
  });

  test("seccomp filter: i386's socketcall → SYS_SOCKET refused (its arguments are in memory), its other calls allowed", () => {
    assert.equal(verdict(0x40000003, 102, 1), EPERM);
    assert.equal(verdict(0x40000003, 102, 3), ALLOW); // SYS_CONNECT on a socket made otherwise
  });

  test('seccomp filter: an architecture it does not know → every call refused', () => {
    assert.equal(verdict(0xdeadbeef >>> 0, 59), EPERM);
    assert.equal(verdict(0x80000016, 0), EPERM); // s390x
  });
});
