/**
 * Resolve once, check every address, connect to the checked one. The host is resolved a
 * single time per hop; if any answer is refused (see net-guard.ts) the hop is refused before
 * a socket exists. The undici `Agent` made here answers its `connect.lookup` with the pinned
 * address only, so a second DNS answer (rebinding) can never be used. TLS still verifies the
 * certificate against the host name (SNI and verification use the name, not the address).
 */
import type { LookupFunction } from 'node:net';
import type { Agent } from 'undici';
import { undici } from './undici-lazy';
import { HostUnresolvedError } from './errors';
import { assertAddressAllowed } from './net-guard';
import { nodeDns, nodeNet } from './net-lazy';

/** Host name → its addresses. Tests inject one; the default asks the system resolver. */
export type Resolver = (host: string) => Promise<readonly string[]>;

/** The system resolver (`getaddrinfo`, all families, in the order returned). */
export const systemResolver: Resolver = async (host) => (await nodeDns().promises.lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);

/**
 * Resolves `host` once and checks every address.
 * @returns the address to connect to (the first answer).
 * @throws AddressRefusedError if any answer is refused; HostUnresolvedError if there is none.
 */
export async function resolveChecked(host: string, resolver: Resolver, allow: readonly string[]): Promise<string> {
  const bare = host.startsWith('[') ? host.slice(1, -1) : host;
  let addresses: readonly string[];
  if (nodeNet().isIP(bare) !== 0) addresses = [bare];
  else {
    try {
      addresses = await resolver(bare);
    } catch (err) {
      throw new HostUnresolvedError(bare, { cause: err });
    }
  }
  if (addresses.length === 0) throw new HostUnresolvedError(bare);
  for (const address of addresses) {
    if (nodeNet().isIP(address) === 0) throw new HostUnresolvedError(bare);
    assertAddressAllowed(bare, address, allow);
  }
  return addresses[0] as string;
}

/**
 * An undici Agent whose every connection goes to `address`, whatever name it is asked for.
 * One Agent per hop; close it when the hop is done.
 */
export function pinnedAgent(address: string, options: { connectTimeoutMs: number }): Agent {
  const family = nodeNet().isIP(address);
  const pinned = address;
  const lookup: LookupFunction = (_hostname, opts, callback) => {
    if (opts.all === true) (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address: pinned, family }]);
    else callback(null, pinned, family);
  };
  return new (undici().Agent)({ connect: { lookup, timeout: options.connectTimeoutMs }, connections: 1, pipelining: 0 });
}
