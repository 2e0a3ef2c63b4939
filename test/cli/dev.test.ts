import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePorts } from '../../src/dev/free-port';
import { repoRoot } from '../helpers/paths';

const main = path.join(repoRoot, 'dist', 'src', 'cli', 'main.js');

interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `agent-os …` with the scripted model (no model endpoint in its environment). */
function agentOs(args: readonly string[]): Promise<Ran> {
  const env = { ...process.env };
  delete env['OPENAI_BASE_URL'];
  delete env['OPENAI_API_KEY'];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [main, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Pids of processes whose command line holds every one of `parts` (read from /proc). */
function processesWith(parts: readonly string[]): number[] {
  return fs.readdirSync('/proc').flatMap((name) => {
    if (!/^\d+$/.test(name)) return [];
    try {
      const cmdline = fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').join(' ');
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const zombie = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
      return !zombie && parts.every((p) => cmdline.includes(p)) ? [Number(name)] : [];
    } catch {
      return [];
    }
  });
}

async function devExit(json: boolean): Promise<Ran & { port: number; uiPort: number }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-os-dev-test-'));
  const [port, uiPort] = (await freePorts(2)) as [number, number];
  try {
    const args = ['dev', '--exit', '--db', path.join(dir, 'dev.sqlite'), '--port', String(port), '--ui-port', String(uiPort)];
    const ran = await agentOs(json ? [...args, '--json'] : args);
    assert.ok(fs.existsSync(path.join(dir, 'dev.sqlite')), 'the dev server kept its state in the --db file');
    return { ...ran, port, uiPort };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('agent-os dev', () => {
  test('agent-os dev --exit: the demo tells its story step by step → exit 0, no temporal process left', async () => {
    const { code, stdout, stderr, port, uiPort } = await devExit(false);
    assert.equal(code, 0, `exit code\n${stdout}\n${stderr}`);
    const lines = stdout.split('\n');
    const has = (re: RegExp): void =>
      assert.ok(
        lines.some((l) => re.test(l)),
        `no line matches ${re}\n${stdout}`,
      );
    has(new RegExp(`^  server +127\\.0\\.0\\.1:${port} `));
    has(new RegExp(`^  web ui +http://127\\.0\\.0\\.1:${uiPort}$`));
    has(/^ {2}model +scripted demo model/);
    has(new RegExp(`^  open +http://127\\.0\\.0\\.1:${uiPort}/namespaces/default/workflows/demo-`));
    has(/^ {2}step \d+ +fs\.read \/workspace\/data\.csv → allow \(read-workspace\) … OK$/);
    has(/^ {2}step \d+ +fs\.write \/workspace\/output\/report\.md → allow \(write-output\) … OK$/);
    has(/^ {2}step \d+ +fs\.write \/etc\/passwd → DENIED \(no capability\) … DENIED/);
    has(/^ {2}step \d+ +model turn 4 … FAILED \(Model\.BadRequest: /);
    has(/^ {2}step \d+ +undo fs\.write \/workspace\/output\/report\.md … OK$/);
    has(/^agent-os dev: run failed \(Model\.BadRequest: .*\) — \d+ steps, 1 denied, 1 undone$/);
    assert.equal(lines.filter((l) => l.includes('PROBLEM')).length, 0, stdout);
    assert.equal(lines.at(-2), 'agent-os dev: stopped.');
    // The steps come in the order they happened: denied write before the undo.
    assert.ok(stdout.indexOf('DENIED (no capability)') < stdout.indexOf('undo fs.write'), stdout);
    assert.deepEqual(processesWith(['start-dev', '--port', String(port)]), [], 'the dev server is gone');
  });

  test('agent-os dev --exit --json: one JSON object per line → server, run, steps and an ok end', async () => {
    const { code, stdout, stderr, port } = await devExit(true);
    assert.equal(code, 0, `exit code\n${stdout}\n${stderr}`);
    const events = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; [k: string]: unknown });
    assert.deepEqual([...new Set(events.map((e) => e.event))], ['server', 'worker', 'run', 'step', 'end', 'stopped']);
    const end = events.find((e) => e.event === 'end');
    assert.equal(end?.['ok'], true, JSON.stringify(end));
    assert.equal(end?.['status'], 'failed');
    const steps = events.filter((e) => e.event === 'step').map((e) => `${String(e['summary'])} = ${String(e['status'])}`);
    assert.ok(steps.includes('fs.write /etc/passwd → DENIED (no capability) = DENIED'), steps.join('\n'));
    assert.ok(steps.includes('undo fs.write /workspace/output/report.md = OK'), steps.join('\n'));
    assert.deepEqual(processesWith(['start-dev', '--port', String(port)]), []);
  });

  test('agent-os dev --port abc: not a port → exit 2 with the reason, nothing started', async () => {
    const { code, stderr, stdout } = await agentOs(['dev', '--exit', '--port', 'abc']);
    assert.equal(code, 2);
    assert.match(stderr, /--port <port>.*expected a TCP port number/);
    assert.equal(stdout, '');
  });
});
