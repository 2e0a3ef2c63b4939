import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { hasErrorCode } from '../../src/errors';
import { HttpProvider } from '../../src/providers/http';
import { CredentialStore } from '../../src/providers/secrets';
import { fetchVia, policyAuthorizer, startServer, type TestServer } from './http-fixture';

const SECRET = 'Bearer s3cr3t-value-9f8e7d';

describe('HttpProvider credentials', () => {
  let srv: TestServer;
  let other: TestServer;
  before(async () => {
    srv = await startServer();
    other = await startServer('127.0.0.2');
  });
  after(async () => {
    await srv.close();
    await other.close();
  });
  const provider = () => new HttpProvider({
    allowAddresses: ['127.0.0.1', '127.0.0.2'],
    credentials: [{ match: `http://127.0.0.1:${srv.port}/api/**`, header: 'Authorization', valueFromEnv: 'AOK_TEST_TOKEN' }],
    credentialEnv: { AOK_TEST_TOKEN: SECRET },
  });
  const allowAll = () => policyAuthorizer([
    'capabilities:',
    `  - action: net.http`,
    `    resource: "http://127.0.0.1:${srv.port}/**"`,
    `  - action: net.http`,
    `    resource: "http://127.0.0.2:${other.port}/**"`,
  ].join('\n'));

  test('HttpProvider: URL matching a credential rule → header sent, value nowhere in the result', async () => {
    const r = await fetchVia(provider(), `${srv.base}/api/echo`);
    assert.equal(srv.seen.at(-1)?.headers.authorization, SECRET);
    assert.equal(JSON.stringify(r).includes(SECRET), false);
    assert.match(r.body, /\[REDACTED\]/);
  });

  test('HttpProvider: URL outside the credential rule → no credential sent', async () => {
    await fetchVia(provider(), `${srv.base}/public/echo`);
    assert.equal(srv.seen.at(-1)?.headers.authorization, undefined);
  });

  test('HttpProvider: redirect from a matching URL to a non-matching one → credential not sent on the hop', async () => {
    const count = srv.seen.length;
    await fetchVia(provider(), `${srv.base}/api/redirect?to=/public/echo`, {}, { authorize: allowAll() });
    const [first, second] = srv.seen.slice(count);
    assert.equal(first?.headers.authorization, SECRET);
    assert.equal(second?.url, '/public/echo');
    assert.equal(second?.headers.authorization, undefined);
  });

  test("HttpProvider: cross-origin redirect → neither the credential nor the agent's own Authorization/Cookie follow", async () => {
    const to = encodeURIComponent(`${other.base}/echo`);
    const r = await fetchVia(provider(), `${srv.base}/api/redirect?to=${to}`, { headers: { Cookie: 'a=b' } }, { authorize: allowAll() });
    const hop = other.seen.at(-1);
    assert.equal(hop?.headers.authorization, undefined);
    assert.equal(hop?.headers.cookie, undefined);
    assert.equal(JSON.stringify(r).includes(SECRET), false);
  });

  test('HttpProvider: failing request on a matching URL → error carries no credential', async () => {
    const p = new HttpProvider({
      allowAddresses: ['127.0.0.1'],
      credentials: [{ match: 'http://127.0.0.1:1/**', header: 'Authorization', valueFromEnv: 'T' }],
      credentialEnv: { T: SECRET },
    });
    const err = await fetchVia(p, 'http://127.0.0.1:1/x').then(() => undefined, (e: unknown) => e);
    assert.ok(hasErrorCode(err, 'Provider.HttpFailed'));
    assert.equal(JSON.stringify(err).includes(SECRET) || String((err as Error).message).includes(SECRET), false);
  });

  test('CredentialStore: variable unset → CredentialMissing at construction', () => {
    assert.throws(() => new CredentialStore([{ match: 'https://api.github.com/**', header: 'Authorization', valueFromEnv: 'NOPE' }], {}),
      (e) => hasErrorCode(e, 'Provider.CredentialMissing'));
  });

  test('CredentialStore: look-alike hosts and raw IPs → no credential', () => {
    const store = new CredentialStore([{ match: 'https://api.github.com/**', header: 'Authorization', valueFromEnv: 'T' }], { T: SECRET });
    assert.deepEqual(store.headersFor('https://api.github.com/user'), { authorization: SECRET });
    assert.deepEqual(store.headersFor('https://api.github.com.evil.example/user'), {});
    assert.deepEqual(store.headersFor('http://api.github.com/user'), {});
    assert.deepEqual(store.headersFor('https://140.82.112.6/user'), {});
  });

  test('CredentialStore: serialised or inspected → values absent', () => {
    const store = new CredentialStore([{ match: 'https://api.github.com/**', header: 'Authorization', valueFromEnv: 'T' }], { T: SECRET });
    assert.equal(JSON.stringify(store).includes(SECRET), false);
    assert.equal(JSON.stringify(provider()).includes(SECRET), false);
    assert.equal(inspect(store, { depth: 5 }).includes(SECRET), false);
    assert.equal(inspect(provider(), { depth: 5 }).includes(SECRET), false);
  });
});
