import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { TargetFamily, expandActionGlob, knownActions } from '../../src/policy/actions';
import { closest, editDistance } from '../../src/policy/suggest';
import { globSyntaxIssue, targetFormIssue } from '../../src/policy/validate-glob';

describe('glob checks', () => {
  const syntax: [string, string | undefined][] = [
    ['/w/**', undefined],
    ['/w/*.{md,txt}', undefined],
    ['/w/[a-z]?.csv', undefined],
    ['', 'E_EMPTY_GLOB'],
    ['   ', 'E_EMPTY_GLOB'],
    ['/w/\u0000', 'E_BAD_GLOB'],
    [' /w', 'E_BAD_GLOB'],
    ['!/etc/**', 'E_BAD_GLOB'],
    ['/w/(a|b)', 'E_BAD_GLOB'],
    ['/w/a\\b', 'E_BAD_GLOB'],
    ['/w/{a,{b}}', 'E_BAD_GLOB'],
    ['/w/{1..9}', 'E_BAD_GLOB'],
    ['/w/[ab', 'E_BAD_GLOB'],
    ['/w/a]', 'E_BAD_GLOB'],
    ['/w/a}', 'E_BAD_GLOB'],
  ];
  for (const [glob, code] of syntax) {
    test(`globSyntaxIssue: ${JSON.stringify(glob)} → ${code ?? 'accepted'}`, () => {
      assert.equal(globSyntaxIssue(glob)?.code, code);
    });
  }

  const forms: [TargetFamily, string, string | undefined][] = [
    [TargetFamily.Path, '/', undefined],
    [TargetFamily.Path, '**', undefined],
    [TargetFamily.Path, 'w/**', 'E_RESOURCE_FORM'],
    [TargetFamily.Path, '/w//x', 'E_BAD_GLOB'],
    [TargetFamily.Path, '/w/./x', 'E_BAD_GLOB'],
    [TargetFamily.Path, '/w/**x', 'E_BAD_GLOB'],
    [TargetFamily.Url, 'https://*.example.com/**', undefined],
    [TargetFamily.Url, 'http://localhost:8080/', undefined],
    [TargetFamily.Url, 'https://a.example/../x', 'E_BAD_GLOB'],
    [TargetFamily.Program, 'python3*', undefined],
    [TargetFamily.Program, 'bin/git', 'E_RESOURCE_FORM'],
    [TargetFamily.Custom, 'anything at all', undefined],
  ];
  for (const [family, glob, code] of forms) {
    test(`targetFormIssue: ${family} ${JSON.stringify(glob)} → ${code ?? 'accepted'}`, () => {
      assert.equal(targetFormIssue(family, glob)?.code, code);
    });
  }
});

describe('actions and suggestions', () => {
  test('expandActionGlob: fs.* → the four fs actions; * → every known action; net.* with extras → net.http', () => {
    const known = knownActions({ extraActions: ['kv.get'] });
    assert.deepEqual(expandActionGlob('fs.*', known), ['fs.read', 'fs.write', 'fs.delete', 'fs.list']);
    assert.equal(expandActionGlob('*', known).length, 8); // six fs/proc/net actions, mcp.call, kv.get
    assert.deepEqual(expandActionGlob('net.*', known), ['net.http']);
    assert.deepEqual(expandActionGlob('fs.wirte', known), []);
  });

  test('closest: typos and case slips → the intended word; unrelated words → undefined', () => {
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(closest('fs.wirte', ['fs.read', 'fs.write']), 'fs.write');
    assert.equal(closest('PROC.EXEC', ['proc.exec']), 'proc.exec');
    assert.equal(closest('capabilites', ['version', 'capabilities']), 'capabilities');
    assert.equal(closest('zzz', ['fs.read']), undefined);
  });
});
