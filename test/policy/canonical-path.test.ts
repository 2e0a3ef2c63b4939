import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalPath, resolveAgainst } from '../../src/policy/canonical-path';
import { hasErrorCode } from '../../src/errors';
import { fakeRealpath } from './helpers/fake-fs';

const links = fakeRealpath({
  '/workspace/out': '/etc', // directory link escaping the workspace
  '/workspace/passwd-link': '/etc/passwd', // file link escaping the workspace
  '/workspace/rel': '../etc', // relative link escaping
  '/workspace/inner': '/workspace/src', // link that stays inside
  '/workspace/dangling': '/etc/not-yet', // dangling link: a write would create /etc/not-yet
  '/workspace/loop': '/workspace/loop2',
  '/workspace/loop2': '/workspace/loop',
});

describe('canonicalPath', () => {
  const normalised: [string, string][] = [
    ['/workspace/a.txt', '/workspace/a.txt'],
    ['/workspace/./a//b/../c/', '/workspace/a/c'],
    ['/workspace/../etc/passwd', '/etc/passwd'],
    ['/workspace/a/../../etc/shadow', '/etc/shadow'],
    ['/../../etc', '/etc'],
    ['//workspace///x', '/workspace/x'],
    ['/', '/'],
    ['/workspace/..', '/'],
    ['/Workspace/A', '/Workspace/A'],
    ['/workspace/...', '/workspace/...'],
  ];
  for (const [input, expected] of normalised) {
    test(`canonicalPath: ${input} → ${expected}`, () => assert.equal(canonicalPath(input), expected));
  }

  const rejected: [string, string][] = [
    ['NUL byte', '/workspace/a\u0000/../../etc/passwd'],
    ['newline', '/workspace/a\nb'],
    ['relative path', 'workspace/a.txt'],
    ['relative escape', '../etc/passwd'],
    ['dot-relative', './a'],
    ['backslash', '/workspace\\..\\etc\\passwd'],
    ['empty', ''],
  ];
  for (const [what, input] of rejected) {
    test(`canonicalPath: ${what} → Policy.InvalidTarget`, () => {
      assert.throws(
        () => canonicalPath(input),
        (err: unknown) => hasErrorCode(err, 'Policy.InvalidTarget'),
      );
    });
  }

  const resolved: [string, string, string][] = [
    ['directory link out of the workspace', '/workspace/out/passwd', '/etc/passwd'],
    ['file link out of the workspace', '/workspace/passwd-link', '/etc/passwd'],
    ['relative link out of the workspace', '/workspace/rel/hosts', '/etc/hosts'],
    ['link inside the workspace', '/workspace/inner/main.ts', '/workspace/src/main.ts'],
    ['dangling link', '/workspace/dangling', '/etc/not-yet'],
    ['non-existing rest after a link', '/workspace/out/new/dir/file', '/etc/new/dir/file'],
    ['.. before the link is applied lexically first', '/workspace/x/../out/a', '/etc/a'],
  ];
  for (const [what, input, expected] of resolved) {
    test(`canonicalPath: ${what} → judged where it points (${expected})`, () => {
      assert.equal(canonicalPath(input, links), expected);
    });
  }

  test('canonicalPath: symlink loop → Policy.InvalidTarget with the ELOOP cause', () => {
    assert.throws(
      () => canonicalPath('/workspace/loop/x', links),
      (err: unknown) => hasErrorCode(err, 'Policy.InvalidTarget') && hasErrorCode((err as Error).cause, 'ELOOP'),
    );
  });

  test('canonicalPath: realpath returning a relative path → Policy.InvalidTarget', () => {
    assert.throws(
      () => canonicalPath('/workspace/a', () => 'workspace/a'),
      (err: unknown) => hasErrorCode(err, 'Policy.InvalidTarget'),
    );
  });

  test('canonicalPath: realpath output is normalised too → no trailing slash or dots', () => {
    assert.equal(
      canonicalPath('/workspace/a', () => '/real//workspace/./a/'),
      '/real/workspace/a',
    );
  });
});

describe('resolveAgainst', () => {
  test('resolveAgainst: relative path inside the base → joined', () => {
    assert.equal(resolveAgainst('notes/../a.md', '/workspace'), '/workspace/notes/../a.md');
    assert.equal(canonicalPath(resolveAgainst('notes/../a.md', '/workspace')), '/workspace/a.md');
  });
  test('resolveAgainst: relative path that escapes the base → Policy.InvalidTarget', () => {
    for (const input of ['../etc/passwd', 'a/../../etc', './..']) {
      assert.throws(
        () => resolveAgainst(input, '/workspace'),
        (err: unknown) => hasErrorCode(err, 'Policy.InvalidTarget'),
        input,
      );
    }
  });
  test('resolveAgainst: absolute path → unchanged', () => {
    assert.equal(resolveAgainst('/etc/passwd', '/workspace'), '/etc/passwd');
  });
});
