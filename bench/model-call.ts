/**
 * What one model call costs the worker on the client side: `createChat(...)` (the model
 * activity's chat) against the project's scripted OpenAI-compatible server, which runs in a
 * child process so that its CPU is not counted. Each way of sending the HTTP request is an
 * `openai` client with a different `fetch` (`createChatWith`): ours (`createChat`, the
 * default) beside `openai` on Node's global `fetch` (the way before), and with
 * `AOK_BENCH_MODEL_ALL=1` also undici's own `fetch` on a keep-alive agent.
 *
 * The request is agent-shaped: a 21-message transcript (system, user, ten tool calls and
 * their results) and the two tools of the fault fixture; the reply is a tool call. Rounds
 * interleave the ways (the first way rotates each round); in a round each way makes
 * `AOK_BENCH_MODEL_CALLS` calls (default 200), `AOK_BENCH_MODEL_CONCURRENCY` at a time
 * (default 10, as the activities of concurrent runs are). Per round: CPU µs per call
 * (`process.cpuUsage`, every thread of this process) and wall µs per call (the round's
 * wall time / calls). Rows: medians over `AOK_BENCH_MODEL_ROUNDS` rounds (default 11), the
 * note gives the range. A last row: the CPU of the first call in a fresh process (5 child
 * processes each way, interleaved), which for ours includes loading undici. The server's
 * script is exactly as long as the calls made; it fails loudly (HTTP 400, and the bench
 * throws) if a call is made beyond it or a step is unused.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { ScriptedModelServer } from '../src/dev/scripted-server';
import { createChat, createChatWith, type Chat } from '../src/model/chat';
import { undici } from '../src/providers/undici-lazy';
import type { ChatMessage, ModelRequest, ModelTool } from '../src/model/types';
import type { BenchRow } from './types';
import { FAULT_TOOLS } from '../test/reliability/fault-fixture';

const CALLS = Number(process.env['AOK_BENCH_MODEL_CALLS'] ?? 200);
const CONCURRENCY = Number(process.env['AOK_BENCH_MODEL_CONCURRENCY'] ?? 10);
const ROUNDS = Number(process.env['AOK_BENCH_MODEL_ROUNDS'] ?? 11);
const FRESH = 5;
const WARMUP = Number(process.env['AOK_BENCH_MODEL_WARMUP'] ?? 1000);

/** The fault fixture's two tools, as the model sees them. */
const TOOLS: ModelTool[] = FAULT_TOOLS.map(({ name, description, parameters }) => ({ name, description, parameters }));

function transcript(): ChatMessage[] {
  const messages: ChatMessage[] = [
    { role: 'system', content: 'You are an agent. Use the tools to do the task, then answer.' },
    { role: 'user', content: 'run bench-1: write the ten files and append a ledger line for each.' },
  ];
  for (let k = 0; k < 10; k++) {
    const id = `call_${k}_0`;
    const write = k % 2 === 0;
    const args = write ? { path: `/workspace/output/bench-1/${k}.txt`, content: `bench-1:${k}` } : { program: 'tee', stdin: `bench-1:${k}\n` };
    messages.push({ role: 'assistant', content: null, toolCalls: [{ id, name: write ? 'write_file' : 'append_line', arguments: JSON.stringify(args) }] });
    messages.push({
      role: 'tool',
      toolCallId: id,
      content: JSON.stringify(
        write ? { status: 'OK', result: { bytes: 10 } } : { status: 'OK', result: { exitCode: 0, stdout: `bench-1:${k}\n`, stderr: '' } },
      ),
    });
  }
  return messages;
}

let fetchAgent: import('undici').Dispatcher | undefined;

/** undici's own `fetch` on a keep-alive agent of its own (`AOK_BENCH_MODEL_ALL=1`). */
function undiciFetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const u = undici();
  fetchAgent ??= new u.Agent();
  return u.fetch(input as never, { ...(init as object), dispatcher: fetchAgent } as never) as unknown as Promise<Response>;
}

const REQUEST: ModelRequest = { messages: transcript(), tools: TOOLS };

interface Way {
  readonly name: string;
  readonly chat: Chat;
  readonly cpuUs: number[];
  readonly wallUs: number[];
}

async function callMany(chat: Chat, calls: number): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < calls) {
      next++;
      const reply = await chat(REQUEST);
      if (reply.message.toolCalls?.[0]?.name !== 'write_file') throw new Error('model-call bench: unexpected reply');
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, calls) }, lane));
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

const range = (xs: readonly number[]): string => `${Math.round(Math.min(...xs))}–${Math.round(Math.max(...xs))}`;

/** Starts the scripted server in a child process with `steps` replies; resolves its base URL. */
async function startServer(steps: number): Promise<{ child: ChildProcess; baseURL: string }> {
  const child = fork(__filename, [], { env: { ...process.env, AOK_BENCH_MODEL_SERVER_STEPS: String(steps) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const baseURL = await new Promise<string>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { baseURL: string }).baseURL));
    child.once('exit', (code) => reject(new Error(`model-call bench: the scripted server exited (${code})`)));
  });
  return { child, baseURL };
}

/** Asks the server whether its script was used exactly; stops it. */
async function stopServer(child: ChildProcess): Promise<void> {
  const problem = await new Promise<string | null>((resolve) => {
    child.once('message', (m) => resolve((m as { problem: string | null }).problem));
    child.send('done');
  });
  await new Promise((resolve) => child.once('exit', resolve));
  if (problem !== null) throw new Error(problem);
}

export async function run(): Promise<BenchRow[]> {
  const all = process.env['AOK_BENCH_MODEL_ALL'] === '1';
  const wayCount = all ? 3 : 2;
  const { child, baseURL } = await startServer(wayCount * (WARMUP + ROUNDS * CALLS) + 2 * FRESH);
  try {
    const config = { baseURL, apiKey: 'bench', model: 'scripted' };
    const ways: Way[] = [
      { name: 'ours (createChat)', chat: createChat(config), cpuUs: [], wallUs: [] },
      { name: "Node's global fetch", chat: createChatWith(config, globalThis.fetch), cpuUs: [], wallUs: [] },
      ...(all ? [{ name: "undici's fetch, own agent", chat: createChatWith(config, undiciFetch), cpuUs: [], wallUs: [] }] : []),
    ];
    for (const way of ways) await callMany(way.chat, WARMUP);
    for (let r = 0; r < ROUNDS; r++) {
      for (let i = 0; i < ways.length; i++) {
        const way = ways[(r + i) % ways.length] as Way;
        const cpu = process.cpuUsage();
        const started = performance.now();
        await callMany(way.chat, CALLS);
        const wallUs = ((performance.now() - started) * 1000) / CALLS;
        const used = process.cpuUsage(cpu);
        way.cpuUs.push((used.user + used.system) / CALLS);
        way.wallUs.push(wallUs);
      }
    }
    if (process.env['AOK_BENCH_MODEL_DUMP'] === '1') for (const w of ways) process.stderr.write(`${w.name}: cpu ${w.cpuUs.map(Math.round).join(' ')}\n`);
    const ours = ways[0] as Way;
    const note = (base: Way): string =>
      `${ROUNDS} interleaved rounds × ${CALLS} calls, ${CONCURRENCY} at a time, 21-message transcript; medians; ranges ours ${range(ours.cpuUs)} CPU / ${range(ours.wallUs)} wall µs, ${base.name} ${range(base.cpuUs)} / ${range(base.wallUs)}`;
    const rows: BenchRow[] = [];
    for (const base of ways.slice(1)) {
      rows.push(
        {
          name: `model call CPU: createChat vs openai on ${base.name}`,
          ours: Math.round(median(ours.cpuUs)),
          baseline: Math.round(median(base.cpuUs)),
          unit: 'µs/call',
          note: note(base),
        },
        {
          name: `model call wall: createChat vs openai on ${base.name}`,
          ours: Math.round(median(ours.wallUs)),
          baseline: Math.round(median(base.wallUs)),
          unit: 'µs/call',
          note: note(base),
        },
      );
    }
    // The first call of a fresh process: what loading the HTTP client costs once per worker.
    const first: Record<FirstWay, number[]> = { ours: [], global: [] };
    for (let i = 0; i < FRESH; i++) {
      for (const way of i % 2 === 0 ? (['ours', 'global'] as const) : (['global', 'ours'] as const)) first[way].push(await firstCallCpuUs(way, baseURL));
    }
    rows.push({
      name: "model call CPU, the first in a fresh process: createChat vs openai on Node's global fetch",
      ours: Math.round(median(first.ours)),
      baseline: Math.round(median(first.global)),
      unit: 'µs',
      note: `${FRESH} fresh processes each, interleaved, medians; ranges ours ${range(first.ours)}, global fetch ${range(first.global)} (ours loads undici then; once per worker process)`,
    });
    return rows;
  } finally {
    await stopServer(child);
  }
}

type FirstWay = 'ours' | 'global';

/** CPU µs of the first model call in a fresh process (modules loaded before, as a worker has them). */
async function firstCallCpuUs(way: FirstWay, baseURL: string): Promise<number> {
  const child = fork(__filename, [], {
    env: { ...process.env, AOK_BENCH_MODEL_FIRST: way, AOK_BENCH_MODEL_URL: baseURL },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const cpuUs = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { cpuUs: number }).cpuUs));
    child.once('exit', (code) => reject(new Error(`model-call bench: the first-call child exited (${code})`)));
  });
  await new Promise((resolve) => child.once('exit', resolve));
  return cpuUs;
}

async function firstCall(way: FirstWay, baseURL: string): Promise<void> {
  const config = { baseURL, apiKey: 'bench', model: 'scripted' };
  const chat = way === 'ours' ? createChat(config) : createChatWith(config, globalThis.fetch);
  const cpu = process.cpuUsage();
  await chat(REQUEST);
  const used = process.cpuUsage(cpu);
  process.send?.({ cpuUs: used.user + used.system }, () => process.disconnect());
}

/** The child: the scripted server with exactly `steps` tool-call replies. */
async function serve(steps: number): Promise<void> {
  const reply = { reply: { toolCalls: [{ name: 'write_file', arguments: { path: '/workspace/output/bench-1/10.txt', content: 'bench-1:10' } }] } };
  const server = await ScriptedModelServer.start(Array.from({ length: steps }, () => reply));
  process.once('message', () => {
    let problem: string | null = null;
    try {
      server.assertDone();
    } catch (err) {
      problem = (err as Error).message;
    }
    void server.close().then(() => process.send?.({ problem }, () => process.disconnect()));
  });
  process.send?.({ baseURL: server.baseURL });
}

if (require.main === module && process.env['AOK_BENCH_MODEL_SERVER_STEPS'] !== undefined) {
  void serve(Number(process.env['AOK_BENCH_MODEL_SERVER_STEPS']));
} else if (require.main === module && process.env['AOK_BENCH_MODEL_FIRST'] !== undefined) {
  void firstCall(process.env['AOK_BENCH_MODEL_FIRST'] as FirstWay, process.env['AOK_BENCH_MODEL_URL'] as string);
}
