/**
 * Runs compiled test files in a test runner of their own with the filesystem's openat2 addon
 * off (`AGENT_OS_FS_OPENAT2=off`, src/providers/fs-openat2.ts): the walker's older ways, as a
 * worker without the addon runs them. Asserts they all pass, and that at least `atLeast` ran.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

export function assertSuitesPassWithoutOpenat2(files: readonly string[], atLeast: number): void {
  // NODE_TEST_CONTEXT would make the child report to this runner instead of printing its own summary.
  const { NODE_TEST_CONTEXT: _ours, ...env } = process.env;
  const run = spawnSync(process.execPath, ['--test', '--test-reporter=tap', ...files], {
    encoding: 'utf8',
    env: { ...env, AGENT_OS_FS_OPENAT2: 'off' },
    maxBuffer: 64 * 1024 * 1024,
  });
  const failed = /^# fail (\d+)$/m.exec(run.stdout)?.[1];
  const passed = Number(/^# pass (\d+)$/m.exec(run.stdout)?.[1] ?? 0);
  assert.equal(run.status, 0, `with AGENT_OS_FS_OPENAT2=off:\n${run.stdout.slice(-4000)}\n${run.stderr.slice(-2000)}`);
  assert.equal(failed, '0');
  assert.ok(passed >= atLeast, `${passed} tests ran, expected at least ${atLeast}`);
}
