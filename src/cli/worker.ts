/**
 * `agent-os worker` — hosts the kernel on a Temporal task queue until SIGINT/SIGTERM:
 *
 *   agent-os worker --policy /config/policy.yaml --tools /config/tools.yaml --mount /workspace=/workspace
 *
 * The policy is the ceiling for every run; the connection comes from Temporal's env-config
 * variables (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*), the
 * model from OPENAI_BASE_URL / OPENAI_API_KEY / AGENT_OS_MODEL. Once every queue is polled
 * it writes the ready file (a container healthcheck reads it) and removes it on exit.
 * Exit codes: 0 stopped cleanly, 1 could not start (policy, tools, server), 2 usage.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Command } from 'commander';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { connectTemporal, temporalSettings } from '../client/connection';
import { createAgentWorker } from '../worker/worker';
import { buildWorkerHost, parseMounts, withMcpTools } from '../worker/worker-host';
import { createChat } from '../model/chat';
import { modelConfigFromEnv } from '../model/config';
import { collectExtraAction, processIo, type CliIo } from './policy-io';
import type { AuditLogOptions } from '../kernel/audit-log';
import type { SnapshotStoreOptions } from '../reversible/snapshot-store';

/** Default task queue of workers and runs. */
export const DEFAULT_TASK_QUEUE = 'agent-os';
/** Default ready file (docker-compose's healthcheck reads it). */
export const DEFAULT_READY_FILE = '/tmp/agent-os-worker-ready';

interface WorkerCliOptions {
  readonly policy: string;
  readonly tools?: string;
  readonly mcp?: string;
  readonly mount: string[];
  readonly taskQueue: string;
  readonly workspaceQueue?: string;
  readonly log: string;
  readonly snapshots: string;
  readonly auditHeadDir?: string;
  readonly auditRotateBytes?: string;
  readonly auditRotateHours?: string;
  readonly snapshotKeep?: string;
  readonly readyFile: string;
  readonly model?: string;
  readonly address?: string;
  readonly namespace?: string;
  readonly codecKeys?: string;
}

/** Registers `agent-os worker`. */
export function registerWorkerCommand(program: Command, io: CliIo = processIo): void {
  const state = path.join(os.homedir(), '.agent-os');
  program
    .command('worker')
    .description('host the kernel on a Temporal task queue (ceiling policy, tool definitions, model endpoint)')
    .requiredOption('--policy <file>', 'the ceiling policy (YAML); runs may narrow it, never widen it')
    .option('--tools <file>', 'tool definitions (YAML or JSON) offered to runs that bring none')
    .option('--mcp <file>', 'MCP servers file (YAML or JSON): adds mcp.call on those servers')
    .option('--mount <agent=host>', 'mount a host folder at an agent path, e.g. /workspace=/srv/ws (repeatable)', collectExtraAction, [])
    .option('--task-queue <queue>', 'task queue to poll', DEFAULT_TASK_QUEUE)
    .option('--workspace-queue <queue>', 'also poll this queue with fs/proc activities bound to this host\'s workspace')
    .option('--log <file>', 'the kernel\'s JSONL audit log', path.join(state, 'kernel.log'))
    .option('--snapshots <dir>', 'snapshots of the reversible layer', path.join(state, 'snapshots'))
    .option('--audit-head-dir <dir>', 'keep the audit log\'s head files (count + last hash) here, away from the log; check with audit verify --anchor')
    .option('--audit-rotate-bytes <n>', 'rotate the audit log segment before it grows past n bytes')
    .option('--audit-rotate-hours <h>', 'rotate the audit log segment after h hours')
    .option('--snapshot-keep <n>', 'keep at most n settled snapshot records (oldest removed first; default: only the 7-day ttl)')
    .option('--ready-file <file>', 'written once polling, removed on exit', DEFAULT_READY_FILE)
    .option('--model <name>', 'default model name (default: $AGENT_OS_MODEL or gpt-4o)')
    .option('--address <host:port>', 'Temporal frontend (default: $TEMPORAL_ADDRESS or 127.0.0.1:7233)')
    .option('--namespace <ns>', 'Temporal namespace (default: $TEMPORAL_NAMESPACE or default)')
    .option('--codec-keys <file>', 'encrypt payloads with these keys (default: $AGENT_OS_CODEC_KEYS_FILE or $AGENT_OS_CODEC_KEYS; none: plaintext)')
    .action(async (options: WorkerCliOptions) => {
      io.setExitCode(await runWorker(options, io));
    });
}

async function runWorker(options: WorkerCliOptions, io: CliIo): Promise<number> {
  let mounts: Record<string, string>;
  try {
    mounts = parseMounts(options.mount);
  } catch (err) {
    io.err(`agent-os worker: ${(err as Error).message}\n`);
    return 2;
  }
  let retention: { audit: AuditLogOptions; snapshotRetention: SnapshotStoreOptions };
  try {
    retention = retentionOptions(options);
  } catch (err) {
    io.err(`agent-os worker: ${(err as Error).message}\n`);
    return 2;
  }
  let host;
  try {
    fs.mkdirSync(path.dirname(path.resolve(options.log)), { recursive: true });
    if (retention.audit.headDir !== undefined) fs.mkdirSync(retention.audit.headDir, { recursive: true, mode: 0o700 });
    host = buildWorkerHost({ policyFile: options.policy, ...(options.tools ? { toolsFile: options.tools } : {}), ...(options.mcp ? { mcpServersFile: options.mcp } : {}), mounts, logPath: options.log, snapshotsDir: options.snapshots, ...retention });
  } catch (err) {
    io.err(`agent-os worker: ${(err as Error).message}\n`);
    return 1;
  }
  const offered = await withMcpTools(host); // the MCP tools the policy could allow join the offered tools
  host = offered.host;
  for (const f of offered.failed) io.err(`agent-os worker: MCP server "${f.server}" offers no tools: ${f.code}: ${f.message}\n`);
  let connections;
  try {
    connections = await connectTemporal(
      temporalSettings({
        ...(options.address ? { address: options.address } : {}),
        ...(options.namespace ? { namespace: options.namespace } : {}),
        ...(options.codecKeys ? { codecKeysFile: options.codecKeys } : {}),
      }),
    );
  } catch (err) {
    io.err(`agent-os worker: ${(err as Error).message}\n`);
    await host.close();
    return 1;
  }
  const { settings } = connections;
  const modelConfig = { ...modelConfigFromEnv(), ...(options.model ? { model: options.model } : {}) };
  const stop = (): void => worker?.shutdown();
  let worker: Awaited<ReturnType<typeof createAgentWorker>> | undefined;
  try {
    try {
      Runtime.install({ logger: new DefaultLogger('WARN') });
    } catch {
      /* a runtime exists already (embedded use): keep it */
    }
    worker = await createAgentWorker({
      connection: connections.native,
      namespace: settings.namespace,
      taskQueue: options.taskQueue,
      ...(options.workspaceQueue ? { workspaceQueue: options.workspaceQueue } : {}),
      kernel: host.kernel,
      ...(host.executor ? { executor: host.executor } : {}),
      ...(host.undoer ? { undoer: host.undoer } : {}),
      ...(host.isIdempotent ? { isIdempotent: host.isIdempotent } : {}),
      tools: host.tools,
      chat: createChat(modelConfig),
      model: modelConfig.model,
      ...(settings.codecKeys ? { codecKeys: settings.codecKeys } : {}),
    });
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    await worker.run({
      onReady: () => {
        fs.writeFileSync(options.readyFile, `${JSON.stringify({ pid: process.pid, taskQueue: options.taskQueue, workspaceQueue: options.workspaceQueue ?? null, address: settings.address, namespace: settings.namespace })}\n`);
        io.out(
          `agent-os worker: polling ${options.taskQueue}${options.workspaceQueue ? ` and ${options.workspaceQueue}` : ''} on ${settings.address} (namespace ${settings.namespace}${settings.tls ? ', TLS' : ''}${settings.apiKey ? ', API key' : ''}${settings.codecKeys ? `, payloads encrypted with key ${settings.codecKeys.current}` : ''})\n` +
            `  policy ${options.policy} (${host.kernel.policyHash.slice(0, 12)}), ${host.tools.length} tool(s), model ${modelConfig.model}, audit log ${options.log}\n`,
        );
      },
    });
    io.out('agent-os worker: stopped.\n');
    return 0;
  } catch (err) {
    io.err(`agent-os worker: ${(err as Error).message}\n`);
    return 1;
  } finally {
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
    fs.rmSync(options.readyFile, { force: true });
    await connections.close().catch(() => undefined);
    await host.close();
  }
}

/** Audit-log and snapshot settings from the flags. @throws Error naming a flag that is not a positive number. */
function retentionOptions(options: WorkerCliOptions): { audit: AuditLogOptions; snapshotRetention: SnapshotStoreOptions } {
  const positive = (flag: string, value: string | undefined): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} ${JSON.stringify(value)} must be a positive number`);
    return n;
  };
  const bytes = positive('--audit-rotate-bytes', options.auditRotateBytes);
  const hours = positive('--audit-rotate-hours', options.auditRotateHours);
  const keep = positive('--snapshot-keep', options.snapshotKeep);
  return {
    audit: {
      ...(options.auditHeadDir === undefined ? {} : { headDir: path.resolve(options.auditHeadDir) }),
      ...(bytes === undefined ? {} : { rotateBytes: Math.floor(bytes) }),
      ...(hours === undefined ? {} : { rotateAgeMs: hours * 3_600_000 }),
    },
    snapshotRetention: keep === undefined ? {} : { maxRecords: Math.floor(keep) },
  };
}
