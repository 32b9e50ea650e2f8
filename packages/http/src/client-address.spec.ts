import { clientAddress, clientNetwork, clientNetworks, NO_ADDRESS, parseClientAddress } from './client-address.js';

describe('parseClientAddress', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['203.0.113.7:51234', '203.0.113.7'],
    [' 203.0.113.7 ', '203.0.113.7'],
    ['2001:db8::1', '2001:db8::1'],
    ['[2001:db8::1]', '2001:db8::1'],
    ['[2001:db8::1]:443', '2001:db8::1'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['fe80::1%eth0', 'fe80::1'],
    ['::1', '::1'],
    ['::', '::'],
    ['::ffff:203.0.113.9', '203.0.113.9'],
    ['::ffff:cb00:7109', '203.0.113.9'],
    ['[::ffff:203.0.113.9]:80', '203.0.113.9'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2:3:4:5:6'],
  ])('reads %p as %p', (raw, address) => {
    expect(parseClientAddress(raw)).toBe(address);
  });

  it.each(['unknown', '', 'not an address', '203.0.113.7:', '203.0.113.300', '[203.0.113.7]x', '2001:db8::1:443x', '_hidden', '[2001:db8::1'])(
    'finds no address in %p',
    (raw) => {
      expect(parseClientAddress(raw)).toBeUndefined();
    },
  );
});

describe('clientAddress', () => {
  it('takes the client Fastify names, in canonical form', () => {
    expect(clientAddress({ ip: '::ffff:127.0.0.1' })).toBe('127.0.0.1');
    expect(clientAddress({ ip: '203.0.113.7:51234', ips: ['10.0.0.2', '203.0.113.7:51234'] })).toBe('203.0.113.7');
    expect(clientAddress({ ip: '[2001:db8::1]:443', ips: ['10.0.0.2', '[2001:db8::1]:443'] })).toBe('2001:db8::1');
  });

  it('falls back on the nearest hop that is an address when the client entry is not one', () => {
    expect(clientAddress({ ip: 'unknown', ips: ['127.0.0.1', 'unknown'] })).toBe('127.0.0.1');
    expect(clientAddress({ ip: 'garbage', ips: ['127.0.0.1', '10.0.0.3', 'garbage'] })).toBe('10.0.0.3');
    expect(clientAddress({ ip: undefined })).toBe(NO_ADDRESS);
  });
});

describe('clientNetwork', () => {
  it('counts an IPv4 client by its address and an IPv6 one by its /64', () => {
    expect(clientNetwork('203.0.113.7')).toBe('203.0.113.7');
    expect(clientNetwork('2001:db8:aa:bb:1:2:3:4')).toBe('2001:db8:aa:bb::/64');
    expect(clientNetwork('2001:db8::1')).toBe('2001:db8::/64');
  });
});

describe('clientNetworks', () => {
  it('counts an IPv4 address in one network, also when written IPv4-mapped', () => {
    expect(clientNetworks('203.0.113.7')).toEqual([{ scope: 'ipv4', network: '203.0.113.7' }]);
    expect(clientNetworks('::ffff:203.0.113.7')).toEqual([{ scope: 'ipv4', network: '203.0.113.7' }]);
    expect(clientNetworks('::FFFF:cb00:7107')).toEqual([{ scope: 'ipv4', network: '203.0.113.7' }]);
  });

  it('counts an IPv6 address in its /64, /56 and /48, finest first, however it is written', () => {
    const networks = [
      { scope: 'ipv6/64', network: '2001:db8:1:2ab::/64' },
      { scope: 'ipv6/56', network: '2001:db8:1:200::/56' },
      { scope: 'ipv6/48', network: '2001:db8:1::/48' },
    ];
    expect(clientNetworks('2001:db8:1:2ab:aaaa::1')).toEqual(networks);
    expect(clientNetworks('2001:0DB8:0001:02AB:ffff:ffff:ffff:ffff')).toEqual(networks);
    expect(clientNetworks('2001:db8:1:2ab::1%eth0')[0]!.network).toBe('2001:db8:1:2ab::/64');
    expect(clientNetworks('::1')[0]!.network).toBe('::/64');
    expect(clientNetworks('64:ff9b::192.0.2.1')[0]!.network).toBe('64:ff9b::/64');
  });

  it('puts two /64s of one /56 in one /56, and two /56s of one /48 in one /48', () => {
    const [a64, a56, a48] = clientNetworks('2001:db8:7:1200::1');
    const [b64, b56, b48] = clientNetworks('2001:db8:7:12ff::1');
    const [c64, c56, c48] = clientNetworks('2001:db8:7:ff00::1');
    expect(new Set([a64!.network, b64!.network, c64!.network]).size).toBe(3);
    expect(a56).toEqual(b56);
    expect(c56).not.toEqual(a56);
    expect(a48).toEqual(b48);
    expect(c48).toEqual(a48);
    expect(clientNetworks('2001:db8:8::1')[2]).not.toEqual(a48);
  });

  it('refuses anything that is not an address', () => {
    expect(() => clientNetworks('localhost')).toThrow(TypeError);
    expect(() => clientNetwork('unknown')).toThrow(TypeError);
  });
});
