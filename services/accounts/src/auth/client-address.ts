import { isIPv4, isIPv6 } from 'node:net';

/** The networks a client address is counted in by the login limits, each with its own budget. */
export type AddressScope = 'ipv4' | 'ipv6/64' | 'ipv6/56' | 'ipv6/48';

export interface AddressBucket {
  readonly scope: AddressScope;
  /** The network as written in Redis key names, e.g. `203.0.113.7` or `2001:db8:1:200::/56`. */
  readonly bucket: string;
}

/**
 * Every bucket one client address is counted in, finest first: an IPv4 address as is (also
 * when written IPv4-mapped, `::ffff:1.2.3.4`); an IPv6 address in its /64 (one client usually
 * holds a whole /64), its /56 and its /48 (a site or a customer of a provider usually holds
 * one of those, and could otherwise rotate through 256 or 65,536 /64 budgets).
 */
export function addressBuckets(address: string): AddressBucket[] {
  if (isIPv4(address)) return [{ scope: 'ipv4', bucket: address }];
  if (!isIPv6(address)) throw new TypeError('not an IP address');
  const hextets = expandIPv6(address);
  const mapped = ipv4Mapped(hextets);
  if (mapped) return [{ scope: 'ipv4', bucket: mapped }];
  const [a, b, c, d] = hextets.map((hextet) => hextet.toString(16));
  return [
    { scope: 'ipv6/64', bucket: `${a}:${b}:${c}:${d}::/64` },
    { scope: 'ipv6/56', bucket: `${a}:${b}:${c}:${(hextets[3]! & 0xff00).toString(16)}::/56` },
    { scope: 'ipv6/48', bucket: `${a}:${b}:${c}::/48` },
  ];
}

/** The finest bucket of a client address: an IPv4 address, or an IPv6 /64. */
export function addressBucket(address: string): string {
  return addressBuckets(address)[0]!.bucket;
}

/** `::ffff:a.b.c.d` in any spelling: the IPv4 address a dual-stack socket reports it as. */
function ipv4Mapped(hextets: number[]): string | undefined {
  if (!hextets.slice(0, 5).every((hextet) => hextet === 0) || hextets[5] !== 0xffff) return undefined;
  return [hextets[6]! >> 8, hextets[6]! & 0xff, hextets[7]! >> 8, hextets[7]! & 0xff].join('.');
}

/** The eight hextets of a valid IPv6 address (`::` expanded, an IPv4 tail as two hextets). */
function expandIPv6(address: string): number[] {
  const withoutZone = address.split('%')[0]!.toLowerCase();
  const [head = '', tail] = withoutZone.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  // An embedded IPv4 tail (::1.2.3.4) takes two hextets.
  const last = right.length > 0 ? right : left;
  const ipv4 = last.at(-1)?.includes('.') ? last.pop()!.split('.').map(Number) : undefined;
  if (ipv4) last.push(((ipv4[0]! << 8) | ipv4[1]!).toString(16), ((ipv4[2]! << 8) | ipv4[3]!).toString(16));
  const zeros = tail === undefined ? [] : Array.from({ length: 8 - left.length - right.length }, () => '0');
  return [...left, ...zeros, ...right].map((hextet) => Number.parseInt(hextet, 16));
}
