import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hasErrorCode } from '../../src/errors';
import { buildProcessEnv } from '../../src/providers/process-env';
import { ProcessProvider } from '../../src/providers/process';
import { makeWorkspace, run } from './process-fixture';

// Red team 15b: a rule whose env allow-list is a glob (`*`) is meant never to admit a variable that makes
// a program run code or helpers. TAR_OPTIONS was not on the list: `tar` granted with env `*` ran any
// command of the agent's (--checkpoint-action=exec=…), and so did GCONV_PATH, MAKEFLAGS, GOFLAGS, … for theirs.
describe('proc.exec env: helpers of ordinary tools behind a glob allow-list (red team 15b)', () => {
  const root = makeWorkspace();
  const ws = path.join(root, 'ws');
  fs.mkdirSync(path.join(ws, 'src'), { recursive: true, mode: 0o755 });
  fs.writeFileSync(path.join(ws, 'src', 'a.txt'), 'a\n');
  after(() => fs.rmSync(root, { recursive: true, force: true }));
  const provider = new ProcessProvider({ mounts: { '/workspace': ws } });

  test('proc.exec: tar with env * and TAR_OPTIONS running a command → EnvNotAllowed, the command never ran', async () => {
    const env = { TAR_OPTIONS: '--checkpoint=1 --checkpoint-action=exec=/usr/bin/touch\\ /workspace/pwned' };
    await assert.rejects(run(provider, 'tar', { args: ['-cf', '/workspace/out.tar', 'src'], cwd: '/workspace', env }, { env: ['*'] }), (e) =>
      hasErrorCode(e, 'Provider.EnvNotAllowed'),
    );
    assert.equal(fs.existsSync(path.join(ws, 'pwned')), false);
  });

  test('buildProcessEnv: loaders and helper options of other tools → refused under a glob, admitted when the rule names them', () => {
    const names = [
      'TAR_OPTIONS',
      'GCONV_PATH',
      'PERLLIB',
      'JDK_JAVA_OPTIONS',
      'GOFLAGS',
      'RUSTC_WRAPPER',
      'CARGO_BUILD_RUSTC_WRAPPER',
      'LUA_INIT',
      'LUA_INIT_5_4',
      'MAKEFLAGS',
      'npm_config_script_shell',
      'NPM_CONFIG_NODE_OPTIONS',
      'CURL_HOME',
      'XDG_CONFIG_HOME',
    ];
    for (const name of names) {
      assert.throws(
        () => buildProcessEnv({ allowList: ['*'], requested: { [name]: 'x' }, path: ['/usr/bin'] }),
        (e) => hasErrorCode(e, 'Provider.EnvNotAllowed'),
        name,
      );
      assert.equal(buildProcessEnv({ allowList: [name], requested: { [name]: 'x' }, path: ['/usr/bin'] })[name], 'x');
    }
    assert.equal(buildProcessEnv({ allowList: ['*'], requested: { LANG: 'C.UTF-8', TZ: 'UTC' }, path: ['/usr/bin'] })['TZ'], 'UTC');
  });
});
