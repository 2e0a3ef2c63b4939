/**
 * Address classification for net.http: every address a host resolves to is classified, and
 * only `public` addresses are reachable unless the operator opts a specific address in.
 * IPv4 embedded in IPv6 (mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`)
 * is classified by the IPv4 address it carries, so `::ffff:169.254.169.254` is metadata.
 */
import type { BlockList } from 'node:net';
import { AddressRefusedError } from './errors';
import { nodeNet } from './net-lazy';

/** The classes an address can fall into; everything except `public` is refused by default. */
export const AddressClass = {
  Public: 'public',
  Metadata: 'metadata',
  Loopback: 'loopback',
  Private: 'private',
  LinkLocal: 'link-local',
  Cgnat: 'cgnat',
  UniqueLocal: 'unique-local',
  Unspecified: 'unspecified',
  Multicast: 'multicast',
  Reserved: 'reserved',
} as const;
export type AddressClass = (typeof AddressClass)[keyof typeof AddressClass];

type Range = readonly [string, number];
const V4: ReadonlyArray<readonly [AddressClass, readonly Range[]]> = [
  [
    AddressClass.Metadata,
    [
      ['169.254.169.254', 32],
      ['169.254.170.2', 32],
      ['100.100.100.200', 32],
      ['168.63.129.16', 32],
    ],
  ],
  [AddressClass.Unspecified, [['0.0.0.0', 8]]],
  [AddressClass.Loopback, [['127.0.0.0', 8]]],
  [
    AddressClass.Private,
    [
      ['10.0.0.0', 8],
      ['172.16.0.0', 12],
      ['192.168.0.0', 16],
    ],
  ],
  [AddressClass.LinkLocal, [['169.254.0.0', 16]]],
  [AddressClass.Cgnat, [['100.64.0.0', 10]]],
  [AddressClass.Multicast, [['224.0.0.0', 4]]],
  [
    AddressClass.Reserved,
    [
      ['192.0.0.0', 24],
      ['192.0.2.0', 24],
      ['198.51.100.0', 24],
      ['203.0.113.0', 24],
      ['198.18.0.0', 15],
      ['240.0.0.0', 4],
    ],
  ],
];
const V6: ReadonlyArray<readonly [AddressClass, readonly Range[]]> = [
  [AddressClass.Metadata, [['fd00:ec2::254', 128]]],
  [AddressClass.Unspecified, [['::', 128]]],
  [AddressClass.Loopback, [['::1', 128]]],
  [AddressClass.UniqueLocal, [['fc00::', 7]]],
  [AddressClass.LinkLocal, [['fe80::', 10]]],
  [
    AddressClass.Private,
    [
      ['fec0::', 10],
      ['64:ff9b:1::', 48],
    ],
  ],
  [AddressClass.Multicast, [['ff00::', 8]]],
  [
    AddressClass.Reserved,
    [
      ['::', 96],
      ['100::', 64],
      ['2001::', 32],
      ['2001:db8::', 32],
      ['2001:10::', 28],
    ],
  ],
];

function compile(table: typeof V4, type: 'ipv4' | 'ipv6'): ReadonlyArray<readonly [AddressClass, BlockList]> {
  return table.map(([cls, ranges]) => {
    const list = new (nodeNet().BlockList)();
    for (const [net, prefix] of ranges) list.addSubnet(net, prefix, type);
    return [cls, list] as const;
  });
}
/** The block lists, built on the first address classified (node:net loads then, not on import). */
let compiled: { readonly ipv4: ReturnType<typeof compile>; readonly ipv6: ReturnType<typeof compile> } | undefined;
function blockLists(): NonNullable<typeof compiled> {
  compiled ??= { ipv4: compile(V4, 'ipv4'), ipv6: compile(V6, 'ipv6') };
  return compiled;
}

/** The 8 hextets of an IPv6 address (already validated by `isIP`). */
function hextets(ip: string): number[] {
  const host = new URL(`http://[${ip}]/`).hostname.slice(1, -1); // WHATWG normalises dotted tails to hex
  const [head = '', tail] = host.split('::');
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((h) => parseInt(h, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

function v4From(high: number, low: number): string {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/**
 * Canonical text of an IP address: dotted IPv4 (also for IPv4 embedded in IPv6 as mapped,
 * NAT64 or 6to4), compressed lower-case IPv6 otherwise.
 * @throws TypeError when `ip` is not an IP address.
 */
export function normalizeAddress(ip: string): string {
  const bracketless = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  const bare = bracketless.split('%')[0] ?? bracketless; // drop an IPv6 zone id (fe80::1%eth0)
  const family = nodeNet().isIP(bare);
  if (family === 4) return bare;
  if (family !== 6) throw new TypeError(`not an IP address: ${JSON.stringify(ip)}`);
  const h = hextets(bare);
  const zeros = (from: number, to: number): boolean => h.slice(from, to).every((x) => x === 0);
  if (zeros(0, 5) && h[5] === 0xffff) return v4From(h[6] ?? 0, h[7] ?? 0);
  if (h[0] === 0x64 && h[1] === 0xff9b && zeros(2, 6)) return v4From(h[6] ?? 0, h[7] ?? 0);
  if (h[0] === 0x2002) return v4From(h[1] ?? 0, h[2] ?? 0);
  return new URL(`http://[${bare}]/`).hostname.slice(1, -1);
}

/**
 * Classifies an IP address.
 * @example
 * classifyAddress('169.254.169.254'); // 'metadata'
 * classifyAddress('::ffff:127.0.0.1'); // 'loopback'
 * classifyAddress('93.184.216.34'); // 'public'
 */
export function classifyAddress(ip: string): AddressClass {
  const normal = normalizeAddress(ip);
  const v4 = nodeNet().isIP(normal) === 4;
  for (const [cls, list] of blockLists()[v4 ? 'ipv4' : 'ipv6']) {
    if (list.check(normal, v4 ? 'ipv4' : 'ipv6')) return cls;
  }
  return AddressClass.Public;
}

/**
 * Refuses a non-public address unless `allow` names exactly that address (compared in
 * normalised form, so `::ffff:127.0.0.1` matches an opt-in of `127.0.0.1`).
 * @throws AddressRefusedError naming the host, the address and its class.
 */
export function assertAddressAllowed(host: string, ip: string, allow: readonly string[]): void {
  const cls = classifyAddress(ip);
  if (cls === AddressClass.Public) return;
  const normal = normalizeAddress(ip);
  if (allow.some((a) => normalizeAddress(a) === normal)) return;
  throw new AddressRefusedError(host, normal, cls);
}
