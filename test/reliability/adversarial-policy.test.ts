/**
 * Policy patterns built to backtrack. A rule's glob is the operator's, but the path it is
 * matched against is the agent's: a multi-star pattern must not let a long, almost-matching
 * path stall the worker. Each evaluation runs in a worker thread with a deadline (a limit
 * orders of magnitude above a normal decision, which takes microseconds), so a regression
 * fails with a message instead of hanging the suite.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { repoRoot } from '../helpers/paths';

const DEADLINE_MS = 2_000;

/** Loads `policy` and judges `target` in a worker thread: the effect, a load error, or `timeout`. */
function judgeIsolated(policy: string, target: string): Promise<string> {
  const policyDir = path.join(repoRoot, 'dist', 'src', 'policy');
  const code = `
    const { workerData, parentPort } = require('node:worker_threads');
    const p = (m) => require(require('node:path').join(workerData.policyDir, m));
    // Load the modules first, so the deadline measures judging, not module loading on a busy machine.
    p('load'); p('compile'); p('canonical'); p('evaluate');
    parentPort.postMessage('loaded');
    let doc;
    try { doc = p('load').loadPolicyText(workerData.policy, 'backtrack.yaml'); }
    catch (err) { doc = undefined; parentPort.postMessage('refused: ' + (err.code || err.name)); }
    if (doc !== undefined) {
      const compiled = p('compile').compilePolicy(doc);
      const request = p('canonical').canonicalizeRequest({ action: 'fs.read', target: workerData.target });
      parentPort.postMessage(p('evaluate').evaluate(compiled, request).effect);
    }`;
  const worker = new Worker(code, { eval: true, workerData: { policyDir, policy, target } });
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    worker.on('message', (m: string) => {
      if (m === 'loaded') {
        timer = setTimeout(() => {
          void worker.terminate();
          resolve('timeout');
        }, DEADLINE_MS);
        return;
      }
      clearTimeout(timer);
      void worker.terminate();
      resolve(m);
    });
    worker.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

const policy = (resource: string): string => `version: 1\ncapabilities:\n  - { id: r, action: fs.read, resource: "${resource}" }\n`;

describe('adversarial: backtracking policy patterns', () => {
  test('policy glob: five wildcards in one name (/workspace/**/*_*_*_*_*.csv) → refused at load with a hint', async () => {
    assert.equal(await judgeIsolated(policy('/workspace/**/*_*_*_*_*.csv'), '/workspace/data/a_b_c_d_e.csv'), 'refused: Policy.Invalid');
  });

  test('policy glob: a pattern built to backtrack (*a ×12 then *b) → refused at load', async () => {
    assert.equal(await judgeIsolated(policy(`/workspace/${'*a'.repeat(12)}*b`), `/workspace/${'a'.repeat(64)}`), 'refused: Policy.Invalid');
  });

  test('policy glob: the most wildcards allowed (/workspace/**/*_*.csv) vs a 255-char name of underscores → deny within the deadline', async () => {
    const effect = await judgeIsolated(policy('/workspace/**/*_*.csv'), `/workspace/${'_/'.repeat(20)}${'_'.repeat(255)}`);
    assert.equal(
      effect,
      'deny',
      `evaluation ${effect === 'timeout' ? `did not finish within ${DEADLINE_MS} ms (catastrophic backtracking)` : `answered ${effect}`}`,
    );
  });

  test('policy glob: a name longer than 255 characters → refused as an invalid target, not matched', async () => {
    await assert.rejects(judgeIsolated(policy('/workspace/**/*_*.csv'), `/workspace/${'_'.repeat(256)}`), /255/);
  });

  test('policy glob: the allowed patterns still match what they should → allow', async () => {
    assert.equal(await judgeIsolated(policy('/workspace/**/*_*.csv'), '/workspace/data/a_b_c_d_e.csv'), 'allow');
  });
});
