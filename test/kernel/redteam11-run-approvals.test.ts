/**
 * Red team 11: a run policy may narrow the ceiling, never widen it. A ceiling rule with
 * `requires: { approval: true }` grants only after a person approved one of the *ceiling's*
 * `ask`s; an approval of an ask that only the run's own policy added must not unlock it
 * (it did: the run policy asked about a harmless read, and its approval unlocked writes).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Kernel } from '../../src/kernel/kernel';
import { loadPolicyText } from '../../src/policy/index';
import { FilesystemProvider } from '../../src/providers/filesystem';
import { tempDir, writePolicy } from './kernel-helpers';

const CEILING = `
capabilities:
  - id: read
    action: fs.read
    resource: /workspace/**
  - id: publish-after-approval
    action: fs.write
    resource: /workspace/public/**
    requires: { approval: true }
  - id: publish-this-after-approval
    action: fs.write
    resource: /workspace/site/**
    requires: { approval: true, same_target: true }
ask:
  - id: ask-deploy
    action: fs.delete
    resource: /workspace/deploy/**
  - id: ask-site
    action: fs.read
    resource: /workspace/site/index.html
`;
// The run's own policy: the ceiling's grants, plus an ask about a harmless read.
const RUN = `
capabilities:
  - action: fs.read
    resource: /workspace/**
  - action: fs.write
    resource: /workspace/**
  - action: fs.delete
    resource: /workspace/**
ask:
  - id: ask-readme
    action: fs.read
    resource: '/workspace/{README.md,site/index.html,site/about.html}'
`;

function setUp() {
  const dir = tempDir();
  const ws = path.join(dir, 'ws');
  for (const d of ['public', 'site', 'deploy']) fs.mkdirSync(path.join(ws, d), { recursive: true });
  fs.writeFileSync(path.join(ws, 'README.md'), 'hello\n');
  fs.writeFileSync(path.join(ws, 'site', 'index.html'), 'old\n');
  fs.writeFileSync(path.join(ws, 'site', 'about.html'), 'about\n');
  fs.writeFileSync(path.join(ws, 'deploy', 'x'), 'x\n');
  const kernel = new Kernel({
    policy: writePolicy(dir, CEILING),
    providers: [new FilesystemProvider({ mounts: { '/workspace': ws } })],
    logPath: path.join(dir, 'kernel.log'),
  });
  return { ws, kernel, run: kernel.narrowed([loadPolicyText(RUN, 'run.yaml')]) };
}
const alice = { approver: 'alice' };

describe('redteam11: approvals of a run policy’s own asks do not meet the ceiling’s requirements', () => {
  test('requires approval: an approved ask of the run policy (a README read) does not unlock the ceiling’s publish rule', async () => {
    const { ws, kernel, run } = setUp();
    const read = await run.submit({ action: 'fs.read', target: '/workspace/README.md' }, { approval: alice });
    assert.equal(read.status, 'OK', 'the run’s ask was approved and ran');
    const publish = await run.submit({ action: 'fs.write', target: '/workspace/public/p.html', params: { content: 'pwned' } });
    await kernel.close();
    assert.equal(publish.status, 'DENIED', `the ceiling's requires-approval rule was unlocked by the run's own ask: ${publish.reason}`);
    assert.equal(fs.existsSync(path.join(ws, 'public', 'p.html')), false);
  });

  test('requires approval on the same target: the run’s own ask on that target does not count either', async () => {
    const { ws, kernel, run } = setUp();
    const read = await run.submit({ action: 'fs.read', target: '/workspace/site/about.html' }, { approval: alice });
    assert.equal(read.status, 'OK', 'the run’s ask was approved and ran');
    const write = await run.submit({ action: 'fs.write', target: '/workspace/site/about.html', params: { content: 'pwned' } });
    // The ceiling asks for index.html itself (ask-site): both layers asked, so that approval counts.
    const both = await run.submit({ action: 'fs.read', target: '/workspace/site/index.html' }, { approval: alice });
    const ceilingAsked = await run.submit({ action: 'fs.write', target: '/workspace/site/index.html', params: { content: 'new' } });
    await kernel.close();
    assert.equal(write.status, 'DENIED', `the ceiling's same-target requirement was met by the run's own ask: ${write.reason}`);
    assert.equal(fs.readFileSync(path.join(ws, 'site', 'about.html'), 'utf8'), 'about\n');
    assert.deepEqual([both.status, ceilingAsked.status], ['OK', 'OK'], ceilingAsked.reason);
    assert.equal(fs.readFileSync(path.join(ws, 'site', 'index.html'), 'utf8'), 'new');
  });

  test('requires approval: an approved ask of the ceiling itself still unlocks it (through a run policy too)', async () => {
    const { kernel, run } = setUp();
    const del = await run.submit({ action: 'fs.delete', target: '/workspace/deploy/x' }, { approval: alice });
    assert.equal(del.status, 'OK');
    const publish = await run.submit({ action: 'fs.write', target: '/workspace/public/p.html', params: { content: 'ok' } });
    await kernel.close();
    assert.equal(publish.status, 'OK', publish.reason);
  });
});
