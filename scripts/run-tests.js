#!/usr/bin/env node
// The test harness: starts ONE real Temporal dev server on free loopback ports, bundles
// the workflows once, then runs node's test runner over the compiled tests
// (dist/test/**/*.test.js — helpers and fixtures are never run as tests) and stops the
// server. A server that cannot start fails the run with a message saying how to fix it.
//
// Usage: node scripts/run-tests.js [path-or-substring ...]   (after `npm run build`)
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');

function findTests(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'helpers' || entry.name === 'fixtures' ? [] : findTests(full);
    return entry.name.endsWith('.test.js') ? [full] : [];
  });
}

async function main() {
  const filters = process.argv.slice(2);
  const all = findTests(path.join(dist, 'test')).sort();
  const files = filters.length ? all.filter((f) => filters.some((x) => f.includes(x))) : all;
  if (files.length === 0) {
    console.error(`run-tests: no compiled tests found under ${path.join(dist, 'test')} (run \`npm run build\` first)`);
    return 1;
  }

  const { startDevServer } = require(path.join(dist, 'src', 'dev', 'dev-server.js'));
  const { DEV_SERVER_SEARCH_ATTRIBUTES } = require(path.join(dist, 'src', 'worker', 'search-attributes.js'));
  let server;
  try {
    server = await startDevServer({ searchAttributes: DEV_SERVER_SEARCH_ATTRIBUTES });
  } catch (err) {
    console.error('run-tests: FAILED — the Temporal dev server could not be started, so no test ran.');
    console.error(String(err && err.message ? err.message : err));
    console.error('Fix: run `npm run setup` (installs the Temporal CLI into .tools/) or set TEMPORAL_CLI_PATH.');
    return 1;
  }
  console.log(`run-tests: Temporal dev server at ${server.address} (pid ${server.pid})`);

  try {
    const { bundleWorkflowCode, DefaultLogger } = require('@temporalio/worker');
    const { code } = await bundleWorkflowCode({
      workflowsPath: path.join(dist, 'src', 'workflows', 'index.js'),
      logger: new DefaultLogger('WARN'),
    });
    const bundlePath = path.join(dist, 'workflow-bundle.js');
    fs.writeFileSync(bundlePath, code);

    const concurrency = process.env.TEST_CONCURRENCY || '3';
    const args = ['--test', `--test-concurrency=${concurrency}`, '--test-timeout=300000', ...files];
    const child = spawn(process.execPath, args, {
      stdio: 'inherit',
      env: { ...process.env, TEMPORAL_TEST_ADDRESS: server.address, AGENT_OS_WORKFLOW_BUNDLE: bundlePath },
    });
    return await new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
  } finally {
    await server.stop();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error('run-tests: FAILED —', err);
    process.exitCode = 1;
  },
);
