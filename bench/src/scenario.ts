import type { RedisServer } from '@platform/testing';
import type { NatsServer } from './nats-server.js';
import type { ScenarioResult } from './results.js';
import type { BenchSettings, ScenarioId } from './settings.js';

export interface ScenarioContext {
  settings: BenchSettings;
  /** The run's own redis-server. */
  redis: RedisServer;
  /** Its process id, to count its CPU time. */
  redisPid: number;
  /** A Redis database of its own for each stack, so stacks never see each other's keys or streams. */
  allocateDb(): number;
  /**
   * The run's own nats-server, started on first call (only scenarios with a NATS variant pay
   * for it), or why there is none: those variants are then skipped with that reason.
   */
  nats(): Promise<NatsServer | { missing: string }>;
  log(message: string): void;
}

export type ScenarioOutcome = Omit<ScenarioResult, 'id' | 'title' | 'durationS'>;

export interface Scenario {
  id: ScenarioId;
  title: string;
  run(context: ScenarioContext): Promise<ScenarioOutcome>;
}

/** What a scenario answers when something it needs does not exist (yet). */
export function skipped(reason: string): ScenarioOutcome {
  return { status: 'skipped', reason, figures: {}, extra: {}, tables: [], notes: [], targets: [] };
}
