import { type ManagedProcess, RedisServer } from '@platform/testing';
import type { Redis } from 'ioredis';
import { type ReplicaEnv, spawnReplica, untilConsuming } from './harness.js';

/** A replica's env but for what RedisWithReplicas gives every replica: its Redis and its name. */
export type ReplicaSettings = Omit<ReplicaEnv, 'REDIS_URL' | 'REPLICA'>;

/**
 * The setup of the tests that run replica processes (test/fixtures/replica.ts): one real Redis
 * for a describe block, a client (`probe`) to read what the transport wrote, and the replicas
 * started against it. Nothing runs before start(); stop() ends the replicas first, while
 * their Redis is still there to shut down against, then the probe and Redis.
 *
 *   const setup = new RedisWithReplicas();
 *   beforeAll(() => setup.start());
 *   afterAll(() => setup.stop());
 */
export class RedisWithReplicas {
  private server: RedisServer | undefined;
  private client: Redis | undefined;
  /** Every replica started and not yet stopped by stopReplicas(), in start order. */
  readonly replicas: ManagedProcess[] = [];

  async start(): Promise<void> {
    this.server = await RedisServer.start();
    this.client = this.server.client();
  }

  get redis(): RedisServer {
    if (!this.server) throw new Error('RedisWithReplicas: call start() first (in beforeAll)');
    return this.server;
  }

  get probe(): Redis {
    if (!this.client) throw new Error('RedisWithReplicas: call start() first (in beforeAll)');
    return this.client;
  }

  /** Starts a replica without waiting for it (one that is meant to crash, say). */
  spawnReplica(name: string, settings: ReplicaSettings = {}): ManagedProcess {
    // Kept before it is waited for: a replica that never gets ready is still stopped.
    const replica = spawnReplica({ ...settings, REDIS_URL: this.redis.url, REPLICA: name });
    this.replicas.push(replica);
    return replica;
  }

  /** Starts one replica per name, all with the same settings, and waits until each consumes. */
  async startReplicas(names: readonly string[], settings: ReplicaSettings = {}): Promise<ManagedProcess[]> {
    const started = names.map((name) => this.spawnReplica(name, settings));
    await Promise.all(started.map((replica, i) => untilConsuming(replica, names[i]!)));
    return started;
  }

  /** Stops every replica still running (for tests that each want their own). */
  async stopReplicas(): Promise<void> {
    await Promise.all(this.replicas.splice(0).map((replica) => replica.stop()));
  }

  async stop(): Promise<void> {
    await this.stopReplicas();
    this.client?.disconnect();
    await this.server?.destroy();
  }
}
