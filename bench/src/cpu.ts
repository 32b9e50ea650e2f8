import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/**
 * CPU time (user + system, ms) the processes `pids` have used so far, from /proc/<pid>/stat;
 * undefined where /proc is not available. On a machine shared with other work, CPU time per
 * request is the figure other processes disturb least: they steal wall time, not CPU time.
 */
export function cpuTimeMs(pids: readonly number[]): number | undefined {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // The command name (field 2) may contain spaces: count fields after its closing parenthesis.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      return undefined;
    }
  }
  return (ticks / clockTicks()) * 1_000;
}

/** Measures the CPU time `pids` use between start() and stop(). */
export class CpuMeter {
  private startedAt: Array<number | undefined> = [];
  private stoppedAt: Array<number | undefined> = [];

  constructor(private readonly pids: readonly number[]) {}

  start(): void {
    this.startedAt = this.pids.map((pid) => cpuTimeMs([pid]));
  }

  /** CPU ms all the processes used since start(), or NaN when unknown. */
  stop(): number {
    this.stoppedAt = this.pids.map((pid) => cpuTimeMs([pid]));
    return this.each().reduce((sum, ms) => sum + ms, 0);
  }

  /** CPU ms of each process between start() and stop(), in the order of `pids` (NaN when unknown). */
  each(): number[] {
    return this.pids.map((_, i) => {
      const [from, to] = [this.startedAt[i], this.stoppedAt[i]];
      return from === undefined || to === undefined ? Number.NaN : to - from;
    });
  }
}

/**
 * Waits until `pids` together use less than `maxShare` of one core over `sampleMs` (work
 * left over from the previous window, e.g. requests still queued, would otherwise load the
 * next one); gives up quietly after `timeoutMs`.
 */
export async function waitForIdle(pids: readonly number[], { maxShare = 0.1, sampleMs = 200, timeoutMs = 15_000 } = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const meter = new CpuMeter(pids);
    meter.start();
    await new Promise((resolve) => setTimeout(resolve, sampleMs));
    const used = meter.stop();
    if (!Number.isFinite(used) || used < maxShare * sampleMs) return;
  }
}
