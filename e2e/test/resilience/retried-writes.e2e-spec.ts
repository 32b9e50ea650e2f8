import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { CatalogRpc } from '@contracts/catalog';
import { RedisMonitor, ServiceProcess, tally, waitFor, within } from '@platform/testing';
import type { Redis } from 'ioredis';
import { type Platform, startPlatform } from '../platform.js';
import { ADMIN, ADMIN_TOKEN, JSON_BODY } from '../shop.js';
import { pidOf, reportFigure, replicasOf } from './support.js';

const CREATE_STREAM = `streams:rpc:${CatalogRpc.createProduct.pattern}`;
/** Longer than the services' Redis command timeout (2 s), below Redis' busy threshold (5 s). */
const BLOCK_MS = 2_500;

interface Answer {
  status: number;
  body: any;
  headers: Headers;
}

/** `POST /products` as the admin with an Idempotency-Key, to the gateway at `gateway`. */
async function createWith(gateway: string, key: string, product: object): Promise<Answer> {
  const response = await fetch(`${gateway}/products`, {
    method: 'POST',
    headers: { ...ADMIN, ...JSON_BODY, 'idempotency-key': key },
    body: JSON.stringify(product),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

/**
 * Sends `POST /products` with `key` until an answer says what happened (not 409 "still in
 * progress", 503 "nothing was done", 504 "outcome unknown"), as a client that retries with the
 * same Idempotency-Key does; returns every answer.
 */
async function createUntilSettled(gateway: string, key: string, product: object): Promise<Answer[]> {
  const answers: Answer[] = [];
  const deadline = Date.now() + 30_000;
  for (;;) {
    const answer = await createWith(gateway, key, product);
    answers.push(answer);
    if (![409, 503, 504].includes(answer.status) || Date.now() > deadline) return answers;
    await sleep(250);
  }
}

/** The ids of the stored products named `name`: "exactly one was created" is read in catalog's store. */
async function productsNamed(redis: Redis, name: string): Promise<string[]> {
  const ids: string[] = [];
  for (const key of await redis.keys('catalog:product:*')) {
    if ((await redis.hget(key, 'name')) === name) ids.push(key.slice('catalog:product:'.length));
  }
  return ids;
}

/** The catalog consumer (`<hostname>-<pid>`) that holds the one pending createProduct request. */
async function holderOf(redis: Redis): Promise<string> {
  return waitFor('a catalog replica to be handed the request', async () => {
    const summary = (await redis.xpending(CREATE_STREAM, 'catalog')) as [number, unknown, unknown, Array<[string, string]> | null];
    return summary[3]?.[0]?.[0];
  }, { timeoutMs: 5_000 }).catch(async (error: Error) => {
    throw new Error(`${error.message}; stream length ${await redis.xlen(CREATE_STREAM)}, consumers ${JSON.stringify(await redis.xinfo('CONSUMERS', CREATE_STREAM, 'catalog'))}`);
  });
}

/**
 * Resolves once a catalog replica starts a blocked read of the createProduct stream that lasts
 * at least `minBlockMs` (seen under MONITOR). A replica frozen right then still waits in Redis
 * for the next request, so Redis hands the request to it. Frozen at a random moment, every
 * replica's block may already have ended (each ends at the next take-over, every 1.7 s, and the
 * replicas keep in step after a stall), leaving the request in the stream with no holder.
 */
async function freshBlockedRead(redisUrl: string, minBlockMs: number): Promise<void> {
  let started!: () => void;
  const blockedReadStarted = new Promise<void>((resolve) => (started = resolve));
  const monitor = await RedisMonitor.start(redisUrl, ({ args }) => {
    const block = args.findIndex((arg) => arg.toUpperCase() === 'BLOCK');
    if (args[0]?.toUpperCase() !== 'XREADGROUP' || !args.includes(CREATE_STREAM) || block < 0) return;
    if (Number(args[block + 1]) >= minBlockMs) started();
  });
  try {
    await within('a catalog replica to start a blocked read', blockedReadStarted, 10_000);
  } finally {
    monitor.stop();
  }
}

/**
 * Faults in the middle of a write, and a client that retries it with its Idempotency-Key:
 * whatever the first answer was, every retry ends with the same product, and catalog holds
 * exactly one. The route's call to catalog carries a request id derived from the key, so a
 * retry after a 504 sends the same request, which catalog answers from memory (or, when the
 * first never ran, runs once); a product's id comes from that request id, so even a run
 * repeated after a replica died mid-way writes the same product.
 */
describe('a write retried with its Idempotency-Key through faults (real Redis, every service a real process)', () => {
  let platform: Platform;
  let redis: Redis;
  let patientGateway: ServiceProcess | undefined;

  beforeAll(async () => {
    platform = await startPlatform({ gatewayEnv: { ADMIN_TOKEN, RPC_TIMEOUT_MS: '1500' }, replicas: { catalog: 3 } });
    redis = platform.redis.client();
  }, 120_000);

  afterAll(async () => {
    await patientGateway?.stop();
    redis?.disconnect();
    await platform?.stop();
  });

  it('creates one product when Redis stalls past the command timeout during the request, whatever the first answer', async () => {
    const firstAnswers: number[] = [];
    // The stall starts at a different point of the request each time: before the key is
    // claimed, around the request to catalog, or while catalog writes and replies.
    for (const offsetMs of [0, 1, 2, 3, 5, 8, 13]) {
      const product = { name: `Stalled ${randomUUID()}`, price: 9, stock: 1 };
      const key = randomUUID();
      const first = createWith(platform.gateway.url, key, product);
      await sleep(offsetMs);
      const stall = platform.redis.block(BLOCK_MS);
      const firstAnswer = await first;
      await stall;
      firstAnswers.push(firstAnswer.status);
      expect([201, 409, 503, 504]).toContain(firstAnswer.status);

      const retries = await createUntilSettled(platform.gateway.url, key, product);
      const settled = retries.at(-1)!;
      expect({ offsetMs, answers: retries.map((answer) => answer.status) }).toEqual({ offsetMs, answers: [...retries.slice(0, -1).map((answer) => answer.status), 201] });
      const created = await productsNamed(redis, product.name);
      expect({ offsetMs, created }).toEqual({ offsetMs, created: [settled.body.id] });
      if (firstAnswer.status === 201) expect(firstAnswer.body).toEqual(settled.body);
      // And the key keeps answering with that product.
      const again = await createUntilSettled(platform.gateway.url, key, product);
      expect(again.at(-1)).toMatchObject({ status: 201, body: settled.body });
    }
    reportFigure('Redis stalled 2.5 s during POST /products with a key', `first answers ${JSON.stringify(tally(firstAnswers, (status) => status))}; every key settled on one product`);
  }, 180_000);

  it('creates one product when the catalog replica holding the request is SIGKILLed: the retry after the 504 returns it', async () => {
    const product = { name: `Orphaned ${randomUUID()}`, price: 12, stock: 3 };
    const key = randomUUID();
    // The 1.5 s deadline passes before the survivor could take the request over (after 5 s).
    const firstAnswer = await whileHolderKilled(() => createWith(platform.gateway.url, key, product));
    expect(firstAnswer.status).toBe(504);
    const retries = await createUntilSettled(platform.gateway.url, key, product);
    expect(retries.at(-1)!.status).toBe(201);
    const { body } = retries.at(-1)!;
    expect(await productsNamed(redis, product.name)).toEqual([body.id]);

    // The dead replica's entry is taken over once idle (5 s) and dropped as expired: still one.
    await waitFor('the dead replica\'s request to be taken over', async () => (await redis.xpending(CREATE_STREAM, 'catalog'))[0] === 0, { timeoutMs: 20_000 });
    expect(await productsNamed(redis, product.name)).toEqual([body.id]);
    expect((await createUntilSettled(platform.gateway.url, key, product)).at(-1)).toMatchObject({ status: 201, body });
    reportFigure('catalog replica SIGKILLed holding POST /products (1.5 s deadline)', `first answer 504, then ${retries.map((answer) => answer.status).join(', ')}; one product`);
  }, 120_000);

  it('creates one product when the catalog replica holding the request is SIGKILLed: another replica takes it over and answers', async () => {
    patientGateway = await ServiceProcess.start('gateway', { env: { ...platform.gatewayEnv, RPC_TIMEOUT_MS: '10000' } });
    const product = { name: `Taken over ${randomUUID()}`, price: 7, stock: 2 };
    const key = randomUUID();
    const started = Date.now();
    const firstAnswer = await whileHolderKilled(() => createWith(patientGateway!.url, key, product));
    const answeredAfterMs = Date.now() - started;
    expect(firstAnswer.status).toBe(201);
    // Answered by the survivor once the dead replica's entry was idle for the claim delay (5 s).
    expect(answeredAfterMs).toBeGreaterThan(4_000);
    expect(await productsNamed(redis, product.name)).toEqual([firstAnswer.body.id]);
    const retry = await createWith(patientGateway.url, key, product);
    expect(retry).toMatchObject({ status: 201, body: firstAnswer.body });
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    reportFigure('catalog replica SIGKILLed holding POST /products (10 s deadline)', `201 after ${answeredAfterMs} ms (taken over); one product`);
  }, 120_000);

  /**
   * Runs `send` while every catalog replica is frozen (SIGSTOP), one of them just after it began
   * a blocked read, so Redis hands the request to it; kills that one (SIGKILL) with the request in hand, thaws
   * the others, and resolves with what `send` answered.
   */
  async function whileHolderKilled<T>(send: () => Promise<T>): Promise<T> {
    const replicas = replicasOf(platform.services, 'catalog').filter((replica) => !replica.process.hasExited);
    await freshBlockedRead(platform.redis.url, 1_000);
    for (const replica of replicas) replica.pause();
    let victim: (typeof replicas)[number] | undefined;
    try {
      const answer = send();
      const holder = await holderOf(redis);
      victim = replicas.find((replica) => `${hostname()}-${pidOf(replica)}` === holder);
      if (!victim) throw new Error(`no catalog replica is the consumer ${holder}`);
      await victim.kill();
      for (const replica of replicas) if (replica !== victim) replica.resume();
      return await answer;
    } finally {
      if (!victim) for (const replica of replicas) replica.resume();
    }
  }
});
