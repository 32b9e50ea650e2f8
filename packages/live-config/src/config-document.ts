import type { ConfigSection } from '@platform/contracts';
import { z } from 'zod';

/** The values of a configuration document: flat dotted keys, `<section>.<field>`. */
export type ConfigValues = Readonly<Record<string, unknown>>;

/** The configuration as stored: its values, the version of the write that produced them, and its generation. */
export interface ConfigDocument {
  /**
   * 0 while no document was ever written (the values are then the defaults). Counts writes for
   * the compare-and-set and for people; after Redis lost its last writes, a number is handed out
   * again for other content, so it never decides what a replica applies.
   */
  readonly version: number;
  /** The hash of the whole stored document's content (configGeneration): what replicas compare. */
  readonly generation: string;
  readonly values: ConfigValues;
}

/** Thrown when a proposed configuration does not satisfy its sections; nothing was written. */
export class InvalidConfigError extends Error {
  /** One readable sentence per problem, e.g. `auth.loginMaxAttempts: Too small: expected number to be >=1`. */
  constructor(readonly problems: readonly string[]) {
    super(problems.join('; '));
    this.name = 'InvalidConfigError';
  }
}

/** A section as registered in Redis by a running service: its name and its part of the document as JSON Schema. */
export interface RegisteredSection {
  readonly name: string;
  /** The service that registered it last. */
  readonly service: string;
  /** `z.toJSONSchema` of the section's schema (input mode): an object of `<section>.<field>` properties. */
  readonly schema: { properties: Record<string, unknown> };
}

/**
 * The document's schema, assembled from sections: every key of every section, unknown keys
 * refused, a default for every absent key. A service builds it from the sections it reads;
 * the admin API from the sections every running service registered (their JSON Schemas).
 */
export class ConfigSchema {
  private readonly object: z.ZodObject<Record<string, z.ZodType>, z.core.$strict>;
  /** The value of every key when nothing was written. */
  readonly defaults: ConfigValues;

  private constructor(shape: Record<string, z.ZodType>) {
    this.object = z.strictObject(shape);
    this.defaults = Object.freeze(this.object.parse({}));
  }

  /** The schema of these sections (a service's own). */
  static of(sections: readonly ConfigSection[]): ConfigSchema {
    return new ConfigSchema(Object.assign({}, ...sections.map((section) => section.schema.shape)));
  }

  /** The schema of sections registered through Redis; throws when one is not the JSON Schema of a section. */
  static fromRegistered(sections: readonly RegisteredSection[]): ConfigSchema {
    const shape: Record<string, z.ZodType> = {};
    for (const section of sections) {
      for (const [key, property] of Object.entries(section.schema.properties)) {
        if (!key.startsWith(`${section.name}.`)) throw new Error(`section ${section.name} registered a key outside it: ${key}`);
        shape[key] = z.fromJSONSchema(property as Parameters<typeof z.fromJSONSchema>[0]);
      }
    }
    return new ConfigSchema(shape);
  }

  /** Whether `key` belongs to one of the sections. */
  has(key: string): boolean {
    return Object.hasOwn(this.object.shape, key);
  }

  /** Validates a whole configuration (defaults for absent keys, unknown keys refused). */
  validate(candidate: unknown): ConfigValues {
    if (!isObject(candidate)) throw new InvalidConfigError(['expected a JSON object of {"key": value}']);
    const parsed = this.object.safeParse(candidate);
    if (!parsed.success) {
      throw new InvalidConfigError(
        parsed.error.issues.map((issue) => {
          const where = issue.path.length > 0 ? issue.path.map(String).join('.') : '';
          return where ? `${where}: ${issue.message}` : issue.message;
        }),
      );
    }
    return Object.freeze(parsed.data);
  }

  /**
   * Reads the stored JSON: `known` holds this schema's keys, validated (defaults for absent
   * ones), `others` the keys of other sections, as stored. A value this schema refuses makes
   * the document unusable, reported as an InvalidConfigError.
   */
  parseStored(document: string): { known: ConfigValues; others: ConfigValues } {
    let raw: unknown;
    try {
      raw = JSON.parse(document);
    } catch {
      throw new InvalidConfigError(['the stored document is not JSON']);
    }
    if (!isObject(raw)) throw new InvalidConfigError(['the stored document is not a JSON object']);
    const entries = Object.entries(raw);
    return {
      known: this.validate(Object.fromEntries(entries.filter(([key]) => this.has(key)))),
      others: Object.freeze(Object.fromEntries(entries.filter(([key]) => !this.has(key)))),
    };
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
