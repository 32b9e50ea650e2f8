import { Inject, Injectable } from '@nestjs/common';
import type { PlatformConfig } from '@platform/contracts';
import { REDIS } from '@platform/redis';
import type { Redis } from 'ioredis';
import { type ConfigDocument, DEFAULT_DOCUMENT, InvalidConfigError, parseStoredDocument, validateConfig } from './config-document.js';
import { CONFIG_CHANNEL, CONFIG_KEY } from './live-config.constants.js';

/**
 * Writes the document only if nobody wrote since it was read (compare-and-set on the
 * version), bumps the version and publishes it, all in one atomic step: a reader never sees
 * a document without its version, and no signal goes out for a write that did not happen.
 * Returns the new version, or -1 when the expected version is stale.
 */
const WRITE_IF_VERSION = `
local current = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
if current ~= tonumber(ARGV[1]) then return -1 end
local next = current + 1
redis.call('HSET', KEYS[1], 'version', next, 'document', ARGV[2])
redis.call('PUBLISH', ARGV[3], next)
return next
`;

/** Another writer kept winning the compare-and-set: the caller may try again. */
export class ConfigConflictError extends Error {
  constructor() {
    super('the configuration changed concurrently several times; try again');
    this.name = 'ConfigConflictError';
  }
}

type ScriptedRedis = Redis & {
  platformConfigWriteIfVersion(key: string, expected: number, document: string, channel: string): Promise<number>;
};

const MAX_ATTEMPTS = 5;

/**
 * Reads and writes the central configuration document (`GET/PUT /admin/config`). Every
 * write is validated as a whole against PlatformConfig before anything is written, so an
 * invalid change leaves Redis untouched; running services pick a write up through LiveConfig.
 */
@Injectable()
export class LiveConfigStore {
  private readonly redis: ScriptedRedis;

  constructor(@Inject(REDIS) redis: Redis) {
    // defineCommand runs the script by its SHA (EVALSHA) and loads it again after a restart.
    redis.defineCommand('platformConfigWriteIfVersion', { numberOfKeys: 1, lua: WRITE_IF_VERSION });
    this.redis = redis as ScriptedRedis;
  }

  /** The stored document, or version 0 with the defaults when none was written yet. */
  async read(): Promise<ConfigDocument> {
    const [version, document] = await this.redis.hmget(CONFIG_KEY, 'version', 'document');
    return parseStoredDocument(version ?? null, document ?? null);
  }

  /** Just the stored version (one small read: the periodic check that repairs a missed signal). */
  async readVersion(): Promise<number> {
    return Number((await this.redis.hget(CONFIG_KEY, 'version')) ?? 0);
  }

  /**
   * Sets the given keys, keeping the others; the result is validated as a whole.
   * Throws InvalidConfigError (nothing written) or ConfigConflictError.
   */
  update(changes: Readonly<Record<string, unknown>>): Promise<ConfigDocument> {
    return this.write((current) => ({ ...current, ...changes }));
  }

  /** Replaces the whole document: absent keys take their defaults. */
  replace(document: unknown): Promise<ConfigDocument> {
    return this.write(() => document);
  }

  private async write(next: (current: Readonly<PlatformConfig>) => unknown): Promise<ConfigDocument> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await this.readForWrite();
      const values = validateConfig(next(current.values));
      const version = await this.redis.platformConfigWriteIfVersion(CONFIG_KEY, current.version, JSON.stringify(values), CONFIG_CHANNEL);
      if (version >= 0) return Object.freeze({ version, values });
    }
    throw new ConfigConflictError();
  }

  /** A stored document this build cannot read is replaced by a write, from the defaults up. */
  private async readForWrite(): Promise<ConfigDocument> {
    try {
      return await this.read();
    } catch (error) {
      if (!(error instanceof InvalidConfigError)) throw error;
      return { version: await this.readVersion(), values: DEFAULT_DOCUMENT.values };
    }
  }
}
