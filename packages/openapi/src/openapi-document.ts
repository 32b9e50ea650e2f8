import { STATUS_CODES } from 'node:http';
import type { CanActivate, Type } from '@nestjs/common';
import { HttpErrorBody } from '@platform/http';
import type { z } from 'zod';
import { type JsonSchema, toJsonSchema } from './json-schema.js';
import type { RouteDescription, ValidatedInput } from './route-metadata.js';

/** An OpenAPI 3.1 security scheme object, e.g. `{ type: 'http', scheme: 'bearer' }`. */
export type SecurityScheme = Record<string, unknown>;

/**
 * A web application mounted as plain Fastify routes under `path` (e.g. Bull Board): not
 * described by contracts, so the document lists one entry for it, marked `x-platform-mount`,
 * and the routes under it belong to it.
 */
export interface DocumentedMount {
  path: string;
  summary: string;
  description?: string;
  /** Names of security schemes, any one of which lets a request in. */
  security: string[];
}

/**
 * A request header that a platform piece reads on some routes, not the routes themselves
 * (Idempotency-Key on unsafe routes, from @platform/idempotency): documented, optional, on
 * each operation it applies to, with the answers it can cause.
 */
export interface DocumentedHeader {
  name: string;
  description: string;
  /** What the header's value is checked against. */
  schema: z.ZodType;
  /** Whether a route takes the header: the rule the piece itself applies, so both agree. */
  appliesTo(route: RouteDescription): boolean;
  /** The answers the header can cause, by status (a status the route already has keeps both descriptions). */
  responses?: Readonly<Record<string, string>>;
}

export interface OpenApiOptions {
  info: { title: string; version: string; description?: string };
  /** Every security scheme the document names, by name. */
  securitySchemes?: Record<string, SecurityScheme>;
  /** Which scheme each guard enforces; a route behind a guard not listed here fails the build. */
  guards?: ReadonlyArray<{ guard: Type<CanActivate>; scheme: string }>;
  mounts?: readonly DocumentedMount[];
  /** Request headers read on some routes by the platform (see DocumentedHeader). */
  headers?: readonly DocumentedHeader[];
}

export interface OpenApiDocument {
  openapi: '3.1.1';
  info: OpenApiOptions['info'];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, SecurityScheme> };
}

/** Marks a DocumentedMount's entry in the document. */
export const MOUNT_EXTENSION = 'x-platform-mount';

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  description?: string;
  schema: JsonSchema;
}

interface Operation {
  operationId?: string;
  summary?: string;
  description?: string;
  tags: string[];
  parameters?: Parameter[];
  requestBody?: { required: boolean; content: { 'application/json': { schema: JsonSchema } } };
  responses: Record<string, { description: string; content?: Record<string, { schema?: JsonSchema }> }>;
  security?: Array<Record<string, string[]>>;
  [MOUNT_EXTENSION]?: true;
}

const ERROR_BODY = { $ref: '#/components/schemas/HttpErrorBody' };
const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: ERROR_BODY } } });

/** `/products/:id` (Fastify, as in the route table) to `/products/{id}` (OpenAPI). */
export function toOpenApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/** The properties of an object schema as parameters; anything else cannot be spread into a query. */
function spreadObject(json: JsonSchema, location: 'path' | 'query', route: RouteDescription): Parameter[] {
  if (json.type !== 'object' || typeof json.properties !== 'object') {
    throw new Error(`${route.handler}: a whole-${location} schema must be a z.object to be documented`);
  }
  const required = new Set((json.required as string[] | undefined) ?? []);
  return Object.entries(json.properties as Record<string, JsonSchema>).map(([name, schema]) => ({
    name,
    in: location,
    required: location === 'path' || required.has(name),
    schema,
  }));
}

function parametersOf(route: RouteDescription, headers: readonly DocumentedHeader[]): Parameter[] {
  const parameters: Parameter[] = [];
  const validated = (location: ValidatedInput['in']) => route.inputs.filter((input) => input.in === location);
  const pathInputs = validated('path').flatMap((input) =>
    input.name ? [{ name: input.name, in: 'path' as const, required: true, schema: toJsonSchema(input.schema, 'input') }] : spreadObject(toJsonSchema(input.schema, 'input'), 'path', route),
  );
  // Every path parameter is documented, validated or not (an unvalidated one is any string).
  for (const [, name] of route.path.matchAll(/:([A-Za-z0-9_]+)/g)) {
    parameters.push(pathInputs.find((parameter) => parameter.name === name) ?? { name: name!, in: 'path', required: true, schema: { type: 'string' } });
  }
  for (const input of validated('query')) {
    const json = toJsonSchema(input.schema, 'input');
    if (input.name) parameters.push({ name: input.name, in: 'query', required: !input.schema.safeParse(undefined).success, schema: json });
    else parameters.push(...spreadObject(json, 'query', route));
  }
  for (const header of headers) {
    parameters.push({ name: header.name, in: 'header', required: false, description: header.description, schema: toJsonSchema(header.schema, 'input') });
  }
  return parameters;
}

function requestBodyOf(route: RouteDescription): Operation['requestBody'] {
  const [body, ...more] = route.inputs.filter((input) => input.in === 'body');
  if (!body) return undefined;
  if (body.name || more.length > 0) throw new Error(`${route.handler}: document a body validated as one schema (@Body(pipe)), not field by field`);
  // A body schema that accepts undefined (`.optional()`) makes the body optional.
  return { required: !body.schema.safeParse(undefined).success, content: { 'application/json': { schema: toJsonSchema(body.schema, 'input') } } };
}

function responsesOf(route: RouteDescription, headers: readonly DocumentedHeader[]): Operation['responses'] {
  const success: Operation['responses'][string] = { description: STATUS_CODES[route.status] ?? 'Success' };
  if (route.status !== 204) {
    if (route.response) success.content = { 'application/json': { schema: toJsonSchema(route.response, 'output') } };
    else if (route.contentType) success.content = { [route.contentType]: {} };
  }
  const responses: Operation['responses'] = { [String(route.status)]: success };
  if (route.inputs.length > 0) responses['400'] = errorResponse('The input does not match its schema; the message names every problem.');
  if (route.guards.length > 0) responses['401'] = errorResponse('Missing or wrong credentials.');
  for (const [status, description] of headers.flatMap((header) => Object.entries(header.responses ?? {}))) {
    const existing = responses[status];
    responses[status] = errorResponse(existing ? `${existing.description} ${description}` : description);
  }
  return responses;
}

function securityOf(route: RouteDescription, options: OpenApiOptions): Operation['security'] {
  if (route.guards.length === 0) return undefined;
  const requirement: Record<string, string[]> = {};
  for (const guard of route.guards) {
    const scheme = options.guards?.find((entry) => entry.guard === guard)?.scheme;
    if (!scheme || !options.securitySchemes?.[scheme]) {
      throw new Error(`${route.handler} is guarded by ${guard.name}, which has no security scheme in the OpenAPI options`);
    }
    requirement[scheme] = [];
  }
  return [requirement];
}

function operationOf(route: RouteDescription, options: OpenApiOptions): Operation {
  const headers = (options.headers ?? []).filter((header) => header.appliesTo(route));
  const parameters = parametersOf(route, headers);
  const requestBody = requestBodyOf(route);
  const security = securityOf(route, options);
  return {
    operationId: route.handler,
    tags: [route.tag],
    ...(parameters.length > 0 && { parameters }),
    ...(requestBody && { requestBody }),
    responses: responsesOf(route, headers),
    ...(security && { security }),
  };
}

function mountOperation(mount: DocumentedMount): Operation {
  return {
    summary: mount.summary,
    ...(mount.description && { description: mount.description }),
    tags: ['Mounted'],
    responses: { '200': { description: 'The application (HTML)', content: { 'text/html': {} } }, '401': errorResponse('Missing or wrong credentials.') },
    security: mount.security.map((scheme) => ({ [scheme]: [] })),
    [MOUNT_EXTENSION]: true,
  };
}

/**
 * The OpenAPI 3.1 document of a set of routes: paths, parameters, request bodies and
 * responses from the schemas the routes validate with (and declare with @Returns), security
 * from their guards, errors from the platform's one error body. Throws on what it cannot
 * describe truthfully (a guard without a scheme, a route for every method, two routes on one
 * path and method), so such a route fails the boot rather than being documented wrongly.
 */
export function buildOpenApiDocument(routes: readonly RouteDescription[], options: OpenApiOptions): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  const add = (method: string, path: string, operation: Operation) => {
    const item = (paths[toOpenApiPath(path)] ??= {});
    if (item[method]) throw new Error(`two routes answer ${method.toUpperCase()} ${path}`);
    item[method] = operation;
  };
  for (const route of routes) {
    if (!['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'].includes(route.method)) {
      throw new Error(`${route.handler}: ${route.method} routes cannot be described per method`);
    }
    add(route.method.toLowerCase(), route.path, operationOf(route, options));
  }
  for (const mount of options.mounts ?? []) add('get', mount.path, mountOperation(mount));
  return {
    openapi: '3.1.1',
    info: options.info,
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b))),
    components: { schemas: { HttpErrorBody: toJsonSchema(HttpErrorBody, 'output') }, securitySchemes: { ...options.securitySchemes } },
  };
}
