/**
 * Connection flags shared by the commands that talk to a Temporal server (`run`, `approve`,
 * `approvals`, `rollback`, `audit export`): `--address` and `--namespace` override
 * Temporal's env-config (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*);
 * `--codec-keys` names the payload codec's keys file (else AGENT_OS_CODEC_KEYS_FILE / AGENT_OS_CODEC_KEYS).
 */
import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import { connectClient, temporalSettings, type TemporalSettings } from '../client/connection';

/** The flags {@link withConnectionOptions} adds. */
export interface ConnectionFlags {
  readonly address?: string;
  readonly namespace?: string;
  readonly codecKeys?: string;
}

/** Adds `--address`, `--namespace` and `--codec-keys` to a command. */
export function withConnectionOptions(command: Command): Command {
  return command
    .option('--address <host:port>', 'Temporal frontend (default: $TEMPORAL_ADDRESS or 127.0.0.1:7233)')
    .option('--namespace <ns>', 'Temporal namespace (default: $TEMPORAL_NAMESPACE or default)')
    .option('--codec-keys <file>', 'payload codec keys file (default: $AGENT_OS_CODEC_KEYS_FILE or $AGENT_OS_CODEC_KEYS)');
}

/**
 * Connects a client from the flags and the environment; `fn` runs with it, and the
 * connection is closed afterwards.
 * @throws TemporalUnreachableError (its message says how to fix it).
 */
export async function withClient<T>(flags: ConnectionFlags, fn: (client: Client, settings: TemporalSettings) => Promise<T>): Promise<T> {
  const settings = temporalSettings({
    ...(flags.address ? { address: flags.address } : {}),
    ...(flags.namespace ? { namespace: flags.namespace } : {}),
    ...(flags.codecKeys ? { codecKeysFile: flags.codecKeys } : {}),
  });
  const { client, connection } = await connectClient(settings);
  try {
    return await fn(client, settings);
  } finally {
    await connection.close();
  }
}

/** The message of an error, for `agent-os <command>: <message>` lines. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
