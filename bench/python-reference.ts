/**
 * `Kernel.submit` beside the Python reference implementation (`py-agent-kernel` from PyPI,
 * installed into a temporary venv), same policy, same requests, same machine, same run
 * (µs per submit, sequential, median of interleaved rounds, each with its JSONL log record):
 * the deny path, `fs.read` of 1 KiB, `fs.write` of 1 KiB.
 *
 * The reference has no mounts, so both sides get host paths and a policy over the host
 * workspace. If the package cannot be installed or run, the rows say so with the reason and
 * carry no baseline: numbers are never invented. AOK_PYREF_PYTHON=<venv python> reuses an
 * existing venv instead of creating one.
 */
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Kernel } from '../src/kernel/kernel';
import { verifyAuditLog } from '../src/kernel/audit-verify';
import type { ActionRequest } from '../src/kernel/types';
import { FilesystemProvider } from '../src/providers/filesystem';
import type { BenchRow } from './types';

const PACKAGE = 'py-agent-kernel==0.4.3';
/** The original's concurrency benchmark: this many concurrent streams × OPS_PER_STREAM mixed allow/deny submits. */
const STREAMS = 10;
const OPS_PER_STREAM = 100;
/** Timed rounds of the concurrency benchmark (after one untimed round each). */
const CONCURRENT_ROUNDS = 5;
/** Submits per round; rounds alternate between the reference and us (short rounds: a load spike lands on both). */
const N = 500;
const ROUNDS = 11;
/**
 * Untimed submits before the rounds of an unsynced path, on both sides. V8 optimises our path
 * only after a few thousand submits: the first rounds of 500 cost 3–7× the steady state
 * (docs/performance.md, round 6), and a worker is a long-lived process. Each row's note also
 * gives both sides' first round, cold. The fsynced write keeps `n / 4`: its cost is the disk's,
 * and 10,000 files created would slow the rows after it on a disk without a journal.
 */
const WARM_UP = 10_000;

/**
 * The reference's driver: a long-lived process that answers one JSON command per stdin line
 * with one JSON line, so its rounds interleave with ours (a load spike lands on both sides).
 */
const PY_DRIVER = `
import json, sys, threading, time
from agent_os_kernel import Kernel, ActionRequest
from agent_os_kernel.providers.filesystem import FilesystemProvider
policy, log = sys.argv[1], sys.argv[2]
cases = json.loads(sys.argv[3])
kernel = Kernel(policy=policy, providers=[FilesystemProvider()], log_path=log)
reqs = {k: ActionRequest(action=v[0]["action"], target=v[0]["target"], params=v[0].get("params", {})) for k, v in cases.items()}
for name, (req, want) in cases.items():
    got = kernel.submit(reqs[name]).status
    if got != want: raise SystemExit(f"{name}: status {got}, expected {want}")
def answer(obj):
    sys.stdout.write(json.dumps(obj) + "\\n"); sys.stdout.flush()
from importlib.metadata import version
answer({"version": version("py-agent-kernel")})
for line in sys.stdin:
    cmd = json.loads(line)
    if cmd["op"] == "time":
        request, n = reqs[cmd["name"]], cmd["n"]
        t = time.perf_counter_ns()
        for _ in range(n): kernel.submit(request)
        answer({"us": (time.perf_counter_ns() - t) / 1000 / n})
    elif cmd["op"] == "concurrent":
        streams, per = cmd["streams"], cmd["per"]
        mixed = [reqs["read"], reqs["deny"]]
        def stream():
            for i in range(per): kernel.submit(mixed[i % 2])
        threads = [threading.Thread(target=stream) for _ in range(streams)]
        t = time.perf_counter_ns()
        for th in threads: th.start()
        for th in threads: th.join()
        answer({"ops": streams * per / ((time.perf_counter_ns() - t) / 1e9)})
    else:
        kernel.close()
        with open(log) as f: lines = sum(1 for _ in f)
        answer({"log_lines": lines})
        break
`;

/** The reference driver, one command at a time. */
class Reference {
  private readonly child: ChildProcessWithoutNullStreams;
  private buffered = '';
  private waiting: ((line: string) => void) | undefined;
  private stderr = '';

  constructor(python: string, args: readonly string[]) {
    this.child = spawn(python, ['-c', PY_DRIVER, ...args], { env: { ...process.env, LITELLM_LOCAL_MODEL_COST_MAP: 'True' } });
    this.child.stdout.setEncoding('utf8');
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (d: string) => (this.stderr = (this.stderr + d).slice(-2000)));
    // A python that cannot be started (a wrong AOK_PYREF_PYTHON) or that went away: said by next(), never a crash.
    this.child.on('error', (err) => (this.stderr = `${this.stderr}\n${err.message}`));
    this.child.stdin.on('error', () => undefined);
    this.child.stdout.on('data', (d: string) => {
      this.buffered += d;
      const nl = this.buffered.indexOf('\n');
      if (nl >= 0 && this.waiting !== undefined) {
        const line = this.buffered.slice(0, nl);
        this.buffered = this.buffered.slice(nl + 1);
        const w = this.waiting;
        this.waiting = undefined;
        w(line);
      }
    });
  }

  /** The next answer line, parsed; rejects with the driver's last stderr line when it exits first. */
  next(): Promise<Record<string, number | string>> {
    return new Promise((resolve, reject) => {
      const onExit = (): void => reject(new Error(this.stderr.trim().split('\n').at(-1) ?? 'the reference driver exited'));
      this.child.once('exit', onExit);
      this.child.once('error', onExit);
      this.waiting = (line) => {
        this.child.off('exit', onExit);
        this.child.off('error', onExit);
        resolve(JSON.parse(line) as Record<string, number | string>);
      };
      const nl = this.buffered.indexOf('\n');
      if (nl >= 0) {
        const line = this.buffered.slice(0, nl);
        this.buffered = this.buffered.slice(nl + 1);
        this.waiting = undefined;
        this.child.off('exit', onExit);
        this.child.off('error', onExit);
        resolve(JSON.parse(line) as Record<string, number | string>);
      }
    });
  }

  ask(cmd: Record<string, unknown>): Promise<Record<string, number | string>> {
    this.child.stdin.write(`${JSON.stringify(cmd)}\n`);
    return this.next();
  }

  kill(): void {
    this.child.kill();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/** Creates the venv and installs the reference; returns its python, or throws with the reason. */
function referencePython(dir: string): string {
  const given = process.env['AOK_PYREF_PYTHON'];
  if (given) return given;
  const venv = path.join(dir, 'venv');
  execFileSync('python3', ['-m', 'venv', venv], { stdio: 'pipe' });
  const python = path.join(venv, 'bin', 'python');
  execFileSync(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', PACKAGE], { stdio: 'pipe', timeout: 15 * 60_000 });
  return python;
}

const NOTES: Record<string, string> = {
  read: '; ours also resolves realpath, re-checks at use (O_NOFOLLOW, fstat) and hash-chains the record',
  write: '; both write in place without fsync (ours: an existing worker-owned file with one link, opened O_NOFOLLOW, never O_TRUNC)',
  writeFull: '; ours writes atomically and durably (temp file, fsync, rename, fsync of the folder), the reference writes in place without fsync',
};

const round = (x: number): number => Math.round(x * 100) / 100;

/** The comparison rows. */
export async function run(): Promise<BenchRow[]> {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'aok-pyref-')));
  const ws = path.join(dir, 'ws');
  fs.mkdirSync(path.join(ws, 'output'), { recursive: true });
  fs.writeFileSync(path.join(ws, 'data.txt'), 'x'.repeat(1024));
  const policyFile = path.join(dir, 'policy.yaml');
  fs.writeFileSync(policyFile, `capabilities:\n  - action: fs.read\n    resource: ${ws}/**\n  - action: fs.write\n    resource: ${ws}/output/**\n`);
  const cases: Record<string, [ActionRequest, string]> = {
    deny: [{ action: 'fs.write', target: '/etc/passwd', params: { content: 'hacked' } }, 'DENIED'],
    read: [{ action: 'fs.read', target: path.join(ws, 'data.txt') }, 'OK'],
    write: [{ action: 'fs.write', target: path.join(ws, 'output', 'out.txt'), params: { content: 'y'.repeat(1024) } }, 'OK'],
  };
  const labels: Record<string, string> = { deny: 'deny path (fs.write /etc/passwd)', read: 'fs.read 1 KiB', write: 'fs.write 1 KiB' };

  let reference: Reference | undefined;
  let version = '';
  let unavailable = '';
  let python: string | undefined;
  try {
    python = referencePython(dir);
    reference = new Reference(python, [policyFile, path.join(dir, 'py.log'), JSON.stringify(cases)]);
    version = String((await reference.next())['version']); // ready: imported, checked every case's status
  } catch (err) {
    reference?.kill();
    reference = undefined;
    python = undefined; // nor is its import timed
    const e = err as { stderr?: Buffer | string; message?: string };
    unavailable = `reference unavailable: ${String(e.stderr ?? e.message ?? err)
      .trim()
      .split('\n')
      .at(-1)
      ?.slice(0, 160)}`;
  }

  const kernel = new Kernel({ policy: policyFile, providers: [new FilesystemProvider()], logPath: path.join(dir, 'ts.log') });
  const osKernel = new Kernel({ policy: policyFile, providers: [new FilesystemProvider({ durability: 'os' })], logPath: path.join(dir, 'ts-os.log') });
  const rows: BenchRow[] = [];
  const refNote = (extra: string): string => `py-agent-kernel ${version}${extra}; rounds interleaved with the reference's`;
  try {
    const runs: [string, Kernel, string][] = [
      ['deny', kernel, ''],
      ['read', kernel, ''],
      ['write', osKernel, " durability 'os'"],
      ['write', kernel, ' durability full (default)'],
    ];
    for (const [name, k, how] of runs) {
      const [request, want] = cases[name] as [ActionRequest, string];
      const first = await k.submit(request);
      if (first.status !== want) throw new Error(`${name}: our status ${first.status} (${first.error ?? ''}), expected ${want}`);
      const fsynced = name === 'write' && k === kernel;
      const n = fsynced ? N / 10 : N; // an fsynced write costs ms: fewer, same rounds
      // The first round of each side, cold (before the warm-up), for the note.
      const coldTheirs = reference === undefined ? NaN : Number((await reference.ask({ op: 'time', name, n }))['us']);
      const c0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) await k.submit(request);
      const coldOurs = Number(process.hrtime.bigint() - c0) / 1000 / n;
      const warmUp = fsynced ? Math.ceil(n / 4) : WARM_UP;
      for (let i = 0; i < warmUp; i++) await k.submit(request);
      await reference?.ask({ op: 'time', name, n: warmUp });
      const samples: number[] = [];
      const theirs: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        // One round each, back to back: the reference's, then ours.
        if (reference !== undefined) theirs.push(Number((await reference.ask({ op: 'time', name, n }))['us']));
        const t = process.hrtime.bigint();
        for (let i = 0; i < n; i++) await k.submit(request);
        samples.push(Number(process.hrtime.bigint() - t) / 1000 / n);
      }
      const base = theirs.length > 0 ? median(theirs) : NaN;
      rows.push({
        name: `kernel.submit vs py-agent-kernel: ${labels[name]}${how}`,
        ours: round(median(samples)),
        baseline: round(base),
        unit: 'µs/submit',
        note: Number.isFinite(base)
          ? refNote(
              `; both log one JSONL record per submit${NOTES[fsynced ? 'writeFull' : name] ?? ''}; after ${warmUp} untimed submits each` +
                `; cold, the first ${n}: ours ${round(coldOurs)}, reference ${round(coldTheirs)} µs/submit`,
            )
          : unavailable,
      });
    }
    rows.push(await concurrentRow(osKernel, cases, path.join(dir, 'ts-os.log'), reference, unavailable));
    if (reference !== undefined) {
      const closing = await reference.ask({ op: 'close' });
      const last = rows.at(-1);
      if (last !== undefined) last.note = `${last.note ?? ''}; reference log ${String(closing['log_lines'])} lines`;
    }
  } finally {
    reference?.kill();
    await Promise.all([kernel.close(), osKernel.close()]);
  }
  try {
    rows.push(requireRow(python, unavailable));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

/**
 * The original's concurrency benchmark: STREAMS concurrent streams × OPS_PER_STREAM submits,
 * alternating an allowed 1 KiB read and a denied write; ops/s, median of CONCURRENT_ROUNDS. The log must then
 * verify and hold exactly one record per submit (ours) — and line for line (the reference).
 */
async function concurrentRow(
  k: Kernel,
  cases: Record<string, [ActionRequest, string]>,
  logPath: string,
  reference: Reference | undefined,
  unavailable: string,
): Promise<BenchRow> {
  const mixed = [cases['read']?.[0], cases['deny']?.[0]] as ActionRequest[];
  const before = countRecords(logPath);
  const rates: number[] = [];
  const theirs: number[] = [];
  for (let r = 0; r < 1 + CONCURRENT_ROUNDS; r++) {
    const warmUp = r === 0; // one untimed round each first
    if (reference !== undefined) {
      const ops = Number((await reference.ask({ op: 'concurrent', streams: STREAMS, per: OPS_PER_STREAM }))['ops']);
      if (!warmUp) theirs.push(ops);
    }
    const t = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: STREAMS }, async () => {
        for (let i = 0; i < OPS_PER_STREAM; i++) await k.submit(mixed[i % 2] as ActionRequest);
      }),
    );
    if (!warmUp) rates.push((STREAMS * OPS_PER_STREAM) / (Number(process.hrtime.bigint() - t) / 1e9));
  }
  const submits = (1 + CONCURRENT_ROUNDS) * STREAMS * OPS_PER_STREAM;
  const added = countRecords(logPath) - before;
  const verdict = await verifyAuditLog(logPath);
  const intact = verdict.ok && added === submits;
  if (!intact) throw new Error(`concurrency: log not intact (${added} records for ${submits} submits, verify ${verdict.ok ? 'ok' : 'FAILED'})`);
  const base = theirs.length > 0 ? median(theirs) : NaN;
  return {
    name: `${STREAMS} concurrent streams × ${OPS_PER_STREAM} mixed ops (read allow / write deny) vs py-agent-kernel (threads)`,
    ours: round(median(rates)),
    baseline: round(base),
    unit: 'ops/s (higher is better)',
    note: Number.isFinite(base) ? `log intact: ${added} records, chain verified; rounds interleaved with the reference's` : unavailable,
  };
}

function countRecords(file: string): number {
  try {
    return fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.length > 0).length;
  } catch {
    return 0;
  }
}

/**
 * `require('agent-os-kernel')` (the package root) in a fresh process vs `import agent_os_kernel`
 * in a fresh Python; median of 5 each. Fails when the root pulls in @temporalio or undici.
 */
function requireRow(python: string | undefined, unavailable: string): BenchRow {
  const root = path.resolve(__dirname, '..', 'src', 'index.js');
  const js =
    `const t=process.hrtime.bigint();require(${JSON.stringify(root)});const ms=Number(process.hrtime.bigint()-t)/1e6;` +
    'const bad=Object.keys(require.cache).filter((k)=>/node_modules[\\/](@temporalio|undici)[\\/]/.test(k));console.log(JSON.stringify({ms,bad}))';
  const ours: number[] = [];
  for (let i = 0; i < 5; i++) {
    const got = JSON.parse(execFileSync(process.execPath, ['-e', js], { encoding: 'utf8' }).trim()) as { ms: number; bad: string[] };
    if (got.bad.length > 0) throw new Error(`require('agent-os-kernel') loaded ${got.bad.length} @temporalio/undici modules, e.g. ${got.bad[0] ?? ''}`);
    ours.push(got.ms);
  }
  const theirs: number[] = [];
  if (python !== undefined) {
    const py = 'import time; t = time.perf_counter(); import agent_os_kernel; print((time.perf_counter() - t) * 1000)';
    for (let i = 0; i < 5; i++)
      theirs.push(Number(execFileSync(python, ['-c', py], { encoding: 'utf8', env: { ...process.env, LITELLM_LOCAL_MODEL_COST_MAP: 'True' } }).trim()));
  }
  return {
    name: "require('agent-os-kernel') (package root, fresh process) vs import agent_os_kernel",
    ours: round(median(ours)),
    baseline: theirs.length > 0 ? round(median(theirs)) : NaN,
    unit: 'ms',
    note: `require.cache holds no @temporalio or undici module${theirs.length > 0 ? '' : `; ${unavailable}`}`,
  };
}

if (require.main === module) {
  void run().then((rows) => console.table(rows));
}
