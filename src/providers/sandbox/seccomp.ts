/**
 * The sandbox's seccomp filter, handed to bubblewrap on a descriptor (`--seccomp`): it refuses
 * the kernel keyring calls (`add_key`, `request_key`, `keyctl`) with `EPERM` and allows every
 * other system call. Keyrings are not namespaced by bubblewrap's namespaces: a program of the
 * sandbox is the worker's host uid (or `hardening.uid`), the owner of that uid's user keyring,
 * and could link it into a keyring of its own, gain possession and read every secret in it (a
 * root worker's `_uid.0`: cached disk passwords, Kerberos tickets, fscrypt keys), or revoke them
 * (red team 15b). bubblewrap applies the filter to every process of the sandbox, its init too
 * (which a program may `ptrace`). System calls of an architecture the filter does not know are
 * refused altogether (fail closed).
 */
import { endianness } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { SANDBOX_SECCOMP_FD } from './types';

const LD_W_ABS = 0x20; // BPF_LD | BPF_W | BPF_ABS
const JEQ_K = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
const RET_K = 0x06; // BPF_RET | BPF_K
const RET_ALLOW = 0x7fff0000; // SECCOMP_RET_ALLOW
const RET_EPERM = 0x00050000 | 1; // SECCOMP_RET_ERRNO | EPERM
const NR_OFFSET = 0; // seccomp_data.nr
const ARCH_OFFSET = 4; // seccomp_data.arch
const X32_BIT = 0x40000000;

/** add_key, request_key and keyctl by audit architecture (x86-64 with its x32 numbers, i386, AArch64, ARM, RISC-V 64). */
const KEYRING_CALLS: readonly (readonly [arch: number, numbers: readonly number[]])[] = [
  [0xc000003e, [248, 249, 250, X32_BIT | 248, X32_BIT | 249, X32_BIT | 250]],
  [0x40000003, [286, 287, 288]],
  [0xc00000b7, [217, 218, 219]],
  [0x40000028, [309, 310, 311]],
  [0xc00000f3, [217, 218, 219]],
];

interface Insn {
  code: number;
  jt: number | 'deny';
  jf: number;
  k: number;
}

/** The classic BPF program (struct sock_filter[], host byte order) bubblewrap loads with `--seccomp`. */
export function keyringFilter(): Buffer {
  const program: Insn[] = [{ code: LD_W_ABS, jt: 0, jf: 0, k: ARCH_OFFSET }];
  for (const [arch, numbers] of KEYRING_CALLS) {
    // jeq arch ? on : past this block (load nr, one check per number, allow), the architecture still loaded
    program.push({ code: JEQ_K, jt: 0, jf: numbers.length + 2, k: arch >>> 0 });
    program.push({ code: LD_W_ABS, jt: 0, jf: 0, k: NR_OFFSET });
    for (const nr of numbers) program.push({ code: JEQ_K, jt: 'deny', jf: 0, k: nr >>> 0 });
    program.push({ code: RET_K, jt: 0, jf: 0, k: RET_ALLOW });
  }
  const deny = program.length;
  program.push({ code: RET_K, jt: 0, jf: 0, k: RET_EPERM }); // an unknown architecture, or a keyring call
  const out = Buffer.alloc(program.length * 8);
  const le = endianness() === 'LE';
  program.forEach((insn, i) => {
    const jt = insn.jt === 'deny' ? deny - (i + 1) : insn.jt;
    if (le) {
      out.writeUInt16LE(insn.code, i * 8);
      out.writeUInt32LE(insn.k, i * 8 + 4);
    } else {
      out.writeUInt16BE(insn.code, i * 8);
      out.writeUInt32BE(insn.k, i * 8 + 4);
    }
    out.writeUInt8(jt, i * 8 + 2);
    out.writeUInt8(insn.jf, i * 8 + 3);
  });
  return out;
}

/** Hands the filter to bubblewrap: writes it on the child's {@link SANDBOX_SECCOMP_FD} pipe and closes that end. */
export function feedSeccomp(stdio: readonly unknown[]): void {
  const pipe = stdio[SANDBOX_SECCOMP_FD] as (Writable & Readable) | null | undefined;
  if (pipe === null || pipe === undefined) return;
  pipe.on('error', () => undefined); // bubblewrap failed before reading it: its exit says so
  pipe.resume?.();
  pipe.end(keyringFilter());
}
