import { z } from 'zod';

/**
 * A section of the central live configuration (@platform/live-config): the settings one
 * service reads, declared next to the code that reads them. In the document its keys are
 * flat and dotted, `<section>.<field>`. The services that read a section register it, and the
 * admin API validates a change against every section registered by a running service, through
 * the section's JSON Schema: so a section must be expressible in JSON Schema (no refinements,
 * no transforms) and every field needs a default (a service starts from the defaults).
 */
export interface ConfigSection<Name extends string = string, Shape extends Record<string, z.ZodType> = Record<string, z.ZodType>> {
  readonly name: Name;
  /** The fields, by their name inside the section. */
  readonly fields: z.ZodObject<Shape, z.core.$strict>;
  /** The section's part of the document: `<name>.<field>` keys, unknown keys refused. */
  readonly schema: z.ZodObject<Record<string, z.ZodType>, z.core.$strict>;
  /** Every `<name>.<field>` with its default. */
  readonly defaults: Readonly<Record<string, unknown>>;
}

/** The values of a section's fields, by field name. */
export type ConfigSectionValues<S extends ConfigSection> = z.output<S['fields']>;

const SECTION_NAME = /^[a-z][a-zA-Z0-9]*$/;
const FIELD_NAME = /^[a-zA-Z][a-zA-Z0-9]*$/;

/** Declares a configuration section; throws when a field has no default or cannot be sent as JSON Schema. */
export function defineConfigSection<const Name extends string, Shape extends Record<string, z.ZodType>>(name: Name, shape: Shape): ConfigSection<Name, Shape> {
  const problems: string[] = [];
  if (!SECTION_NAME.test(name)) problems.push('a section name is a lower-camel-case word (no dots)');
  const schema = z.strictObject(Object.fromEntries(Object.entries(shape).map(([field, type]) => [`${name}.${field}`, type])) as Record<string, z.ZodType>);
  for (const [field, type] of Object.entries(shape)) {
    const key = `${name}.${field}`;
    if (!FIELD_NAME.test(field)) problems.push(`${key}: a field name is a camel-case word (no dots)`);
    if (!type.safeParse(undefined).success || type.parse(undefined) === undefined) problems.push(`${key}: needs a default`);
    if (hasRefinement(type)) problems.push(`${key}: a refinement cannot be expressed in JSON Schema, so the admin API could not check it`);
  }
  try {
    // Output mode throws on what JSON Schema cannot say (transforms, dates, bigints...).
    z.toJSONSchema(schema);
  } catch (error) {
    problems.push(error instanceof Error ? error.message : String(error));
  }
  if (problems.length > 0) throw new TypeError(`config section ${name}: ${problems.join('; ')}`);
  return Object.freeze({ name, fields: z.strictObject(shape), schema, defaults: Object.freeze(schema.parse({})) });
}

/** Whether a zod schema, or one nested in it, carries a custom check (refine, superRefine, check). */
function hasRefinement(type: z.ZodType, seen = new Set<unknown>()): boolean {
  if (seen.has(type)) return false;
  seen.add(type);
  const def = type.def as unknown as Record<string, unknown> & { checks?: Array<{ def?: { check?: string } }> };
  if (def.checks?.some((check) => check.def?.check === 'custom')) return true;
  if (def.type === 'custom') return true;
  const nested = Object.values(def).flatMap((value) => (Array.isArray(value) ? value : isSchema(value) ? [value] : value && typeof value === 'object' ? Object.values(value) : []));
  return nested.some((value) => isSchema(value) && hasRefinement(value, seen));
}

function isSchema(value: unknown): value is z.ZodType {
  return value instanceof z.ZodType;
}
