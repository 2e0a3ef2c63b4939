#!/usr/bin/env node
// `npm run cluster -- up|down|status [--json]|build`: the production topology on this machine
// without Docker — PostgreSQL (Debian's), the Temporal server and its Web UI built from the
// Go module proxy — on free loopback ports. Idempotent: `up` reuses what runs and starts
// what does not; `down` stops only what `up` started (pids recorded in the state folder);
// `down --purge` also deletes the data. State lives in $CLUSTER_DIR (default: .cluster/).
'use strict';
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const path = require('node:path');
const versions = require('./cluster/versions.json');
const { ensureTools, root } = require('./cluster/tools');
const postgres = require('./cluster/postgres');
const { SERVER_CONFIG, serverEnv, uiConfig } = require('./cluster/server-config');

const dir = path.resolve(process.env.CLUSTER_DIR || path.join(root, '.cluster'));
const stateFile = path.join(dir, 'state.json');
const HOST = '127.0.0.1';
const log = (m) => process.stderr.write(`cluster: ${m}\n`);

function temporalCli() {
  if (process.env.TEMPORAL_CLI_PATH) return process.env.TEMPORAL_CLI_PATH;
  const recorded = path.join(root, '.tools', 'temporal-path');
  if (fs.existsSync(recorded)) return fs.readFileSync(recorded, 'utf8').trim();
  return 'temporal';
}

function readState() {
  try {
    return JSON.parse(fs.readFileSync(stateFile, 'utf8'));
  } catch {
    return undefined;
  }
}

function writeState(state) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(stateFile, `${JSON.stringify(state, null, 2)}\n`);
}

function alive(pid) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// Membership ports are stored in a PostgreSQL smallint (cluster_membership.rpc_port), so
// every port comes from below 32768, not from the OS's ephemeral range.
const PORT_RANGE = [20000, 32767];

function portFree(port) {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ host: HOST, port, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

async function allocatePorts() {
  const names = [
    'postgres',
    'frontend',
    'frontendHttp',
    'frontendMembership',
    'history',
    'historyMembership',
    'matching',
    'matchingMembership',
    'worker',
    'workerMembership',
    'serverMetrics',
    'ui',
  ];
  const ports = {};
  const used = new Set();
  for (const name of names) {
    for (;;) {
      const port = PORT_RANGE[0] + Math.floor(Math.random() * (PORT_RANGE[1] - PORT_RANGE[0]));
      if (used.has(port) || !(await portFree(port))) continue;
      used.add(port);
      ports[name] = port;
      break;
    }
  }
  return ports;
}

function startDaemon(name, command, args, cwd, env = {}) {
  const logFile = path.join(dir, `${name}.log`);
  const out = fs.openSync(logFile, 'a');
  const child = spawn(command, args, { cwd, detached: true, stdio: ['ignore', out, out], env: { ...process.env, ...env } });
  child.unref();
  fs.closeSync(out);
  return child.pid;
}

function cli(args, options = {}) {
  return execFileSync(temporalCli(), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
}

/** Polls `check` until it is true; an error with `fatal` set ends the wait at once. */
async function waitFor(what, seconds, check) {
  const until = Date.now() + seconds * 1000;
  let last;
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      if (err.fatal) throw err;
      last = err;
    }
    if (Date.now() > until)
      throw new Error(
        `cluster: ${what} not ready after ${seconds} s${
          last
            ? `: ${String(last.stderr || last.message)
                .trim()
                .split('\n')
                .pop()}`
            : ''
        }`,
      );
    await new Promise((r) => setTimeout(r, 250));
  }
}

function fatal(message) {
  return Object.assign(new Error(message), { fatal: true });
}

/** Creates the databases and applies the schemas: deploy/temporal/setup-schema.sh, as compose runs it. */
function applySchemas(tools, state) {
  execFileSync('sh', [path.join(root, 'deploy', 'temporal', 'setup-schema.sh')], {
    env: {
      ...process.env,
      TEMPORAL_SQL_TOOL: tools.sql,
      TEMPORAL_SCHEMA_DIR: tools.schema,
      POSTGRES_HOST: HOST,
      POSTGRES_PORT: String(state.ports.postgres),
      POSTGRES_USER: versions.user,
      POSTGRES_PWD: postgres.PASSWORD,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  log('schemas up to date');
}

/** Namespace and search attributes: deploy/temporal/init.sh, as compose's temporal-init runs it. */
async function ensureNamespace(address) {
  execFileSync('sh', [path.join(root, 'deploy', 'temporal', 'init.sh')], {
    env: {
      ...process.env,
      TEMPORAL_CLI: temporalCli(),
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: versions.namespace,
      TEMPORAL_RETENTION: versions.retention,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // A new namespace reaches every service's cache after a refresh: wait until it serves.
  await waitFor(
    `namespace ${versions.namespace}`,
    60,
    () => (cli(['workflow', 'list', '--namespace', versions.namespace, '--address', address, '--limit', '1']), true),
  );
}

async function up(flags) {
  fs.mkdirSync(dir, { recursive: true });
  const tools = ensureTools(log);
  const state = readState() ?? { ports: await allocatePorts(), started: {} };
  writeState(state);
  const pgData = path.join(dir, 'pg');
  if (postgres.init(pgData)) log(`PostgreSQL ${versions.postgresMajor} cluster initialised in ${pgData}`);
  if (postgres.start(pgData, state.ports.postgres, path.join(dir, 'postgres.log'))) {
    state.started.postgres = true;
    log(`PostgreSQL on ${HOST}:${state.ports.postgres}`);
  }
  applySchemas(tools, state);
  writeState(state);

  const address = `${HOST}:${state.ports.frontend}`;
  if (!alive(state.serverPid)) {
    state.serverPid = startDaemon(
      'server',
      tools.server,
      ['--config-file', SERVER_CONFIG, '--allow-no-auth', 'start'],
      dir,
      serverEnv(HOST, state.ports, postgres.PASSWORD),
    );
    writeState(state);
    log(`Temporal server ${versions.temporalServer} starting (pid ${state.serverPid})`);
  }
  await waitFor('Temporal frontend', 90, () => {
    if (!alive(state.serverPid)) throw fatal(`cluster: the Temporal server exited; see ${path.join(dir, 'server.log')}`);
    return /SERVING/.test(cli(['operator', 'cluster', 'health', '--address', address]));
  });
  await ensureNamespace(address);

  const uiRoot = path.join(dir, 'ui');
  fs.mkdirSync(path.join(uiRoot, 'config'), { recursive: true });
  fs.writeFileSync(path.join(uiRoot, 'config', 'cluster.yaml'), uiConfig({ frontend: address, bind: HOST, port: state.ports.ui }));
  if (!alive(state.uiPid)) {
    state.uiPid = startDaemon('ui', tools.ui, ['--root', uiRoot, '--config', 'config', '--env', 'cluster', 'start'], uiRoot);
    writeState(state);
  }
  await waitFor('Web UI', 30, async () => {
    const res = await fetch(`http://${HOST}:${state.ports.ui}/`);
    return res.ok;
  });
  status(flags);
}

function describe() {
  const state = readState();
  if (!state) return { running: false };
  const pgPid = postgres.pid(path.join(dir, 'pg'));
  return {
    running: Boolean(pgPid) && alive(state.serverPid) && alive(state.uiPid),
    address: `${HOST}:${state.ports.frontend}`,
    namespace: versions.namespace,
    ui: `http://${HOST}:${state.ports.ui}`,
    postgres: `postgresql://${versions.user}@${HOST}:${state.ports.postgres}`,
    serverMetrics: `http://${HOST}:${state.ports.serverMetrics}/metrics`,
    pids: { postgres: pgPid ?? null, server: alive(state.serverPid) ? state.serverPid : null, ui: alive(state.uiPid) ? state.uiPid : null },
    versions: { temporalServer: versions.temporalServer, uiServer: versions.uiServer, postgres: versions.postgresMajor },
    dir,
  };
}

function status(flags) {
  const d = describe();
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(d)}\n`);
  } else if (!d.address) {
    process.stdout.write('cluster: not set up (npm run cluster -- up)\n');
  } else {
    process.stdout.write(
      [
        `cluster: ${d.running ? 'running' : 'NOT fully running'} (${dir})`,
        `  Temporal   ${d.address}  namespace ${d.namespace}  (server ${d.versions.temporalServer}, pid ${d.pids.server ?? '-'})`,
        `  Web UI     ${d.ui}  (pid ${d.pids.ui ?? '-'})`,
        `  PostgreSQL ${d.postgres}  (pid ${d.pids.postgres ?? '-'})`,
        `  metrics    ${d.serverMetrics}`,
        `  use it:    TEMPORAL_ADDRESS=${d.address} agent-os worker …`,
      ].join('\n') + '\n',
    );
  }
  return d.running ? 0 : 1;
}

async function stopPid(pid, name) {
  if (!alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const until = Date.now() + 15000;
  while (alive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
  log(`${name} stopped`);
}

async function down(flags) {
  const state = readState();
  if (!state) {
    log('nothing to stop');
    return 0;
  }
  await stopPid(state.uiPid, 'Web UI');
  await stopPid(state.serverPid, 'Temporal server');
  if (postgres.stop(path.join(dir, 'pg'))) log('PostgreSQL stopped');
  if (flags.purge) {
    fs.rmSync(dir, { recursive: true, force: true });
    log(`${dir} removed`);
  } else {
    delete state.serverPid;
    delete state.uiPid;
    writeState(state);
  }
  return 0;
}

async function main(argv) {
  const [command, ...rest] = argv;
  const flags = { json: rest.includes('--json') || rest.includes('-o=json'), purge: rest.includes('--purge') };
  switch (command) {
    case 'up':
      await up(flags);
      return 0;
    case 'down':
      return down(flags);
    case 'status':
      return status(flags);
    case 'build':
      ensureTools(log);
      return 0;
    default:
      process.stderr.write('usage: npm run cluster -- up|down [--purge]|status [--json]|build\n');
      return 2;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err) => {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = 1;
    },
  );
}

module.exports = { describe };
