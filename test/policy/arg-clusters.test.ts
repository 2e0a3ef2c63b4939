import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compilePolicy } from '../../src/policy/compile';
import { evaluate } from '../../src/policy/evaluate';
import { canonicalizeRequest } from '../../src/policy/canonical';
import { policyDoc } from './helpers/doc';

function decide(p: ReturnType<typeof compilePolicy>, program: string, args: string[]): string {
  return evaluate(p, canonicalizeRequest({ action: 'proc.exec', target: program, params: { args } })).effect;
}

describe('evaluate: short-option clusters under deny_args', () => {
  const p = compilePolicy(
    policyDoc({
      capabilities: [
        ['proc.exec', 'sh', { deny_args: ['-c'] }],
        ['proc.exec', 'python3', { deny_args: ['-c', '/etc/**'] }],
      ],
    }),
  );
  const table: [string, string[], string][] = [
    ['sh', ['-ec', 'touch /tmp/x'], 'deny'], // -e and -c in one cluster
    ['sh', ['-ce', 'id'], 'deny'],
    ['sh', ['-e', '-c', 'id'], 'deny'],
    ['sh', ['-e', 'script.sh'], 'allow'],
    ['sh', ['-ex', 'script.sh'], 'allow'],
    ['python3', ['-Ic', 'print(1)'], 'deny'],
    ['python3', ['-cCODE'], 'deny'], // the option with its value attached
    ['python3', ['-Ic1'], 'deny'],
    ['python3', ['-I', 'tool.py'], 'allow'],
    ['python3', ['-O/etc/passwd'], 'deny'], // an attached value is judged as a value too
    ['python3', ['-'], 'allow'], // a lone dash is not an option cluster
    ['python3', ['--', 'x'], 'allow'],
  ];
  for (const [program, args, effect] of table) {
    test(`evaluate: ${program} ${JSON.stringify(args)} under deny_args [-c] → ${effect}`, () => {
      assert.equal(decide(p, program, args), effect);
    });
  }
});

describe('evaluate: short-option clusters under args', () => {
  const p = compilePolicy(
    policyDoc({
      capabilities: [
        ['proc.exec', 'python3', { args: ['-[IvqB]*', '*.py'] }],
        ['proc.exec', 'ls', { args: ['{-l,-a}', '**'] }],
        ['proc.exec', 'grep', { args: ['-rn', '**'] }],
      ],
      deny: [['proc.exec', 'sh', { args: ['-c', '**'] }]],
    }),
  );
  const table: [string, string[], string][] = [
    ['python3', ['-I', 'tool.py'], 'allow'],
    ['python3', ['-Iq', 'tool.py'], 'allow'], // every option in the cluster is granted
    ['python3', ['-Ic', 'tool.py'], 'deny'], // -c is not granted, though "-Ic" matches -[IvqB]*
    ['python3', ['-vcprint(1)', 'tool.py'], 'deny'],
    ['ls', ['-la', 'x'], 'allow'], // -l and -a are both granted
    ['ls', ['-lR', 'x'], 'deny'],
    ['grep', ['-rn', 'x'], 'allow'], // a cluster the rule names literally is granted as written
    ['grep', ['-rnf', 'x'], 'deny'],
  ];
  for (const [program, args, effect] of table) {
    test(`evaluate: ${program} ${JSON.stringify(args)} under positional args → ${effect}`, () => {
      assert.equal(decide(p, program, args), effect);
    });
  }

  test('evaluate: a deny rule with args [-c, **] → covers sh -ec … (a cluster counts as each option)', () => {
    const withGrant = compilePolicy(
      policyDoc({
        capabilities: [['proc.exec', 'sh']],
        deny: [['proc.exec', 'sh', { args: ['-c', '**'] }]],
      }),
    );
    assert.equal(decide(withGrant, 'sh', ['-ec', 'id']), 'deny');
    assert.equal(decide(withGrant, 'sh', ['-e', 'script.sh']), 'allow');
  });
});
