/**
 * Load: many concurrent agent runs (default 100 × 20 tool calls) on ONE worker process, beside
 * the same number of agent-shaped no-op runs (bench/noop-workflow.ts, shape 'run': the same
 * activities and local activities per tool call, no kernel, no model) on one worker process
 * with the same settings, on the same server, in alternating rounds. Reports tool calls/s of
 * both (ratio = ours / no-op; goal ≥ 0.8), and the p50 / p99 latency of one tool call.
 *
 * Every agent round is checked like test/reliability/load.test.ts: every effect on disk once,
 * exactly one OK audit record per tool call, the chain intact.
 *
 * Server: its own dev server (SQLite file, as test/reliability/fault-env.ts starts it), or an
 * external one — `TEMPORAL_ADDRESS=host:port` (namespace `default`, the search attributes
 * registered, e.g. `npm run cluster -- up`), or `--address host:port` when this file runs on
 * its own (`node dist/bench/load.js --address 127.0.0.1:7233`) or through scripts/run-bench.js.
 *
 * Size: AOK_LOAD_RUNS × AOK_LOAD_CALLS (default 100 × 20), AOK_LOAD_ROUNDS rounds of each
 * (default 2). AOK_LOAD_WORKER_OPTIONS: JSON worker options applied to both workers over the
 * tuned defaults (src/worker/tuning.ts), to measure alternatives. AOK_LOAD_SQLITE_PRAGMAS:
 * pragmas of the own dev server's SQLite file, e.g. `journal_mode=wal,synchronous=normal`.
 * AOK_LOAD_CPU_PROF=<dir>: both worker children write `--cpu-prof` profiles there.
 * AOK_LOAD_MIX=write: every tool call an `fs.write` (no sandboxed `proc.exec`), checked by
 * {@link checkWrites}; default `mixed` (the fault fixture's alternation, checked by checkEffects).
 *
 * Both workers run with what a production worker gets (`AGENT_WORKER_TUNING`, applied by
 * `createAgentWorker`): the agent worker child's short sticky schedule-to-start timeout (1 s,
 * for the fault tests) is set back to the tuned 10 s.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { uniqueId } from '../test/helpers/temporal';
import { descendantsOf } from '../test/helpers/processes';
import type { Script } from '../src/dev/scripted-server';
import { verifyAuditLog } from '../src/kernel/audit-verify';
import { checkEffects, type FinishedRun } from '../test/reliability/fault-effects';
import { finish, startFaultEnv, type FaultEnv } from '../test/reliability/fault-env';
import { faultScript, startReadyChild, startWorkerChild } from '../test/reliability/fault-fixture';
import { quantile, timedScript, type CallTimer } from '../test/reliability/load-timer';
import { AGENT_WORKER_TUNING } from '../src/worker/tuning';
import type { NoopWorkerConfig } from './noop-worker';
import type { BenchRow } from './types';

/** The load bench starts its own dev server (SQLite persistence) unless given an address. */
export const needsTemporal = false;

const RUNS = Number(process.env['AOK_LOAD_RUNS'] ?? 100);
const CALLS = Number(process.env['AOK_LOAD_CALLS'] ?? 20);
const ROUNDS = Number(process.env['AOK_LOAD_ROUNDS'] ?? 2);
const WRITE_ONLY = process.env['AOK_LOAD_MIX'] === 'write';

/** The write-only script: call k of run R writes `output/R/k.txt` = `R:k`. */
const writeScript: Script = (request) => {
  const prompt = request.messages.find((m) => m.role === 'user')?.content ?? '';
  const id = prompt.startsWith('run ') ? prompt.slice(4) : undefined;
  if (id === undefined) return undefined;
  const k = request.messages.filter((m) => m.role === 'tool').length;
  return k < CALLS
    ? { reply: { toolCalls: [{ name: 'write_file', arguments: { path: `/workspace/output/${id}/${k}.txt`, content: `${id}:${k}` } }] } }
    : { reply: { content: 'done' } };
};

/** Every write of every run on disk once with its content, one OK audit record per call, the log verified. */
async function checkWrites(
  workspace: string,
  logPath: string,
  runs: readonly FinishedRun[],
): Promise<{ auditRecords: number; rewrites: number; unknownAppends: number }> {
  for (const run of runs) {
    if (run.output !== 'done' || run.actions.length !== CALLS || run.actions.some((a) => a.status !== 'OK'))
      throw new Error(`load: run ${run.id} did not finish cleanly`);
    for (let k = 0; k < CALLS; k++) {
      if (fs.readFileSync(path.join(workspace, 'output', run.id, `${k}.txt`), 'utf8') !== `${run.id}:${k}`)
        throw new Error(`load: run ${run.id} write ${k} lost`);
    }
  }
  const verified = await verifyAuditLog(logPath);
  if (!verified.ok) throw new Error(`load: the audit log does not verify: ${JSON.stringify(verified.problems.slice(0, 3))}`);
  const records = fs.readFileSync(logPath, 'utf8').split('\n').filter(Boolean).length;
  return { auditRecords: records, rewrites: 0, unknownAppends: 0 };
}

/** One measured round. */
interface Round {
  readonly ours: number;
  readonly noop: number;
  readonly p50: number;
  readonly p99: number;
  /** CPU ms per tool call of the agent worker / the no-op worker (with everything they started: the spawner, the sandboxes), and of the own dev server. */
  readonly oursCpu: number;
  readonly noopCpu: number;
  readonly oursOwnCpu: number;
  readonly noopOwnCpu: number;
  readonly serverCpu: number;
}

/** CPU time (ms) a process and its reaped children used so far (Linux /proc; NaN elsewhere). */
function cpuMs(pid: number | undefined): number {
  return procCpuMs(pid, [11, 12, 13, 14]);
}

/** CPU time (ms) of the process alone: its own threads, nothing it started. */
function ownCpuMs(pid: number | undefined): number {
  return procCpuMs(pid, [11, 12]);
}

function procCpuMs(pid: number | undefined, fieldsToSum: readonly number[]): number {
  if (pid === undefined) return NaN;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces): state is field 3, utime..cstime are 14..17.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = fieldsToSum.reduce((sum, i) => sum + Number(fields[i]), 0);
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return NaN;
  }
}

/**
 * CPU time (ms) of a worker and everything it started: itself, its reaped children, and its
 * live descendants (the process provider's spawner, whose own reaped children are the
 * sandboxes) with theirs. A worker that spawns its programs itself reaps them: the same total.
 */
function workerCpuMs(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  return descendantsOf(pid).reduce((sum, d) => sum + (cpuMs(d) || 0), cpuMs(pid));
}

/** One side of a round: tool calls/s and CPU ms per call of its worker and of the server. */
interface Side {
  readonly perSecond: number;
  readonly workerCpu: number;
  readonly serverCpu: number;
  /** The worker process's own CPU (its threads only; not the spawner, not the sandboxes). */
  readonly workerOwnCpu: number;
}

function workerOptions(): Record<string, unknown> {
  const raw = process.env['AOK_LOAD_WORKER_OPTIONS'];
  const production = { stickyQueueScheduleToStartTimeout: AGENT_WORKER_TUNING.stickyQueueScheduleToStartTimeout };
  if (raw === undefined || raw === '') return production;
  try {
    return { ...production, ...(JSON.parse(raw) as Record<string, unknown>) };
  } catch (err) {
    throw new Error(`AOK_LOAD_WORKER_OPTIONS: not JSON (${String(err)}); e.g. '{"maxCachedWorkflows":200}'`);
  }
}

/** Node arguments of the worker children: `--cpu-prof` into AOK_LOAD_CPU_PROF when set. */
function profileArgs(): string[] {
  const dir = process.env['AOK_LOAD_CPU_PROF'];
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

/** AOK_LOAD_SQLITE_PRAGMAS (`name=value,name=value`) as an object. */
function sqlitePragmas(): Record<string, string> | undefined {
  const raw = process.env['AOK_LOAD_SQLITE_PRAGMAS'];
  if (raw === undefined || raw === '') return undefined;
  const pairs = raw.split(',').map((p) => p.split('='));
  if (pairs.some((p) => p.length !== 2 || p[0] === '' || p[1] === '')) {
    throw new Error(`AOK_LOAD_SQLITE_PRAGMAS=${raw}: expected name=value pairs separated by commas, e.g. journal_mode=wal,synchronous=normal`);
  }
  return Object.fromEntries(pairs as Array<[string, string]>);
}

/** Tool calls/s of RUNS agent runs on a fresh worker child; checks the effects. */
async function agentRound(env: FaultEnv, round: number, timer: CallTimer, options: Record<string, unknown>): Promise<Side & { p50: number; p99: number }> {
  const s = env.scenario(`load-${round}`);
  const child = await startWorkerChild({ ...s.config, workerOptions: options }, profileArgs());
  try {
    timer.latencies.length = 0;
    const cpu0 = [workerCpuMs(child.pid), cpuMs(env.server.pid), ownCpuMs(child.pid)];
    const started = performance.now();
    const runs = await env.startRuns(s, RUNS, {});
    const finished = await finish(runs);
    const seconds = (performance.now() - started) / 1000;
    const [workerCpu, serverCpu, workerOwnCpu] = [
      workerCpuMs(child.pid) - (cpu0[0] ?? NaN),
      cpuMs(env.server.pid) - (cpu0[1] ?? NaN),
      ownCpuMs(child.pid) - (cpu0[2] ?? NaN),
    ].map((ms) => ms / (RUNS * CALLS));
    const report = WRITE_ONLY ? await checkWrites(s.workspace, s.logPath, finished) : await checkEffects(s.workspace, s.logPath, finished, CALLS);
    if (report.auditRecords !== RUNS * CALLS || report.rewrites !== 0 || report.unknownAppends !== 0) {
      throw new Error(`load: a record was lost or an action repeated: ${JSON.stringify(report)}`);
    }
    return {
      perSecond: (RUNS * CALLS) / seconds,
      workerCpu: workerCpu ?? NaN,
      serverCpu: serverCpu ?? NaN,
      workerOwnCpu: workerOwnCpu ?? NaN,
      p50: quantile(timer.latencies, 0.5),
      p99: quantile(timer.latencies, 0.99),
    };
  } finally {
    await child.stop();
  }
}

/** Tool calls/s of RUNS agent-shaped no-op runs on a fresh no-op worker child. */
async function noopRound(env: FaultEnv, bundlePath: string, options: Record<string, unknown>): Promise<Side> {
  const taskQueue = uniqueId('load-noop');
  const config: NoopWorkerConfig = { address: env.server.address, taskQueue, bundlePath, workerOptions: options };
  const child = await startReadyChild(path.join(__dirname, 'noop-worker.js'), config, profileArgs());
  try {
    const cpu0 = [workerCpuMs(child.pid), cpuMs(env.server.pid), ownCpuMs(child.pid)];
    const started = performance.now();
    const handles = await Promise.all(
      Array.from({ length: RUNS }, (_, i) => env.client.workflow.start('noopSteps', { taskQueue, workflowId: uniqueId(`noop-${i}`), args: [CALLS, 'run'] })),
    );
    await Promise.all(handles.map((h) => h.result()));
    const seconds = (performance.now() - started) / 1000;
    const [workerCpu, serverCpu, workerOwnCpu] = [
      workerCpuMs(child.pid) - (cpu0[0] ?? NaN),
      cpuMs(env.server.pid) - (cpu0[1] ?? NaN),
      ownCpuMs(child.pid) - (cpu0[2] ?? NaN),
    ].map((ms) => ms / (RUNS * CALLS));
    return { perSecond: (RUNS * CALLS) / seconds, workerCpu: workerCpu ?? NaN, serverCpu: serverCpu ?? NaN, workerOwnCpu: workerOwnCpu ?? NaN };
  } finally {
    await child.stop();
  }
}

const r1 = (x: number): number => Math.round(x * 10) / 10;
/** The median (the mean of the two middle values for an even count). */
function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length / 2;
  return s.length % 2 === 1 ? (s[Math.floor(mid)] ?? NaN) : ((s[mid - 1] ?? NaN) + (s[mid] ?? NaN)) / 2;
}

/** The rows. */
export async function run(): Promise<BenchRow[]> {
  const address = process.env['TEMPORAL_ADDRESS'] || undefined;
  const options = workerOptions();
  const timer = timedScript(WRITE_ONLY ? writeScript : faultScript(CALLS), CALLS);
  const pragmas = sqlitePragmas();
  const env = await startFaultEnv(CALLS, timer.script, address !== undefined ? { address } : pragmas !== undefined ? { sqlitePragmas: pragmas } : {});
  const rounds: Round[] = [];
  try {
    const bundlePath = path.join(path.dirname(env.dbFile), 'noop-bundle.js');
    const bundle = await bundleWorkflowCode({ workflowsPath: path.join(__dirname, 'noop-workflow.js'), logger: new DefaultLogger('ERROR') });
    fs.writeFileSync(bundlePath, bundle.code);
    for (let r = 0; r < ROUNDS; r++) {
      // Alternate which goes first, so a drift in the machine's load hits both alike.
      const first = r % 2 === 1 ? await noopRound(env, bundlePath, options) : undefined;
      const ours = await agentRound(env, r, timer, options);
      const noop = first ?? (await noopRound(env, bundlePath, options));
      rounds.push({
        ours: ours.perSecond,
        noop: noop.perSecond,
        p50: ours.p50,
        p99: ours.p99,
        oursCpu: ours.workerCpu,
        noopCpu: noop.workerCpu,
        serverCpu: ours.serverCpu,
        oursOwnCpu: ours.workerOwnCpu,
        noopOwnCpu: noop.workerOwnCpu,
      });
      process.stderr.write(
        `load: round ${r + 1}: ours ${r1(ours.perSecond)} calls/s, no-op ${r1(noop.perSecond)} calls/s, ratio ${(ours.perSecond / noop.perSecond).toFixed(2)}, ` +
          `p50 ${Math.round(ours.p50)} ms, p99 ${Math.round(ours.p99)} ms; CPU ms per call: worker ${r1(ours.workerCpu)} vs ${r1(noop.workerCpu)} ` +
          `(its own threads ${r1(ours.workerOwnCpu)} vs ${r1(noop.workerOwnCpu)}), server ${r1(ours.serverCpu)} vs ${r1(noop.serverCpu)}\n`,
      );
    }
  } finally {
    await env.close();
  }
  const ratios = rounds.map((x) => x.ours / x.noop);
  const server =
    address !== undefined
      ? `server ${address}`
      : `own dev server (SQLite file${
          pragmas
            ? `, ${Object.entries(pragmas)
                .map((e) => e.join('='))
                .join(', ')}`
            : ''
        })`;
  const size = `${RUNS} concurrent runs × ${CALLS} tool calls${WRITE_ONLY ? ' (fs.write only)' : ''}, one worker each`;
  return [
    {
      name: `load: agent runs vs agent-shaped no-op runs, throughput (${size})`,
      ours: r1(median(rounds.map((x) => x.ours))),
      baseline: r1(median(rounds.map((x) => x.noop))),
      unit: 'tool calls/s',
      note: `${ROUNDS} alternating rounds, ratio per round ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}; ${server}; nothing lost or duplicated (checked)`,
    },
    {
      name: 'load: worker CPU per tool call (agent worker with its spawner and sandboxes vs no-op worker)',
      ours: r1(median(rounds.map((x) => x.oursCpu))),
      baseline: r1(median(rounds.map((x) => x.noopCpu))),
      unit: 'CPU ms/call',
      note:
        address !== undefined
          ? "the external server's CPU is not measured"
          : `own dev server: ${r1(median(rounds.map((x) => x.serverCpu)))} CPU ms per agent tool call`,
    },
    {
      name: "load: worker process's own CPU per tool call (its threads only: not the spawner, not the sandboxes)",
      ours: r1(median(rounds.map((x) => x.oursOwnCpu))),
      baseline: r1(median(rounds.map((x) => x.noopOwnCpu))),
      unit: 'CPU ms/call',
    },
    { name: 'load: one tool call, p50', ours: Math.round(median(rounds.map((x) => x.p50))), baseline: NaN, unit: 'ms' },
    { name: 'load: one tool call, p99', ours: Math.round(median(rounds.map((x) => x.p99))), baseline: NaN, unit: 'ms' },
  ];
}

if (require.main === module) {
  const { values } = parseArgs({ options: { address: { type: 'string' } } });
  if (values.address !== undefined) process.env['TEMPORAL_ADDRESS'] = values.address;
  run().then(
    (rows) => console.table(rows),
    (err: unknown) => {
      console.error(`load: FAILED — ${String((err as Error)?.message ?? err)}`);
      process.exitCode = 1;
    },
  );
}
