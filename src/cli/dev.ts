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
import net from 'node:net';
import path from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { randomBytes } from 'node:crypto';
import { AesGcmCodec } from '../codec/aes-gcm-codec';
import { CODEC_STRICT_ENV, ensureKeyRingFile, keyRingFromEnv, strictFromEnv, type KeyRing } from '../codec/key-ring';
import { startCodecServer, type CodecServer } from '../codec/server';
import { demoStoryProblems } from '../dev/demo';
import { startDemoStack } from '../dev/demo-stack';
import { startDevServer } from '../dev/dev-server';
import { freePort } from '../dev/free-port';
import { followRun, type RunEnd, type RunStep } from '../client/run-progress';
import { DEV_SERVER_SEARCH_ATTRIBUTES } from '../worker/search-attributes';
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
  /** Keys file (default: AGENT_OS_CODEC_KEYS_FILE / AGENT_OS_CODEC_KEYS, else a generated `codec-keys` next to the db). */
  readonly codecKeys?: string;
  /** False with `--no-codec`: payloads stay plaintext. */
  readonly codec?: boolean;
}

const port = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65_535) throw new InvalidArgumentError('expected a TCP port number (1–65535)');
  return n;
};

/** Registers `agent-os dev`. @public main.ts loads it by name. */
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
    .option(
      '--codec-keys <file>',
      'payload codec keys (default: $AGENT_OS_CODEC_KEYS_FILE / $AGENT_OS_CODEC_KEYS, else codec-keys next to --db, generated once)',
    )
    .option('--no-codec', 'keep payloads in plaintext (no encryption, no codec server)')
    .addHelpText(
      'after',
      '\nThe demo uses a scripted model unless OPENAI_BASE_URL or OPENAI_API_KEY is set (AGENT_OS_MODEL picks the model).\nExit codes: 0 the demo ran as told, 1 it did not or nothing could start, 2 usage error.',
    )
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
  const keysFile = options.codecKeys ?? process.env['AGENT_OS_CODEC_KEYS_FILE'] ?? path.join(path.dirname(dbFile), 'codec-keys');
  // Strict mode (AGENT_OS_CODEC_STRICT) applies to the generated key as to a configured one.
  const strict = strictFromEnv();
  const ring =
    options.codec === false ? undefined : (keyRingFromEnv(options.codecKeys, { ...process.env, [CODEC_STRICT_ENV]: '' }) ?? ensureKeyRingFile(keysFile));
  const codecKeys: KeyRing | undefined = ring !== undefined && strict ? { ...ring, strict } : ring;
  // The dev server's UI forwards no token: the codec server takes a secret in its URL path instead.
  // It listens first, so the ports picked next cannot be its own.
  const codecServer: CodecServer | undefined = codecKeys
    ? await startCodecServer({ codec: new AesGcmCodec(codecKeys), token: randomBytes(24).toString('base64url'), tokenInPath: true })
    : undefined;
  const grpcPort = await portOrFree(options.port);
  const uiPort = await portOrFree(options.uiPort);
  for (const host of ['127.0.0.1', 'localhost']) codecServer?.allowOrigin(`http://${host}:${uiPort}`);
  const server = await startDevServer({
    ui: true,
    dbFile,
    port: grpcPort,
    uiPort,
    searchAttributes: DEV_SERVER_SEARCH_ATTRIBUTES,
    ...(codecServer ? { uiCodecEndpoint: codecServer.endpoint } : {}),
  }).catch(async (err: unknown) => {
    await codecServer?.close();
    throw err;
  });
  try {
    const uiUrl = server.uiUrl ?? '';
    const codecInfo = codecKeys && codecServer ? { codecServer: codecServer.url, keysFile: codecKeys.source, keyId: codecKeys.current } : undefined;
    out.server(server.address, uiUrl, dbFile, grpcPort !== options.port, codecInfo);
    const real = hasModelEndpoint();
    const stack = await startDemoStack({ address: server.address, ...(real ? { model: modelConfigFromEnv() } : {}), ...(codecKeys ? { codecKeys } : {}) });
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
    await codecServer?.close();
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
