/**
 * Only public addresses are fetched unless the run allows private ones: a URL list must not
 * reach the Lambda's own metadata service (169.254.169.254), a VPC's private hosts or loopback.
 * The check runs in the socket's DNS lookup, so the address checked is the address connected to
 * (a second resolution cannot answer differently), on the first request and on every redirect;
 * IP-literal hosts, which skip the lookup, are checked before the request. ipaddr.js classifies
 * addresses (IPv4-mapped IPv6 included) rather than a hand-written list of ranges.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** Set by `vlmflow run --allow-private-network` (tests, private mirrors). */
export const ALLOW_PRIVATE_ENV = 'VLMFLOW_ALLOW_PRIVATE_NETWORK';

export function privateNetworkAllowed(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[ALLOW_PRIVATE_ENV] === '1';
}

export class PrivateAddressError extends Error {
  override readonly name = 'PrivateAddressError';
  readonly code = 'EVLMFLOW_PRIVATE_ADDRESS';
}

/** Why an address may not be fetched (its ipaddr.js range), or undefined for a public one. */
export function forbiddenRange(address: string): string | undefined {
  if (!ipaddr.isValid(address)) return 'not an IP address';
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  const range = parsed.range();
  return range === 'unicast' ? undefined : range;
}

/** A host that is an IP literal (`[::1]` included) and not public; undefined otherwise. */
export function forbiddenLiteral(hostname: string): string | undefined {
  const bare = hostname.replace(/^\[|\]$/g, '');
  if (isIP(bare) === 0) return undefined;
  const range = forbiddenRange(bare);
  return range === undefined ? undefined : `${bare} is a ${range} address`;
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** A `lookup` for net/tls connect that fails on non-public answers. */
export function guardedLookup(
  hostname: string,
  options: LookupOptions,
  callback: LookupCallback,
): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, []);
    const bad = addresses.find((a) => forbiddenRange(a.address) !== undefined);
    if (bad) {
      const range = forbiddenRange(bad.address)!;
      return callback(
        new PrivateAddressError(`${hostname} resolves to ${bad.address}, a ${range} address`),
        [],
      );
    }
    if (options.all) return callback(null, addresses);
    const first = addresses[0]!;
    callback(null, first.address, first.family);
  });
}
