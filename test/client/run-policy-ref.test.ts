import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ActivityCode } from '../../src/activities/error-codes';
import { RunPolicyViews } from '../../src/activities/run-policy';
import { StartPolicyUnreadable } from '../../src/activities/run-policy-lookup';
import { refHash, runPolicyRef } from '../../src/activities/run-policy-ref';
import { createToolActivities } from '../../src/activities/tool';
import { Kernel } from '../../src/kernel/kernel';
import { PolicyCode } from '../../src/policy/errors';
import { FilesystemProvider } from '../../src/providers/filesystem';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'run-policy-ref-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));
const workspace = path.join(root, 'ws');
fs.mkdirSync(path.join(workspace, 'output'), { recursive: true });

const CEILING = 'version: 1\ncapabilities:\n  - id: write-out\n    action: fs.write\n    resource: /workspace/output/**\n';
/** Narrower than the ceiling: under the ceiling alone, /workspace/output/private/x would be allowed. */
const RUN_POLICY = 'version: 1\ncapabilities:\n  - id: run-public\n    action: fs.write\n    resource: /workspace/output/public/**\n';
const PRIVATE = { request: { action: 'fs.write', target: '/workspace/output/private/x.txt', params: { content: 'x' } } };
const PUBLIC = { request: { action: 'fs.write', target: '/workspace/output/public/x.txt', params: { content: 'x' } } };

const kernels: Kernel[] = [];
after(() => Promise.all(kernels.map((k) => k.close())));
function kernel(name: string): Kernel {
  const file = path.join(root, `${name}.yaml`);
  fs.writeFileSync(file, CEILING);
  const k = new Kernel({ policy: file, providers: [new FilesystemProvider({ mounts: { '/workspace': workspace } })], logPath: path.join(root, `${name}.log`) });
  kernels.push(k);
  return k;
}

const neverFetch = async (): Promise<unknown> => {
  throw new Error('the history must not be read');
};

describe('run policy references (the policy travels once)', () => {
  test('run policy ref: the text and its reference → sha256:<64 hex> of exactly that text; YAML text is never a reference', () => {
    const ref = runPolicyRef(RUN_POLICY);
    assert.match(ref, /^sha256:[0-9a-f]{64}$/);
    assert.equal(refHash(ref), ref.slice('sha256:'.length));
    assert.notEqual(runPolicyRef(`${RUN_POLICY} `), ref);
    assert.equal(refHash(RUN_POLICY), undefined);
    assert.equal(refHash(`${ref}\n`), undefined);
  });

  test('run policy ref: a worker that already built the view → decides under the run policy without reading history', async () => {
    const k = kernel('warm');
    const views = new RunPolicyViews(k, neverFetch);
    const { decideAction } = createToolActivities(k, k, views);
    assert.equal((await decideAction({ ...PUBLIC, runPolicy: RUN_POLICY })).effect, 'allow'); // the workflow's own decide brings the text
    assert.equal((await decideAction({ ...PRIVATE, runPolicy: runPolicyRef(RUN_POLICY) })).effect, 'deny');
    assert.equal((await decideAction({ ...PUBLIC, runPolicy: runPolicyRef(RUN_POLICY) })).effect, 'allow');
  });

  test("run policy ref: a cold worker → reads the run's start input once, checks its hash, decides narrowed", async () => {
    const k = kernel('cold');
    let reads = 0;
    const views = new RunPolicyViews(k, async () => (reads++, RUN_POLICY));
    const { decideAction } = createToolActivities(k, k, views);
    const decided = await decideAction({ ...PRIVATE, runPolicy: runPolicyRef(RUN_POLICY) });
    assert.equal(decided.effect, 'deny', 'the narrowing holds: the ceiling alone would allow this');
    assert.equal((await decideAction({ ...PUBLIC, runPolicy: runPolicyRef(RUN_POLICY) })).effect, 'allow');
    assert.equal(reads, 1, 'then served from the view cache');
  });

  test('run policy ref: the start input holds another policy, none, or cannot be read → Run.PolicyUnavailable, never the ceiling alone', async () => {
    const k = kernel('unavailable');
    const ref = runPolicyRef(RUN_POLICY);
    const cases: Array<[string, () => Promise<unknown>, RegExp]> = [
      ['another policy', async () => CEILING, /another hash \(sha256:[0-9a-f]{64}\)/],
      ['no policy', async () => undefined, /carries no policy text/],
      [
        'unreadable',
        async () => {
          throw new StartPolicyUnreadable('the run\'s start input cannot be decoded here: Codec.NoKeys: payload encrypted with key "k1"');
        },
        /Codec\.NoKeys: payload encrypted with key "k1"/,
      ],
    ];
    for (const [name, fetch, why] of cases) {
      const { decideAction } = createToolActivities(k, k, new RunPolicyViews(k, fetch));
      const decided = await decideAction({ ...PRIVATE, runPolicy: ref });
      assert.equal(decided.effect, 'invalid', name);
      assert.equal(decided.code, ActivityCode.PolicyUnavailable, name);
      assert.match(decided.reason, why, name);
      assert.ok(decided.reason.includes(ref), `${name}: the reason names the reference`);
    }
  });

  test('run policy ref: a transient error reading history → thrown, so Temporal retries the activity', async () => {
    const k = kernel('transient');
    const views = new RunPolicyViews(k, async () => {
      throw new Error('14 UNAVAILABLE: connection refused');
    });
    await assert.rejects(views.resolve(runPolicyRef(RUN_POLICY)), /UNAVAILABLE/);
  });

  test('run policy ref: a worker of an older release (reads runPolicy as YAML) given a reference → invalid policy, fails closed', async () => {
    const k = kernel('older');
    // RunPolicyViews.get is the text-only path older releases call for every step.
    const view = new RunPolicyViews(k, neverFetch).get(runPolicyRef(RUN_POLICY));
    assert.equal(view.ok, false);
    assert.equal(!view.ok && view.code, PolicyCode.Invalid);
  });

  test('run policy ref: old-shape inputs (YAML text in every step, runs started before the change) → still decided under the run policy', async () => {
    const k = kernel('old-shape');
    const { decideAction } = createToolActivities(k, k, new RunPolicyViews(k, neverFetch));
    assert.equal((await decideAction({ ...PRIVATE, runPolicy: RUN_POLICY })).effect, 'deny');
    assert.equal((await decideAction(PRIVATE)).effect, 'allow', 'without a run policy the ceiling decides');
  });
});
