import { z } from 'zod';

/** A JSON Schema (2020-12, the dialect of OpenAPI 3.1), as zod produces it. */
export type JsonSchema = Record<string, unknown>;

/**
 * The JSON Schema of a zod schema, by zod's own conversion. `io: 'input'` describes what a
 * client may send (before defaults and coercion), `'output'` what a route answers. Checks
 * JSON Schema cannot say (a refine, a transform) are left out rather than refused: the
 * document then says less than the schema enforces, never something else. `$schema` is
 * dropped because OpenAPI 3.1 states the dialect once for the whole document.
 */
export function toJsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}
