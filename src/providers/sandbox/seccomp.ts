/**
 * The sandbox's seccomp filter, handed to bubblewrap on a descriptor (`--seccomp`), for what
 * bubblewrap's namespaces do not separate. bubblewrap applies it to every process of the
 * sandbox, its init too (which a program may `ptrace`). It refuses with `EPERM`:
 *
 * - the kernel keyring calls (`add_key`, `request_key`, `keyctl`): keyrings are not namespaced,
 *   and a program of the sandbox is the worker's host uid (or `hardening.uid`), the owner of that
 *   uid's user keyring; it linked that keyring into one of its own, gained possession of every
 *   key in it and read them (a root worker's `_uid.0`: cached disk passwords, Kerberos tickets),
 *   or could revoke them (red team 15b);
 * - `AF_VSOCK` sockets: a network namespace does not hold them on kernels without vsock
 *   namespaces (6.18 among them), so a program without network could open one to the VM's host over virtio-vsock (red
 *   team 15b); on i386, whose `socketcall` hides its arguments in memory, every socket made
 *   through `socketcall` (the direct `socket` call is filtered as on the other architectures);
 * - every system call of an architecture it does not know (fail closed).
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
const AF_VSOCK = 40;
const SYS_SOCKET = 1; // socketcall's call number for socket(2)

/** The system calls the filter looks at, by audit architecture. */
interface ArchCalls {
  readonly arch: number;
  /** add_key, request_key, keyctl (x86-64 with its x32 numbers too). */
  readonly keyring: readonly number[];
  /** socket(2) (x86-64 with its x32 number too): refused for AF_VSOCK. */
  readonly socket: readonly number[];
  /** socketcall(2), where the architecture has it in use: refused for SYS_SOCKET. */
  readonly socketcall?: number;
}

/** x86-64, i386, AArch64, ARM (EABI), RISC-V 64. */
const FILTERED_ARCHES: readonly ArchCalls[] = [
  { arch: 0xc000003e, keyring: [248, 249, 250, X32_BIT | 248, X32_BIT | 249, X32_BIT | 250], socket: [41, X32_BIT | 41] },
  { arch: 0x40000003, keyring: [286, 287, 288], socket: [359], socketcall: 102 },
  { arch: 0xc00000b7, keyring: [217, 218, 219], socket: [198] },
  { arch: 0x40000028, keyring: [309, 310, 311], socket: [281] },
  { arch: 0xc00000f3, keyring: [217, 218, 219], socket: [198] },
];

type Target = number | 'deny' | 'allow' | 'vsock' | 'socketcall';
interface Insn {
  readonly code: number;
  readonly jt: Target;
  readonly jf: Target;
  readonly k: number;
}

const insn = (code: number, k: number, jt: Target = 0, jf: Target = 0): Insn => ({ code, jt, jf, k: k >>> 0 });

/** The classic BPF program (struct sock_filter[], host byte order) bubblewrap loads with `--seccomp`. */
export function sandboxFilter(): Buffer {
  const le = endianness() === 'LE';
  const arg0 = 16 + (le ? 0 : 4); // the low 32 bits of seccomp_data.args[0]
  const program: Insn[] = [insn(LD_W_ABS, ARCH_OFFSET)];
  for (const a of FILTERED_ARCHES) {
    const checks: Insn[] = [
      ...a.keyring.map((nr) => insn(JEQ_K, nr, 'deny')),
      ...a.socket.map((nr) => insn(JEQ_K, nr, 'vsock')),
      ...(a.socketcall === undefined ? [] : [insn(JEQ_K, a.socketcall, 'socketcall')]),
    ];
    // jeq arch ? on : past this block (the architecture still loaded)
    program.push(insn(JEQ_K, a.arch, 0, checks.length + 2), insn(LD_W_ABS, NR_OFFSET), ...checks, insn(RET_K, RET_ALLOW));
  }
  program.push(insn(RET_K, RET_EPERM)); // an architecture the filter does not know
  // BPF jumps only forward: the argument checks, then the two verdicts.
  const labels: Record<string, number> = { vsock: program.length };
  program.push(insn(LD_W_ABS, arg0), insn(JEQ_K, AF_VSOCK, 'deny', 'allow'));
  labels['socketcall'] = program.length;
  program.push(insn(LD_W_ABS, arg0), insn(JEQ_K, SYS_SOCKET, 'deny', 'allow'));
  labels['deny'] = program.length;
  program.push(insn(RET_K, RET_EPERM));
  labels['allow'] = program.length;
  program.push(insn(RET_K, RET_ALLOW));

  const out = Buffer.alloc(program.length * 8);
  program.forEach((x, i) => {
    const jump = (t: Target): number => (typeof t === 'number' ? t : (labels[t] as number) - (i + 1));
    if (le) {
      out.writeUInt16LE(x.code, i * 8);
      out.writeUInt32LE(x.k, i * 8 + 4);
    } else {
      out.writeUInt16BE(x.code, i * 8);
      out.writeUInt32BE(x.k, i * 8 + 4);
    }
    out.writeUInt8(jump(x.jt), i * 8 + 2);
    out.writeUInt8(jump(x.jf), i * 8 + 3);
  });
  return out;
}

/** Hands the filter to bubblewrap: writes it on the child's {@link SANDBOX_SECCOMP_FD} pipe and closes that end. */
export function feedSeccomp(stdio: readonly unknown[]): void {
  const pipe = stdio[SANDBOX_SECCOMP_FD] as (Writable & Readable) | null | undefined;
  if (pipe === null || pipe === undefined) return;
  pipe.on('error', () => undefined); // bubblewrap failed before reading it: its exit says so
  pipe.resume?.();
  pipe.end(sandboxFilter());
}
