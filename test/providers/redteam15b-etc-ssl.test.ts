import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ProcessProvider } from '../../src/providers/process';
import { makeWorkspace, run } from './process-fixture';

// Red team 15b: the curated /etc showed all of /etc/ssl, its private/ folder included. A program of a
// root worker (no hardening.uid) is host uid 0, the owner of /etc/ssl/private, and read the host's TLS
// private keys (Debian's ssl-cert-snakeoil.key, a web server's keys) through it.
describe('sandbox /etc/ssl (red team 15b)', () => {
  const root = makeWorkspace();
  const ws = path.join(root, 'ws');
  fs.mkdirSync(ws, { mode: 0o755 });
  after(() => fs.rmSync(root, { recursive: true, force: true }));
  const provider = new ProcessProvider({ mounts: { '/workspace': ws } });

  test('sandbox: /etc/ssl → the certificates and openssl.cnf only, never the private keys folder', async () => {
    const r = await run(provider, 'ls', { args: ['-1', '/etc/ssl'] });
    const shown = r.stdout
      .trim()
      .split('\n')
      .filter((l) => l !== '');
    const expected = ['certs', 'openssl.cnf'].filter((name) => fs.existsSync(path.join('/etc/ssl', name)));
    assert.deepEqual(shown, expected, r.stderr);
    const key = await run(provider, 'sh', { args: ['-c', 'cat /etc/ssl/private/* 2>/dev/null | head -c 100'] });
    assert.doesNotMatch(key.stdout, /PRIVATE KEY/);
  });

  test('sandbox: a CA bundle → still readable for TLS clients', async () => {
    const bundle = '/etc/ssl/certs/ca-certificates.crt'; // Debian's (ca-certificates), as npm run setup's hosts have
    const r = await run(provider, 'head', { args: ['-c', '27', bundle] });
    assert.equal(r.stdout, fs.readFileSync(bundle, 'utf8').slice(0, 27));
  });
});
