import { BadRequestException, type PipeTransform } from '@nestjs/common';
import type { z } from 'zod';

/** Formats zod issues as one readable sentence per problem: `price: expected number`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue.message}`)
    .join('; ');
}

/**
 * Validates a body, param or query against a contract schema and returns the parsed value
 * (defaults applied, unknown keys per the schema). Anything else is a 400 naming each problem.
 * The schema is public: the API document (@platform/openapi) reads it from the route's
 * parameter metadata, so what a route validates and what it documents are one declaration.
 */
export class ZodValidationPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(readonly schema: S) {}

  transform(value: unknown): z.output<S> {
    const parsed = this.schema.safeParse(value);
    if (!parsed.success) throw new BadRequestException(describeIssues(parsed.error));
    return parsed.data;
  }
}
