/**
 * `agent-os worker` — hosts the kernel on a Temporal task queue until SIGINT/SIGTERM:
 *
 *   agent-os worker --policy /config/policy.yaml --tools /config/tools.yaml --mount /workspace=/workspace
 *   agent-os worker --config worker.yaml
 *   agent-os worker --policy policy.yaml --model scripted:replies.json   # no API key needed
 *
 * The policy is the ceiling for every run; the connection comes from the flags and
 * Temporal's env-config, the model from `--model`/worker.yaml or OPENAI_BASE_URL /
 * OPENAI_API_KEY / AGENT_OS_MODEL. It starts quietly — one line per thing loaded — and
 * logs the SDK's warnings one line each (`--log-level debug` for everything). Once every
 * queue is polled it writes the ready file (a container healthcheck reads it) and removes
 * it on exit.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { connectTemporal, temporalFiles } from '../client/connection';
import type { AuditLogOptions } from '../kernel/audit-log';
import type { SnapshotStoreOptions } from '../reversible/snapshot-store';
import { prometheusTelemetry, kernelMetrics } from '../worker/metrics';
import { createAgentWorker } from '../worker/worker';
import { loadServersFile } from '../providers/mcp/servers-file';
import { buildWorkerHost, mcpServerMounts, parseMounts, withMcpTools, type WorkerHost } from '../worker/worker-host';
import { createChat } from '../model/chat';
import { modelConfigFromEnv, type ModelConfig } from '../model/config';
import { settingsFromFlags, unreachableError, withConnectionOptions, type ConnectionFlags } from './connection-options';
import { CliError, DEFAULT_TASK_QUEUE, ExitCode } from './conventions';
import { collectExtraAction, processIo, type CliIo } from './policy-io';
import { describeError, reportError } from './report-error';
import { defaultFreezeFile, freezeFileCheck } from './freeze';
import { refuseStateInMounts, type WorkerStatePath } from '../worker/outside-mounts';
import { CODEC_KEYS_FILE_ENV } from '../codec/key-ring';
import { SCRIPTED_PREFIX, startScriptedModel, type ScriptedModel } from '../dev/scripted-model';
import { loadProviders, loadWorkerConfig, type WorkerConfigFile } from './worker-config';
import { installWorkerLogger } from './worker-logger';

/** Default ready file (docker-compose's healthcheck reads it). */
export const DEFAULT_READY_FILE = '/tmp/agent-os-worker-ready';
/** Where the worker keeps its state by default. */
export const STATE_DIR = path.join(os.homedir(), '.agent-os');

interface WorkerCliOptions extends ConnectionFlags {
  readonly config?: string;
  readonly policy?: string;
  readonly tools?: string;
  readonly mount: string[];
  readonly taskQueue?: string;
  readonly workspaceQueue?: string;
  readonly log?: string;
  readonly snapshots?: string;
  readonly readyFile: string;
  readonly model?: string;
  readonly freezeFile?: string;
  readonly mcp?: string;
  readonly auditHeadDir?: string;
  readonly auditRotateBytes?: string;
  readonly auditRotateHours?: string;
  readonly snapshotKeep?: string;
  readonly metrics?: string;
}

/** Registers `agent-os worker`. @public main.ts loads it by name. */
export function registerWorkerCommand(program: Command, io: CliIo = processIo): void {
  withConnectionOptions(
    program
      .command('worker')
      .description('host the kernel on a Temporal task queue (ceiling policy, tool definitions, model endpoint)')
      .option('--config <file>', 'worker.yaml: policy, tools, mounts, model, providers, http, sandbox, mcp (flags win over it)')
      .option('--policy <file>', 'the ceiling policy (YAML); runs may narrow it, never widen it')
      .option('--tools <file>', 'tool definitions (YAML or JSON) offered to runs that bring none')
      .option('--mount <agent=host>', 'mount a host folder at an agent path, e.g. /workspace=/srv/ws (repeatable)', collectExtraAction, [])
      .option('--task-queue <queue>', `task queue to poll (default: ${DEFAULT_TASK_QUEUE})`)
      .option('--workspace-queue <queue>', "also poll this queue with fs/proc activities bound to this host's workspace")
      .option('--log <file>', `the kernel's JSONL audit log (default: ${path.join(STATE_DIR, 'kernel.log')})`)
      .option('--snapshots <dir>', `snapshots of the reversible layer (default: ${path.join(STATE_DIR, 'snapshots')})`)
      .option('--ready-file <file>', 'written once polling, removed on exit', DEFAULT_READY_FILE)
      .option('--model <name>', `default model name (default: $AGENT_OS_MODEL or gpt-4o), or ${SCRIPTED_PREFIX}FILE for a scripted model (JSON replies)`)
      .option('--freeze-file <file>', 'deny every action while this file exists (agent-os freeze; default: $AGENT_OS_FREEZE_FILE or ~/.agent-os/freeze)')
      .option('--mcp <file>', 'MCP servers file (YAML or JSON): adds mcp.call on those servers')
      .option('--audit-head-dir <dir>', "keep the audit log's head files (count + last hash) here, away from the log; check with audit verify --anchor")
      .option('--audit-rotate-bytes <n>', 'rotate the audit log segment before it grows past n bytes')
      .option('--audit-rotate-hours <h>', 'rotate the audit log segment after h hours')
      .option('--snapshot-keep <n>', 'keep at most n settled snapshot records (oldest removed first; default: only the 7-day ttl)')
      .option('--metrics <host:port>', 'serve Prometheus metrics (Temporal runtime and kernel) at http://HOST:PORT/metrics, e.g. 127.0.0.1:9464'),
  ).action(async (options: WorkerCliOptions) => {
    try {
      io.setExitCode(await runWorker(options, io));
    } catch (err) {
      io.setExitCode(reportError(io, 'worker', err));
    }
  });
}

/** The settings in force: flags over worker.yaml over defaults. */
interface Resolved {
  readonly policy: string;
  readonly tools?: string;
  readonly mounts: Record<string, string>;
  readonly taskQueue: string;
  readonly workspaceQueue?: string;
  readonly log: string;
  readonly snapshots: string;
  readonly freezeFile: string;
  readonly config: WorkerConfigFile;
}

function resolve(options: WorkerCliOptions): Resolved {
  const config = options.config !== undefined ? loadWorkerConfig(options.config) : {};
  const policy = options.policy ?? config.policy;
  if (policy === undefined)
    throw new CliError('missing the ceiling policy: pass --policy FILE (or `policy:` in --config); start from `agent-os policy init`', ExitCode.Usage);
  let flagMounts: Record<string, string>;
  try {
    flagMounts = parseMounts(options.mount);
  } catch (err) {
    throw new CliError((err as Error).message, ExitCode.Usage);
  }
  const tools = options.tools ?? config.tools;
  const workspaceQueue = options.workspaceQueue ?? config.workspaceQueue;
  return {
    policy,
    ...(tools !== undefined ? { tools } : {}),
    mounts: { ...config.mounts, ...flagMounts },
    taskQueue: options.taskQueue ?? config.taskQueue ?? DEFAULT_TASK_QUEUE,
    ...(workspaceQueue !== undefined ? { workspaceQueue } : {}),
    log: options.log ?? config.log ?? path.join(STATE_DIR, 'kernel.log'),
    snapshots: options.snapshots ?? config.snapshots ?? path.join(STATE_DIR, 'snapshots'),
    freezeFile: options.freezeFile ?? config.freezeFile ?? defaultFreezeFile(),
    config,
  };
}

function modelConfig(options: WorkerCliOptions, config: WorkerConfigFile, scripted: ScriptedModel | undefined): ModelConfig {
  if (scripted) return scripted.config;
  const env = modelConfigFromEnv();
  const section = config.model ?? {};
  const apiKey = section.apiKeyEnv !== undefined ? process.env[section.apiKeyEnv] : env.apiKey;
  const baseURL = section.baseURL ?? env.baseURL;
  return {
    model: options.model ?? section.name ?? env.model,
    ...(baseURL !== undefined ? { baseURL } : {}),
    ...(apiKey !== undefined ? { apiKey } : {}),
    ...(section.timeoutMs !== undefined ? { timeoutMs: section.timeoutMs } : {}),
    ...(section.baseURL !== undefined ? { baseURLSetting: `model.baseURL in ${options.config ?? 'the worker config'}` } : {}),
  };
}

async function runWorker(options: WorkerCliOptions, io: CliIo): Promise<number> {
  const r = resolve(options);
  const retention = retentionOptions(options);
  // Before any connection: this creates the runtime (its logger, and its Prometheus exporter).
  installWorkerLogger((line) => io.err(line), options.metrics === undefined ? undefined : prometheusTelemetry(options.metrics));
  const modelFlag = options.model ?? (r.config.model?.script !== undefined ? `${SCRIPTED_PREFIX}${r.config.model.script}` : undefined);
  const scripted = await startScriptedModel(modelFlag);
  let host: WorkerHost | undefined;
  let closeConnections: (() => Promise<void>) | undefined;
  let worker: Awaited<ReturnType<typeof createAgentWorker>> | undefined;
  const stop = (): void => worker?.shutdown();
  const reload = (): void => {
    if (host === undefined) return;
    const before = host.kernel.policyHash;
    try {
      const after = host.kernel.reloadPolicy(r.policy);
      io.out(`agent-os worker: policy reloaded from ${r.policy} (${before.slice(0, 12)} → ${after.slice(0, 12)})\n`);
    } catch (err) {
      io.err(`agent-os worker: policy ${r.policy} not reloaded, still enforcing ${before.slice(0, 12)}: ${describeError(err)}\n`);
    }
  };
  try {
    // Before a module is loaded or a file created: the worker's own files lie outside every mount
    // (the host checks its log, snapshots, policy, tools and MCP files the same way).
    // …and outside what an MCP server sees (its mounts and read-only paths), whatever the policy decides.
    const mcpMounts = options.mcp === undefined ? {} : mcpServerMounts(loadServersFile(options.mcp).servers);
    refuseStateInMounts(cliStatePaths(options, r), { ...r.mounts, ...mcpMounts });
    const providers = loadProviders(r.config.providers);
    fs.mkdirSync(path.dirname(path.resolve(r.log)), { recursive: true });
    if (retention.audit.headDir !== undefined) fs.mkdirSync(retention.audit.headDir, { recursive: true, mode: 0o700 });
    host = buildWorkerHost({
      ...(options.mcp !== undefined ? { mcpServersFile: options.mcp } : {}),
      ...retention,
      ...(options.metrics !== undefined ? { observe: kernelMetrics() } : {}),
      policyFile: r.policy,
      ...(r.tools !== undefined ? { toolsFile: r.tools } : {}),
      mounts: r.mounts,
      logPath: r.log,
      snapshotsDir: r.snapshots,
      ...(r.config.http ? { http: r.config.http } : {}),
      ...(r.config.sandbox ? { process: r.config.sandbox } : {}),
      providers,
      freeze: freezeFileCheck(r.freezeFile),
    });
    const offered = await withMcpTools(host); // the MCP tools the policy could allow join the offered tools
    host = offered.host;
    for (const f of offered.failed) io.err(`agent-os worker: MCP server "${f.server}" offers no tools: ${f.code}: ${f.message}\n`);
    const settings = settingsFromFlags(options);
    const connections = await connectTemporal(settings).catch((err: unknown) => {
      throw unreachableError(settings, (err as { cause?: unknown }).cause ?? err);
    });
    closeConnections = () => connections.close();
    const model = modelConfig(options, r.config, scripted);
    worker = await createAgentWorker({
      connection: connections.native,
      namespace: settings.namespace,
      taskQueue: r.taskQueue,
      ...(r.workspaceQueue ? { workspaceQueue: r.workspaceQueue } : {}),
      kernel: host.kernel,
      ...(host.executor ? { executor: host.executor } : {}),
      ...(host.undoer ? { undoer: host.undoer } : {}),
      tools: host.tools,
      chat: createChat(model),
      model: model.model,
      ...(settings.codecKeys ? { codecKeys: settings.codecKeys } : {}),
    });
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    process.on('SIGHUP', reload);
    const loadedHost = host;
    await worker.run({
      onReady: () => {
        writeReadyFile(
          options.readyFile,
          `${JSON.stringify({ pid: process.pid, taskQueue: r.taskQueue, workspaceQueue: r.workspaceQueue ?? null, address: settings.address, namespace: settings.namespace })}\n`,
          io,
        );
        const lines = [
          `agent-os worker: polling ${r.taskQueue}${r.workspaceQueue ? ` and ${r.workspaceQueue}` : ''} on ${settings.address} (namespace ${settings.namespace}${settings.tls ? ', TLS' : ''}${settings.apiKey ? ', API key' : ''})`,
          `  policy ${r.policy} (${loadedHost.kernel.policyHash.slice(0, 12)})`,
          loadedHost.tools.length === 0
            ? '  tools (none: runs bring their own)'
            : `  tools ${r.tools ?? '(MCP)'} (${loadedHost.tools.length}${loadedHost.mcp ? ', MCP included' : ''}) — ${loadedHost.tools.length} tool(s) offered to runs that bring none`,
          ...Object.entries(r.mounts).map(([agent, hostPath]) => `  mount ${agent} → ${hostPath}`),
          `  model ${scripted ? `scripted (${scripted.file})` : `${model.model} at ${model.baseURL ?? 'https://api.openai.com/v1'}`}`,
          ...providers.map((p) => `  provider ${p.name} (${p.actions.join(', ')})`),
          ...(r.config.http?.credentials?.length ? [`  http credentials: ${r.config.http.credentials.length} rule(s)`] : []),
          ...(r.config.mcp !== undefined ? [`  mcp: section passed through (${Object.keys(r.config.mcp).join(', ') || 'empty'})`] : []),
          ...(options.mcp !== undefined ? [`  mcp servers ${options.mcp}`] : []),
          `  audit log ${r.log}`,
          ...(settings.codecKeys
            ? [
                `  payloads encrypted with key ${settings.codecKeys.current} (${settings.codecKeys.keys.size} key(s) from ${settings.codecKeys.source})${settings.codecKeys.strict ? '; strict: plaintext and unbound payloads refused' : ''}`,
              ]
            : []),
          ...(options.metrics !== undefined ? [`  metrics http://${options.metrics}/metrics`] : []),
          `  freeze file ${r.freezeFile}${freezeFileCheck(r.freezeFile)() ? ' — FROZEN: every action is denied until agent-os unfreeze' : ''}; SIGHUP reloads the policy`,
        ];
        io.out(`${lines.join('\n')}\n`);
      },
    });
    io.out('agent-os worker: stopped.\n');
    return ExitCode.Ok;
  } finally {
    process.removeListener('SIGINT', stop);
    process.removeListener('SIGTERM', stop);
    process.removeListener('SIGHUP', reload);
    fs.rmSync(options.readyFile, { force: true });
    await closeConnections?.().catch(() => undefined);
    await host?.close();
    await scripted?.close();
  }
}

/**
 * Writes the ready file without following a link planted at its name (the default lies in
 * /tmp): a new temp file (`wx`: O_EXCL, so never through a link) renamed over the name, which
 * replaces a link instead of writing where it points. A failure is reported, not fatal: the
 * file is only a signal for scripts.
 */
function writeReadyFile(file: string, text: string, io: CliIo): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.rmSync(tmp, { force: true });
    fs.writeFileSync(tmp, text, { flag: 'wx', mode: 0o644 });
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    io.err(`agent-os worker: ready file ${file} not written: ${describeError(err)}\n`);
  }
}

/**
 * The worker's files only the CLI knows: its own code, the Temporal credentials and config file, the
 * ready file, the freeze file, the config file, its provider modules, the codec keys file.
 */
function cliStatePaths(options: WorkerCliOptions, r: Resolved): WorkerStatePath[] {
  const keysFile = options.codecKeys ?? process.env[CODEC_KEYS_FILE_ENV];
  const modules = (r.config.providers ?? []).flatMap((p) => {
    try {
      return [{ what: `the provider module ${p.module}`, path: require.resolve(p.module), option: 'providers in --config' }];
    } catch {
      return []; // loadProviders reports it
    }
  });
  const env = (name: string): string | undefined => process.env[name] || undefined;
  // What env-config reads without a flag naming it too: its default profile file, and the TLS files the profile names.
  const profile = temporalFiles({ ...process.env, ...(options.configFile !== undefined ? { TEMPORAL_CONFIG_FILE: options.configFile } : {}) });
  const connection: Array<[string, string | undefined, string]> = [
    ['the Temporal client key', options.tlsKeyPath ?? env('TEMPORAL_TLS_CLIENT_KEY_PATH') ?? profile.clientKey, '--tls-key-path'],
    ['the Temporal client certificate', options.tlsCertPath ?? env('TEMPORAL_TLS_CLIENT_CERT_PATH') ?? profile.clientCert, '--tls-cert-path'],
    ['the Temporal server CA', options.tlsCaPath ?? env('TEMPORAL_TLS_SERVER_CA_CERT_PATH') ?? profile.serverCaCert, '--tls-ca-path'],
    ['the Temporal config file', options.configFile ?? env('TEMPORAL_CONFIG_FILE') ?? profile.configFile, '--config-file'],
  ];
  return [
    // Its own code (dist/src/cli → the install folder, with its dependencies): what the next start runs.
    { what: "agent-os's own code", path: path.resolve(__dirname, '..', '..', '..'), option: 'install agent-os outside the workspace' },
    { what: "agent-os's own code", path: path.resolve(__dirname, '..', '..'), option: 'install agent-os outside the workspace', folder: true },
    ...connection.flatMap(([what, file, option]) => (file !== undefined ? [{ what, path: file, option }] : [])),
    // The worker writes it (following links) once polling.
    { what: 'the ready file', path: options.readyFile, option: '--ready-file' },
    { what: 'the freeze file', path: r.freezeFile, option: '--freeze-file' },
    ...(options.config !== undefined ? [{ what: 'the worker config', path: options.config, option: '--config' }] : []),
    ...modules,
    ...(keysFile ? [{ what: 'the codec keys file', path: keysFile, option: '--codec-keys' }] : []),
  ];
}

/** The audit-log rotation and head-file settings and the snapshot retention from the flags. */
function retentionOptions(options: WorkerCliOptions): { audit: AuditLogOptions; snapshotRetention: SnapshotStoreOptions } {
  const positive = (flag: string, value: string | undefined): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new CliError(`${flag} ${JSON.stringify(value)} must be a positive number`, ExitCode.Usage);
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
