import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inspect } from 'node:util';
import { hasErrorCode } from '../../src/errors';
import { Kernel } from '../../src/kernel/kernel';
import { HttpProvider } from '../../src/providers/http';
import { CredentialStore } from '../../src/providers/secrets';
import { fetchVia, httpContext, policyAuthorizer, startServer, type TestServer } from './http-fixture';
import { readLog, tempDir, writePolicy } from '../kernel/kernel-helpers';

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
  const provider = () =>
    new HttpProvider({
      allowAddresses: ['127.0.0.1', '127.0.0.2'],
      credentials: [{ match: `http://127.0.0.1:${srv.port}/api/**`, header: 'Authorization', valueFromEnv: 'AOK_TEST_TOKEN' }],
      credentialEnv: { AOK_TEST_TOKEN: SECRET },
    });
  const allowAll = () =>
    policyAuthorizer(
      [
        'capabilities:',
        `  - action: net.http`,
        `    resource: "http://127.0.0.1:${srv.port}/**"`,
        `  - action: net.http`,
        `    resource: "http://127.0.0.2:${other.port}/**"`,
      ].join('\n'),
    );

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
    const err = await fetchVia(p, 'http://127.0.0.1:1/x').then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(hasErrorCode(err, 'Provider.HttpFailed'));
    assert.equal(JSON.stringify(err).includes(SECRET) || String((err as Error).message).includes(SECRET), false);
  });

  test('HttpProvider: max_bytes cuts an echoed credential in the middle → no prefix of it survives (redacted before the cut)', async () => {
    const full = await fetchVia(provider(), `${srv.base}/api/echo`);
    const at = Buffer.from(full.body.replace('[REDACTED]', SECRET)).indexOf(SECRET);
    assert.ok(at > 0, 'the echo carries the credential');
    for (const into of [1, 8, 20, SECRET.length - 1]) {
      const resolved = await provider().resolve({ action: 'net.http', target: `${srv.base}/api/echo`, params: {} });
      const r = await provider().execute(resolved, httpContext(resolved.canonicalTarget, { constraint: { max_bytes: at + into } }));
      assert.equal(r.truncated, true);
      assert.ok(!r.body.includes('s3cr'), `cut ${into} bytes into the secret leaked: …${r.body.slice(-30)}`);
      assert.ok(r.body.endsWith('[REDACTED]'), r.body.slice(-30));
    }
  });

  test('HttpProvider: refused redirect whose Location carries the credential → error message, fields and cause carry none of it', async () => {
    const leak = encodeURIComponent(`${srv.base}/public/echo?t=${encodeURIComponent(SECRET)}&raw=${SECRET.split(' ')[1]}`);
    for (const extra of [{}, { authorize: policyAuthorizer(`capabilities:\n  - action: net.http\n    resource: "http://127.0.0.1:${srv.port}/api/**"\n`) }]) {
      const err = await fetchVia(provider(), `${srv.base}/api/redirect?to=${leak}`, {}, extra).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(hasErrorCode(err, 'Provider.RedirectDenied'), String(err));
      const text = `${(err as Error).message}\n${(err as Error).stack ?? ''}\n${JSON.stringify(err)}\n${inspect(err, { depth: 5 })}`;
      assert.ok(!text.includes('s3cr3t'), text);
      // The server's Location is shown without its query (the server's words), marked as left out.
      assert.match((err as Error).message, /^redirect to http:\/\/127\.0\.0\.1:\d+\/public\/echo\?… refused/);
    }
  });

  test('HttpProvider: refused redirect to a Location with userinfo or a query → the error names neither (the audit log keeps the error; red team)', async () => {
    for (const location of ['http://admin:hunter2@127.0.0.1:1/x', `${srv.base}/public/next?stolen=RESPONSE-CONTENT`, 'http://admin:hunter2@[::1/x']) {
      const err = await fetchVia(provider(), `${srv.base}/api/redirect?to=${encodeURIComponent(location)}`).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(hasErrorCode(err, 'Provider.RedirectDenied'), String(err));
      assert.doesNotMatch((err as Error).message, /hunter2|RESPONSE-CONTENT/, (err as Error).message);
    }
  });

  test('HttpProvider: followed redirect whose URL carries the credential → result url, redirects and body carry none of it', async () => {
    const to = encodeURIComponent(`/public/echo?t=${encodeURIComponent(SECRET)}`);
    const r = await fetchVia(provider(), `${srv.base}/api/redirect?to=${to}`, {}, { authorize: allowAll() });
    assert.equal(r.status, 200);
    assert.ok(!JSON.stringify(r).includes('s3cr3t'), JSON.stringify(r).slice(0, 400));
  });

  test('CredentialStore: a credential echoed URL-encoded with lower-case or mixed-case escapes, or only partly encoded → redacted like the upper-case form (red team, review), in text, in bytes and across a cut', () => {
    const value = 'Bearer s3cr3t/T0ken+with=b64';
    const store = new CredentialStore([{ match: 'https://api.example/**', header: 'Authorization', valueFromEnv: 'T' }], { T: value });
    const spellings = [
      's3cr3t%2FT0ken%2Bwith%3Db64',
      's3cr3t%2fT0ken%2bwith%3db64',
      's3cr3t%2fT0ken%2Bwith%3Db64',
      'Bearer%20s3cr3t%2ft0ken'.replace('t0ken', 'T0ken%2bwith%3db64'),
      // Partly encoded (review): Python's quote() keeps "/", others encode only some characters.
      's3cr3t/T0ken%2Bwith%3Db64',
      's3cr3t%2FT0ken+with=b64',
      '%73%33cr3t/T0ken+with%3db64',
    ];
    for (const echoed of spellings) {
      const text = `before ${echoed} after`;
      assert.equal(store.redact(text), 'before [REDACTED] after', echoed);
      assert.equal(store.redactBytes(Buffer.from(text)).toString(), 'before [REDACTED] after', echoed);
      // Cut inside the echo: no prefix of it survives.
      const cut = store.redactCapped(Buffer.from(text), 'before '.length + 10);
      assert.equal(cut.bytes.toString(), 'before [REDACTED]', echoed);
    }
    // Only the escapes' hex digits are case-free: other letters must match exactly.
    assert.equal(store.redact('S3CR3T%2FT0KEN%2BWITH%3DB64'), 'S3CR3T%2FT0KEN%2BWITH%3DB64');
  });

  test('CredentialStore: very long credentials (50,000 characters; 8,000 non-ASCII; 12,000 slashes) → redacted, nothing thrown (review: per-needle regular expressions were too large for V8)', () => {
    for (const value of ['k'.repeat(50_000), 'é'.repeat(8_000), `t${'/'.repeat(12_000)}`]) {
      const store = new CredentialStore([{ match: 'https://api.example/**', header: 'X-Key', valueFromEnv: 'T' }], { T: value });
      const encoded = encodeURIComponent(value).toLowerCase();
      assert.equal(store.redact(`a ${value} b ${encoded} c`), 'a [REDACTED] b [REDACTED] c');
      assert.equal(store.redactBytes(Buffer.from(`a ${value} b`)).toString(), 'a [REDACTED] b');
    }
  });

  test("Kernel + HttpProvider: a refused redirect → the agent reads where it pointed, the audit record's error holds neither the server's host nor its path or query (review)", async () => {
    const dir = tempDir('agent-os-http-audit-');
    const log = path.join(dir, 'kernel.log');
    const kernel = new Kernel({
      policy: writePolicy(dir, `capabilities:\n  - action: net.http\n    resource: "http://127.0.0.1:${srv.port}/**"\n`),
      providers: [provider()],
      logPath: log,
    });
    try {
      const to = encodeURIComponent(`http://echoed-content.example/PATH-CONTENT?stolen=QUERY-CONTENT`);
      const r = await kernel.submit({ action: 'net.http', target: `${srv.base}/public/redirect?to=${to}`, params: {} });
      assert.deepEqual([r.status, r.code], ['ERROR', 'Provider.RedirectDenied']);
      assert.match(r.error ?? '', /echoed-content\.example\/PATH-CONTENT\?…/, 'the agent reads where the redirect pointed');
      await kernel.close();
      const records = readLog(log);
      assert.equal(records.length, 1);
      // (The record's target is the agent's own URL, as written; the error is the server's Location.)
      assert.doesNotMatch(String(records[0]?.['error']), /echoed-content|PATH-CONTENT|QUERY-CONTENT/);
      assert.match(String(records[0]?.['error']), /^redirect refused: the Location and the reason withheld from the log/);
    } finally {
      await kernel.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('CredentialStore: variable unset → CredentialMissing at construction', () => {
    assert.throws(
      () => new CredentialStore([{ match: 'https://api.github.com/**', header: 'Authorization', valueFromEnv: 'NOPE' }], {}),
      (e) => hasErrorCode(e, 'Provider.CredentialMissing'),
    );
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
