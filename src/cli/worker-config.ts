/**
 * `agent-os worker --config worker.yaml`: everything a worker hosts in one file, checked
 * against {@link WORKER_CONFIG_SCHEMA} (ajv; every problem as `file:line:col`). Relative
 * paths are resolved against the file's folder. Flags given on the command line win.
 *
 * ```yaml
 * policy: policy.yaml
 * tools: tools.yaml
 * mounts: { /workspace: ./workspace }
 * taskQueue: agent-os
 * model: { name: gpt-4o, baseURL: http://localhost:4000/v1, apiKeyEnv: OPENAI_API_KEY }
 * providers:
 *   - { module: ./dist/examples/kv-provider.js, export: KvProvider }
 * http:
 *   credentials: [{ match: "https://api.github.com/**", header: Authorization, valueFromEnv: GITHUB_AUTH }]
 * sandbox: { defaultTimeoutMs: 30000, hardening: { prlimit: { nproc: 64 } } }
 * mcp: { servers: [] }   # passed through for the MCP feature
 * ```
 */
import path from 'node:path';
import type { Provider } from '../kernel/types';
import type { HttpProviderOptions } from '../providers/http';
import type { ProcessProviderOptions } from '../providers/process';
import { CliError, ExitCode } from './conventions';
import { loadSchemaFile } from './schema-file';

/** JSON Schema of worker.yaml (also shipped as schema/worker-config.schema.json). */
export const WORKER_CONFIG_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'agent-os worker configuration',
  type: 'object',
  additionalProperties: false,
  properties: {
    version: { const: 1 },
    policy: { type: 'string', minLength: 1, description: 'the ceiling policy file' },
    tools: { type: 'string', minLength: 1, description: 'tool definitions offered to runs that bring none' },
    mounts: { type: 'object', additionalProperties: { type: 'string', minLength: 1 }, description: 'agent path → host folder' },
    taskQueue: { type: 'string', minLength: 1 },
    workspaceQueue: { type: 'string', minLength: 1 },
    log: { type: 'string', minLength: 1, description: 'the JSONL audit log' },
    snapshots: { type: 'string', minLength: 1 },
    freezeFile: { type: 'string', minLength: 1, description: 'while this file exists every action is denied (agent-os freeze)' },
    model: {
      type: 'object',
      additionalProperties: false,
      properties: {
        name: { type: 'string', minLength: 1 },
        baseURL: { type: 'string', minLength: 1 },
        apiKeyEnv: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'the variable holding the API key (never the key itself)' },
        timeoutMs: { type: 'integer', minimum: 1 },
        script: { type: 'string', minLength: 1, description: 'a scripted model (JSON replies), as --model scripted:FILE' },
      },
    },
    providers: {
      type: 'array',
      items: {
        type: 'object',
        required: ['module'],
        additionalProperties: false,
        properties: { module: { type: 'string', minLength: 1 }, export: { type: 'string', minLength: 1 }, options: { type: 'object' } },
      },
    },
    http: {
      type: 'object',
      additionalProperties: false,
      properties: {
        credentials: {
          type: 'array',
          items: {
            type: 'object',
            required: ['match', 'header', 'valueFromEnv'],
            additionalProperties: false,
            properties: { match: { type: 'string' }, header: { type: 'string' }, valueFromEnv: { type: 'string' } },
          },
        },
        allowAddresses: { type: 'array', items: { type: 'string' } },
        timeoutMs: { type: 'integer', minimum: 1 },
        maxBytes: { type: 'integer', minimum: 1 },
        maxRedirects: { type: 'integer', minimum: 0 },
      },
    },
    sandbox: {
      type: 'object',
      additionalProperties: false,
      properties: {
        path: { type: 'array', items: { type: 'string' } },
        defaultTimeoutMs: { type: 'integer', minimum: 1 },
        maxOutputBytes: { type: 'integer', minimum: 1 },
        killGraceMs: { type: 'integer', minimum: 0 },
        baseEnv: { type: 'object', additionalProperties: { type: 'string' } },
        hardening: {
          type: 'object',
          additionalProperties: false,
          properties: {
            uid: { type: 'integer', minimum: 0 },
            gid: { type: 'integer', minimum: 0 },
            prlimit: {
              type: 'object',
              additionalProperties: false,
              properties: { nproc: { type: 'integer', minimum: 1 }, asBytes: { type: 'integer', minimum: 1 } },
            },
          },
        },
      },
    },
    mcp: { type: 'object', description: 'MCP servers; passed through as is to the MCP feature' },
  },
} as const;

/** worker.yaml as written. */
export interface WorkerConfigFile {
  readonly policy?: string;
  readonly tools?: string;
  readonly mounts?: Readonly<Record<string, string>>;
  readonly taskQueue?: string;
  readonly workspaceQueue?: string;
  readonly log?: string;
  readonly snapshots?: string;
  readonly freezeFile?: string;
  readonly model?: { readonly name?: string; readonly baseURL?: string; readonly apiKeyEnv?: string; readonly timeoutMs?: number; readonly script?: string };
  readonly providers?: ReadonlyArray<{ readonly module: string; readonly export?: string; readonly options?: Readonly<Record<string, unknown>> }>;
  readonly http?: HttpProviderOptions;
  readonly sandbox?: Omit<ProcessProviderOptions, 'mounts'>;
  readonly mcp?: Readonly<Record<string, unknown>>;
}

/**
 * Loads worker.yaml with its relative paths resolved against its folder.
 * @throws CliError (exit 2) naming the file, or listing every problem as file:line:col.
 */
export function loadWorkerConfig(file: string): WorkerConfigFile {
  const raw = loadSchemaFile<WorkerConfigFile>(file, WORKER_CONFIG_SCHEMA, 'see schema/worker-config.schema.json and docs/usage.md (worker --config)');
  const dir = path.dirname(path.resolve(file));
  const at = (p: string | undefined): string | undefined => (p === undefined ? undefined : path.resolve(dir, p));
  const mounts = raw.mounts === undefined ? undefined : Object.fromEntries(Object.entries(raw.mounts).map(([agent, host]) => [agent, path.resolve(dir, host)]));
  const resolved: Record<string, unknown> = { ...raw };
  for (const key of ['policy', 'tools', 'log', 'snapshots', 'freezeFile'] as const) if (raw[key] !== undefined) resolved[key] = at(raw[key]);
  if (mounts) resolved['mounts'] = mounts;
  if (raw.model?.script !== undefined) resolved['model'] = { ...raw.model, script: at(raw.model.script) };
  if (raw.providers) resolved['providers'] = raw.providers.map((p) => ({ ...p, module: p.module.startsWith('.') ? path.resolve(dir, p.module) : p.module }));
  return resolved as WorkerConfigFile;
}

/**
 * Loads the custom providers a config names: `new (require(module)[export ?? default])(options)`.
 * @throws CliError (exit 2) naming the module and export when it cannot be loaded.
 */
export function loadProviders(entries: WorkerConfigFile['providers'] = []): Provider[] {
  return entries.map((entry) => {
    let loaded: Record<string, unknown>;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      loaded = require(entry.module) as Record<string, unknown>;
    } catch (err) {
      throw new CliError(
        `providers: cannot load module ${entry.module}: ${(err as Error).message.split('\n')[0]} — check the path (relative to the config file)`,
        ExitCode.Usage,
        { cause: err },
      );
    }
    const name = entry.export ?? 'default';
    const ctor = loaded[name];
    if (typeof ctor !== 'function') {
      const exported = Object.keys(loaded).filter((k) => typeof loaded[k] === 'function');
      throw new CliError(`providers: ${entry.module} has no class export "${name}"; it exports ${exported.join(', ') || 'no classes'}`, ExitCode.Usage);
    }
    return new (ctor as new (options?: unknown) => Provider)(entry.options);
  });
}
