import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { parseSince } from '../../src/cli/audit-log';
import { repoRoot } from '../helpers/paths';
import { SpyProvider, tempDir, writePolicy } from '../kernel/kernel-helpers';

const POLICY = `capabilities:
  - action: fs.read
    resource: "/workspace/**"
  - action: fs.write
    resource: "/workspace/out/**"
`;
const main = path.join(repoRoot, 'dist', 'src', 'cli', 'main.js');
const log = (...args: string[]) => spawnSync(process.execPath, [main, 'audit', 'log', ...args], { encoding: 'utf8' });

async function writeLog(): Promise<{ dir: string; logPath: string; policy: string }> {
  const dir = tempDir();
  const logPath = path.join(dir, 'kernel.log');
  const policy = writePolicy(dir, POLICY);
  const spy = () => new SpyProvider('fs', ['fs.read', 'fs.write']);
  const k1 = new Kernel({ policy, providers: [spy()], logPath });
  const k2 = new Kernel({ policy, providers: [spy()], logPath }); // a second writer: its own segment
  await k1.submit({ action: 'fs.read', target: '/workspace/a.txt' });
  await k1.submit({ action: 'fs.read', target: '/etc/passwd' });
  await k2.submit({ action: 'fs.write', target: '/workspace/out/r.md' });
  await k2.submit({ action: 'fs.write', target: '/workspace/in/x.md' });
  await k1.submit({ action: 'net.http', target: 'https://example.com/' });
  await Promise.all([k1.close(), k2.close()]);
  return { dir, logPath, policy };
}

describe('agent-os audit log', () => {
  test('audit log FILE: every record of every writer segment, in time order, as text', async () => {
    const { logPath } = await writeLog();
    const out = log(logPath);
    assert.equal(out.status, 0, out.stderr);
    const lines = out.stdout.trim().split('\n');
    assert.equal(lines.length, 5);
    // Records of one writer keep their order (records of different writers interleave by time).
    const k1 = lines.filter((l) => /fs\.read|net\.http/.test(l));
    assert.match(k1[0] ?? '', /OK +fs\.read \/workspace\/a\.txt/);
    assert.match(k1[1] ?? '', /DENIED +fs\.read \/etc\/passwd/);
    assert.ok(lines.some((l) => /OK +fs\.write \/workspace\/out\/r\.md/.test(l)));
  });

  test("audit log --status DENIED --action 'fs.*' --target GLOB -o jsonl → only matching records, as JSON lines", async () => {
    const { logPath } = await writeLog();
    const out = log(logPath, '--status', 'DENIED', '--action', 'fs.*', '-o', 'jsonl');
    assert.equal(out.status, 0, out.stderr);
    const records = out.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      records.map((r) => r['target']),
      ['/etc/passwd', '/workspace/in/x.md'],
    );
    const byTarget = log(logPath, '--target', '/workspace/**', '-o', 'jsonl');
    assert.equal(byTarget.stdout.trim().split('\n').length, 3);
  });

  test('audit log --limit N → the N most recent matching records; -o json → one JSON array', async () => {
    const { logPath } = await writeLog();
    const out = log(logPath, '--action', 'fs.read', '--limit', '1', '-o', 'json');
    const records = JSON.parse(out.stdout) as Record<string, unknown>[];
    assert.deepEqual(
      records.map((r) => r['target']),
      ['/etc/passwd'],
    );
  });

  test('audit log --since: a future time → nothing; a duration back → everything; a bad value → exit 2', async () => {
    const { logPath } = await writeLog();
    assert.equal(log(logPath, '--since', '2999-01-01T00:00:00Z').stdout, '');
    assert.equal(log(logPath, '--since', '1h').stdout.trim().split('\n').length, 5);
    const bad = log(logPath, '--since', 'yesterday-ish');
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /neither an ISO 8601 time .* nor a duration/);
  });

  test('parseSince: durations count back from now', () => {
    assert.equal(parseSince('10m', 1_000_000), 400_000);
    assert.equal(parseSince('2026-12-01T00:00:00Z'), Date.UTC(2026, 11, 1));
  });

  test('audit log: missing log → exit 2 with a fix', () => {
    const out = log(path.join(tempDir(), 'none.log'));
    assert.equal(out.status, 2);
    assert.match(out.stderr, /no such log/);
  });

  test('audit log --follow → prints records appended after it started', async () => {
    const { logPath, policy } = await writeLog();
    const child = spawn(process.execPath, [main, 'audit', 'log', logPath, '--follow', '--status', 'DENIED', '-o', 'jsonl']);
    child.stdout.setEncoding('utf8');
    let out = '';
    const seen = (n: number) =>
      new Promise<void>((resolve) => {
        const check = (): void => {
          if (out.split('\n').filter((l) => l !== '').length >= n) resolve();
        };
        child.stdout.on('data', (d: string) => {
          out += d;
          check();
        });
        check();
      });
    try {
      await seen(3); // the three DENIED records already there
      const k = new Kernel({ policy, providers: [new SpyProvider('fs', ['fs.read', 'fs.write'])], logPath });
      await k.submit({ action: 'fs.read', target: '/root/.ssh/id_rsa' });
      await k.submit({ action: 'fs.read', target: '/workspace/ok.txt' });
      await k.close();
      await seen(4);
    } finally {
      child.kill();
    }
    const last = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
    assert.deepEqual([last['target'], last['status']], ['/root/.ssh/id_rsa', 'DENIED']);
  });
});
