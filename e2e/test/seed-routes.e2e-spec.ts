import { waitFor, scrapeMetric } from '@platform/testing';
import { type Platform, startPlatform } from './platform.js';

const RPC_TIMEOUT_MS = 1_500;

// Redis Streams is the default; Nest's own Redis transport stays selectable by config and the
// seed routes keep their meaning on both.
describe.each(['redis-streams', 'redis'])('seed routes through the gateway over %s (real Redis, every service a real process)', (transport) => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await startPlatform({ env: { RPC_TRANSPORT: transport } });
  }, 60_000);

  afterAll(async () => {
    await platform?.stop();
  });

  it('GET /test answers from legacy over TCP', async () => {
    const { status, body } = await platform.request('/test');
    expect(status).toBe(200);
    expect(body).toMatchObject({ transport: 'tcp', service: 'legacy' });
  });

  it('GET /test1 answers from catalog over Redis', async () => {
    const { status, body } = await platform.request('/test1');
    expect(status).toBe(200);
    expect(body).toMatchObject({ transport, service: 'catalog' });
  });

  it('GET /test2 publishes an event that every subscribed service receives', async () => {
    const before = await Promise.all(['catalog', 'accounts', 'notifications'].map((name) => receivedPings(name)));
    const { status, body } = await platform.request('/test2');
    expect(status).toBe(202);
    expect(body).toMatchObject({ event: 'seed.ping', id: expect.any(String) });
    for (const [i, name] of ['catalog', 'accounts', 'notifications'].entries()) {
      await waitFor(`${name} to receive the event`, async () => (await receivedPings(name)) === before[i]! + 1);
      // Logs are written asynchronously: the line may land a moment after the metric.
      await waitFor(`${name} to log the event`, () => platform.services.get(name).logs().includes(`received seed.ping ${body.id}`));
    }
  });

  it('answers unknown routes with a JSON 404', async () => {
    const { status, body } = await platform.request('/does-not-exist');
    expect(status).toBe(404);
    expect(body).toEqual({ statusCode: 404, error: 'Not Found', message: 'Cannot GET /does-not-exist' });
  });

  it('serves health and Prometheus metrics labelled by route template', async () => {
    expect((await platform.request('/health/live')).status).toBe(200);
    expect((await platform.request('/health/ready')).body).toMatchObject({ status: 'ok', details: { redis: { status: 'up' } } });
    const metrics = (await platform.request('/metrics')).body as string;
    expect(metrics).toContain('process_cpu_user_seconds_total');
    expect(metrics).toMatch(/http_server_request_duration_seconds_count\{service="gateway",method="GET",route="\/test1",status_code="200"\} \d+/);
    expect(metrics).toContain('route="unmatched"');
    expect(metrics).not.toContain('/does-not-exist');
  });

  it('answers 503 within the timeout while Redis is down, and recovers without a restart', async () => {
    const pids = [...platform.services.services.values()].map((service) => service.process.pid);
    await platform.redis.kill();
    // Once the gateway has seen the connection drop: a request sent in the instant of the
    // crash may already be on the dead socket, and its honest answer is 504 (outcome unknown).
    await waitFor('the gateway to see Redis gone', async () => (await platform.request('/health/ready')).status === 503, { timeoutMs: 5_000, intervalMs: 20 });

    const started = Date.now();
    const { status, body } = await platform.request('/test1');
    expect(status).toBe(503);
    expect(Date.now() - started).toBeLessThan(RPC_TIMEOUT_MS);
    expect(body).toMatchObject({ statusCode: 503, error: 'Service Unavailable', message: expect.stringMatching(/Redis/) });
    expect((await platform.request('/test2')).status).toBe(503);
    const ready = await platform.request('/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.message).toMatch(/redis/);
    expect((await platform.request('/health/live')).status).toBe(200);
    // TCP to legacy does not need Redis.
    expect((await platform.request('/test')).status).toBe(200);

    await platform.redis.start();
    await waitFor('/test1 to answer again', async () => (await platform.request('/test1')).status === 200, { timeoutMs: 15_000 });
    await waitFor('readiness to recover', async () => (await platform.request('/health/ready')).status === 200);
    // Subscriptions were restored: the event reaches catalog again.
    const before = await receivedPings('catalog');
    expect((await platform.request('/test2')).status).toBe(202);
    await waitFor('catalog to receive an event after the outage', async () => (await receivedPings('catalog')) > before);
    expect([...platform.services.services.values()].map((service) => service.process.pid)).toEqual(pids);
  });

  it('answers 503 when legacy is down and 200 again once it is back', async () => {
    const legacy = platform.services.get('legacy');
    await legacy.stop();
    const { status, body } = await platform.request('/test');
    expect(status).toBe(503);
    expect(body.message).toMatch(/^legacy is unavailable/);

    platform.services.set('legacy', await legacy.respawn());
    await waitFor('/test to answer again', async () => (await platform.request('/test')).status === 200);
  });

  it('answers 504 within the timeout when catalog does not answer', async () => {
    await platform.services.get('catalog').stop();
    const started = Date.now();
    const { status, body } = await platform.request('/test1');
    expect(status).toBe(504);
    expect(Date.now() - started).toBeLessThan(RPC_TIMEOUT_MS + 1_000);
    // The call waited what was left of the request's budget: a hair under RPC_TIMEOUT_MS.
    const waited = Number(/^catalog did not answer catalog\.hello within (\d+) ms$/.exec(body.message)?.[1]);
    expect(waited).toBeGreaterThan(RPC_TIMEOUT_MS - 500);
    expect(waited).toBeLessThanOrEqual(RPC_TIMEOUT_MS);
  });

  it('stops cleanly on SIGTERM with exit code 0', async () => {
    const exit = await platform.gateway.stop('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
  });

  function receivedPings(name: string): Promise<number> {
    return scrapeMetric(platform.services.get(name).url, 'rpc_server_duration_seconds_count', {
      pattern: 'seed.ping',
      kind: 'event',
      outcome: 'ok',
    });
  }
});

describe('startup with a bad environment', () => {
  it('exits 1 and names every bad key, without echoing values', async () => {
    const { ServiceProcess } = await import('@platform/testing');
    const gateway = await ServiceProcess.start('gateway', {
      env: { REDIS_URL: 'http://user:leaked-password@host', LEGACY_TCP_PORT: 'seventy', RPC_TIMEOUT_MS: '-1' },
      waitFor: 'nothing',
    });
    const exit = await gateway.process.exited;
    expect(exit.code).toBe(1);
    const output = gateway.logs();
    expect(output).toContain('Invalid configuration');
    for (const key of ['REDIS_URL', 'LEGACY_TCP_PORT', 'RPC_TIMEOUT_MS']) expect(output).toContain(`${key}:`);
    expect(output).not.toContain('leaked-password');
  });
});
