import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hasErrorCode } from '../../src/errors';
import { guardGitArgs, GIT_HARDENING_CONFIG } from '../../src/providers/git-guard';
import { ProcessProvider } from '../../src/providers/process';
import { allowContext, makeWorkspace, run } from './process-fixture';

const refused = (e: unknown): boolean => hasErrorCode(e, 'Provider.GitArgumentRefused');

describe('guardGitArgs', () => {
  const injections: readonly (readonly string[])[] = [
    ['-c', 'core.pager=sh -c id', 'log'],
    ['-ccore.pager=x', 'log'],
    ['--config-env=core.pager=X', 'log'],
    ['--config-env', 'core.pager=X', 'log'],
    ['--exec-path=/workspace', 'status'],
    ['--exec-path', 'status'],
    ['-C', '/etc', 'status'],
    ['-C/etc', 'status'],
    ['--git-dir=/etc/.git', 'status'],
    ['--git-dir', '/x', 'status'],
    ['--work-tree=/etc', 'status'],
    ['--work-tree', '/etc', 'status'],
    ['-p', 'log'],
    ['--paginate', 'log'],
    ['-pc', 'log'],
    ['-Pp', 'log'],
    ['--bare', 'status'],
    ['--namespace=x', 'log'],
    ['--help', 'log'],
    ['fetch', '--upload-pack=touch /tmp/x', 'origin'],
    ['fetch', '--upload-pack', 'x'],
    ['fetch', '--upload', 'x'],
    ['fetch', '--upl=x'],
    ['ls-remote', '--upload-pack=x', 'origin'],
    ['clone', '-u', 'x', 'src'],
    ['clone', '-qu', 'x', 'src'],
    ['clone', '--upload-pack=x', 'src'],
    ['clone', '-c', 'core.hooksPath=.', 'src'],
    ['clone', '--config=a=b', 'src'],
    ['clone', '--template=/workspace/t', 'src'],
    ['clone', '--separate-git-dir=/tmp/g', 'src'],
    ['push', '--receive-pack=x', 'origin'],
    ['push', '--receive=x'],
    ['push', '--exec=x'],
    ['archive', '--exec=x', '--remote=r'],
    ['log', '--output=/tmp/out'],
    ['log', '--output', '/tmp/out'],
    ['log', '--outp=/tmp/out'],
    ['diff', '--output=/x'],
    ['diff', '--ext-diff'],
    ['log', '--ext-diff'],
    ['show', '--ext'],
    ['diff', '--textconv'],
    ['diff', '--no-index', '/etc/passwd', 'x'],
    ['grep', '-O', 'x'],
    ['grep', '-Ovim', 'x'],
    ['grep', '-iO', 'x'],
    ['grep', '--open-files-in-pager=vim', 'x'],
    ['grep', '--open', 'x'],
    ['format-patch', '-o', '/tmp'],
    ['format-patch', '--output-directory=/tmp'],
    ['archive', '-o', '/tmp/a.tar', 'HEAD'],
    ['rebase', '-x', 'id'],
    ['rebase', '--exec=id'],
    ['config', 'core.pager', 'x'],
    ['help', 'log'],
    ['difftool'],
    ['my-alias'],
    ['submodule', 'update'],
    ['upload-pack', '.'],
    ['log', '--git-dir=/x'],
    ['status', '--work-tree=/x'],
  ];
  for (const argv of injections) {
    test(`guardGitArgs: ${JSON.stringify(argv)} → GitArgumentRefused`, () => {
      assert.throws(() => guardGitArgs(argv), refused);
    });
  }

  test('guardGitArgs: options after "--" → treated as paths, allowed', () => {
    assert.doesNotThrow(() => guardGitArgs(['log', '--', '--output=x']));
  });

  test('guardGitArgs: ordinary commands → allowed, hardening -c pairs first', () => {
    const argv = guardGitArgs(['--no-pager', 'log', '--oneline', '-p', '-C', '--stat', '--exit-code']);
    assert.deepEqual(argv.slice(0, 2), ['-c', GIT_HARDENING_CONFIG[0]]);
    assert.deepEqual(argv.slice(GIT_HARDENING_CONFIG.length * 2), [
      '--no-pager',
      'log',
      '--no-ext-diff',
      '--no-textconv',
      '--oneline',
      '-p',
      '-C',
      '--stat',
      '--exit-code',
    ]);
    assert.doesNotThrow(() => guardGitArgs(['grep', '-c', '-C', '2', 'x']));
    assert.doesNotThrow(() => guardGitArgs(['commit', '-c', 'HEAD']));
  });
});

describe('ProcessProvider with git', () => {
  const ws = makeWorkspace();
  after(() => fs.rmSync(ws, { recursive: true, force: true }));
  const repo = path.join(ws, 'repo');
  const marker = path.join(ws, 'ran');
  fs.mkdirSync(repo);
  const git = (...args: string[]): string => execFileSync('git', args, { cwd: repo, encoding: 'utf8' });
  git('init', '-q', '.');
  git('config', 'user.email', 'a@example.com');
  git('config', 'user.name', 'a');
  fs.writeFileSync(path.join(repo, 'f'), 'one\n');
  git('add', 'f');
  git('commit', '-qm', 'one');
  // A hostile repository config: every one of these would run a program.
  const hook = `#!/bin/sh\necho hook >> ${marker}\n`;
  fs.writeFileSync(path.join(repo, '.git', 'hooks', 'pre-commit'), hook, { mode: 0o755 });
  fs.writeFileSync(path.join(repo, '.git', 'hooks', 'post-checkout'), hook, { mode: 0o755 });
  git('config', 'diff.external', `sh -c 'echo ext >> ${marker}'`);
  git('config', 'core.pager', `sh -c 'echo pager >> ${marker}'`);
  git('config', 'core.fsmonitor', `sh -c 'echo fsmonitor >> ${marker}'`);
  git('config', 'alias.pwn', `!echo alias >> ${marker}`);
  const provider = new ProcessProvider({ mounts: { '/workspace': ws } });
  const gitRun = (args: string[]) => run(provider, 'git', { args, cwd: '/workspace/repo' });

  test('ProcessProvider git: diff, log, status, commit in a hostile repo → work, no hook/pager/fsmonitor/ext diff runs', async () => {
    fs.writeFileSync(path.join(repo, 'f'), 'two\n');
    const diff = await gitRun(['diff']);
    assert.match(diff.stdout, /^\+two$/m);
    assert.equal((await gitRun(['status', '--short'])).stdout, ' M f\n');
    await assert.rejects(gitRun(['-c', 'core.pager=cat', 'log']), refused);
    const commit = await gitRun(['commit', '-qam', 'two']);
    assert.equal(commit.exitCode, 0, commit.stderr);
    assert.equal((await gitRun(['log', '-p', '--oneline'])).exitCode, 0);
    assert.equal((await gitRun(['checkout', '-q', '-b', 'side'])).exitCode, 0);
    assert.equal(fs.existsSync(marker), false, fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8') : '');
  });

  test('ProcessProvider git: alias from repository config → refused before running', async () => {
    await assert.rejects(gitRun(['pwn']), refused);
    assert.equal(fs.existsSync(marker), false);
  });

  test('ProcessProvider git: GIT_* variable in params → refused even when the rule names it', async () => {
    const resolved = await provider.resolve({
      action: 'proc.exec',
      target: 'git',
      params: { args: ['status'], cwd: '/workspace/repo', env: { GIT_DIR: '/etc' } },
    });
    await assert.rejects(provider.execute(resolved, allowContext('git', { env: ['GIT_DIR'] })), refused);
  });
});
