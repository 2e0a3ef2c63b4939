/**
 * Property: random paths built from `..`, `.`, `/`, symlinks and names are never allowed
 * outside the allowed roots, and never reach a dot-segment the policy does not name.
 * A seeded generator makes every failure reproducible from its message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalizeRequest } from '../../src/policy/canonical';
import { compilePolicy } from '../../src/policy/compile';
import { evaluate } from '../../src/policy/evaluate';
import { hasErrorCode } from '../../src/errors';
import { policyDoc } from './helpers/doc';
import { fakeRealpath } from './helpers/fake-fs';
import { mulberry32 } from '../helpers/random';

const links = {
  '/workspace/out': '/etc',
  '/workspace/a/up': '../..',
  '/workspace/a/rel': '../../etc/passwd',
  '/workspace/in': '/workspace/a',
  '/workspace/a/b/dot': '/workspace/.git',
  '/workspace/loop': '/workspace/loop2',
  '/workspace/loop2': '/workspace/loop',
  '/tmp/back': '/workspace/b',
  '/workspace/b/chain': '/workspace/in/up/out',
  '/workspace/dangling': '/root/new-file',
};
const realpath = fakeRealpath(links);
const policy = compilePolicy(
  policyDoc({
    capabilities: [
      ['fs.*', '/workspace/**'],
      ['fs.read', '/opt/data/**'],
    ],
    deny: [['fs.*', '/workspace/secret/**']],
  }),
);

const names = [
  'workspace',
  'a',
  'b',
  'secret',
  'etc',
  'passwd',
  '.git',
  '.env',
  'out',
  'up',
  'rel',
  'in',
  'dot',
  'loop',
  'tmp',
  'back',
  'chain',
  'dangling',
  'opt',
  'data',
  'x',
];
const parts = [...names, '..', '.', '', '...'];

function inside(real: string, root: string): boolean {
  return real === root || real.startsWith(root + '/');
}

test('property: 20000 random paths with .., ., // and symlinks → allowed only inside an allowed root, no unnamed dot-segment, never a secret', () => {
  const seed = 20240611;
  const rnd = mulberry32(seed);
  let allowed = 0;
  for (let i = 0; i < 20000; i++) {
    const n = 1 + Math.floor(rnd() * 7);
    const segs = Array.from({ length: n }, () => parts[Math.floor(rnd() * parts.length)] as string);
    const raw = (rnd() < 0.6 ? '/workspace/' : '/') + segs.join('/');
    const action = (['fs.read', 'fs.write', 'fs.delete', 'fs.list'] as const)[Math.floor(rnd() * 4)] as string;
    let target: string;
    try {
      target = canonicalizeRequest({ action, target: raw }, { realpathOfExisting: realpath }).target;
    } catch (err) {
      assert.ok(hasErrorCode(err, 'Policy.InvalidTarget'), `case ${i} (seed ${seed}): ${raw} threw ${String(err)}`);
      continue;
    }
    const d = evaluate(policy, { action, target, params: {} });
    if (d.effect !== 'allow') continue;
    allowed += 1;
    // What the provider touches is the judged target; resolving it again must not move it.
    const real = realpath(target);
    const msg = `case ${i} (seed ${seed}): ${action} ${raw} → ${target} (real ${real}) was allowed`;
    assert.equal(real, target, msg);
    assert.ok(inside(real, '/workspace') || (action === 'fs.read' && inside(real, '/opt/data')), msg);
    assert.ok(!inside(real, '/workspace/secret'), msg);
    assert.ok(!real.split('/').some((s) => s.startsWith('.')), msg);
  }
  assert.ok(allowed > 1000, `the generator must exercise allows too (got ${allowed})`);
});

test('property: shuffled rule order → identical decisions on random requests', () => {
  const rnd = mulberry32(7);
  const caps: [string, string][] = [
    ['fs.*', '/workspace/**'],
    ['fs.read', '/opt/**'],
    ['fs.write', '/workspace/out/**'],
    ['fs.list', '/**'],
  ];
  const deny: [string, string][] = [
    ['fs.*', '/workspace/secret/**'],
    ['fs.write', '/opt/**'],
    ['*', '/workspace/**/.env'],
  ];
  const shuffled = <T>(xs: readonly T[]): T[] =>
    xs
      .map((x) => [rnd(), x] as const)
      .sort((p, q) => p[0] - q[0])
      .map(([, x]) => x);
  const a = compilePolicy(policyDoc({ capabilities: caps, deny }));
  for (let round = 0; round < 20; round++) {
    const b = compilePolicy(policyDoc({ capabilities: shuffled(caps), deny: shuffled(deny) }));
    for (let i = 0; i < 200; i++) {
      const raw = '/' + Array.from({ length: 1 + Math.floor(rnd() * 5) }, () => names[Math.floor(rnd() * names.length)]).join('/');
      const action = (['fs.read', 'fs.write', 'fs.delete', 'fs.list'] as const)[Math.floor(rnd() * 4)] as string;
      const r = { action, target: raw, params: {} };
      assert.equal(evaluate(b, r).effect, evaluate(a, r).effect, `${action} ${raw}`);
    }
  }
});
