/**
 * What the gate costs, each beside a baseline measured in the same run (µs per operation,
 * sequential, awaited; median of several interleaved rounds):
 *
 * - a denied submit with its audit append vs a bare `evaluate` of the same request;
 * - the same without a log file (kernel overhead alone);
 * - one audit append (chain + hash + group-committed write) vs `fs.writeSync` of the same line;
 * - `fs.read` of a 1 KiB file through `submit` (audited) vs `fs.promises.readFile`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AuditLog } from '../src/kernel/audit-log';
import { type AuditEntry, hashParams, recordLine, chainEntry, GENESIS_HASH } from '../src/kernel/audit-record';
import { Kernel } from '../src/kernel/kernel';
import { compilePolicy } from '../src/policy/compile';
import { evaluate } from '../src/policy/evaluate';
import { loadPolicyFile } from '../src/policy/load';
import { FilesystemProvider } from '../src/providers/filesystem';
import type { BenchRow } from './types';

const POLICY = `capabilities:
  - action: fs.read
    resource: /workspace/**
  - action: fs.write
    resource: /workspace/output/**
`;
const ROUNDS = 7;

/** Mean µs per call of `fn` over `n` sequential awaited calls. */
async function perOp(n: number, fn: () => unknown): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn();
  return Number(process.hrtime.bigint() - start) / 1000 / n;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/** Runs `ours` and `baseline` in alternating rounds (after a warm-up) and returns their medians. */
async function sideBySide(n: number, ours: () => unknown, baseline: () => unknown): Promise<[number, number]> {
  await perOp(Math.ceil(n / 4), ours);
  await perOp(Math.ceil(n / 4), baseline);
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    a.push(await perOp(n, ours));
    b.push(await perOp(n, baseline));
  }
  return [median(a), median(b)];
}

const round = (x: number): number => Math.round(x * 100) / 100;

/** The kernel's benchmark rows. */
export async function run(): Promise<BenchRow[]> {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'agent-os-bench-')));
  const ws = path.join(dir, 'ws');
  fs.mkdirSync(ws);
  fs.writeFileSync(path.join(ws, 'one-kib.txt'), 'x'.repeat(1024));
  const policyFile = path.join(dir, 'policy.yaml');
  fs.writeFileSync(policyFile, POLICY);
  const provider = (): FilesystemProvider => new FilesystemProvider({ mounts: { '/workspace': ws } });
  const logged = new Kernel({ policy: policyFile, providers: [provider()], logPath: path.join(dir, 'kernel.log') });
  const unlogged = new Kernel({ policy: policyFile, providers: [provider()] });
  const compiled = compilePolicy(loadPolicyFile(policyFile));
  const denied = { action: 'fs.write', target: '/etc/passwd', params: { content: 'hacked' } };
  const rows: BenchRow[] = [];
  try {
    const [denyLogged, evalDeny] = await sideBySide(
      2000,
      () => logged.submit(denied),
      () => evaluate(compiled, denied),
    );
    rows.push({ name: 'deny path: submit with audit append vs evaluate', ours: round(denyLogged), baseline: round(evalDeny), unit: 'µs/op' });
    const [denyBare, evalDeny2] = await sideBySide(
      2000,
      () => unlogged.submit(denied),
      () => evaluate(compiled, denied),
    );
    rows.push({ name: 'deny path: submit without log vs evaluate', ours: round(denyBare), baseline: round(evalDeny2), unit: 'µs/op' });

    const log = AuditLog.open(path.join(dir, 'append.log'));
    const fd = fs.openSync(path.join(dir, 'raw.log'), 'a');
    const entry: AuditEntry = {
      timestamp: new Date().toISOString(),
      action: 'fs.write',
      target: '/etc/passwd',
      status: 'DENIED',
      error: 'not permitted',
      duration_ms: 0.1,
      policy_hash: 'p'.repeat(64),
      params_hash: hashParams(denied.params),
    };
    const line = recordLine(chainEntry(entry, 1, GENESIS_HASH));
    const [append, rawWrite] = await sideBySide(
      2000,
      () => log.append(entry),
      () => fs.writeSync(fd, line),
    );
    rows.push({ name: 'audit append (chain+sha256+write) vs fs.writeSync of the line', ours: round(append), baseline: round(rawWrite), unit: 'µs/record' });
    await log.close();
    fs.closeSync(fd);

    const read = { action: 'fs.read', target: '/workspace/one-kib.txt' };
    const file = path.join(ws, 'one-kib.txt');
    const [viaSubmit, rawRead] = await sideBySide(
      1000,
      () => logged.submit(read),
      () => fs.promises.readFile(file, 'utf8'),
    );
    rows.push({
      name: 'fs.read 1 KiB: submit (audited) vs fs.promises.readFile',
      ours: round(viaSubmit),
      baseline: round(rawRead),
      unit: 'µs/op',
      note: 'includes resolve (realpath), use-time checks, policy and audit append',
    });
  } finally {
    await Promise.all([logged.close(), unlogged.close()]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

if (require.main === module) {
  void run().then((rows) => {
    for (const r of rows) console.log(`${r.name}: ours ${r.ours} ${r.unit}, baseline ${r.baseline} ${r.unit}, ratio ${(r.ours / r.baseline).toFixed(1)}`);
  });
}
