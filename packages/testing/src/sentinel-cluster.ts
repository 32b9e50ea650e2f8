import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './ports.js';
import { ManagedProcess } from './processes.js';
import { RedisServer } from './redis-server.js';
import { waitFor } from './wait.js';

export interface SentinelClusterOptions {
  /** Replicas of the primary (default 1). */
  replicas?: number;
  /** Sentinel processes (default 3); the quorum is a majority of them. */
  sentinels?: number;
  /** The monitored name (default `mymaster`, REDIS_SENTINEL_NAME's default). */
  masterName?: string;
  /** How long the primary must be unreachable before it is considered down (default 1000). */
  downAfterMs?: number;
  /** Sentinel's failover-timeout (default 10000). */
  failoverTimeoutMs?: number;
}

/** A running `redis-server --sentinel` process. */
export interface Sentinel {
  port: number;
  process: ManagedProcess;
  dir: string;
}

interface Address {
  host: string;
  port: number;
}

/** A short-lived client that neither retries nor keeps the test process alive. */
function probe(port: number): Redis {
  const client = new Redis(port, '127.0.0.1', { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 1_000 });
  client.on('error', () => undefined);
  return client;
}

async function withProbe<T>(port: number, use: (client: Redis) => Promise<T>): Promise<T> {
  const client = probe(port);
  try {
    await client.connect();
    return await use(client);
  } finally {
    client.disconnect();
  }
}

/**
 * A Redis primary, its replicas and a quorum of Sentinels, all real processes on loopback
 * ports, ready for a failover: every Sentinel knows every other one and the replicas are in
 * sync before `start` resolves (otherwise a failover could not be authorized or promoted).
 */
export class SentinelCluster {
  private constructor(
    readonly masterName: string,
    /** The primary the cluster started with (after a failover it is no longer the primary). */
    readonly initialPrimary: RedisServer,
    readonly replicas: RedisServer[],
    readonly sentinels: Sentinel[],
  ) {}

  static async start(options: SentinelClusterOptions = {}): Promise<SentinelCluster> {
    const masterName = options.masterName ?? 'mymaster';
    const primary = await RedisServer.start();
    const replicas: RedisServer[] = [];
    const sentinels: Sentinel[] = [];
    try {
      for (let i = 0; i < (options.replicas ?? 1); i++) {
        replicas.push(await RedisServer.start({ args: ['--replicaof', '127.0.0.1', String(primary.port)] }));
      }
      const count = options.sentinels ?? 3;
      const quorum = Math.floor(count / 2) + 1;
      for (let i = 0; i < count; i++) sentinels.push(await startSentinel(primary.port, masterName, quorum, options));
      const cluster = new SentinelCluster(masterName, primary, replicas, sentinels);
      await cluster.waitUntilReadyForFailover();
      return cluster;
    } catch (error) {
      await Promise.all(sentinels.map((sentinel) => sentinel.process.stop('SIGKILL')));
      await Promise.all([primary, ...replicas].map((server) => server.destroy()));
      throw error;
    }
  }

  /** `127.0.0.1:<port>,...`: the value of REDIS_SENTINELS. */
  get sentinelAddresses(): string {
    return this.sentinels.map((sentinel) => `127.0.0.1:${sentinel.port}`).join(',');
  }

  /** Every data node, whatever its current role. */
  get servers(): RedisServer[] {
    return [this.initialPrimary, ...this.replicas];
  }

  /** The primary as the first Sentinel that answers reports it. */
  async primaryAddress(): Promise<Address> {
    for (const sentinel of this.sentinels) {
      if (sentinel.process.hasExited) continue;
      const reply = await withProbe(sentinel.port, (client) => client.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.masterName)).catch(() => null);
      if (Array.isArray(reply) && reply.length === 2) return { host: String(reply[0]), port: Number(reply[1]) };
    }
    throw new Error('no Sentinel answered GET-MASTER-ADDR-BY-NAME');
  }

  /** The data node that currently is the primary, per Sentinel. */
  async primary(): Promise<RedisServer> {
    const { port } = await this.primaryAddress();
    const server = this.servers.find((candidate) => candidate.port === port);
    if (!server) throw new Error(`Sentinel reports an unknown primary on port ${port}`);
    return server;
  }

  /** Waits until every live Sentinel reports a primary other than `formerPort`, and it accepts writes. */
  async waitForNewPrimary(formerPort: number, timeoutMs = 30_000): Promise<RedisServer> {
    return waitFor(`Sentinel to promote a new primary (was ${formerPort})`, async () => {
      const ports = new Set<number>();
      for (const sentinel of this.sentinels.filter((candidate) => !candidate.process.hasExited)) {
        const reply = await withProbe(sentinel.port, (client) => client.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', this.masterName));
        ports.add(Number((reply as string[])[1]));
      }
      const [port] = [...ports];
      if (ports.size !== 1 || port === formerPort) return undefined;
      const server = this.servers.find((candidate) => candidate.port === port);
      if (!server) return undefined;
      const role = await withProbe(server.port, (client) => client.call('ROLE'));
      return Array.isArray(role) && role[0] === 'master' ? server : undefined;
    }, { timeoutMs, intervalMs: 100 });
  }

  /** Stops every process and removes their directories. */
  async destroy(): Promise<void> {
    await Promise.all(this.sentinels.map((sentinel) => sentinel.process.stop('SIGKILL')));
    for (const sentinel of this.sentinels) rmSync(sentinel.dir, { recursive: true, force: true });
    await Promise.all(this.servers.map((server) => server.destroy()));
  }

  /** Every Sentinel sees the other Sentinels and the replicas, and the replicas are in sync. */
  private async waitUntilReadyForFailover(): Promise<void> {
    const others = this.sentinels.length - 1;
    await waitFor('the Sentinels to know each other and the replicas', async () => {
      for (const sentinel of this.sentinels) {
        if (sentinel.process.hasExited) throw new Error(`a sentinel exited:\n${sentinel.process.output.tail()}`);
        const known = await withProbe(sentinel.port, async (client) => ({
          sentinels: (await client.call('SENTINEL', 'SENTINELS', this.masterName)) as unknown[],
          replicas: (await client.call('SENTINEL', 'REPLICAS', this.masterName)) as unknown[],
        }));
        if (known.sentinels.length < others || known.replicas.length < this.replicas.length) return false;
      }
      for (const replica of this.replicas) {
        const info = await withProbe(replica.port, (client) => client.info('replication'));
        if (!info.includes('master_link_status:up')) return false;
      }
      return true;
    }, { timeoutMs: 30_000, intervalMs: 200 });
  }
}

async function startSentinel(primaryPort: number, masterName: string, quorum: number, options: SentinelClusterOptions): Promise<Sentinel> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'sentinel-test-'));
  const config = join(dir, 'sentinel.conf');
  // Sentinel rewrites its config file with what it learns, so it lives in its own directory.
  writeFileSync(config, [
    `port ${port}`,
    'bind 127.0.0.1',
    `dir ${dir}`,
    `sentinel monitor ${masterName} 127.0.0.1 ${primaryPort} ${quorum}`,
    `sentinel down-after-milliseconds ${masterName} ${options.downAfterMs ?? 1_000}`,
    `sentinel failover-timeout ${masterName} ${options.failoverTimeoutMs ?? 10_000}`,
    `sentinel parallel-syncs ${masterName} 1`,
    '',
  ].join('\n'));
  const process = ManagedProcess.spawn(globalThis.process.env.REDIS_SERVER_BIN ?? 'redis-server', [config, '--sentinel']);
  await waitFor(`sentinel on port ${port}`, async () => {
    if (process.hasExited) throw new Error(`sentinel exited:\n${process.output.tail()}`);
    const reply = await withProbe(port, (client) => client.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', masterName)).catch(() => null);
    return Array.isArray(reply) && reply[1] === String(primaryPort);
  }, { timeoutMs: 10_000, intervalMs: 100 });
  return { port, process, dir };
}
