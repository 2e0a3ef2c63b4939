/**
 * The sandbox of the adversarial suite: a workspace mounted at /workspace, a canary folder
 * OUTSIDE it (whose whole tree is hashed before and after every case), two canary HTTP
 * servers that count connections (`api.test` the policy allows, `evil.test` it does not),
 * a resolver that records every lookup, and one real kernel with the real filesystem,
 * process and HTTP providers behind a hostile-minded policy.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import type { ActionRequest, ActionResult } from '../../src/kernel/types';
import { FilesystemProvider } from '../../src/providers/filesystem';
import { HttpProvider } from '../../src/providers/http';
import { ProcessProvider } from '../../src/providers/process';

/** The secret every escape would try to reach; it must never appear in any result. */
export const SECRET = 'CANARY-SECRET-7f3a9c';

/** A loopback HTTP server that counts connections and remembers request paths. */
export interface Canary {
  readonly port: number;
  connections: number;
  readonly paths: string[];
  close(): Promise<void>;
}

async function startCanary(host: string): Promise<Canary> {
  const server = http.createServer((req, res) => {
    canary.paths.push(req.url ?? '');
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname.endsWith('/redirect')) {
      res.writeHead(302, { location: url.searchParams.get('to') ?? '/' });
      return res.end();
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`hello from ${host}`);
  });
  const canary: Canary = {
    port: 0,
    connections: 0,
    paths: [],
    close: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
  server.on('connection', () => {
    canary.connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  (canary as { port: number }).port = (server.address() as AddressInfo).port;
  return canary;
}

/** Everything a case needs. */
export interface Sandbox {
  readonly root: string;
  readonly ws: string;
  readonly outside: string;
  readonly kernel: Kernel;
  readonly api: Canary;
  readonly evil: Canary;
  /** Every host name the HTTP provider asked to resolve. */
  readonly lookups: string[];
  readonly logPath: string;
  submit(request: ActionRequest): Promise<ActionResult>;
  close(): Promise<void>;
}

/** Hash of a folder tree: names, types, modes, link targets and contents (never follows links). */
export function treeHash(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string): void => {
    for (const name of fs.readdirSync(d).sort()) {
      const full = path.join(d, name);
      const st = fs.lstatSync(full);
      h.update(`${path.relative(dir, full)}\0${st.mode}\0${st.nlink}\0`);
      if (st.isSymbolicLink()) h.update(`->${fs.readlinkSync(full)}\0`);
      else if (st.isDirectory()) walk(full);
      else if (st.isFile()) h.update(fs.readFileSync(full));
    }
  };
  walk(dir);
  return h.digest('hex');
}

/** The policy of the suite; `{API}` is replaced by the api canary's port. */
export function policyText(apiPort: number): string {
  return `version: 1
capabilities:
  - { id: read-ws, action: fs.read, resource: "/workspace/**" }
  - { id: list-ws, action: fs.list, resource: "/workspace/**" }
  - { id: write-out, action: fs.write, resource: "/workspace/output/**" }
  - { id: delete-out, action: fs.delete, resource: "/workspace/output/**" }
  - { id: echo, action: proc.exec, resource: echo, constraint: { cwd: "/workspace/**", timeout_ms: 2000, env: [GREETING] } }
  - { id: printenv, action: proc.exec, resource: printenv, constraint: { cwd: "/workspace/**", timeout_ms: 2000 } }
  - { id: yes, action: proc.exec, resource: "yes", constraint: { cwd: "/workspace/**", timeout_ms: 1000 } }
  - { id: sleep, action: proc.exec, resource: sleep, constraint: { cwd: "/workspace/**", timeout_ms: 1000 } }
  - { id: forker, action: proc.exec, resource: sh, constraint: { cwd: "/workspace/**", timeout_ms: 1000, args: [forker.sh, "*"], env: [AOK_RUN_TOKEN] } }
  - { id: git, action: proc.exec, resource: git, constraint: { cwd: "/workspace/**", timeout_ms: 5000 } }
  - { id: api, action: net.http, resource: "http://api.test:${apiPort}/api/**", constraint: { method: [GET] } }
  - { id: rebind, action: net.http, resource: "http://rebind.test:${apiPort}/**", constraint: { method: [GET] } }
`;
}

/** Builds a fresh sandbox. Host names: api.test / rebind.test → 127.0.0.1 / 169.254.169.254, evil.test → 127.0.0.2. */
export async function makeSandbox(): Promise<Sandbox> {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'aok-adv-')));
  const ws = path.join(root, 'ws');
  const outside = path.join(root, 'outside');
  fs.mkdirSync(path.join(ws, 'output'), { recursive: true });
  fs.mkdirSync(path.join(outside, 'nested'), { recursive: true });
  fs.writeFileSync(path.join(ws, 'data.txt'), 'public data\n');
  fs.writeFileSync(path.join(outside, 'secret.txt'), `${SECRET}\n`);
  fs.writeFileSync(path.join(outside, 'nested', 'deep.txt'), `${SECRET} deep\n`);
  const [api, evil] = await Promise.all([startCanary('127.0.0.1'), startCanary('127.0.0.2')]);
  const lookups: string[] = [];
  const table: Record<string, string[]> = { 'api.test': ['127.0.0.1'], 'evil.test': ['127.0.0.2'], 'rebind.test': ['169.254.169.254'] };
  const resolver = async (host: string): Promise<readonly string[]> => {
    lookups.push(host);
    const found = table[host];
    if (found === undefined) throw Object.assign(new Error(`no such host ${host}`), { code: 'ENOTFOUND' });
    return found;
  };
  const policyFile = path.join(root, 'policy.yaml');
  fs.writeFileSync(policyFile, policyText(api.port));
  const mounts = { '/workspace': ws };
  const logPath = path.join(root, 'kernel.log');
  const kernel = new Kernel({
    policy: policyFile,
    logPath,
    providers: [
      new FilesystemProvider({ mounts }),
      new ProcessProvider({ mounts, maxOutputBytes: 64 * 1024, killGraceMs: 100 }),
      new HttpProvider({ resolver, allowAddresses: ['127.0.0.1', '127.0.0.2'], timeoutMs: 5000 }),
    ],
  });
  return {
    root,
    ws,
    outside,
    kernel,
    api,
    evil,
    lookups,
    logPath,
    submit: (request) => kernel.submit(request),
    close: async () => {
      await kernel.close();
      await Promise.all([api.close(), evil.close()]);
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}
