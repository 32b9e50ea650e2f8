import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigSection } from '@platform/contracts';
import { REDIS } from '@platform/redis';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { type ConfigDocument, ConfigSchema, type ConfigValues, InvalidConfigError, type RegisteredSection } from './config-document.js';
import { CONFIG_CHANNEL, CONFIG_KEY, CONFIG_SECTIONS_KEY, configSectionKey } from './live-config.constants.js';

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

/** The document as stored: its version and JSON (null when none was written). */
export interface StoredDocument {
  readonly version: number;
  readonly document: string | null;
}

/**
 * Reads and writes the central configuration document (`GET/PUT /admin/config`) and the
 * registry of its sections. Every write is validated as a whole against the sections that
 * running services registered, before anything is written, so an invalid change leaves Redis
 * untouched; running services pick a write up through LiveConfig.
 *
 * Stored values of a section no running service registers (its services are stopped, or
 * removed) are kept as they are by an update and shown by read(), but cannot be changed: a
 * service that is down for a while finds its settings when it comes back.
 */
@Injectable()
export class LiveConfigStore {
  private readonly logger = new Logger(LiveConfigStore.name);
  private readonly redis: ScriptedRedis;
  /** The last assembled schema and the registrations it was built from. */
  private cached: { source: string; schema: ConfigSchema } | undefined;

  constructor(@Inject(REDIS) redis: Redis) {
    // defineCommand runs the script by its SHA (EVALSHA) and loads it again after a restart.
    redis.defineCommand('platformConfigWriteIfVersion', { numberOfKeys: 1, lua: WRITE_IF_VERSION });
    this.redis = redis as ScriptedRedis;
  }

  /**
   * The stored document against every registered section: their keys validated, with their
   * defaults when absent, and the stored keys of other sections as they are. Version 0 with
   * the defaults when none was written yet.
   */
  async read(): Promise<ConfigDocument> {
    const [schema, stored] = await Promise.all([this.registeredSchema(), this.readStored()]);
    return readDocument(schema, stored);
  }

  /** The version and JSON as stored, unvalidated (each service validates them against its own sections). */
  async readStored(): Promise<StoredDocument> {
    const [version, document] = await this.redis.hmget(CONFIG_KEY, 'version', 'document');
    return version === null || version === undefined ? { version: 0, document: null } : { version: Number(version), document: document ?? null };
  }

  /** Just the stored version (one small read: the periodic check that repairs a missed signal). */
  async readVersion(): Promise<number> {
    return Number((await this.redis.hget(CONFIG_KEY, 'version')) ?? 0);
  }

  /**
   * Sets the given keys, keeping the others; the result is validated as a whole against the
   * registered sections (a key of no registered section is refused).
   * Throws InvalidConfigError (nothing written) or ConfigConflictError.
   */
  update(changes: Readonly<Record<string, unknown>>): Promise<ConfigDocument> {
    return this.write((schema, current) => {
      const others = Object.fromEntries(Object.entries(current).filter(([key]) => !schema.has(key) && !Object.hasOwn(changes, key)));
      const known = Object.fromEntries(Object.entries(current).filter(([key]) => schema.has(key)));
      return { candidate: { ...known, ...changes }, others };
    });
  }

  /** Replaces the whole document: absent keys take their defaults, keys of unregistered sections are dropped. */
  replace(document: unknown): Promise<ConfigDocument> {
    return this.write(() => ({ candidate: document, others: {} }));
  }

  /**
   * Registers `sections` as read by `service` for `ttlSeconds` (the caller renews them): their
   * JSON Schema is what the admin API validates their keys with.
   */
  async registerSections(service: string, sections: readonly ConfigSection[], ttlSeconds: number): Promise<void> {
    if (sections.length === 0) return;
    const multi = this.redis.multi();
    for (const section of sections) {
      const registered = { service, schema: z.toJSONSchema(section.schema, { io: 'input' }) };
      multi.set(configSectionKey(section.name), JSON.stringify(registered), 'EX', ttlSeconds);
    }
    multi.sadd(CONFIG_SECTIONS_KEY, ...sections.map((section) => section.name));
    const replies = (await multi.exec()) ?? [];
    const failed = replies.find(([error]) => error);
    if (failed) throw failed[0];
  }

  /** Every section a running service registered, by name. */
  async registeredSections(): Promise<RegisteredSection[]> {
    const names = (await this.redis.smembers(CONFIG_SECTIONS_KEY)).sort();
    if (names.length === 0) return [];
    const entries = await this.redis.mget(...names.map(configSectionKey));
    return names.flatMap((name, i) => {
      const entry = entries[i];
      // Expired: no service that reads this section renewed it.
      if (entry === null || entry === undefined) return [];
      const parsed = parseRegistration(name, entry);
      if (!parsed) this.logger.warn(`the registration of configuration section ${name} is not one LiveConfig writes: ignored`);
      return parsed ? [parsed] : [];
    });
  }

  /** The schema of every registered section (rebuilt only when a registration changed). */
  private async registeredSchema(): Promise<ConfigSchema> {
    const sections = await this.registeredSections();
    const source = JSON.stringify(sections.map(({ name, schema }) => [name, schema]));
    if (this.cached?.source !== source) {
      // One unusable registration must not stop the admin API for every other section.
      const usable = sections.filter((section) => {
        try {
          ConfigSchema.fromRegistered([section]);
          return true;
        } catch (error) {
          this.logger.warn(`configuration section ${section.name} (registered by ${section.service}) is ignored: ${error instanceof Error ? error.message : String(error)}`);
          return false;
        }
      });
      this.cached = { source, schema: ConfigSchema.fromRegistered(usable) };
    }
    return this.cached.schema;
  }

  private async write(next: (schema: ConfigSchema, current: ConfigValues) => { candidate: unknown; others: ConfigValues }): Promise<ConfigDocument> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const [schema, stored] = await Promise.all([this.registeredSchema(), this.readStored()]);
      const current = readForWrite(schema, stored);
      const { candidate, others } = next(schema, current);
      const values = Object.freeze({ ...schema.validate(candidate), ...others });
      const version = await this.redis.platformConfigWriteIfVersion(CONFIG_KEY, stored.version, JSON.stringify(values), CONFIG_CHANNEL);
      if (version >= 0) return Object.freeze({ version, values });
    }
    throw new ConfigConflictError();
  }
}

/** The stored document read with `schema`: its keys validated (defaults for absent ones), then the others as stored. */
function readDocument(schema: ConfigSchema, { version, document }: StoredDocument): ConfigDocument {
  if (document === null) return Object.freeze({ version: 0, values: schema.defaults });
  const { known, others } = schema.parseStored(document);
  return Object.freeze({ version, values: Object.freeze({ ...known, ...others }) });
}

/** A stored document that cannot be read is replaced by a write, from the defaults up. */
function readForWrite(schema: ConfigSchema, stored: StoredDocument): ConfigValues {
  try {
    return readDocument(schema, stored).values;
  } catch (error) {
    if (!(error instanceof InvalidConfigError)) throw error;
    return schema.defaults;
  }
}

function parseRegistration(name: string, entry: string): RegisteredSection | undefined {
  try {
    const parsed = JSON.parse(entry) as { service?: unknown; schema?: { properties?: unknown } };
    const properties = parsed.schema?.properties;
    if (typeof parsed.service !== 'string' || typeof properties !== 'object' || properties === null) return undefined;
    return { name, service: parsed.service, schema: { properties: properties as Record<string, unknown> } };
  } catch {
    return undefined;
  }
}
