import { addressBucket, addressBuckets } from './client-address.js';

describe('addressBucket', () => {
  it('keeps an IPv4 address, also written IPv4-mapped', () => {
    expect(addressBucket('203.0.113.7')).toBe('203.0.113.7');
    expect(addressBucket('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressBucket('::FFFF:cb00:7107')).toBe('203.0.113.7');
  });

  it('groups IPv6 addresses by their /64, however they are written', () => {
    expect(addressBucket('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressBucket('2001:0DB8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(addressBucket('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressBucket('::1')).toBe('0:0:0:0::/64');
    expect(addressBucket('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressBucket('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
  });

  it('refuses anything that is not an address', () => {
    expect(() => addressBucket('localhost')).toThrow(TypeError);
  });
});

describe('addressBuckets', () => {
  it('counts an IPv4 address in one bucket', () => {
    expect(addressBuckets('203.0.113.7')).toEqual([{ scope: 'ipv4', bucket: '203.0.113.7' }]);
    expect(addressBuckets('::ffff:203.0.113.7')).toEqual([{ scope: 'ipv4', bucket: '203.0.113.7' }]);
  });

  it('counts an IPv6 address in its /64, /56 and /48, finest first', () => {
    expect(addressBuckets('2001:db8:1:2ab:aaaa::1')).toEqual([
      { scope: 'ipv6/64', bucket: '2001:db8:1:2ab::/64' },
      { scope: 'ipv6/56', bucket: '2001:db8:1:200::/56' },
      { scope: 'ipv6/48', bucket: '2001:db8:1::/48' },
    ]);
  });

  it('puts two /64s of one /56 in one /56 bucket, and two /56s of one /48 in one /48 bucket', () => {
    const [a64, a56, a48] = addressBuckets('2001:db8:7:1200::1');
    const [b64, b56, b48] = addressBuckets('2001:db8:7:12ff::1');
    const [c64, c56, c48] = addressBuckets('2001:db8:7:ff00::1');
    expect(new Set([a64!.bucket, b64!.bucket, c64!.bucket]).size).toBe(3);
    expect(a56).toEqual(b56);
    expect(c56).not.toEqual(a56);
    expect(a48).toEqual(b48);
    expect(c48).toEqual(a48);
    expect(addressBuckets('2001:db8:8::1')[2]).not.toEqual(a48);
  });
});
