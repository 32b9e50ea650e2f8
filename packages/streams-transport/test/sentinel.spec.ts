import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestMicroservice } from '@nestjs/common';
import { freePort, ManagedProcess, RedisServer, waitFor } from '@platform/testing';
import { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { StreamsClient } from '../src/index.js';
import { eventsKey } from './fixtures/work.controller.js';
import { startServer } from './support/harness.js';

/** One Sentinel (redis-server --sentinel) watching `primary`, on its own port and directory. */
async function startSentinel(primary: RedisServer): Promise<{ port: number; process: ManagedProcess; dir: string }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sentinel-test-'));
  const config = join(dir, 'sentinel.conf');
  writeFileSync(config, [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, `sentinel monitor mymaster 127.0.0.1 ${primary.port} 1`, ''].join('\n'));
  const sentinel = ManagedProcess.spawn(process.env.REDIS_SERVER_BIN ?? 'redis-server', [config, '--sentinel']);
  const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  probe.on('error', () => undefined);
  try {
    await waitFor('the sentinel to know the primary', async () => {
      if (sentinel.hasExited) throw new Error(`sentinel exited:\n${sentinel.output.tail()}`);
      if (probe.status !== 'ready') await probe.connect().catch(() => undefined);
      const address = (await probe.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'mymaster').catch(() => null)) as string[] | null;
      return address?.[1] === String(primary.port);
    });
  } finally {
    probe.disconnect();
  }
  return { port, process: sentinel, dir };
}

describe('behind Redis Sentinel', () => {
  let primary: RedisServer;
  let sentinel: Awaited<ReturnType<typeof startSentinel>>;
  let app: INestMicroservice;
  let client: StreamsClient;

  beforeAll(async () => {
    primary = await RedisServer.start();
    sentinel = await startSentinel(primary);
  });

  afterAll(async () => {
    await client?.close();
    await app?.close();
    await sentinel?.process.stop('SIGKILL');
    if (sentinel) rmSync(sentinel.dir, { recursive: true, force: true });
    await primary?.destroy();
  });

  it('finds the primary through Sentinel for requests and events', async () => {
    // The URL's host is unreachable on purpose: only the Sentinel route can work.
    const redis = { url: 'redis://127.0.0.1:1', sentinels: [{ host: '127.0.0.1', port: sentinel.port }], sentinelName: 'mymaster' };
    app = await startServer({ redisUrl: primary.url, service: 'work', replica: 'r1', delayMs: 0 }, { redis });
    client = new StreamsClient({ redis, name: 'caller' });

    await expect(lastValueFrom(client.send('work.do', { id: 'via-sentinel' }))).resolves.toEqual({ id: 'via-sentinel', replica: 'r1' });
    await lastValueFrom(client.emit('work.happened', { id: 'via-sentinel' }), { defaultValue: undefined });
    const probe = primary.client();
    try {
      await waitFor('the event', async () => (await probe.hget(eventsKey('work'), 'via-sentinel')) === '1');
      expect(await probe.exists('streams:rpc:work.do', 'streams:event:work.happened')).toBe(2);
    } finally {
      probe.disconnect();
    }
  });
});
