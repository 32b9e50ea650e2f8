import { connect } from 'node:net';
import { findNatsServer, LazyNatsServer, locateNatsServer, NatsServer, versionFromInfo } from './nats-server.js';

/** A file system where only `paths` are executable. */
const only =
  (...paths: string[]) =>
  (path: string) =>
    paths.includes(path);

describe('locateNatsServer', () => {
  it('takes NATS_SERVER_BIN when set, and says so when it is not executable', () => {
    expect(locateNatsServer({ NATS_SERVER_BIN: '/opt/nats', PATH: '/usr/bin' }, only('/opt/nats', '/usr/bin/nats-server'))).toEqual({
      binary: '/opt/nats',
    });
    const wrong = locateNatsServer({ NATS_SERVER_BIN: '/opt/nats', PATH: '/usr/bin' }, only('/usr/bin/nats-server'));
    expect(wrong).toEqual({ missing: expect.stringContaining('NATS_SERVER_BIN=/opt/nats') });
  });

  it('looks on PATH first, then where Debian installs it', () => {
    expect(locateNatsServer({ PATH: '/a:/b' }, only('/b/nats-server', '/usr/sbin/nats-server'))).toEqual({ binary: '/b/nats-server' });
    expect(locateNatsServer({ PATH: '/a:/b' }, only('/usr/sbin/nats-server'))).toEqual({ binary: '/usr/sbin/nats-server' });
  });

  it('says how to install it when there is none', () => {
    const lookup = locateNatsServer({ PATH: '/a' }, only());
    expect(lookup).toEqual({ missing: expect.stringContaining('apt-get install nats-server') });
  });
});

describe('versionFromInfo', () => {
  it('reads the version from the INFO line a server greets with, and nothing else', () => {
    expect(versionFromInfo('INFO {"server_id":"X","version":"2.9.10","proto":1}\r\n')).toBe('2.9.10');
    expect(versionFromInfo('-ERR nope\r\n')).toBeUndefined();
    expect(versionFromInfo('INFO {not json\r\n')).toBeUndefined();
    expect(versionFromInfo('')).toBeUndefined();
  });
});

describe('LazyNatsServer', () => {
  it('reports a missing nats-server as a reason, not an error', async () => {
    const lazy = new LazyNatsServer({ NATS_SERVER_BIN: '/nonexistent/nats-server' });
    await expect(lazy.get()).resolves.toEqual({ missing: expect.stringContaining('/nonexistent/nats-server') });
    await lazy.stop();
  });

  // The real server, where this machine has one (the bench skips its NATS variants elsewhere,
  // and nats-server is not among the prerequisites of `make test`).
  const lookup = findNatsServer();
  if ('binary' in lookup) {
    it('starts a nats-server on a free port that greets clients, once, and stops it', async () => {
      const lazy = new LazyNatsServer();
      const server = await lazy.get();
      expect(server).toBeInstanceOf(NatsServer);
      expect(await lazy.get()).toBe(server);
      const { port, version } = server as NatsServer;
      expect(version).toMatch(/^\d+\.\d+\.\d+/);
      expect(await accepts(port)).toBe(true);
      await lazy.stop();
      expect(await accepts(port)).toBe(false);
    });
  } else {
    it.todo(`starts a real nats-server (${lookup.missing})`);
  }
});

/** Whether something accepts connections on 127.0.0.1:`port`. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
