import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigSection } from '@platform/contracts';
import { REDIS } from '@platform/redis';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { type ConfigDocument, ConfigSchema, type ConfigValues, InvalidConfigError, type RegisteredSection } from './config-document.js';
import { configGeneration } from './config-generation.js';
import { CONFIG_CHANNEL, CONFIG_KEY, CONFIG_SECTIONS_KEY, configSectionKey } from './live-config.constants.js';

/**
 * Writes the document only if nobody wrote since it was read (compare-and-set on the version
 * and the document itself: after Redis lost its last writes, the version read may be handed out
 * again for other content, which a write based on the old content must not overwrite), bumps
 * the version and publishes the new generation, all in one atomic step: a reader never sees a
 * document without its version, and no signal goes out for a write that did not happen.
 * ARGV: expected version, expected document ('' for none), new document, channel, new generation.
 * Returns the new version, or -1 when what was read is stale.
 */
const WRITE_IF_UNCHANGED = `
local current = redis.call('HMGET', KEYS[1], 'version', 'document')
local version = tonumber(current[1] or '0')
if version ~= tonumber(ARGV[1]) or (current[2] or '') ~= ARGV[2] then return -1 end
local next = version + 1
redis.call('HSET', KEYS[1], 'version', next, 'document', ARGV[3])
redis.call('PUBLISH', ARGV[4], ARGV[5])
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
  platformConfigWriteIfUnchanged(key: string, version: number, current: string, document: string, channel: string, generation: string): Promise<number>;
};

const MAX_ATTEMPTS = 5;

/** The document as stored: its version, JSON (null when none was written) and generation. */
export interface StoredDocument {
  readonly version: number;
  readonly document: string | null;
  /** configGeneration(document). */
  readonly generation: string;
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
    redis.defineCommand('platformConfigWriteIfUnchanged', { numberOfKeys: 1, lua: WRITE_IF_UNCHANGED });
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

  /** The version, JSON and generation as stored, unvalidated (each service validates them against its own sections). */
  async readStored(): Promise<StoredDocument> {
    const [version, stored] = await this.redis.hmget(CONFIG_KEY, 'version', 'document');
    const document = stored ?? null;
    return { version: Number(version ?? 0), document, generation: configGeneration(document) };
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
      const document = JSON.stringify(values);
      const generation = configGeneration(document);
      const version = await this.redis.platformConfigWriteIfUnchanged(CONFIG_KEY, stored.version, stored.document ?? '', document, CONFIG_CHANNEL, generation);
      if (version >= 0) return Object.freeze({ version, generation, values });
    }
    throw new ConfigConflictError();
  }
}

/** The stored document read with `schema`: its keys validated (defaults for absent ones), then the others as stored. */
function readDocument(schema: ConfigSchema, { version, document, generation }: StoredDocument): ConfigDocument {
  if (document === null) return Object.freeze({ version, generation, values: schema.defaults });
  const { known, others } = schema.parseStored(document);
  return Object.freeze({ version, generation, values: Object.freeze({ ...known, ...others }) });
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
