/**
 * `agent-os dev` — the demo: a local Temporal dev server with its Web UI (state in
 * `.agent-os/dev.sqlite`), a worker, and a demo run whose every step is printed with the
 * Web UI address of the run. Keeps running until Ctrl-C, or exits with `--exit`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Command } from 'commander';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createSliceActivities } from '../activities/slice';
import { startDevServer } from '../client/dev-server';
import { DEV_SERVER_SEARCH_ATTRIBUTES } from '../client/search-attributes';
import { packageRoot } from '../client/temporal-cli';

interface DevOptions {
  readonly exit?: boolean;
  readonly db?: string;
}

/** Registers `agent-os dev`. */
export function registerDevCommand(program: Command): void {
  program
    .command('dev')
    .description('start a local Temporal dev server with its Web UI, a worker, and a demo agent run')
    .option('--exit', 'exit after the demo instead of keeping the server up until Ctrl-C')
    .option('--db <file>', 'SQLite file for the dev server', path.join(packageRoot(), '.agent-os', 'dev.sqlite'))
    .action(async (options: DevOptions) => {
      await runDev(options);
    });
}

async function runDev(options: DevOptions): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  say('agent-os dev: starting the Temporal dev server (Web UI included)…');
  const server = await startDevServer({
    ui: true,
    ...(options.db ? { dbFile: options.db } : {}),
    searchAttributes: DEV_SERVER_SEARCH_ATTRIBUTES,
  });
  say(`  server  ${server.address}   state: ${options.db ?? '(memory)'}`);
  say(`  web ui  ${server.uiUrl}`);

  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-os-demo-'));
  fs.writeFileSync(path.join(workspace, 'data.csv'), 'name,score\nada,42\n');
  const secret = path.join(os.tmpdir(), 'agent-os-demo-secret.txt');

  const nativeConnection = await NativeConnection.connect({ address: server.address });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const taskQueue = 'agent-os-demo';
  const worker = await Worker.create({
    connection: nativeConnection,
    taskQueue,
    workflowsPath: path.join(__dirname, '..', 'workflows', 'index.js'),
    activities: createSliceActivities([workspace]),
  });
  const running = worker.run();
  try {
    for (const target of [path.join(workspace, 'data.csv'), secret]) {
      const workflowId = `demo-read-${Date.now()}-${path.basename(target)}`;
      const result = await client.workflow.execute('readFileSlice', { taskQueue, workflowId, args: [target] });
      say(`  fs.read ${target} → ${(result as { status: string }).status}`);
      say(`    ${server.uiUrl}/namespaces/default/workflows/${workflowId}`);
    }
    if (options.exit) return;
    say('agent-os dev: running — open the Web UI above; press Ctrl-C to stop.');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
  } finally {
    worker.shutdown();
    await running;
    await nativeConnection.close();
    await connection.close();
    await server.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
    say('agent-os dev: stopped.');
  }
}
