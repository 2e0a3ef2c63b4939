import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../../src/dev/free-port';
import { repoRoot } from '../helpers/paths';
import { temporal, uniqueId } from '../helpers/temporal';
import { cli, cliSync, startWorkerProcess, type WorkerProcess } from './worker-harness';

const VERSION = (JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
const TOOLS = path.join(repoRoot, 'examples', 'tools.yaml');
const POLICY = `version: 1
capabilities:
  - id: read-workspace
    action: fs.read
    resource: /workspace/**
  - id: write-output
    action: fs.write
    resource: /workspace/output/**
`;

describe('agent-os --version and submit (no server needed)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-os-submit-'));
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  test('cli: --version, -V and version → the package version, exit 0', () => {
    for (const flag of ['--version', '-V']) {
      const out = cliSync([flag]);
      assert.equal(out.stdout, `${VERSION}\n`);
      assert.equal(out.status, 0);
    }
    const text = cliSync(['version']);
    assert.equal(text.stdout, `agent-os ${VERSION} (node ${process.version})\n`);
    assert.equal(text.status, 0);
    assert.deepEqual(JSON.parse(cliSync(['version', '-o', 'json']).stdout), { version: VERSION, node: process.version });
  });

  test('submit: an allowed read → OK, the data, one audit record; a write to /etc/passwd → DENIED, exit 1, its record', () => {
    fs.mkdirSync(path.join(root, 'ws'));
    fs.writeFileSync(path.join(root, 'ws', 'data.csv'), 'a,b\n1,2\n');
    fs.writeFileSync(path.join(root, 'policy.yaml'), POLICY);
    const log = path.join(root, 'kernel.log');
    const common = ['--policy', path.join(root, 'policy.yaml'), '--mount', `/workspace=${path.join(root, 'ws')}`, '--log', log];
    const read = cliSync(['submit', 'fs.read', '/workspace/data.csv', ...common]);
    assert.equal(read.status, 0, read.stderr);
    const records = () =>
      fs
        .readFileSync(log, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    const first = records()[0] as Record<string, unknown>;
    assert.equal(read.stdout, `OK fs.read /workspace/data.csv [rule read-workspace, record ${String(first['hash'])}]\na,b\n1,2\n`);

    const write = cliSync(['submit', '--action', 'fs.write', '--target', '/etc/passwd', '--params', '{"content":"hacked"}', ...common]);
    assert.equal(write.status, 1);
    const second = records()[1] as Record<string, unknown>;
    assert.equal(
      write.stdout,
      `DENIED fs.write /etc/passwd [Policy.Denied, record ${String(second['hash'])}] — not permitted (no capability allows fs.write on /etc/passwd)\n`,
    );
    assert.deepEqual(
      records().map((r) => [r['action'], r['target'], r['status']]),
      [
        ['fs.read', '/workspace/data.csv', 'OK'],
        ['fs.write', '/etc/passwd', 'DENIED'],
      ],
    );

    const json = cliSync(['submit', 'fs.read', '/workspace/data.csv', ...common, '-o', 'json']);
    assert.equal((JSON.parse(json.stdout) as { status: string; data: string }).data, 'a,b\n1,2\n');
  });

  test('submit: a missing policy, bad --params, no target → exit 2 naming what and how to fix, no stack trace', () => {
    const missing = cliSync(['submit', 'fs.read', '/x', '--policy', path.join(root, 'nope.yaml')]);
    assert.equal(missing.status, 2);
    assert.equal(
      missing.stderr,
      `agent-os submit: cannot read policy file "${path.join(root, 'nope.yaml')}": no such file; check the path (it is resolved against the current directory) or create the policy\n`,
    );
    const params = cliSync(['submit', 'fs.read', '/x', '--policy', 'p.yaml', '--params', '[1]']);
    assert.equal(params.status, 2);
    assert.equal(params.stderr, 'agent-os submit: --params: expected a JSON object, e.g. --params \'{"content":"hi"}\'\n');
    const target = cliSync(['submit', 'fs.read', '--policy', 'p.yaml']);
    assert.equal(target.status, 2);
    assert.equal(target.stderr, 'agent-os submit: missing the target: agent-os submit <action> <target> --policy FILE\n');
  });
});

describe('agent-os policy init', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-os-init-'));
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  for (const [preset, rules] of [
    ['read-only', 4],
    ['workspace-write', 6],
    ['workspace-exec', 9],
  ] as const) {
    test(`policy init --preset ${preset} → a commented policy that passes policy check; a second init → exit 1, file kept`, () => {
      const file = path.join(root, `${preset}.yaml`);
      const init = cliSync(['policy', 'init', file, '--preset', preset]);
      assert.equal(init.stdout, `wrote ${file} (preset ${preset}, ${rules} rules) — check edits with: agent-os policy check ${file}\n`);
      assert.equal(init.status, 0);
      assert.match(fs.readFileSync(file, 'utf8'), new RegExp(`^# agent-os policy — preset "${preset}"`));
      const check = cliSync(['policy', 'check', file]);
      assert.equal(check.stdout, `${file}: OK (${rules} rules)\n`);
      assert.equal(check.status, 0);
      fs.appendFileSync(file, '# my edit\n');
      const again = cliSync(['policy', 'init', file, '--preset', preset]);
      assert.equal(again.status, 1);
      assert.equal(again.stderr, `agent-os policy init: ${file} exists already — pass --force to overwrite it, or name another file\n`);
      assert.match(fs.readFileSync(file, 'utf8'), /# my edit\n$/);
    });
  }

  test('policy init --preset read-only: the policy denies writes and .env reads (policy explain)', () => {
    const file = path.join(root, 'ro.yaml');
    assert.equal(cliSync(['policy', 'init', file, '--preset', 'read-only']).status, 0);
    assert.match(cliSync(['policy', 'explain', file, 'fs.write', '/workspace/a.txt']).stdout, /^DENY fs\.write /);
    assert.match(cliSync(['policy', 'explain', file, 'fs.read', '/workspace/.env']).stdout, /^DENY fs\.read /);
    assert.match(cliSync(['policy', 'explain', file, 'fs.read', '/workspace/a.txt']).stdout, /^ALLOW fs\.read /);
  });
});

describe('errors name what, where and how to fix (real dev server)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-os-errors-'));
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  test('run --policy nope.yaml → exit 2 with the path, no raw ENOENT', () => {
    const out = cliSync(['run', 'hi', '--policy', 'nope.yaml']);
    assert.equal(out.status, 2);
    assert.equal(out.stderr, 'agent-os run: no such file: nope.yaml — check the path\n');
  });

  test('policy check of a missing file → exit 2 (unreadable input), as audit verify', () => {
    const check = cliSync(['policy', 'check', path.join(root, 'nope.yaml')]);
    assert.equal(check.status, 2);
    assert.equal(cliSync(['audit', 'verify', path.join(root, 'nope.jsonl')]).status, 2);
  });

  test('an API key or --tls against the plaintext dev server → exit 3, says TLS, not "start agent-os dev"', async () => {
    const { address } = await temporal();
    const apiKey = await cli(['list', '--address', address, '--api-key', 'secret']);
    assert.equal(apiKey.status, 3);
    assert.equal(
      apiKey.stderr,
      `agent-os list: no TLS connection to the Temporal server at ${address} (connecting with an API key (which implies TLS)) — check the address and namespace; a local dev server speaks plaintext: drop --api-key/--tls*/TEMPORAL_API_KEY/TEMPORAL_TLS* for it\n`,
    );
    const tls = await cli(['status', '-w', 'x', '--address', address, '--tls']);
    assert.equal(tls.status, 3);
    assert.match(tls.stderr, /\(connecting with TLS\)/);
  });

  test('no server at the address → exit 3 saying how to fix it; --log-level debug adds the stack', () => {
    const out = cliSync(['list', '--address', '127.0.0.1:9']);
    assert.equal(out.status, 3);
    assert.equal(
      out.stderr,
      'agent-os list: Temporal server not reachable at 127.0.0.1:9 — start one with `agent-os dev` or set --address / TEMPORAL_ADDRESS\n',
    );
    const debug = cliSync(['list', '--address', '127.0.0.1:9', '--log-level', 'debug']);
    assert.equal(debug.status, 3);
    assert.match(debug.stderr, /\n {4}at /);
  });

  test('--config-file with --profile (or --env) → connects where the profile says; a missing profile → exit 2', async () => {
    const { address } = await temporal();
    const toml = path.join(root, 'temporal.toml');
    fs.writeFileSync(toml, `[profile.default]\naddress = "127.0.0.1:9"\n\n[profile.dev]\naddress = "${address}"\nnamespace = "default"\n`);
    for (const flag of ['--profile', '--env']) {
      const out = await cli(['list', '--config-file', toml, flag, 'dev', '--limit', '1', '-o', 'json'], { TEMPORAL_ADDRESS: '' });
      assert.equal(out.status, 0, out.stderr);
      assert.ok(Array.isArray(JSON.parse(out.stdout)));
    }
    const missing = await cli(['list', '--config-file', toml, '--profile', 'nope'], { TEMPORAL_ADDRESS: '' });
    assert.equal(missing.status, 2, missing.stderr);
    assert.match(missing.stderr, /^agent-os list: cannot load the Temporal connection settings: .*nope/);
  });

  test('a --tls-ca-path that does not exist → exit 2 naming the file', () => {
    const out = cliSync(['list', '--tls-ca-path', path.join(root, 'ca.pem')]);
    assert.equal(out.status, 2);
    assert.match(
      out.stderr,
      new RegExp(`^agent-os list: cannot load the Temporal connection settings: .*${path.join(root, 'ca.pem').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`),
    );
  });
});

describe('worker --config with a scripted model; rollback record ids and a stopped worker (real dev server)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-os-config-'));
  const workspace = path.join(root, 'ws');
  const taskQueue = uniqueId('cli-config');
  let worker: WorkerProcess | undefined;
  let env: NodeJS.ProcessEnv;
  let finished: string;

  before(async () => {
    fs.mkdirSync(path.join(workspace, 'output'), { recursive: true });
    fs.writeFileSync(path.join(workspace, 'data.csv'), 'a,b\n1,2\n');
    fs.writeFileSync(path.join(root, 'policy.yaml'), POLICY);
    fs.writeFileSync(
      path.join(root, 'replies.json'),
      JSON.stringify([
        { toolCalls: [{ name: 'read_file', arguments: { path: '/workspace/data.csv' } }] },
        { toolCalls: [{ name: 'write_file', arguments: { path: '/workspace/output/report.md', content: '2 rows\n' } }] },
        { content: 'Report written.' },
      ]),
    );
    fs.writeFileSync(
      path.join(root, 'worker.yaml'),
      `policy: policy.yaml\ntools: ${TOOLS}\nmounts:\n  /workspace: ws\ntaskQueue: ${taskQueue}\nlog: kernel.log\nsnapshots: snapshots\nfreezeFile: freeze\nmodel:\n  script: replies.json\nmcp:\n  servers: []\n`,
    );
    env = { TEMPORAL_ADDRESS: (await temporal()).address, TEMPORAL_NAMESPACE: 'default', OPENAI_BASE_URL: '', OPENAI_API_KEY: '' };
    worker = await startWorkerProcess(['--config', path.join(root, 'worker.yaml')], env);
  });

  after(async () => {
    await worker?.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('worker --config: quiet start, one line per thing loaded (no SDK INFO lines)', () => {
    assert.equal(
      worker?.output(),
      `agent-os worker: polling ${taskQueue} on ${env['TEMPORAL_ADDRESS']} (namespace default)\n` +
        `  policy ${path.join(root, 'policy.yaml')} (${'x'.repeat(12)})\n`.replace(
          'x'.repeat(12),
          /\(([0-9a-f]{12})\)/.exec(worker?.output() ?? '')?.[1] ?? '?',
        ) +
        `  tools ${TOOLS} (3) — 3 tool(s) offered to runs that bring none\n` +
        `  mount /workspace → ${workspace}\n` +
        `  model scripted (${path.join(root, 'replies.json')})\n` +
        '  mcp: section passed through (servers)\n' +
        `  audit log ${path.join(root, 'kernel.log')}\n` +
        `  freeze file ${path.join(root, 'freeze')}; SIGHUP reloads the policy\n`,
    );
  });

  test('run against a --model scripted worker → completes offline with the scripted steps', async () => {
    finished = uniqueId('scripted');
    const run = await cli(['run', 'write the report', '--task-queue', taskQueue, '-w', finished], env);
    assert.equal(run.status, 0, run.stderr);
    assert.equal(
      run.stdout,
      `run ${finished} on ${taskQueue}\n  model turn 1 → done\n  fs.read /workspace/data.csv → allow (read-workspace) → OK\n  model turn 2 → done\n  fs.write /workspace/output/report.md → allow (write-output) → OK\n  model turn 3 → done\nReport written.\n`,
    );
    assert.equal(fs.readFileSync(path.join(workspace, 'output', 'report.md'), 'utf8'), '2 rows\n');
  });

  test("rollback of a finished run with a typo'd record id → exit 4 listing the known ids; nothing undone", async () => {
    const out = await cli(['rollback', '-w', finished, 'deadbeef'], env);
    assert.equal(out.status, 4);
    assert.match(
      out.stderr,
      new RegExp(`^agent-os rollback: ${finished} has no reversible record "deadbeef"; known: [0-9a-f]+ — see \`agent-os status -w ${finished}\`\\n$`),
    );
    assert.equal(fs.readFileSync(path.join(workspace, 'output', 'report.md'), 'utf8'), '2 rows\n');
  });

  test('rollback with the worker stopped → exit 3 at once, saying to start one (no raw FAILED_PRECONDITION)', async () => {
    assert.equal(await worker?.stop(), 0);
    worker = undefined;
    const out = await cli(['rollback', '-w', finished, '--all', '--worker-timeout', '500'], env);
    assert.equal(out.status, 3);
    assert.match(out.stderr, new RegExp(`^agent-os rollback: (no worker polls task queue ${taskQueue}|the worker on ${taskQueue} did not answer)`));
    assert.doesNotMatch(out.stderr, /FAILED_PRECONDITION/);
    assert.equal(fs.readFileSync(path.join(workspace, 'output', 'report.md'), 'utf8'), '2 rows\n');
  });

  test('worker --config with problems → exit 2, each as file:line:col with a hint; nothing starts', () => {
    const bad = path.join(root, 'bad.yaml');
    fs.writeFileSync(bad, 'policy: policy.yaml\nmounts:\n  /workspace: 3\nmodle: gpt-4o\n');
    const out = cliSync(['worker', '--config', bad]);
    assert.equal(out.status, 2);
    assert.equal(
      out.stderr,
      `agent-os worker: ${bad}: 2 problems\n` +
        `${bad}:3:15: E_TYPE: /mounts/~1workspace: must be string\n    hint: see schema/worker-config.schema.json and docs/usage.md (worker --config)\n` +
        `${bad}:4:1: E_UNKNOWN_KEY: the file: unknown key "modle"\n    hint: see schema/worker-config.schema.json and docs/usage.md (worker --config)\n`,
    );
  });

  test('--model scripted:FILE with a bad script → exit 2 at file:line:col; a missing one → its path', () => {
    const bad = path.join(root, 'bad.json');
    fs.writeFileSync(bad, '[\n  { "content": "hi" },\n  { "toolcalls": [] }\n]\n');
    const out = cliSync(['worker', '--policy', path.join(root, 'policy.yaml'), '--model', `scripted:${bad}`]);
    assert.equal(out.status, 2);
    assert.match(out.stderr, new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:3:5: E_UNKNOWN_KEY: /1: unknown key "toolcalls"`));
    const missing = cliSync(['worker', '--policy', path.join(root, 'policy.yaml'), '--model', 'scripted:nope.json']);
    assert.equal(missing.status, 2);
    assert.equal(missing.stderr, 'agent-os worker: no such file: nope.json — check the path\n');
  });
});

describe('worker --config: custom provider modules', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-os-providers-'));
  const kv = path.join(repoRoot, 'dist', 'examples', 'kv-provider.js');
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  test('a provider module from worker.yaml → loaded, its actions usable in the ceiling policy; a wrong export → exit 2 listing the exports', async () => {
    fs.writeFileSync(path.join(root, 'policy.yaml'), 'version: 1\ncapabilities:\n  - id: notes\n    action: kv.get\n    resource: notes/**\n');
    const queue = uniqueId('cli-kv');
    fs.writeFileSync(
      path.join(root, 'worker.yaml'),
      `policy: policy.yaml\ntaskQueue: ${queue}\nlog: kernel.log\nsnapshots: snaps\nfreezeFile: freeze\nproviders:\n  - { module: ${kv}, export: KvProvider }\n`,
    );
    const worker = await startWorkerProcess(['--config', path.join(root, 'worker.yaml')], { TEMPORAL_ADDRESS: (await temporal()).address });
    assert.match(worker.output(), /\n {2}provider kv \(kv\.get, kv\.put\)\n/);
    assert.equal(await worker.stop(), 0);

    fs.writeFileSync(path.join(root, 'bad.yaml'), `policy: policy.yaml\nproviders:\n  - { module: ${kv}, export: Nope }\n`);
    const bad = cliSync(['worker', '--config', path.join(root, 'bad.yaml')]);
    assert.equal(bad.status, 2);
    assert.equal(bad.stderr, `agent-os worker: providers: ${kv} has no class export "Nope"; it exports InvalidKeyError, KvProvider\n`);
  });
});

describe('an unreachable model fails fast, naming the URL and the variable (real dev server)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-os-model-'));
  const taskQueue = uniqueId('cli-model-down');
  let worker: WorkerProcess;
  let env: NodeJS.ProcessEnv;
  let url: string;

  before(async () => {
    fs.writeFileSync(path.join(root, 'policy.yaml'), POLICY);
    url = `http://127.0.0.1:${await freePort()}/v1`; // free: nothing listens there
    env = { TEMPORAL_ADDRESS: (await temporal()).address, TEMPORAL_NAMESPACE: 'default', OPENAI_BASE_URL: url, OPENAI_API_KEY: 'test' };
    worker = await startWorkerProcess(
      ['--policy', path.join(root, 'policy.yaml'), '--task-queue', taskQueue, '--log', path.join(root, 'kernel.log'), '--snapshots', path.join(root, 'snaps')],
      env,
    );
  });

  after(async () => {
    await worker?.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  test('run with OPENAI_BASE_URL on a closed port → fails on the first attempt (exit 1) with the URL and OPENAI_BASE_URL; the worker logs one line, no stack', async () => {
    const workflowId = uniqueId('model-down');
    const run = await cli(['run', 'hello', '--task-queue', taskQueue, '-w', workflowId], env);
    assert.equal(run.status, 1);
    assert.equal(
      run.stdout,
      `run ${workflowId} on ${taskQueue}\n  model turn 1 → FAILED (Model.Connection: model endpoint at ${url} unreachable: ECONNREFUSED — check OPENAI_BASE_URL and that the model server runs)\n`,
    );
    assert.equal(
      run.stderr,
      `agent-os run: the run failed: Model.Connection: model endpoint at ${url} unreachable: ECONNREFUSED — check OPENAI_BASE_URL and that the model server runs\n`,
    );
    const { client } = await temporal();
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const attempts = (history.events ?? []).filter((e) => e.activityTaskFailedEventAttributes).length;
    assert.equal(attempts, 1, 'not retried');
    assert.doesNotMatch(worker.output(), /\n\s+at /, 'no stack traces in the worker log');
  });
});
