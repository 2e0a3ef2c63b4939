import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hasErrorCode } from '../../src/errors';
import { assertAddressAllowed, classifyAddress, normalizeAddress } from '../../src/providers/net-guard';

describe('net-guard', () => {
  const table: ReadonlyArray<readonly [string, string]> = [
    ['169.254.169.254', 'metadata'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::ffff:a9fe:a9fe', 'metadata'],
    ['fd00:ec2::254', 'metadata'],
    ['100.100.100.200', 'metadata'],
    ['168.63.129.16', 'metadata'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['64:ff9b::7f00:1', 'loopback'],
    ['2002:7f00:1::', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.0.1', 'private'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['192.0.2.1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['8.8.8.8', 'public'],
    ['172.32.0.1', 'public'],
    ['100.128.0.1', 'public'],
    ['2606:4700:4700::1111', 'public'],
  ];
  for (const [address, cls] of table) {
    test(`classifyAddress: ${address} → ${cls}`, () => {
      assert.equal(classifyAddress(address), cls);
    });
  }

  test('normalizeAddress: mapped, bracketed and upper-case IPv6 → one spelling', () => {
    assert.equal(normalizeAddress('::FFFF:7F00:0001'), '127.0.0.1');
    assert.equal(normalizeAddress('[::1]'), '::1');
    assert.equal(normalizeAddress('2001:DB8:0:0::1'), '2001:db8::1');
  });

  test('normalizeAddress: not an address → TypeError', () => {
    assert.throws(() => normalizeAddress('example.com'), TypeError);
  });

  test('assertAddressAllowed: opted-in address in another spelling → allowed; others refused', () => {
    assert.doesNotThrow(() => assertAddressAllowed('h', '::ffff:127.0.0.1', ['127.0.0.1']));
    assert.doesNotThrow(() => assertAddressAllowed('h', '8.8.8.8', []));
    assert.throws(
      () => assertAddressAllowed('h', '127.0.0.2', ['127.0.0.1']),
      (e) => hasErrorCode(e, 'Provider.AddressRefused'),
    );
  });
});
