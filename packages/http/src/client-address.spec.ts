import { clientAddress, clientNetwork, NO_ADDRESS, parseClientAddress } from './client-address.js';

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
