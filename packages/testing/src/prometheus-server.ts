import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';
import { ManagedProcess } from './processes.js';
import { waitFor } from './wait.js';

export interface PrometheusSample {
  metric: Record<string, string>;
  value: [number, string];
}

function requireBinary(binary: string, installHint: string): void {
  try {
    execFileSync(binary, ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error(`${binary} was not found: ${installHint}`);
  }
}

/** A real Prometheus (Debian's `prometheus`) with a given config, on a free port. */
export class PrometheusServer {
  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly process: ManagedProcess,
  ) {}

  /** Starts Prometheus with `config` (YAML text) and waits until it is ready. */
  static async start(config: string, { extraFiles = {} }: { extraFiles?: Record<string, string> } = {}): Promise<PrometheusServer> {
    requireBinary('prometheus', 'install it (Debian/Ubuntu: sudo apt-get install prometheus)');
    const dir = mkdtempSync(join(tmpdir(), 'prometheus-test-'));
    writeFileSync(join(dir, 'prometheus.yml'), config);
    for (const [name, content] of Object.entries(extraFiles)) writeFileSync(join(dir, name), content);
    const port = await freePort();
    const process = ManagedProcess.spawn('prometheus', [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ]);
    const server = new PrometheusServer(port, dir, process);
    await waitFor('prometheus to be ready', async () => {
      if (process.hasExited) throw new Error(`prometheus exited:\n${process.output.tail()}`);
      return (await fetch(`${server.url}/-/ready`).catch(() => undefined))?.ok;
    }, { timeoutMs: 20_000, intervalMs: 200 });
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** An instant query through the HTTP API; throws on a query error. */
  async query(expr: string): Promise<PrometheusSample[]> {
    const response = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await response.json()) as { status: string; error?: string; data?: { resultType: string; result: PrometheusSample[] | [number, string] } };
    if (body.status !== 'success') throw new Error(`query failed: ${expr}: ${body.error}`);
    const result = body.data?.result ?? [];
    // A scalar query answers [time, value]; present it like a vector of one sample.
    return body.data?.resultType === 'scalar' ? [{ metric: {}, value: result as [number, string] }] : (result as PrometheusSample[]);
  }

  /** The health of every scrape target, by job. */
  async targets(): Promise<Array<{ job: string; health: string; lastError: string; scrapeUrl: string }>> {
    const body = (await (await fetch(`${this.url}/api/v1/targets`)).json()) as {
      data: { activeTargets: Array<{ labels: Record<string, string>; health: string; lastError: string; scrapeUrl: string }> };
    };
    return body.data.activeTargets.map((target) => ({
      job: target.labels.job ?? '',
      health: target.health,
      lastError: target.lastError,
      scrapeUrl: target.scrapeUrl,
    }));
  }

  async destroy(): Promise<void> {
    await this.process.stop('SIGTERM');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Debian's prometheus-redis-exporter (or redis_exporter) in front of a test Redis. */
export class RedisExporter {
  private constructor(
    readonly port: number,
    private readonly process: ManagedProcess,
  ) {}

  static async start(redisUrl: string): Promise<RedisExporter> {
    const binary = ['prometheus-redis-exporter', 'redis_exporter'].find((candidate) => {
      try {
        execFileSync(candidate, ['--version'], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    });
    if (!binary) throw new Error('redis_exporter was not found: install it (Debian/Ubuntu: sudo apt-get install prometheus-redis-exporter)');
    const port = await freePort();
    const process = ManagedProcess.spawn(binary, [`--redis.addr=${redisUrl}`, `--web.listen-address=127.0.0.1:${port}`]);
    const exporter = new RedisExporter(port, process);
    await waitFor('redis_exporter to answer', async () => {
      if (process.hasExited) throw new Error(`redis_exporter exited:\n${process.output.tail()}`);
      return (await fetch(`http://127.0.0.1:${port}/metrics`).catch(() => undefined))?.ok;
    });
    return exporter;
  }

  get target(): string {
    return `127.0.0.1:${this.port}`;
  }

  async destroy(): Promise<void> {
    await this.process.stop('SIGTERM');
  }
}
