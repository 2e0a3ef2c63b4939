import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hasErrorCode } from '../../src/errors';
import { HttpProvider } from '../../src/providers/http';
import { fetchVia, startServer, type TestServer } from './http-fixture';

/**
 * DNS rebinding without leaving loopback: 127.0.0.2 stands in for the public address the
 * operator allows, 127.0.0.1 for the internal service the second DNS answer points at.
 */
describe('HttpProvider DNS', () => {
  let outside: TestServer;
  let internal: TestServer;
  before(async () => {
    outside = await startServer('127.0.0.2');
    internal = await startServer('127.0.0.1', outside.port);
  });
  after(async () => {
    await outside.close();
    await internal.close();
  });

  test('HttpProvider: host answering allowed-then-loopback → resolved once, connects to the checked address only', async () => {
    const answers = [['127.0.0.2'], ['127.0.0.1']];
    const asked: string[] = [];
    const p = new HttpProvider({
      allowAddresses: ['127.0.0.2'],
      resolver: (host) => {
        asked.push(host);
        return Promise.resolve(answers.shift() ?? []);
      },
    });
    const r = await fetchVia(p, `http://rebind.test:${outside.port}/who`);
    assert.equal(r.headers['x-served-by'], '127.0.0.2');
    assert.deepEqual(asked, ['rebind.test']);
    assert.equal(JSON.parse(r.body).headers.host, `rebind.test:${outside.port}`);
    assert.equal(internal.seen.length, 0);
    // The next request asks DNS again and gets the loopback answer: refused before connecting.
    await assert.rejects(fetchVia(p, `http://rebind.test:${outside.port}/who`), (e) => hasErrorCode(e, 'Provider.AddressRefused'));
    assert.equal(internal.seen.length, 0);
  });

  test('HttpProvider: one answer mixing a public and a loopback address → refused before connecting', async () => {
    const p = new HttpProvider({ resolver: () => Promise.resolve(['93.184.216.34', '127.0.0.1']) });
    await assert.rejects(
      fetchVia(p, `http://mixed.test:${outside.port}/`),
      (e) => hasErrorCode(e, 'Provider.AddressRefused') && (e as { address?: string }).address === '127.0.0.1',
    );
    assert.equal(internal.seen.length, 0);
  });

  for (const [address, cls] of [
    ['169.254.169.254', 'metadata'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['10.0.0.5', 'private'],
    ['fd00::1', 'unique-local'],
    ['100.64.1.1', 'cgnat'],
    ['::1', 'loopback'],
  ] as const) {
    test(`HttpProvider: host resolving to ${address} → AddressRefused (${cls})`, async () => {
      const p = new HttpProvider({ resolver: () => Promise.resolve([address]) });
      await assert.rejects(
        fetchVia(p, 'http://name.test/'),
        (e) => hasErrorCode(e, 'Provider.AddressRefused') && (e as { addressClass?: string }).addressClass === cls,
      );
    });
  }

  test('HttpProvider: IP literal in a mapped IPv6 spelling → classified by the IPv4 it carries', async () => {
    await assert.rejects(fetchVia(new HttpProvider(), 'http://[::ffff:127.0.0.1]/'), (e) => hasErrorCode(e, 'Provider.AddressRefused'));
  });

  test('HttpProvider: host that does not resolve → HostUnresolved', async () => {
    const p = new HttpProvider({ resolver: () => Promise.reject(new Error('ENOTFOUND')) });
    await assert.rejects(fetchVia(p, 'http://nowhere.test/'), (e) => hasErrorCode(e, 'Provider.HostUnresolved'));
  });
});
