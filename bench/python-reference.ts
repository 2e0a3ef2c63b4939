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
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Kernel } from '../src/kernel/kernel';
import type { ActionRequest } from '../src/kernel/types';
import { FilesystemProvider } from '../src/providers/filesystem';
import type { BenchRow } from './types';

const PACKAGE = 'py-agent-kernel==0.4.3';
const N = 2000;
const ROUNDS = 5;

const PY_DRIVER = `
import json, statistics, sys, time
from agent_os_kernel import Kernel, ActionRequest
from agent_os_kernel.providers.filesystem import FilesystemProvider
policy, log, n, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
cases = json.loads(sys.argv[5])
kernel = Kernel(policy=policy, providers=[FilesystemProvider()], log_path=log)
out = {}
for name, (req, want) in cases.items():
    request = ActionRequest(action=req["action"], target=req["target"], params=req.get("params", {}))
    got = kernel.submit(request).status
    if got != want: raise SystemExit(f"{name}: status {got}, expected {want}")
    for _ in range(n // 4): kernel.submit(request)
    samples = []
    for _ in range(rounds):
        t = time.perf_counter_ns()
        for _ in range(n): kernel.submit(request)
        samples.append((time.perf_counter_ns() - t) / 1000 / n)
    out[name] = statistics.median(samples)
kernel.close()
from importlib.metadata import version
out["version"] = version("py-agent-kernel")
print(json.dumps(out))
`;

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
  write: '; ours writes atomically (temp file, fsync, rename, fsync of the folder), the reference writes in place without fsync',
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

  let reference: Record<string, number | string> | undefined;
  let unavailable = '';
  try {
    const python = referencePython(dir);
    const stdout = execFileSync(python, ['-c', PY_DRIVER, policyFile, path.join(dir, 'py.log'), String(N), String(ROUNDS), JSON.stringify(cases)], { encoding: 'utf8', timeout: 30 * 60_000, env: { ...process.env, LITELLM_LOCAL_MODEL_COST_MAP: 'True' } });
    reference = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, number | string>;
  } catch (err) {
    const e = err as { stderr?: Buffer | string; message?: string };
    unavailable = `reference unavailable: ${String(e.stderr ?? e.message ?? err).trim().split('\n').at(-1)?.slice(0, 160)}`;
  }

  const kernel = new Kernel({ policy: policyFile, providers: [new FilesystemProvider()], logPath: path.join(dir, 'ts.log') });
  const rows: BenchRow[] = [];
  try {
    for (const [name, [request, want]] of Object.entries(cases)) {
      const first = await kernel.submit(request);
      if (first.status !== want) throw new Error(`${name}: our status ${first.status} (${first.error ?? ''}), expected ${want}`);
      for (let i = 0; i < N / 4; i++) await kernel.submit(request);
      const samples: number[] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const t = process.hrtime.bigint();
        for (let i = 0; i < N; i++) await kernel.submit(request);
        samples.push(Number(process.hrtime.bigint() - t) / 1000 / N);
      }
      const base = reference?.[name];
      rows.push({
        name: `kernel.submit vs py-agent-kernel: ${labels[name]}`,
        ours: round(median(samples)),
        baseline: typeof base === 'number' ? round(base) : NaN,
        unit: 'µs/submit',
        note: typeof base === 'number' ? `py-agent-kernel ${String(reference?.['version'])}; both log one JSONL record per submit${NOTES[name] ?? ''}` : unavailable,
      });
    }
  } finally {
    await kernel.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

if (require.main === module) {
  void run().then((rows) => console.table(rows));
}
