import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import type { Redis } from 'ioredis';

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  redis: string;
  /** The nats-server version, when a scenario started one. */
  nats?: string;
  loadAverageAtStart: number[];
  loadAverageAtEnd?: number[];
  /** Share of the CPUs busy (with anything) over the second before the run started. */
  cpuBusyBeforeStart: number | undefined;
}

function cpuModel(): string {
  const model = cpus()[0]?.model?.trim() ?? 'unknown';
  try {
    // Virtual machines often report a bare family name; /proc/cpuinfo may say more.
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const mhz = /cpu MHz\s*:\s*([\d.]+)/.exec(info)?.[1];
    return mhz ? `${model} @ ${Math.round(Number(mhz))} MHz` : model;
  } catch {
    return model;
  }
}

/** What the figures were measured on. */
export async function describeMachine(redis: Redis): Promise<Machine> {
  const info = await redis.info('server');
  const redisVersion = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  return {
    cpuModel: cpuModel(),
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${type()} ${release()}`,
    node: process.version,
    redis: redisVersion,
    loadAverageAtStart: loadavg().map((value) => Math.round(value * 100) / 100),
    cpuBusyBeforeStart: await cpuBusy(1_000),
  };
}

function cpuTimes(): { idle: number; total: number } | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal
    const idle = fields[3]! + (fields[4] ?? 0);
    return { idle, total: fields.slice(0, 8).reduce((sum, value) => sum + value, 0) };
  } catch {
    return undefined;
  }
}

/** How busy the machine's CPUs were over `windowMs` (0..1), from /proc/stat; undefined elsewhere. */
export async function cpuBusy(windowMs: number): Promise<number | undefined> {
  const before = cpuTimes();
  await new Promise((resolve) => setTimeout(resolve, windowMs));
  const after = cpuTimes();
  if (!before || !after || after.total === before.total) return undefined;
  return 1 - (after.idle - before.idle) / (after.total - before.total);
}
