#!/usr/bin/env node
// The test harness: starts ONE real Temporal dev server on free loopback ports, bundles
// the workflows once, then runs node's test runner over the compiled tests
// (dist/test/**/*.test.js — helpers and fixtures are never run as tests) and stops the
// server. A server that cannot start fails the run with a message saying how to fix it.
//
// Tiers: the main suite is every test outside the slow folders; the slow tier is every
// test under test/race, test/sandbox and test/faults (drop a slow test into one of them
// and `npm run test:slow` runs it). With path filters and no --tier, all tiers are searched.
//
// Output: a dot per test and every failure in full (the `dot` reporter), then one summary
// line; the complete TAP log goes to test-artifacts/test-<tier>.tap. TEST_REPORTER=spec
// (or tap) prints every test instead. The Temporal runtime logs warnings only, and only
// unexpected ones (test/helpers/quiet-runtime.ts, preloaded with --require).
//
// Temp files: the tests run with TMPDIR set to a fresh folder of this run. Whatever a test
// (or the product code it drives) leaves there is listed and fails the run — every temp
// folder must be removed by its owner — and the folder is removed either way, so the
// user's /tmp is not filled.
//
// Usage: node scripts/run-tests.js [--tier main|slow|all] [path-or-substring ...]   (after `npm run build`)
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');

/** Folders (under test/) of the slow tier. */
const SLOW_FOLDERS = ['race', 'sandbox', 'faults'];

function tierOf(file) {
  const rel = path.relative(path.join(dist, 'test'), file).split(path.sep);
  return SLOW_FOLDERS.includes(rel[0]) ? 'slow' : 'main';
}

function parseArgs(argv) {
  const out = { tier: undefined, filters: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--tier') out.tier = argv[++i];
    else if (argv[i].startsWith('--tier=')) out.tier = argv[i].slice('--tier='.length);
    else out.filters.push(argv[i]);
  }
  return out;
}

function findTests(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    // helpers and fixtures are never tests; cluster/ is its own tier (scripts/run-cluster-tests.js).
    if (entry.isDirectory()) return ['helpers', 'fixtures', 'cluster'].includes(entry.name) ? [] : findTests(full);
    return entry.name.endsWith('.test.js') ? [full] : [];
  });
}

async function main() {
  const { tier: askedTier, filters } = parseArgs(process.argv.slice(2));
  const tier = askedTier ?? (filters.length ? 'all' : 'main');
  if (!['main', 'slow', 'all'].includes(tier)) {
    console.error(`run-tests: unknown tier "${tier}" (use --tier main, slow or all)`);
    return 2;
  }
  const all = findTests(path.join(dist, 'test'))
    .sort()
    .filter((f) => tier === 'all' || tierOf(f) === tier);
  // A filter is matched against the path below dist/ (so a checkout whose own path holds the text
  // does not select every file), or against the whole path when it is absolute.
  const selected = (f, x) => (path.isAbsolute(x) ? f : path.relative(dist, f)).includes(x);
  const files = filters.length ? all.filter((f) => filters.some((x) => selected(f, x))) : all;
  if (files.length === 0) {
    if (tier === 'slow' && filters.length === 0) {
      console.log('run-tests: the slow tier has no tests yet (test/race, test/sandbox, test/faults)');
      return 0;
    }
    if (all.length > 0)
      console.error(`run-tests: no test file under dist/ matches ${filters.map((x) => JSON.stringify(x)).join(' or ')} (e.g. test/kernel or audit-log)`);
    else console.error(`run-tests: no compiled tests found under ${path.join(dist, 'test')} (run \`npm run build\` first)`);
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
  console.log(`run-tests: ${files.length} test files (tier ${tier}); Temporal dev server at ${server.address} (pid ${server.pid})`);

  try {
    const { bundleWorkflowCode, DefaultLogger } = require('@temporalio/worker');
    const { code } = await bundleWorkflowCode({
      workflowsPath: path.join(dist, 'src', 'workflows', 'index.js'),
      logger: new DefaultLogger('WARN'),
    });
    const bundlePath = path.join(dist, 'workflow-bundle.js');
    fs.writeFileSync(bundlePath, code);

    const concurrency = process.env.TEST_CONCURRENCY || '3';
    const artifacts = path.join(root, 'test-artifacts');
    fs.mkdirSync(artifacts, { recursive: true });
    const tapLog = path.join(artifacts, `test-${tier}.tap`);
    const reporter = process.env.TEST_REPORTER || 'dot';
    const args = [
      '--require',
      path.join(dist, 'test', 'helpers', 'quiet-runtime.js'),
      '--test',
      `--test-concurrency=${concurrency}`,
      '--test-timeout=300000',
      `--test-reporter=${reporter}`,
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tapLog}`,
      ...files,
    ];
    const testTmp = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-os-tests-'));
    // The mode of /tmp: programs that tests run as another uid (hardening) reach their folders in it.
    fs.chmodSync(testTmp, 0o1777);
    let exitCode;
    let left = [];
    try {
      const child = spawn(process.execPath, args, {
        stdio: 'inherit',
        env: { ...process.env, TMPDIR: testTmp, TEMPORAL_TEST_ADDRESS: server.address, AGENT_OS_WORKFLOW_BUNDLE: bundlePath },
      });
      exitCode = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
    } finally {
      left = fs.readdirSync(testTmp).sort();
      fs.rmSync(testTmp, { recursive: true, force: true });
    }
    const summary = summarize(tapLog);
    console.log(`\nrun-tests: ${summary} (tier ${tier}; full log: ${path.relative(root, tapLog)})`);
    if (left.length > 0) {
      console.error(`run-tests: FAILED — ${left.length} temp file(s) left in TMPDIR by the tests (removed now; each owner must remove its own):`);
      for (const name of left) console.error(`  ${name}`);
      return 1;
    }
    return exitCode;
  } finally {
    await server.stop();
  }
}

/** "N tests: P passed, F failed, …" from the TAP log's closing counts. */
function summarize(tapLog) {
  let text = '';
  try {
    text = fs.readFileSync(tapLog, 'utf8');
  } catch {
    return 'no TAP log written';
  }
  const count = (name) => Number((text.match(new RegExp(`^# ${name} (\\d+)$`, 'm')) || [])[1] || 0);
  const parts = [`${count('pass')} passed`, `${count('fail')} failed`];
  for (const extra of ['cancelled', 'skipped', 'todo']) if (count(extra) > 0) parts.push(`${count(extra)} ${extra}`);
  return `${count('tests')} tests: ${parts.join(', ')}`;
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
