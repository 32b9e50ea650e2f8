import { isIPv4, isIPv6 } from 'node:net';

/**
 * What one client address counts as for login limits: an IPv4 address as is (also when
 * written IPv4-mapped, `::ffff:1.2.3.4`), an IPv6 address by its /64 network, because one
 * IPv6 client usually holds a whole /64 and could otherwise rotate through it.
 */
export function addressBucket(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped && isIPv4(mapped[1]!)) return mapped[1]!;
  if (isIPv4(address)) return address;
  if (!isIPv6(address)) throw new TypeError('not an IP address');
  return `${expandIPv6(address).slice(0, 4).join(':')}::/64`;
}

/** The eight hextets of an IPv6 address, without leading zeros (`::` expanded). */
function expandIPv6(address: string): string[] {
  const withoutZone = address.split('%')[0]!.toLowerCase();
  const [head = '', tail] = withoutZone.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  // An embedded IPv4 tail (::1.2.3.4) takes two hextets.
  const last = right.length > 0 ? right : left;
  const ipv4 = last.at(-1)?.includes('.') ? last.pop()!.split('.').map(Number) : undefined;
  if (ipv4) last.push(((ipv4[0]! << 8) | ipv4[1]!).toString(16), ((ipv4[2]! << 8) | ipv4[3]!).toString(16));
  const zeros = tail === undefined ? [] : Array.from({ length: 8 - left.length - right.length }, () => '0');
  return [...left, ...zeros, ...right].map((hextet) => Number.parseInt(hextet, 16).toString(16));
}
