/**
 * The MCP servers file of a worker and of `agent-os mcp list` (YAML or JSON):
 *
 * ```yaml
 * pins: mcp-pins.json            # optional; relative to this file
 * servers:
 *   fs:
 *     command: [node, node_modules/@modelcontextprotocol/server-filesystem/dist/index.js, /workspace]
 *     env: [LANG]                # names passed from the worker's environment (allow-list)
 *     mounts:                    # what the sandboxed server sees (host paths relative to this file)
 *       - { agent: /workspace, host: /srv/workspace, read_only: true }
 *       - { agent: /workspace/output, host: /srv/workspace/output }
 *     # read_only_paths: [/opt/fs-server]  # more of its own files (the script's package is added by itself)
 *     # sandbox: off                       # unconfined: only for a trusted server (loud warning)
 *     # network: proxy                     # HTTP(S) through the kernel's auditing proxy (net.http rules decide)
 *     idempotent_tools: [read_text_file]
 *   web:
 *     url: https://mcp.example.com/mcp
 *     credentials: [{ header: Authorization, value_from_env: MCP_WEB_TOKEN }]
 * ```
 *
 * Checked with ajv against a JSON Schema (unknown keys are errors); every problem is reported
 * with its location in the file, and nothing loads unless all is well.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { AgentOsError } from '../../errors';
import type { McpServerConfig } from './config';

/** The servers file could not be read or is invalid. */
export class McpServersFileError extends AgentOsError {
  readonly code = 'Mcp.InvalidServersFile';
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${problems.join('; ')}`, options);
  }
}

/** What a servers file configures. */
export interface McpServersFile {
  readonly servers: Readonly<Record<string, McpServerConfig>>;
  /** Absolute path of the pin file, if the file names one. */
  readonly pinsFile?: string;
}

const NAME = '^[A-Za-z_][A-Za-z0-9_]*$';
const strings = { type: 'array', items: { type: 'string' } };
const SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['servers'],
  properties: {
    version: { const: 1 },
    pins: { type: 'string', minLength: 1 },
    servers: {
      type: 'object',
      propertyNames: { pattern: '^[a-z0-9](?:[a-z0-9-]|_(?!_))*$', maxLength: 64 },
      additionalProperties: {
        oneOf: [
          {
            type: 'object',
            additionalProperties: false,
            required: ['command'],
            properties: {
              command: { ...strings, minItems: 1 },
              env: { type: 'array', items: { type: 'string', pattern: NAME } },
              env_values: { type: 'object', propertyNames: { pattern: NAME }, additionalProperties: { type: 'string' } },
              cwd: { type: 'string' },
              sandbox: { enum: ['bwrap', 'off'] },
              network: { enum: ['none', 'proxy'] },
              mounts: {
                type: 'array',
                items: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['agent', 'host'],
                  properties: { agent: { type: 'string', pattern: '^/' }, host: { type: 'string', minLength: 1 }, read_only: { type: 'boolean' } },
                },
              },
              read_only_paths: { type: 'array', items: { type: 'string', minLength: 1 } },
              limits: {
                type: 'object',
                additionalProperties: false,
                properties: {
                  memory_bytes: { type: 'integer', minimum: 1 },
                  processes: { type: 'integer', minimum: 1 },
                  file_size_bytes: { type: 'integer', minimum: 1 },
                  tmp_bytes: { type: 'integer', minimum: 1 },
                },
              },
              idempotent_tools: strings,
            },
          },
          {
            type: 'object',
            additionalProperties: false,
            required: ['url'],
            properties: {
              url: { type: 'string', pattern: '^https?://' },
              allow_addresses: strings,
              credentials: {
                type: 'array',
                items: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['header', 'value_from_env'],
                  properties: { header: { type: 'string' }, value_from_env: { type: 'string', pattern: NAME } },
                },
              },
              idempotent_tools: strings,
            },
          },
        ],
      },
    },
  },
} as const;

const validate = new Ajv({ allErrors: true, strict: false }).compile(SCHEMA);

/**
 * Reads a servers file.
 * @throws McpServersFileError listing every problem (with its location, e.g. `/servers/fs/env/0`).
 */
export function loadServersFile(file: string): McpServersFile {
  let data: unknown;
  try {
    data = parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new McpServersFileError(file, [`cannot read or parse it (${cause instanceof Error ? cause.message.split('\n')[0] : String(cause)})`], { cause });
  }
  if (!validate(data)) {
    throw new McpServersFileError(
      file,
      (validate.errors ?? []).map(
        (e) =>
          `${e.instancePath || '(top)'} ${e.message ?? 'is invalid'}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params['additionalProperty'])})` : ''}`,
      ),
    );
  }
  const raw = data as { pins?: string; servers: Record<string, Record<string, unknown>> };
  const servers: Record<string, McpServerConfig> = {};
  for (const [name, s] of Object.entries(raw.servers)) {
    const idem = s['idempotent_tools'] === undefined ? {} : { idempotentTools: s['idempotent_tools'] as string[] };
    if ('command' in s) {
      const here = (p: string): string => path.resolve(path.dirname(file), p);
      const off = s['sandbox'] === 'off';
      const mounts = (s['mounts'] as { agent: string; host: string; read_only?: boolean }[] | undefined)?.map((m) => ({
        agent: m.agent,
        host: here(m.host),
        ...(m.read_only === undefined ? {} : { readOnly: m.read_only }),
      }));
      const limits = s['limits'] as { memory_bytes?: number; processes?: number; file_size_bytes?: number; tmp_bytes?: number } | undefined;
      servers[name] = {
        command: s['command'] as string[],
        ...(s['env'] === undefined ? {} : { env: s['env'] as string[] }),
        ...(s['env_values'] === undefined ? {} : { envValues: s['env_values'] as Record<string, string> }),
        // Sandboxed, cwd is an agent path (kept as written); unconfined, a host folder relative to this file.
        ...(s['cwd'] === undefined ? {} : { cwd: off ? here(s['cwd'] as string) : (s['cwd'] as string) }),
        ...(off ? { sandbox: 'off' as const } : {}),
        ...(s['network'] === undefined ? {} : { network: s['network'] as 'none' | 'proxy' }),
        ...(mounts === undefined ? {} : { mounts }),
        ...(s['read_only_paths'] === undefined ? {} : { readOnlyPaths: (s['read_only_paths'] as string[]).map(here) }),
        ...(limits === undefined
          ? {}
          : {
              limits: {
                ...(limits.memory_bytes === undefined ? {} : { memoryBytes: limits.memory_bytes }),
                ...(limits.processes === undefined ? {} : { processes: limits.processes }),
                ...(limits.file_size_bytes === undefined ? {} : { fileSizeBytes: limits.file_size_bytes }),
                ...(limits.tmp_bytes === undefined ? {} : { tmpBytes: limits.tmp_bytes }),
              },
            }),
        ...idem,
      };
    } else {
      const credentials = (s['credentials'] as { header: string; value_from_env: string }[] | undefined)?.map((c) => ({
        header: c.header,
        valueFromEnv: c.value_from_env,
      }));
      servers[name] = {
        url: s['url'] as string,
        ...(s['allow_addresses'] === undefined ? {} : { allowAddresses: s['allow_addresses'] as string[] }),
        ...(credentials === undefined ? {} : { credentials }),
        ...idem,
      };
    }
  }
  return { servers, ...(raw.pins === undefined ? {} : { pinsFile: path.resolve(path.dirname(file), raw.pins) }) };
}
