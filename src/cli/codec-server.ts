/**
 * `agent-os codec-server` — serves Temporal's codec protocol (`…/encode`, `…/decode`) with
 * the configured keys, so the Web UI and `temporal workflow show --codec-endpoint …` show
 * decoded payloads to holders of the access token (or of a client certificate, with mTLS):
 *
 *   agent-os codec-server --codec-keys /etc/agent-os/codec-keys --token-file /etc/agent-os/codec-token --ui-origin https://temporal.example.com
 *
 * Loopback only unless TLS is configured. Runs until SIGINT/SIGTERM.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import type { Command } from 'commander';
import { AesGcmCodec } from '../codec/aes-gcm-codec';
import { CODEC_STRICT_ENV, keyRingFromEnv } from '../codec/key-ring';
import { startCodecServer, type CodecServer } from '../codec/server';
import { collectExtraAction, processIo, type CliIo } from './policy-io';
import { ExitCode, OutputFormat, withOutputOption } from './conventions';

/** The variable holding the codec server's access token. */
export const CODEC_SERVER_TOKEN_ENV = 'AGENT_OS_CODEC_SERVER_TOKEN';

interface CodecServerCliOptions {
  readonly codecKeys?: string;
  readonly codecStrict?: boolean;
  readonly host: string;
  readonly port: string;
  readonly tokenFile?: string;
  readonly tokenInPath?: boolean;
  readonly uiOrigin: string[];
  readonly namespace: string[];
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  readonly tlsClientCa?: string;
  readonly output: OutputFormat;
}

class UsageError extends Error {}

/** Registers `agent-os codec-server`. @public main.ts loads it by name. */
export function registerCodecServerCommand(program: Command, io: CliIo = processIo): void {
  withOutputOption(
    program
      .command('codec-server')
      .description('serve the payload codec over HTTP for the Temporal Web UI and CLI (decrypts runs for holders of the access token)')
      .option('--codec-keys <file>', 'keys file (default: $AGENT_OS_CODEC_KEYS_FILE or $AGENT_OS_CODEC_KEYS)')
      .option('--codec-strict', 'refuse to decode plaintext payloads and encrypted ones not bound to a workflow or activity (default: $AGENT_OS_CODEC_STRICT)')
      .option('--host <ip>', 'interface to listen on (non-loopback needs --tls-cert/--tls-key)', '127.0.0.1')
      .option('--port <port>', 'port (0: a free one)', '8081')
      .option('--token-file <file>', `access token file (default: $${CODEC_SERVER_TOKEN_ENV}; neither: a new token is generated and printed)`)
      .option('--token-in-path', "also accept the token as the first path segment, for a Web UI that forwards no token (the dev server's)")
      .option('--ui-origin <origin>', 'a Web UI origin allowed by CORS, e.g. http://127.0.0.1:8233 (repeatable)', collectExtraAction, [])
      .option('--namespace <ns>', 'serve only this namespace (X-Namespace; repeatable; default: any)', collectExtraAction, [])
      .option('--tls-cert <file>', 'serve HTTPS with this certificate (PEM)')
      .option('--tls-key <file>', 'private key of --tls-cert (PEM)')
      .option('--tls-client-ca <file>', 'require client certificates signed by this CA (mTLS; then no token is needed)'),
  )
    .addHelpText(
      'after',
      `\nThe endpoint to configure: the printed URL (Web UI: codec endpoint; temporal CLI: --codec-endpoint URL --codec-auth "Bearer TOKEN").`,
    )
    .action(async (options: CodecServerCliOptions) => {
      io.setExitCode(await runCodecServer(options, io));
    });
}

async function runCodecServer(options: CodecServerCliOptions, io: CliIo): Promise<number> {
  let server: CodecServer;
  let generated = false;
  try {
    const ring = keyRingFromEnv(options.codecKeys, options.codecStrict === true ? { ...process.env, [CODEC_STRICT_ENV]: '1' } : process.env);
    if (ring === undefined) throw new UsageError('no codec keys: pass --codec-keys FILE or set AGENT_OS_CODEC_KEYS_FILE / AGENT_OS_CODEC_KEYS');
    const port = Number(options.port);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError(`--port ${options.port}: expected a TCP port (0–65535)`);
    if ((options.tlsCert === undefined) !== (options.tlsKey === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
    if (options.tlsClientCa !== undefined && options.tlsCert === undefined) throw new UsageError('--tls-client-ca needs --tls-cert and --tls-key');
    if (!isLoopback(options.host) && options.tlsCert === undefined)
      throw new UsageError(
        `--host ${options.host} is not a loopback address: serve it with --tls-cert/--tls-key (the token and decrypted payloads would cross the network in clear)`,
      );
    let token = options.tokenFile !== undefined ? readSecret(options.tokenFile) : process.env[CODEC_SERVER_TOKEN_ENV];
    if (!token && options.tlsClientCa === undefined) {
      token = randomBytes(24).toString('base64url');
      generated = true;
    }
    if (token !== undefined && !/^[A-Za-z0-9._~-]{16,}$/.test(token))
      throw new UsageError('the access token must be at least 16 URL-safe characters (A-Z a-z 0-9 . _ ~ -)');
    server = await startCodecServer({
      codec: new AesGcmCodec(ring),
      host: options.host,
      port,
      ...(token ? { token } : {}),
      ...(options.tokenInPath ? { tokenInPath: true } : {}),
      uiOrigins: options.uiOrigin,
      ...(options.namespace.length > 0 ? { namespaces: options.namespace } : {}),
      ...(options.tlsCert !== undefined && options.tlsKey !== undefined
        ? {
            tls: {
              cert: fs.readFileSync(options.tlsCert, 'utf8'),
              key: fs.readFileSync(options.tlsKey, 'utf8'),
              ...(options.tlsClientCa ? { clientCa: fs.readFileSync(options.tlsClientCa, 'utf8') } : {}),
            },
          }
        : {}),
    });
    const info = {
      endpoint: server.endpoint,
      url: server.url,
      keys: [...ring.keys.keys()],
      encryptsWith: ring.current,
      strict: ring.strict === true,
      ...(generated ? { token } : {}),
    };
    if (options.output === OutputFormat.Text) {
      io.out(`agent-os codec-server: ${server.endpoint} (keys ${info.keys.join(', ')}; encrypts with ${ring.current}${info.strict ? '; strict' : ''})\n`);
      if (generated)
        io.out(`  access token (generated): ${token}\n  temporal workflow show -w ID --codec-endpoint ${server.url} --codec-auth "Bearer ${token}"\n`);
    } else io.out(`${JSON.stringify(info)}\n`);
  } catch (err) {
    io.err(`agent-os codec-server: ${(err as Error).message}\n`);
    return err instanceof UsageError || (err as { code?: string }).code === 'Codec.KeyConfig' ? ExitCode.Usage : ExitCode.Failure;
  }
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  return ExitCode.Ok;
}

function readSecret(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new UsageError(`--token-file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (net.isIPv4(host)) return host.startsWith('127.');
  return host === '::1';
}
