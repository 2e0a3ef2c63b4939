import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hasErrorCode } from '../../src/errors';
import { HttpProvider } from '../../src/providers/http';
import { fetchVia, httpContext, policyAuthorizer, startServer, type TestServer } from './http-fixture';

const code =
  (c: string) =>
  (e: unknown): boolean =>
    hasErrorCode(e, c);

describe('HttpProvider', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer();
  });
  after(() => srv.close());
  const local = (extra = {}) => new HttpProvider({ allowAddresses: ['127.0.0.1'], ...extra });

  test('HttpProvider: loopback address without opt-in → AddressRefused, no request reaches the server', async () => {
    const before = srv.seen.length;
    await assert.rejects(fetchVia(new HttpProvider(), `${srv.base}/hello`), code('Provider.AddressRefused'));
    assert.equal(srv.seen.length, before);
  });

  test('HttpProvider: loopback opted in → status, headers, JSON body, final url', async () => {
    const r = await fetchVia(local(), `${srv.base}/hello?x=1`);
    assert.equal(r.status, 200);
    assert.equal(r.bodyEncoding, 'utf8');
    assert.equal(JSON.parse(r.body).path, '/hello?x=1');
    assert.equal(r.headers['x-served-by'], '127.0.0.1');
    assert.equal(r.url, `${srv.base}/hello?x=1`);
    assert.equal(r.truncated, false);
  });

  test('HttpProvider: method, headers and body from params → sent as given', async () => {
    const r = await fetchVia(local(), `${srv.base}/echo`, { method: 'post', headers: { 'X-Test': 'yes', 'content-type': 'text/plain' }, body: 'payload' });
    const echoed = JSON.parse(r.body);
    assert.equal(echoed.method, 'POST');
    assert.equal(echoed.headers['x-test'], 'yes');
    assert.equal(echoed.body, 'payload');
  });

  test("HttpProvider: method outside the rule's method constraint → MethodNotAllowed before any request", async () => {
    const p = local();
    const resolved = await p.resolve({ action: 'net.http', target: `${srv.base}/echo`, params: { method: 'DELETE' } });
    const before = srv.seen.length;
    await assert.rejects(p.execute(resolved, httpContext(resolved.canonicalTarget, { constraint: { method: ['GET'] } })), code('Provider.MethodNotAllowed'));
    assert.equal(srv.seen.length, before);
  });

  test('HttpProvider: unknown param or a Host header → InvalidParams', async () => {
    await assert.rejects(local().resolve({ action: 'net.http', target: `${srv.base}/`, params: { verb: 'GET' } }), code('Provider.InvalidParams'));
    await assert.rejects(
      local().resolve({ action: 'net.http', target: `${srv.base}/`, params: { headers: { Host: 'internal' } } }),
      code('Provider.InvalidParams'),
    );
  });

  test('HttpProvider: a header that overrides the method, host or path on the server (X-HTTP-Method-Override, X-Original-URL, X-Forwarded-Host, …) → InvalidParams, nothing sent (red team)', async () => {
    const before = srv.seen.length;
    for (const name of [
      'X-HTTP-Method-Override',
      'x-http-method',
      'X-Method-Override',
      'X-Original-URL',
      'X-Original-URI',
      'X-Rewrite-URL',
      'X-Forwarded-Host',
      'X-Forwarded-Server',
      'X-Envoy-Original-Path',
      'Forwarded',
      'X-Host',
      'X_HTTP_Method_Override',
      'X_Original_URL',
      'X_Forwarded_Host',
    ]) {
      await assert.rejects(
        local().resolve({ action: 'net.http', target: `${srv.base}/`, params: { method: 'GET', headers: { [name]: 'DELETE' } } }),
        (err: unknown) => code('Provider.InvalidParams')(err) && /other than the one the policy judged/.test((err as Error).message),
        name,
      );
    }
    assert.equal(srv.seen.length, before);
    // An ordinary custom header still goes through.
    const r = await fetchVia(local(), `${srv.base}/echo`, { headers: { 'X-Request-Id': 'abc' } });
    assert.equal(r.status, 200);
  });

  test('HttpProvider: a _method field (query, form, JSON or multipart body) that Rails, Laravel, Symfony or method-override take as the real method → InvalidParams, nothing sent', async () => {
    const before = srv.seen.length;
    const cases: [string, string | undefined][] = [
      [`${srv.base}/items/1?_method=DELETE`, undefined],
      [`${srv.base}/items/1?a=1&_METHOD=delete`, undefined],
      [`${srv.base}/items/1`, 'name=x&_method=DELETE'],
      [`${srv.base}/items/1`, '{"name":"x","_method":"DELETE"}'],
      [`${srv.base}/items/1`, '--b\r\nContent-Disposition: form-data; name="_method"\r\n\r\nDELETE\r\n--b--'],
    ];
    for (const [target, body] of cases) {
      await assert.rejects(
        local().resolve({ action: 'net.http', target, params: { method: 'POST', ...(body !== undefined ? { body } : {}) } }),
        (err: unknown) => code('Provider.InvalidParams')(err) && /_method field/.test((err as Error).message),
        `${target} ${body ?? ''}`,
      );
    }
    assert.equal(srv.seen.length, before);
    // A field that only contains the word is not one.
    const r = await fetchVia(local(), `${srv.base}/echo?q=my_method`, { method: 'POST', body: 'note=the _method word' });
    assert.equal(r.status, 200);
  });

  test('HttpProvider: set-cookie in the response → dropped from the result', async () => {
    const r = await fetchVia(local(), `${srv.base}/cookie`);
    assert.equal(r.headers['set-cookie'], undefined);
  });

  test('HttpProvider: gzip bomb (100 MB inflated) → cut at the cap after decompression, truncated', async () => {
    const r = await fetchVia(local({ maxBytes: 1024 * 1024 }), `${srv.base}/bomb`);
    assert.equal(r.truncated, true);
    assert.equal(r.bodyEncoding, 'base64');
    assert.equal(Buffer.from(r.body, 'base64').length, 1024 * 1024);
  });

  test("HttpProvider: rule's max_bytes below the provider cap → the rule's cap applies", async () => {
    const p = local();
    const resolved = await p.resolve({ action: 'net.http', target: `${srv.base}/hello` });
    const r = await p.execute(resolved, httpContext(resolved.canonicalTarget, { constraint: { max_bytes: 10 } }));
    assert.equal(r.body.length, 10);
    assert.equal(r.truncated, true);
  });

  test('HttpProvider: server that never answers → Provider.Timeout', async () => {
    await assert.rejects(fetchVia(local({ timeoutMs: 300 }), `${srv.base}/slow`), code('Provider.Timeout'));
  });

  test('HttpProvider: context not issued by the kernel → Kernel.Unauthorized', async () => {
    const p = local();
    const resolved = await p.resolve({ action: 'net.http', target: `${srv.base}/hello` });
    const forged = { decision: { effect: 'allow' as const, reason: 'forged', target: resolved.canonicalTarget }, constraint: {} };
    await assert.rejects(p.execute(resolved, forged), code('Kernel.Unauthorized'));
  });

  describe('redirects', () => {
    const policy = () =>
      policyAuthorizer(
        [
          'capabilities:',
          `  - action: net.http`,
          `    resource: "http://127.0.0.1:${srv.port}/ok/**"`,
          `  - action: net.http`,
          `    resource: "http://169.254.169.254/**"`,
        ].join('\n'),
      );

    test('HttpProvider: redirect without an authorize hook → RedirectDenied, target never requested', async () => {
      const before = srv.seen.length;
      await assert.rejects(fetchVia(local(), `${srv.base}/redirect?to=/ok/target`), code('Provider.RedirectDenied'));
      assert.equal(srv.seen.length, before + 1);
    });

    test('HttpProvider: redirect the policy allows → followed as a new decision, hops listed', async () => {
      const judged: string[] = [];
      const authorize = policy();
      const r = await fetchVia(
        local(),
        `${srv.base}/redirect?to=/ok/target`,
        {},
        {
          authorize: (req) => {
            judged.push(req.target);
            return authorize(req);
          },
        },
      );
      assert.equal(r.status, 200);
      assert.deepEqual(judged, [`${srv.base}/ok/target`]);
      assert.deepEqual(r.redirects, [`${srv.base}/ok/target`]);
    });

    test('HttpProvider: redirect the policy denies → RedirectDenied, target never requested', async () => {
      const before = srv.seen.length;
      await assert.rejects(fetchVia(local(), `${srv.base}/redirect?to=/secret`, {}, { authorize: policy() }), code('Provider.RedirectDenied'));
      assert.equal(srv.seen.length, before + 1);
    });

    test('HttpProvider: 303 after POST → next hop is a GET without the body', async () => {
      const r = await fetchVia(
        local(),
        `${srv.base}/redirect?status=303&to=/ok/after`,
        { method: 'POST', body: 'x', headers: { 'content-type': 'text/plain' } },
        { authorize: policy() },
      );
      const echoed = JSON.parse(r.body);
      assert.equal(echoed.method, 'GET');
      assert.equal(echoed.body, '');
    });

    test('HttpProvider: redirect to 169.254.169.254 that the policy allows → AddressRefused before connecting', async () => {
      const asked: string[] = [];
      const p = local({
        resolver: async (host: string) => {
          asked.push(host);
          return ['127.0.0.1'];
        },
      });
      const to = encodeURIComponent('http://169.254.169.254/latest/meta-data/');
      await assert.rejects(
        fetchVia(p, `${srv.base}/redirect?to=${to}`, {}, { authorize: policy() }),
        (e) => hasErrorCode(e, 'Provider.AddressRefused') && (e as { addressClass?: string }).addressClass === 'metadata',
      );
      assert.deepEqual(asked, [], 'an IP literal is never resolved, and no socket was opened for it');
    });

    test('HttpProvider: endless redirects → TooManyRedirects', async () => {
      const loop = `/ok/redirect?to=${encodeURIComponent('/ok/redirect?to=/ok/redirect')}`;
      const p = local({ maxRedirects: 1 });
      await assert.rejects(fetchVia(p, `${srv.base}${loop}`, {}, { authorize: policy() }), code('Provider.TooManyRedirects'));
    });
  });
});
