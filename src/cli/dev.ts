/**
 * `agent-os dev` — the demo: a local Temporal dev server with its Web UI (state in
 * `.agent-os/dev.sqlite`), a worker, and a demo agent run that reads, writes, gets one
 * write denied, fails, and has its write undone by compensation. Every step is printed
 * as it ends, with the Web UI address of the run. Keeps running until Ctrl-C, or exits
 * with `--exit`.
 *
 * Exit codes: 0 the demo ran as told (or, with a real model, the run ended), 1 it did
 * not (or the server/worker could not start), 2 usage error, 130 interrupted mid-demo.
 */
import * as net from 'node:net';
import * as path from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { demoStoryProblems } from '../client/demo';
import { startDemoStack } from '../client/demo-stack';
import { startDevServer } from '../client/dev-server';
import { freePort } from '../client/free-port';
import { followRun, type RunEnd, type RunStep } from '../client/run-progress';
import { DEV_SERVER_SEARCH_ATTRIBUTES } from '../client/search-attributes';
import { hasModelEndpoint, modelConfigFromEnv } from '../model/config';
import { jsonAliasOption, outputOption } from './conventions';
import { devPrinter } from './dev-output';

/** Options of `agent-os dev`. */
export interface DevOptions {
  readonly exit?: boolean;
  readonly json?: boolean;
  readonly db: string;
  readonly port: number;
  readonly uiPort: number;
}

const port = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65_535) throw new InvalidArgumentError('expected a TCP port number (1–65535)');
  return n;
};

/** Registers `agent-os dev`. */
export function registerDevCommand(program: Command): void {
  program
    .command('dev')
    .description('run the demo: a local Temporal dev server with its Web UI, a worker and an agent run that is denied once, fails and is compensated')
    .option('--exit', 'exit after the demo run instead of keeping the server up until Ctrl-C')
    .addOption(outputOption())
    .addOption(jsonAliasOption())
    .option('--db <file>', 'SQLite file keeping the dev server state between runs', path.join('.agent-os', 'dev.sqlite'))
    .option('--port <port>', 'gRPC port of the dev server (a free one when the default is taken)', port, 7233)
    .option('--ui-port <port>', 'port of the Web UI (a free one when the default is taken)', port, 8233)
    .addHelpText('after', '\nThe demo uses a scripted model unless OPENAI_BASE_URL or OPENAI_API_KEY is set (AGENT_OS_MODEL picks the model).\nExit codes: 0 the demo ran as told, 1 it did not or nothing could start, 2 usage error.')
    .action(async (options: DevOptions) => {
      process.exitCode = await runDev(options);
    });
}

/** Runs the demo; resolves with the exit code. */
export async function runDev(options: DevOptions): Promise<number> {
  // The demo fails on purpose; its progress lines tell that story, so only errors are logged.
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const out = devPrinter(options.json === true);
  const interrupted = new Promise<'interrupted'>((resolve) => {
    process.once('SIGINT', () => resolve('interrupted'));
    process.once('SIGTERM', () => resolve('interrupted'));
  });
  const dbFile = path.resolve(options.db);
  out.starting();
  const grpcPort = await portOrFree(options.port);
  const uiPort = await portOrFree(options.uiPort);
  const server = await startDevServer({ ui: true, dbFile, port: grpcPort, uiPort, searchAttributes: DEV_SERVER_SEARCH_ATTRIBUTES });
  try {
    const uiUrl = server.uiUrl ?? '';
    out.server(server.address, uiUrl, dbFile, grpcPort !== options.port);
    const real = hasModelEndpoint();
    const stack = await startDemoStack({ address: server.address, ...(real ? { model: modelConfigFromEnv() } : {}) });
    try {
      out.worker(stack.taskQueue, stack.workspace, stack.scripted ? undefined : stack.modelName);
      const workflowId = `demo-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      const handle = await stack.startRun(workflowId);
      const runUrl = `${uiUrl}/namespaces/${server.namespace}/workflows/${encodeURIComponent(workflowId)}`;
      out.run(workflowId, runUrl);
      const steps: RunStep[] = [];
      const end = await Promise.race([
        followRun(stack.client, { workflowId, runId: handle.firstExecutionRunId }, (step) => {
          steps.push(step);
          out.step(steps.length, step);
        }),
        interrupted,
      ]);
      if (end === 'interrupted') {
        out.stopped();
        return 130;
      }
      const problems = stack.scripted ? demoStoryProblems(steps, end.status) : endProblems(end);
      out.end(end, steps, problems, runUrl);
      const code = problems.length > 0 ? 1 : 0;
      if (options.exit) return code;
      out.waiting(uiUrl);
      await interrupted;
      return code;
    } finally {
      await stack.close();
    }
  } finally {
    await server.stop();
    out.stopped();
  }
}

/** With a real model only the end is checked: the run must have finished by itself. */
function endProblems(end: RunEnd): string[] {
  return end.status === 'completed' || end.status === 'failed' ? [] : [`the run ended ${end.status}`];
}

/** `wanted` if it is free on 127.0.0.1, else a free port. */
async function portOrFree(wanted: number): Promise<number> {
  const free = await new Promise<boolean>((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ host: '127.0.0.1', port: wanted, exclusive: true }, () => probe.close(() => resolve(true)));
  });
  return free ? wanted : freePort();
}
