/**
 * Connection flags shared by every command that talks to a Temporal server, named as the
 * `temporal` CLI names them: `--address`, `--namespace`, `--api-key`, `--tls`,
 * `--tls-cert-path`, `--tls-key-path`, `--tls-ca-path`, `--tls-server-name`,
 * `--profile` (alias `--env`) and `--config-file`. Each flag wins over Temporal's
 * env-config (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*,
 * TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE and the profile file), which wins over the defaults.
 * `--codec-keys` names the payload codec's keys file (else AGENT_OS_CODEC_KEYS_FILE / AGENT_OS_CODEC_KEYS);
 * `--codec-strict` stands for AGENT_OS_CODEC_STRICT=1 (plaintext and unbound payloads refused on reading).
 */
import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import { connectClient, temporalSettings, type TemporalSettings } from '../client/connection';
import { CODEC_STRICT_ENV } from '../codec/key-ring';
import { CliError, ExitCode } from './conventions';

/** The flags {@link withConnectionOptions} adds. */
export interface ConnectionFlags {
  readonly address?: string;
  readonly namespace?: string;
  readonly apiKey?: string;
  readonly tls?: boolean;
  readonly tlsCertPath?: string;
  readonly tlsKeyPath?: string;
  readonly tlsCaPath?: string;
  readonly tlsServerName?: string;
  readonly profile?: string;
  readonly env?: string;
  readonly configFile?: string;
  readonly codecKeys?: string;
  readonly codecStrict?: boolean;
}

/** Adds the connection flags to a command. */
export function withConnectionOptions(command: Command): Command {
  return command
    .option('--address <host:port>', 'Temporal frontend (default: $TEMPORAL_ADDRESS, the profile, or 127.0.0.1:7233)')
    .option('-n, --namespace <ns>', 'Temporal namespace (default: $TEMPORAL_NAMESPACE, the profile, or default)')
    .option('--api-key <key>', 'API key, e.g. for Temporal Cloud (default: $TEMPORAL_API_KEY); implies --tls')
    .option('--tls', 'connect with TLS (default: $TEMPORAL_TLS; implied by --api-key and the --tls-* paths)')
    .option('--tls-cert-path <file>', 'client certificate for mTLS (default: $TEMPORAL_TLS_CLIENT_CERT_PATH)')
    .option('--tls-key-path <file>', 'client private key for mTLS (default: $TEMPORAL_TLS_CLIENT_KEY_PATH)')
    .option('--tls-ca-path <file>', 'server CA certificate (default: $TEMPORAL_TLS_SERVER_CA_CERT_PATH)')
    .option('--tls-server-name <name>', 'server name to verify (default: $TEMPORAL_TLS_SERVER_NAME)')
    .option('--profile <name>', 'env-config profile from the Temporal config file (default: $TEMPORAL_PROFILE or default)')
    .option('--env <name>', 'same as --profile')
    .option('--config-file <file>', 'Temporal config file (TOML; default: $TEMPORAL_CONFIG_FILE or ~/.config/temporalio/temporal.toml)')
    .option('--codec-keys <file>', 'payload codec keys file (default: $AGENT_OS_CODEC_KEYS_FILE or $AGENT_OS_CODEC_KEYS; none: plaintext)')
    .option(
      '--codec-strict',
      'refuse plaintext payloads and encrypted ones not bound to their workflow or activity when reading history (default: $AGENT_OS_CODEC_STRICT); needs codec keys',
    );
}

/** The environment the flags stand for: each given flag replaces its TEMPORAL_* variable. */
export function connectionEnv(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  const set = (name: string, value: string | undefined): void => {
    if (value !== undefined) out[name] = value;
  };
  set('TEMPORAL_ADDRESS', flags.address);
  set('TEMPORAL_NAMESPACE', flags.namespace);
  set('TEMPORAL_API_KEY', flags.apiKey);
  set('TEMPORAL_TLS', flags.tls === true ? 'true' : undefined);
  set('TEMPORAL_TLS_CLIENT_CERT_PATH', flags.tlsCertPath);
  set('TEMPORAL_TLS_CLIENT_KEY_PATH', flags.tlsKeyPath);
  set('TEMPORAL_TLS_SERVER_CA_CERT_PATH', flags.tlsCaPath);
  set('TEMPORAL_TLS_SERVER_NAME', flags.tlsServerName);
  set('TEMPORAL_PROFILE', flags.profile ?? flags.env);
  set('TEMPORAL_CONFIG_FILE', flags.configFile);
  set(CODEC_STRICT_ENV, flags.codecStrict === true ? '1' : undefined);
  return out;
}

/**
 * Resolves the settings from the flags and the environment.
 * @throws CliError (usage) when a certificate or the config file cannot be read.
 */
export function settingsFromFlags(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env): TemporalSettings {
  try {
    return temporalSettings(flags.codecKeys ? { codecKeysFile: flags.codecKeys } : {}, connectionEnv(flags, env));
  } catch (err) {
    throw new CliError(
      `cannot load the Temporal connection settings: ${err instanceof Error ? err.message : String(err)} — check the --tls-*/--config-file paths and TEMPORAL_* variables`,
      ExitCode.Usage,
      { cause: err },
    );
  }
}

/**
 * The error for a server that did not answer. With TLS or an API key the likely cause is a
 * server that speaks plaintext (or a wrong address), not a missing server.
 */
export function unreachableError(settings: TemporalSettings, cause: unknown): CliError {
  if (settings.tls || settings.apiKey) {
    const why = settings.apiKey ? 'an API key (which implies TLS)' : 'TLS';
    return new CliError(
      `no TLS connection to the Temporal server at ${settings.address} (connecting with ${why}) — check the address and namespace; ` +
        'a local dev server speaks plaintext: drop --api-key/--tls*/TEMPORAL_API_KEY/TEMPORAL_TLS* for it',
      ExitCode.Unavailable,
      { cause },
    );
  }
  return new CliError(
    `Temporal server not reachable at ${settings.address} — start one with \`agent-os dev\` or set --address / TEMPORAL_ADDRESS`,
    ExitCode.Unavailable,
    { cause },
  );
}

/**
 * Connects a client from the flags and the environment; `fn` runs with it, and the
 * connection is closed afterwards.
 * @throws CliError (exit 3) when the server cannot be reached, saying how to fix it.
 */
export async function withClient<T>(flags: ConnectionFlags, fn: (client: Client, settings: TemporalSettings) => Promise<T>): Promise<T> {
  const settings = settingsFromFlags(flags);
  let connected;
  try {
    connected = await connectClient(settings);
  } catch (err) {
    throw unreachableError(settings, (err as { cause?: unknown }).cause ?? err);
  }
  const { client, connection } = connected;
  try {
    return await fn(client, settings);
  } finally {
    await connection.close();
  }
}
