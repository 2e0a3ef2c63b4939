#!/usr/bin/env node
// The cluster tier (`npm run test:cluster`, after `npm run build`): brings up the production
// topology with scripts/cluster.js (Temporal server on PostgreSQL, built once from the Go
// module proxy), runs dist/test/cluster/*.test.js against it, and stops what it started.
// CLUSTER_KEEP=1 leaves the cluster running afterwards.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync, spawn } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const dir = path.join(root, 'dist', 'test', 'cluster');

async function main() {
  const files = fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.test.js'))
        .map((f) => path.join(dir, f))
    : [];
  if (files.length === 0) {
    console.error(`run-cluster-tests: no compiled tests in ${dir} (run \`npm run build\` first)`);
    return 1;
  }
  const cluster = (...args) => spawnSync(process.execPath, [path.join(__dirname, 'cluster.js'), ...args], { stdio: 'inherit' }).status;
  if (cluster('up') !== 0) {
    console.error('run-cluster-tests: FAILED — the cluster could not be started, so no test ran (see the message above).');
    return 1;
  }
  try {
    const child = spawn(process.execPath, ['--test', '--test-concurrency=1', '--test-timeout=1200000', ...files], { stdio: 'inherit' });
    return await new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
  } finally {
    if (process.env.CLUSTER_KEEP !== '1') cluster('down');
  }
}

main().then(
  (code) => (process.exitCode = code),
  (err) => {
    console.error('run-cluster-tests: FAILED —', err);
    process.exitCode = 1;
  },
);
