import { z } from 'zod';

declare module 'zod' {
  interface GlobalMeta {
    /**
     * The value is a secret (a password, a token): transports keep it out of what they store
     * for an operator, e.g. the Streams transport's dead letters. Mark the schema where the
     * secret is declared, `z.string().min(8).meta({ sensitive: true })`, and every contract
     * that uses it is covered. It also shows as `"sensitive": true` in JSON Schema (OpenAPI).
     */
    sensitive?: boolean;
  }
}

/**
 * The paths of the fields of `schema` marked `.meta({ sensitive: true })`, each once: field
 * names joined by dots, `*` for every value of a record, arrays looked through (`password`,
 * `card.number`, `items.secret`); the empty path when the whole value is marked. This is the
 * path syntax of the Streams transport's `sensitive` handler extras. Throws a TypeError for a
 * marked field a path cannot spell: a dot or `*` in its name, or inside a recursive schema.
 */
export function sensitiveFields(schema: z.ZodType): string[] {
  const found = new Set<string>();
  visit(schema, [], found, new Set());
  return [...found];
}

/** Where a schema sits: the field names on the way to it (`*`: every value of a record). */
type Path = readonly string[];
const EVERY_VALUE = '*';

/** One step down: into a field of an object, into every value of a record, or nowhere (a wrapper). */
type Step = { field: string } | typeof EVERY_VALUE | undefined;

const schema = (value: unknown): value is z.ZodType => value instanceof z.ZodType;
/** Schemas at the same place (a wrapper's inner schema, a union's options). */
const same = (...values: unknown[]) => values.filter(schema).map((value): [z.ZodType, Step] => [value, undefined]);

/** The schemas a wrapper or combinator holds, with the step to each. */
function children(def: Record<string, unknown>): Array<[z.ZodType, Step]> {
  switch (def.type) {
    case 'object': {
      const fields = Object.entries(def.shape as Record<string, unknown>).filter((field): field is [string, z.ZodType] => schema(field[1]));
      const rest: Array<[z.ZodType, Step]> = schema(def.catchall) ? [[def.catchall, EVERY_VALUE]] : [];
      return [...fields.map(([name, field]): [z.ZodType, Step] => [field, { field: name }]), ...rest];
    }
    case 'record':
      return schema(def.valueType) ? [[def.valueType, EVERY_VALUE]] : [];
    case 'array':
      return same(def.element);
    case 'tuple':
      return same(...(def.items as unknown[]), def.rest);
    case 'union':
      return same(...(def.options as unknown[]));
    case 'intersection':
      return same(def.left, def.right);
    case 'pipe':
      return same(def.in, def.out);
    case 'lazy':
      return same((def.getter as () => unknown)());
    default:
      // optional, nullable, default, prefault, nonoptional, readonly, catch, promise, success...
      return same(def.innerType);
  }
}

function visit(schema: z.ZodType, path: Path, found: Set<string>, seen: Set<z.ZodType>): void {
  if (z.globalRegistry.get(schema)?.sensitive === true) {
    found.add(path.join('.'));
    return;
  }
  if (seen.has(schema)) {
    // A recursive (lazy) schema: its secrets would sit at ever longer paths, which a list of
    // paths cannot hold. Refused rather than redacting the first levels only.
    if (hasMark(schema, new Set())) {
      throw new TypeError(`a sensitive field under "${path.join('.')}" is inside a recursive schema, which paths cannot cover`);
    }
    return;
  }
  seen.add(schema);
  for (const [child, step] of children(schema.def as unknown as Record<string, unknown>)) {
    if (step === undefined) {
      visit(child, path, found, seen);
    } else if (step === EVERY_VALUE) {
      visit(child, [...path, EVERY_VALUE], found, seen);
    } else if (step.field.includes('.') || step.field === EVERY_VALUE) {
      // Only a problem if something in that field is marked.
      if (sensitiveFields(child).length > 0) {
        throw new TypeError(`the sensitive field "${[...path, step.field].join('.')}" cannot be named in a path: its name has a dot or is "*"`);
      }
    } else {
      visit(child, [...path, step.field], found, seen);
    }
  }
  seen.delete(schema);
}

function hasMark(schema: z.ZodType, seen: Set<z.ZodType>): boolean {
  if (z.globalRegistry.get(schema)?.sensitive === true) return true;
  if (seen.has(schema)) return false;
  seen.add(schema);
  return children(schema.def as unknown as Record<string, unknown>).some(([child]) => hasMark(child, seen));
}
