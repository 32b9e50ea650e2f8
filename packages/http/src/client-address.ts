import { isIP } from 'node:net';

/** What clientAddress reads of a Fastify request. */
export interface AddressedRequest {
  /** The client as Fastify's trustProxy sees it: the socket's address, or an X-Forwarded-For entry. */
  readonly ip: string | undefined;
  /** With trustProxy: the socket's address, then each trusted hop, then the client (undefined without trustProxy). */
  readonly ips?: readonly string[] | undefined;
}

/**
 * Returned when a request has no address at all (its socket already closed): one shared
 * bucket, never an exception in the middle of a login.
 */
export const NO_ADDRESS = '0.0.0.0';

/**
 * The client's IP address as the gateway can vouch for it, in one canonical form: what logins,
 * Idempotency-Keys and the admin token's limit count by.
 *
 * Fastify passes on whatever the nearest untrusted X-Forwarded-For entry says, and proxies
 * write it in many ways: `203.0.113.7:51234`, `[2001:db8::1]:443`, `unknown`. A port or
 * brackets are stripped; an entry that is no address at all is replaced by the nearest hop
 * that is one, which is the trusted proxy that wrote it (or, without a proxy, the socket). So
 * an odd header never fails a request, and never lets a client pick a bucket of its own.
 */
export function clientAddress(request: AddressedRequest): string {
  const chain = request.ips ?? (request.ip === undefined ? [] : [request.ip]);
  for (let hop = chain.length - 1; hop >= 0; hop--) {
    const address = parseClientAddress(chain[hop]!);
    if (address !== undefined) return address;
  }
  return NO_ADDRESS;
}

/**
 * One address as a proxy or a socket writes it, in canonical form (IPv4 dotted; IPv6 lower
 * case, compressed as RFC 5952 says, an IPv4-mapped one as its IPv4), or undefined when it is
 * not an address: `[v6]`, `[v6]:port`, `v4:port` and a zone (`%eth0`) are accepted.
 */
export function parseClientAddress(raw: string): string | undefined {
  let value = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(value);
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(value);
  if (bracketed) value = bracketed[1]!;
  else if (v4WithPort) value = v4WithPort[1]!;
  value = value.split('%', 1)[0]!;
  switch (isIP(value)) {
    case 4:
      return value;
    case 6:
      return canonicalIPv6(hextetsOf(value));
    default:
      return undefined;
  }
}

/** The networks a client address is counted in by limits, each with its own budget. */
export type NetworkScope = 'ipv4' | 'ipv6/64' | 'ipv6/56' | 'ipv6/48';

export interface ClientNetwork {
  readonly scope: NetworkScope;
  /** The network in canonical text, as written in Redis key names: `203.0.113.7`, `2001:db8:1:200::/56`. */
  readonly network: string;
}

/**
 * Every network one client address is counted in by limits, finest first: an IPv4 address as
 * is (also when written IPv4-mapped, `::ffff:1.2.3.4`); an IPv6 address in its /64 (one
 * subscriber usually holds a whole /64 and could rotate through it), its /56 and its /48 (a
 * site or a customer of a provider usually holds one of those, and could otherwise rotate
 * through 256 or 65,536 /64 budgets). Throws a TypeError for anything that is not an address.
 */
export function clientNetworks(address: string): ClientNetwork[] {
  const canonical = parseClientAddress(address);
  if (canonical === undefined) throw new TypeError(`not an IP address: ${JSON.stringify(address.slice(0, 64))}`);
  if (isIP(canonical) === 4) return [{ scope: 'ipv4', network: canonical }];
  const [a, b, c, d] = hextetsOf(canonical) as [number, number, number, number];
  return [
    { scope: 'ipv6/64', network: prefix([a, b, c, d], 64) },
    { scope: 'ipv6/56', network: prefix([a, b, c, d & 0xff00], 56) },
    { scope: 'ipv6/48', network: prefix([a, b, c], 48) },
  ];
}

/** `groups` followed by zeros, as RFC 5952 text, then `/length`: `2001:db8:1::/48`. */
function prefix(groups: readonly number[], length: number): string {
  return `${canonicalIPv6([...groups, ...Array<number>(8 - groups.length).fill(0)])}/${length}`;
}

/** The finest network of clientNetworks: an IPv4 address itself, an IPv6 address's /64. */
export function clientNetwork(address: string): string {
  return clientNetworks(address)[0]!.network;
}

/** The 16-bit groups of one side of `::` (an IPv4 tail as two groups). */
function groupsOf(part: string): number[] {
  return (part ? part.split(':') : []).flatMap((group) => {
    if (!group.includes('.')) return [Number.parseInt(group, 16)];
    const [a, b, c, d] = group.split('.').map(Number) as [number, number, number, number];
    return [(a << 8) | b, (c << 8) | d];
  });
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded). */
function hextetsOf(address: string): number[] {
  const [head = '', tail] = address.toLowerCase().split('::');
  const left = groupsOf(head);
  const right = groupsOf(tail ?? '');
  return tail === undefined ? left : [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/** RFC 5952 text of eight groups; an IPv4-mapped address (::ffff:a.b.c.d) as its IPv4. */
function canonicalIPv6(hextets: readonly number[]): string {
  if (hextets.slice(0, 5).every((group) => group === 0) && hextets[5] === 0xffff) {
    return [hextets[6]! >> 8, hextets[6]! & 0xff, hextets[7]! >> 8, hextets[7]! & 0xff].join('.');
  }
  // The longest run of two or more zero groups (the first of equal runs) becomes `::`.
  let best = { start: -1, length: 1 };
  for (let start = 0; start < 8; start++) {
    let length = 0;
    while (start + length < 8 && hextets[start + length] === 0) length++;
    if (length > best.length) best = { start, length };
  }
  const text = hextets.map((group) => group.toString(16));
  if (best.start < 0) return text.join(':');
  return `${text.slice(0, best.start).join(':')}::${text.slice(best.start + best.length).join(':')}`;
}
