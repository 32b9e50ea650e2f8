import { connectionOptionsFromUrl, reconnectDelay, redisOptions } from './index.js';

describe('redis options', () => {
  it('takes user, password and db from the URL, decoded', () => {
    expect(connectionOptionsFromUrl({ url: 'redis://app%40x:p%3Ass@redis.internal:6380/2' })).toEqual({
      username: 'app@x',
      password: 'p:ss',
      db: 2,
      host: 'redis.internal',
      port: 6380,
    });
  });

  it('turns rediss:// into TLS with SNI', () => {
    expect(connectionOptionsFromUrl({ url: 'rediss://h:6379' }).tls).toEqual({ servername: 'h' });
  });

  it('asks Sentinel for the primary when sentinels are given', () => {
    const options = connectionOptionsFromUrl({
      url: 'redis://:pw@ignored:1',
      sentinels: [{ host: 's1', port: 26379 }],
      sentinelName: 'primary',
    });
    expect(options).toMatchObject({ sentinels: [{ host: 's1', port: 26379 }], name: 'primary', role: 'master', password: 'pw' });
    expect(options.host).toBeUndefined();
  });

  it('speaks TLS to Sentinel as well as to the primary with rediss:// and sentinels', () => {
    const options = connectionOptionsFromUrl({ url: 'rediss://:pw@redis:6379', sentinels: [{ host: 's1', port: 26379 }] });
    expect(options).toMatchObject({ tls: { servername: 'redis' }, sentinelTLS: {}, enableTLSForSentinelMode: true });
    expect(connectionOptionsFromUrl({ url: 'redis://:pw@redis:6379', sentinels: [{ host: 's1', port: 26379 }] }).sentinelTLS).toBeUndefined();
  });

  it('fails fast on the request path and waits on blocking connections', () => {
    expect(redisOptions({ url: 'redis://h' }, 'command', 'gateway')).toMatchObject({
      maxRetriesPerRequest: 1,
      commandTimeout: 2_000,
      connectionName: 'gateway:command',
    });
    const blocking = redisOptions({ url: 'redis://h' }, 'blocking', 'worker');
    expect(blocking.maxRetriesPerRequest).toBeNull();
    expect(blocking.commandTimeout).toBeUndefined();
  });

  it('never gives up reconnecting, and caps the delay', () => {
    for (const attempt of [1, 5, 50, 10_000]) {
      const delay = reconnectDelay(attempt);
      expect(delay).toBeGreaterThan(0);
      expect(delay).toBeLessThanOrEqual(2_400);
    }
  });
});
