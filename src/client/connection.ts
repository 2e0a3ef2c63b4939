/**
 * Where the Temporal server is and how to authenticate, following Temporal's env-config
 * conventions (`@temporalio/envconfig`, shared with the Temporal CLI and the other SDKs):
 * a profile from `TEMPORAL_CONFIG_FILE` / `~/.config/temporalio/temporal.toml`, overridden
 * by `TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`, `TEMPORAL_TLS`,
 * `TEMPORAL_TLS_CLIENT_CERT_PATH` / `_KEY_PATH`, `TEMPORAL_TLS_SERVER_CA_CERT_PATH`,
 * `TEMPORAL_TLS_SERVER_NAME`, `TEMPORAL_GRPC_META_*` and `TEMPORAL_PROFILE`. An API key
 * implies TLS. So the same worker runs against the dev server, a cluster or Temporal Cloud.
 */
import { Client, Connection } from '@temporalio/client';
import { loadClientConfigProfile, loadClientConnectConfig, type ConfigDataSource } from '@temporalio/envconfig';
import os from 'node:os';
import path from 'node:path';
import type { NativeConnection, NativeConnectionOptions } from '@temporalio/worker';
import { codecDataConverter } from '../codec/data-converter';
import { keyRingFromEnv, type KeyRing } from '../codec/key-ring';
import { TemporalUnreachableError } from './errors';

/** Address used when neither the environment nor a profile names one. */
const DEFAULT_ADDRESS = '127.0.0.1:7233';

/** Resolved connection settings. */
export interface TemporalSettings {
  readonly address: string;
  readonly namespace: string;
  /** Options for both `NativeConnection` (workers) and `Connection` (clients). */
  readonly connectionOptions: NativeConnectionOptions & { readonly address: string };
  /** True when TLS is on (explicitly, by certificates, or implied by an API key). */
  readonly tls: boolean;
  /** True when an API key is used (never the key itself). */
  readonly apiKey: boolean;
  /** The payload codec's keys (AGENT_OS_CODEC_KEYS_FILE / AGENT_OS_CODEC_KEYS / --codec-keys); absent: payloads stay plaintext. */
  readonly codecKeys?: KeyRing;
}

/** Overrides from the command line; each wins over the environment. */
export interface ConnectionOverrides {
  readonly address?: string;
  readonly namespace?: string;
  /** A codec keys file (`--codec-keys`); wins over AGENT_OS_CODEC_KEYS_FILE / AGENT_OS_CODEC_KEYS. */
  readonly codecKeysFile?: string;
}

/**
 * Resolves connection settings from the environment (and the env-config profile file).
 * @throws Error from env-config when a configured certificate file cannot be read;
 *   CodecKeyConfigError when the codec keys are malformed or unreadable.
 * @example
 * const settings = temporalSettings(); // TEMPORAL_ADDRESS=my-ns.a1b2c.tmprl.cloud:7233 TEMPORAL_API_KEY=…
 */
export function temporalSettings(overrides: ConnectionOverrides = {}, env: NodeJS.ProcessEnv = process.env): TemporalSettings {
  const vars: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined && value !== '') vars[key] = value;
  const loaded = loadClientConnectConfig({ overrideEnvVars: vars });
  const address = overrides.address ?? loaded.connectionOptions.address ?? DEFAULT_ADDRESS;
  const namespace = overrides.namespace ?? loaded.namespace ?? 'default';
  const codecKeys = keyRingFromEnv(overrides.codecKeysFile, env);
  const options: Record<string, unknown> = { address };
  const { tls, apiKey, metadata } = loaded.connectionOptions;
  if (tls !== undefined) options['tls'] = tls;
  if (apiKey !== undefined) options['apiKey'] = apiKey;
  if (metadata !== undefined && Object.keys(metadata).length > 0) options['metadata'] = metadata;
  return {
    address,
    namespace,
    connectionOptions: options as unknown as TemporalSettings['connectionOptions'],
    tls: tls !== undefined && tls !== false,
    apiKey: apiKey !== undefined,
    ...(codecKeys !== undefined ? { codecKeys } : {}),
  };
}

/** The files a worker's Temporal connection is read from (see {@link temporalFiles}). */
export interface TemporalFiles {
  /** The env-config profile file: `TEMPORAL_CONFIG_FILE`, else its default place (which may not exist yet). */
  readonly configFile?: string;
  /** The mTLS files the active profile names (file paths only; inline data has none). */
  readonly clientKey?: string;
  readonly clientCert?: string;
  readonly serverCaCert?: string;
}

/**
 * Where env-config reads the connection from, for `env`: the profile file (named, or where
 * env-config looks by default: `$XDG_CONFIG_HOME/temporalio/temporal.toml`, else
 * `~/.config/…`; `~/Library/Application Support/…` on macOS, `%APPDATA%\…` on Windows) and the
 * key, certificate and CA files the active profile (`TEMPORAL_PROFILE`, else `default`) names,
 * after the `TEMPORAL_TLS_*` variables. A profile file that cannot be read or parsed names no
 * TLS file here (connecting reports it). Reads the profile file; never the TLS files.
 */
export function temporalFiles(env: NodeJS.ProcessEnv = process.env): TemporalFiles {
  const vars: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined && value !== '') vars[key] = value;
  const configFile = vars['TEMPORAL_CONFIG_FILE'] ?? defaultConfigFile(vars);
  let tls: { clientKey?: ConfigDataSource; clientCert?: ConfigDataSource; serverCACert?: ConfigDataSource } | undefined;
  try {
    tls = loadClientConfigProfile({ overrideEnvVars: vars }).tls;
  } catch {
    tls = undefined;
  }
  const file = (source: ConfigDataSource | undefined): string | undefined => (source !== undefined && 'path' in source ? source.path : undefined);
  const clientKey = file(tls?.clientKey);
  const clientCert = file(tls?.clientCert);
  const serverCaCert = file(tls?.serverCACert);
  return {
    ...(configFile !== undefined ? { configFile } : {}),
    ...(clientKey !== undefined ? { clientKey } : {}),
    ...(clientCert !== undefined ? { clientCert } : {}),
    ...(serverCaCert !== undefined ? { serverCaCert } : {}),
  };
}

/** Where env-config looks for its profile file when `TEMPORAL_CONFIG_FILE` is not set (its own rule, restated). */
function defaultConfigFile(vars: Readonly<Record<string, string>>): string | undefined {
  const platform = os.platform();
  let dir: string | undefined;
  if (platform === 'win32') dir = vars['APPDATA'];
  else if (platform === 'darwin') dir = vars['HOME'] === undefined ? undefined : path.join(vars['HOME'], 'Library', 'Application Support');
  else {
    const xdg = vars['XDG_CONFIG_HOME'];
    dir = xdg !== undefined ? (path.isAbsolute(xdg) ? xdg : undefined) : vars['HOME'] === undefined ? undefined : path.join(vars['HOME'], '.config');
  }
  return dir === undefined ? undefined : path.join(dir, 'temporalio', 'temporal.toml');
}

/** Both connections a worker host needs, plus a client; close with {@link TemporalConnections.close}. */
export interface TemporalConnections {
  readonly settings: TemporalSettings;
  /** For workers. */
  readonly native: NativeConnection;
  readonly client: Client;
  close(): Promise<void>;
}

/**
 * Connects a client only (no worker connection): for the CLI's run, approve, rollback.
 * @throws TemporalUnreachableError when the server does not answer (the message says how to fix it).
 */
export async function connectClient(settings: TemporalSettings): Promise<{ client: Client; connection: Connection }> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...(settings.connectionOptions as object), address: settings.address, connectTimeout: 5_000 });
  } catch (cause) {
    throw new TemporalUnreachableError(settings.address, { cause });
  }
  return { client: new Client({ connection, namespace: settings.namespace, dataConverter: codecDataConverter(settings.codecKeys) }), connection };
}

/**
 * Connects a worker connection and a client.
 * @throws TemporalUnreachableError when the server does not answer.
 */
export async function connectTemporal(settings: TemporalSettings): Promise<TemporalConnections> {
  let native: NativeConnection;
  try {
    // The worker package loads here, not on import: client-only commands (approve, status, …) never need it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { NativeConnection: Native } = require('@temporalio/worker') as typeof import('@temporalio/worker');
    native = await Native.connect(settings.connectionOptions);
  } catch (cause) {
    throw new TemporalUnreachableError(settings.address, { cause });
  }
  try {
    const { client, connection } = await connectClient(settings);
    return {
      settings,
      native,
      client,
      close: async () => {
        await connection.close();
        await native.close();
      },
    };
  } catch (err) {
    await native.close();
    throw err;
  }
}
