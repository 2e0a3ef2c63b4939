/**
 * The tests' side of the real Temporal dev server.
 *
 * `scripts/run-tests.js` starts one dev server for the whole run and passes its address
 * in TEMPORAL_TEST_ADDRESS (and a prebuilt workflow bundle in AGENT_OS_WORKFLOW_BUNDLE).
 * A test file run on its own starts a server of its own. Nothing is mocked, nothing is
 * skipped: if no server can be started, the test fails with the harness's message.
 */
import './quiet-runtime';
import { after } from 'node:test';
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { startDevServer, type DevServer } from '../../src/dev/dev-server';
import { DEV_SERVER_SEARCH_ATTRIBUTES } from '../../src/worker/search-attributes';
import { repoRoot } from './paths';

export interface TestTemporal {
  readonly address: string;
  readonly namespace: string;
  readonly client: Client;
  readonly nativeConnection: NativeConnection;
}

let env: Promise<TestTemporal> | undefined;
let bundle: Promise<{ code: string }> | undefined;
let cleanup: (() => Promise<void>) | undefined;

// Registered when a test file imports this helper (at its top level, so on the root
// test): closes the connections and stops a server this process started.
after(async () => {
  if (env) await env.catch(() => undefined);
  await cleanup?.();
});

/** Path of the compiled workflows entry point. */
const workflowsPath = path.join(repoRoot, 'dist', 'src', 'workflows', 'index.js');

/** The shared server and clients for this test process; closed after the file's tests. */
export function temporal(): Promise<TestTemporal> {
  env ??= (async () => {
    let server: DevServer | undefined;
    let address = process.env['TEMPORAL_TEST_ADDRESS'];
    if (!address) {
      server = await startDevServer({ searchAttributes: DEV_SERVER_SEARCH_ATTRIBUTES });
      address = server.address;
    }
    const connection = await Connection.connect({ address });
    const nativeConnection = await NativeConnection.connect({ address });
    const client = new Client({ connection, namespace: 'default' });
    cleanup = async () => {
      await nativeConnection.close();
      await connection.close();
      await server?.stop();
    };
    return { address, namespace: 'default', client, nativeConnection };
  })();
  return env;
}

/** The workflow bundle: prebuilt by the runner, or built once per test process. */
export function workflowBundle(): Promise<{ code: string }> {
  const prebuilt = process.env['AGENT_OS_WORKFLOW_BUNDLE'];
  bundle ??= prebuilt
    ? import('node:fs').then((fs) => ({ code: fs.readFileSync(prebuilt, 'utf8') }))
    : bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  return bundle;
}

/** A unique id for workflows and task queues, so tests never collide. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}

/**
 * Runs `fn` while a real worker polls `taskQueue` with the given activities.
 * The worker is shut down (and awaited) afterwards, also when `fn` throws.
 */
export async function withWorker<T>(
  options: { taskQueue: string; activities: object } & Partial<Omit<WorkerOptions, 'taskQueue' | 'activities'>>,
  fn: (t: TestTemporal) => Promise<T>,
): Promise<T> {
  const t = await temporal();
  const worker = await Worker.create({
    connection: t.nativeConnection,
    namespace: t.namespace,
    workflowBundle: await workflowBundle(),
    ...options,
  });
  return worker.runUntil(fn(t));
}
