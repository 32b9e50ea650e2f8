import type { RedisServer } from '@platform/testing';
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
