/**
 * The network bridge of a sandbox granted `network: proxy`. The program keeps its own
 * network namespace (only loopback; a host address is unreachable); inside it, a tiny
 * forwarder listens on `127.0.0.1:{@link SANDBOX_PROXY_PORT}` and relays every TCP
 * connection, byte for byte, to the egress proxy's Unix socket, which is bound into the
 * sandbox read-only at {@link SANDBOX_NET_DIR}. The forwarder decides nothing: the proxy on
 * the host asks the kernel about each connection.
 *
 * The forwarder runs on the worker's own `node` (shown read-only), started by a launcher
 * `sh` before `prlimit` (so the program's memory limit does not starve V8), with an empty
 * environment; it ignores SIGTERM/SIGINT/SIGHUP so a program's TERM handler may still use
 * the network, and it dies with the sandbox (bubblewrap's init exits with the program and
 * the kernel kills the rest of the PID namespace).
 */
import { SANDBOX_STARTED_FD } from './types';

/** Where the egress proxy's folder (holding `proxy.sock`) appears inside the sandbox. */
export const SANDBOX_NET_DIR = '/run/agent-os-net';
/** The socket's file name in that folder. */
export const PROXY_SOCKET_NAME = 'proxy.sock';
/** The forwarder's port on the sandbox's own loopback. */
export const SANDBOX_PROXY_PORT = 3128;
/** Exit status of a sandbox whose forwarder did not start (nothing ran). */
export const FORWARDER_FAILED_EXIT = 125;
/** The stderr line that goes with {@link FORWARDER_FAILED_EXIT}. */
export const FORWARDER_FAILED_MESSAGE = 'agent-os sandbox: the network forwarder did not start; nothing ran';

/**
 * The forwarder (CommonJS for `node -e`; argv: port, socket path). Writes `ready` on fd 1
 * once listening, then closes fd 1 so the launcher's `$(…)` returns.
 */
export const FORWARDER_SCRIPT = [
  "'use strict';",
  "const net = require('node:net'), fs = require('node:fs');",
  'const [port, sock] = process.argv.slice(1);',
  "for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(s, () => {});",
  // No .pipe(): it reads process.stdout, whose fd 1 is closed once the launcher has its 'ready'.
  "const relay = (a, b) => { a.on('data', (d) => { if (!b.write(d)) a.pause(); }); b.on('drain', () => a.resume()); a.on('end', () => b.end()); };",
  'const server = net.createServer((c) => {',
  '  const u = net.connect(sock);',
  '  const end = () => { c.destroy(); u.destroy(); };',
  "  c.on('error', end); u.on('error', end); c.on('close', end); u.on('close', end);",
  '  relay(c, u); relay(u, c);',
  '});',
  "server.on('error', () => process.exit(1));",
  "server.listen({ host: '127.0.0.1', port: Number(port) }, () => { fs.writeSync(1, 'ready\\n'); fs.closeSync(1); });",
].join('\n');

/**
 * The launcher: starts the forwarder in the background, waits for its `ready`, then execs
 * the rest of the command line (`prlimit … -- program …`). `$0` is the forwarder script,
 * `$1` the path of `env`, `$2` node's path. The forwarder does not get the descriptor on which
 * the working-directory check reports the program's start (it lives beside the program).
 */
export const LAUNCHER_SCRIPT =
  `envp="$1"; node="$2"; shift 2; ` +
  `ready=$("$envp" -i "$node" -e "$0" ${SANDBOX_PROXY_PORT} ${SANDBOX_NET_DIR}/${PROXY_SOCKET_NAME} </dev/null 2>/dev/null ${SANDBOX_STARTED_FD}>&- &); ` +
  `[ "$ready" = ready ] || { echo '${FORWARDER_FAILED_MESSAGE}' >&2; exit ${FORWARDER_FAILED_EXIT}; }; exec "$@"`;

/**
 * The environment that points a program at the forwarder: `HTTP_PROXY`, `HTTPS_PROXY` (and
 * lower-case forms, which some tools read instead) and `NO_PROXY` for the sandbox's own
 * loopback. They override whatever the request passes.
 */
export function proxyEnv(): Record<string, string> {
  const url = `http://127.0.0.1:${SANDBOX_PROXY_PORT}`;
  const noProxy = 'localhost,127.0.0.1,::1';
  return { HTTP_PROXY: url, HTTPS_PROXY: url, http_proxy: url, https_proxy: url, NO_PROXY: noProxy, no_proxy: noProxy };
}
