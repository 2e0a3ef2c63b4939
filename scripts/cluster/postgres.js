// A throwaway PostgreSQL cluster on a loopback port, owned by this checkout's .cluster/
// folder: initdb (as the `postgres` user when run as root, since initdb refuses root),
// start and stop with pg_ctl. Host connections need the password; nothing listens beyond
// 127.0.0.1.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const versions = require('./versions.json');

const PASSWORD = 'temporal';

function binDir() {
  const dir = `/usr/lib/postgresql/${versions.postgresMajor}/bin`;
  if (!fs.existsSync(path.join(dir, 'pg_ctl'))) {
    throw new Error(
      `cluster: PostgreSQL ${versions.postgresMajor} not found (${dir}/pg_ctl).\n` + `  fix: apt-get install postgresql-${versions.postgresMajor}`,
    );
  }
  return dir;
}

const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** Runs a PostgreSQL program, as the `postgres` user when we are root. */
function pg(program, args, options = {}) {
  const file = path.join(binDir(), program);
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
  return execFileSync(cmd, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
}

function chownToPostgres(dir) {
  if (asRoot) execFileSync('chown', ['-R', 'postgres:postgres', dir]);
}

/** Creates the data folder once (idempotent). */
function init(dataDir) {
  if (fs.existsSync(path.join(dataDir, 'PG_VERSION'))) return false;
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const pwfile = path.join(path.dirname(dataDir), 'pg-password');
  fs.writeFileSync(pwfile, `${PASSWORD}\n`, { mode: 0o600 });
  chownToPostgres(dataDir);
  chownToPostgres(pwfile);
  try {
    pg('initdb', [
      '-D',
      dataDir,
      '-U',
      versions.user,
      '--pwfile',
      pwfile,
      '--auth-host=scram-sha-256',
      '--auth-local=trust',
      '-E',
      'UTF8',
      '--no-instructions',
    ]);
  } catch (err) {
    throw new Error(
      `cluster: initdb failed in ${dataDir}: ${String(err.stderr || err.message).trim()}\n  fix: make sure the postgres user can reach that folder, or set CLUSTER_DIR`,
    );
  } finally {
    fs.rmSync(pwfile, { force: true });
  }
  return true;
}

/** The server's pid when it runs, else undefined. */
function pid(dataDir) {
  try {
    const first = fs.readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0];
    const n = Number(first);
    process.kill(n, 0);
    return n;
  } catch {
    return undefined;
  }
}

/** Starts the server on 127.0.0.1:port and waits until it accepts connections. */
function start(dataDir, port, logFile) {
  if (pid(dataDir)) return false;
  const socketDir = path.join(path.dirname(dataDir), 'pg-socket');
  fs.mkdirSync(socketDir, { recursive: true });
  chownToPostgres(socketDir);
  fs.writeFileSync(logFile, '');
  chownToPostgres(logFile);
  pg('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', '60', '-o', `-p ${port} -k ${socketDir} -c listen_addresses=127.0.0.1`, 'start']);
  return true;
}

function stop(dataDir) {
  if (!pid(dataDir)) return false;
  pg('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', '-t', '60', 'stop']);
  return true;
}

module.exports = { init, start, stop, pid, PASSWORD };
