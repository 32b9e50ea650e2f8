import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { RedisModule } from '@platform/redis';
import { RedisServer, waitFor } from '@platform/testing';
import { HealthModule, ReadinessState, RedisReadiness } from '../src/index.js';

describe('health routes against a real Redis', () => {
  let redis: RedisServer;
  let app: NestFastifyApplication;
  let base: string;

  beforeAll(async () => {
    redis = await RedisServer.start();
    @Module({
      imports: [
        RedisModule.forRoot({ settings: { url: redis.url }, clientName: 'health-spec' }),
        HealthModule.forRoot({ readiness: [RedisReadiness] }),
      ],
    })
    class SpecModule {}
    app = await NestFactory.create<NestFastifyApplication>(SpecModule, new FastifyAdapter(), { logger: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = await app.getUrl();
  });

  afterAll(async () => {
    await app?.close();
    await redis?.destroy();
  });

  // A real socket: Fastify's inject needs require(esm) for a dependency, which jest lacks on Node 20.
  const get = async (path: string) => {
    const response = await fetch(`${base}${path}`);
    const body: any = await response.json();
    return { statusCode: response.status, json: () => body };
  };

  it('is live and ready while Redis answers', async () => {
    expect((await get('/health/live')).statusCode).toBe(200);
    const ready = await get('/health/ready');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ok', details: { redis: { status: 'up' } } });
  });

  it('stays live but turns unready while Redis is down, then recovers on its own', async () => {
    await redis.kill();
    const ready = await get('/health/ready');
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ statusCode: 503, message: expect.stringMatching(/^not ready: redis/), details: { redis: { status: 'down' } } });
    expect((await get('/health/live')).statusCode).toBe(200);

    await redis.start();
    await waitFor('readiness to recover', async () => (await get('/health/ready')).statusCode === 200);
  });

  it('turns unready first when the service starts shutting down', async () => {
    app.get(ReadinessState).markDraining();
    const ready = await get('/health/ready');
    expect(ready.statusCode).toBe(503);
    expect(ready.json().message).toBe('not ready: the service is shutting down');
    expect((await get('/health/live')).statusCode).toBe(200);
  });
});
