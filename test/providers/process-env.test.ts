import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hasErrorCode } from '../../src/errors';
import { buildProcessEnv, envAllowed } from '../../src/providers/process-env';

describe('process-env', () => {
  test('buildProcessEnv: nothing requested → only the fixed PATH', () => {
    assert.deepEqual(buildProcessEnv({ allowList: ['*'], requested: undefined, path: ['/usr/bin', '/bin'] }), { PATH: '/usr/bin:/bin' });
  });

  test('buildProcessEnv: forced values → override requested ones, PATH still fixed', () => {
    const env = buildProcessEnv({ allowList: ['PAGER'], requested: { PAGER: 'less' }, path: ['/bin'], forced: { PAGER: 'cat', PATH: '/x' } });
    assert.deepEqual(env, { PAGER: 'cat', PATH: '/bin' });
  });

  test('envAllowed: glob admits ordinary names but never dangerous ones', () => {
    assert.equal(envAllowed('LC_ALL', ['LC_*']), true);
    assert.equal(envAllowed('GIT_CONFIG_KEY_0', ['GIT_*']), false);
    assert.equal(envAllowed('LD_AUDIT', ['*']), false);
    assert.equal(envAllowed('NODE_OPTIONS', ['*']), false);
    assert.equal(envAllowed('LD_AUDIT', ['LD_AUDIT']), true);
  });

  test('buildProcessEnv: malformed name or NUL in value → InvalidParams', () => {
    assert.throws(
      () => buildProcessEnv({ allowList: ['*'], requested: { 'A=B': 'x' }, path: [] }),
      (e) => hasErrorCode(e, 'Provider.InvalidParams'),
    );
    assert.throws(
      () => buildProcessEnv({ allowList: ['*'], requested: { A: 'x\0y' }, path: [] }),
      (e) => hasErrorCode(e, 'Provider.InvalidParams'),
    );
  });
});
