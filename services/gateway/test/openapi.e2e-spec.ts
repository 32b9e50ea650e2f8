import 'reflect-metadata';
import { globSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { METHOD_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import { RESPONSE_SCHEMA } from '@platform/http';
import { IdempotencyKeyHeader } from '@platform/idempotency';
import { ZodValidationPipe } from '@platform/validation';
import { routeTableOf } from '@platform/testing';
import { Validator } from '@seriousme/openapi-schema-validator';
import { z } from 'zod';
import { GatewayAlone } from './gateway-alone.js';

type JsonSchema = Record<string, unknown>;
interface Parameter {
  name: string;
  in: string;
  required: boolean;
  description?: string;
  schema: JsonSchema;
}
interface Operation {
  operationId?: string;
  parameters?: Parameter[];
  requestBody?: { required: boolean; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { description?: string; content?: Record<string, { schema?: JsonSchema }> }>;
  security?: Array<Record<string, string[]>>;
  'x-platform-mount'?: boolean;
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
}

/**
 * What the route validates with, converted here on its own (zod's conversion, no `$schema`),
 * so the document is compared with the route's schema, not with itself.
 */
const jsonSchemaOf = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
};

/** Every controller class of the gateway's source (`src/<feature>/<name>.controller.ts`). */
async function gatewayControllers(): Promise<Array<new (...args: never[]) => object>> {
  const source = fileURLToPath(new URL('../src/', import.meta.url));
  const files = globSync('**/*.controller.ts', { cwd: source });
  const modules = await Promise.all(files.map((file) => import(`${source}${file}`) as Promise<Record<string, unknown>>));
  return modules.flatMap((module) => Object.values(module).filter((value): value is new () => object => typeof value === 'function' && Reflect.hasMetadata('path', value)));
}

const ADMIN_TOKEN = 'docs-admin-token-0123456789abcdef';

/** The Idempotency-Key parameter of an operation, if it offers one. */
const idempotencyKeyOf = (operation: Operation) => operation.parameters?.find((parameter) => parameter.in === 'header' && parameter.name === 'Idempotency-Key');

/**
 * The gateway's API document, read from the running gateway: valid OpenAPI 3.1, listing
 * every route of the route table the gateway logs at start (so a route added later is
 * checked without touching this test), and describing each route with the very schemas its
 * validation pipes use.
 */
describe('the API document (GET /docs/openapi.json)', () => {
  // The gateway alone: the document does not depend on the services behind it. Every
  // optional route switched on, so the route table is the largest a build can serve.
  const alone = new GatewayAlone({
    ADMIN_TOKEN,
    DEV_ENDPOINTS: 'true', // @example
  });
  let document: Document;
  let contentType: string | null;
  const operations = () =>
    Object.entries(document.paths).flatMap(([path, item]) => Object.entries(item).map(([method, operation]) => ({ method: method.toUpperCase(), path, operation })));
  const operationOf = (handler: string) => operations().find(({ operation }) => operation.operationId === handler)?.operation;

  beforeAll(async () => {
    await alone.start();
    const response = await fetch(`${alone.gateway.url}/docs/openapi.json`);
    contentType = response.headers.get('content-type');
    document = (await response.json()) as Document;
  }, 90_000);

  afterAll(() => alone.stop());

  it('is a valid OpenAPI 3.1 document', async () => {
    expect(contentType).toMatch(/^application\/json/);
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
    const result = await new Validator().validate(document as unknown as Record<string, unknown>);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
  });

  it('lists every route of the route table, and no route the gateway does not serve', () => {
    const table = routeTableOf(alone.gateway);
    expect(table).toEqual(
      expect.arrayContaining(['GET /admin/config', 'PUT /admin/config', 'GET /admin/queues/:queue/dead-letter', 'POST /admin/queues/:queue/dead-letter/replay', 'GET /docs', 'GET /docs/openapi.json']),
    );
    expect(table).toEqual(expect.arrayContaining(['POST /products', 'GET /products/:id'])); // @example
    const documented = operations().map(({ method, path }) => `${method} ${path.replace(/\{([^}]+)\}/g, ':$1')}`);
    // A mount (Bull Board) is one entry; the routes under it are its own UI and API.
    const mounts = operations()
      .filter(({ operation }) => operation['x-platform-mount'])
      .map(({ path }) => path);
    expect(mounts).toEqual(['/admin/queues']);
    const mounted = (route: string) => mounts.some((mount) => route.split(' ')[1]!.startsWith(`${mount}/`));

    expect(table.filter((route) => !documented.includes(route) && !mounted(route))).toEqual([]);
    expect(documented.filter((route) => !table.includes(route))).toEqual([]);
  });

  it('describes each route with the schemas its validation pipes use and the response it declares', async () => {
    const controllers = await gatewayControllers();
    expect(controllers.map((controller) => controller.name)).toEqual(expect.arrayContaining(['AdminConfigController', 'DeadLettersController']));
    expect(controllers.map((controller) => controller.name)).toEqual(expect.arrayContaining(['ProductsController', 'AuthController'])); // @example
    let compared = 0;
    for (const controller of controllers) {
      // HTTP handlers only: an event handler's @Payload shares BODY's parameter type number.
      const httpHandlers = Object.getOwnPropertyNames(controller.prototype).filter((name) =>
        Reflect.hasMetadata(METHOD_METADATA, (controller.prototype as Record<string, object>)[name]!),
      );
      for (const method of httpHandlers) {
        const handler = `${controller.name}.${method}`;
        const operation = operationOf(handler);
        const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, method) ?? {}) as Record<string, { data?: string; pipes?: unknown[] }>;
        for (const [key, { data, pipes = [] }] of Object.entries(args)) {
          const type = Number(key.split(':')[0]);
          for (const pipe of pipes.filter((candidate) => candidate instanceof ZodValidationPipe)) {
            expect({ handler, documented: operation !== undefined }).toEqual({ handler, documented: true });
            const expected = jsonSchemaOf((pipe as ZodValidationPipe<z.ZodType>).schema, 'input');
            if (type === RouteParamtypes.BODY) {
              expect({ handler, body: operation!.requestBody?.content['application/json']?.schema }).toEqual({ handler, body: expected });
            } else if (type === RouteParamtypes.PARAM && data) {
              const parameter = operation!.parameters?.find((candidate) => candidate.in === 'path' && candidate.name === data);
              expect({ handler, [data]: parameter?.schema }).toEqual({ handler, [data]: expected });
            } else if (type === RouteParamtypes.QUERY && !data) {
              const properties = expected.properties as Record<string, JsonSchema>;
              const required = (expected.required as string[] | undefined) ?? [];
              const query = operation!.parameters?.filter((candidate) => candidate.in === 'query') ?? [];
              expect({ handler, query: Object.fromEntries(query.map(({ name, required, schema }) => [name, { required, schema }])) }).toEqual({
                handler,
                query: Object.fromEntries(Object.entries(properties).map(([name, schema]) => [name, { required: required.includes(name), schema }])),
              });
            } else {
              throw new Error(`${handler}: this test does not know how to compare a validated ${RouteParamtypes[type]} ${data ?? ''}`);
            }
            compared++;
          }
        }
        const declared = Reflect.getMetadata(RESPONSE_SCHEMA, (controller.prototype as Record<string, object>)[method]!) as z.ZodType | undefined;
        if (declared) {
          const success = Object.entries(operation?.responses ?? {}).find(([status]) => status.startsWith('2'))?.[1];
          expect({ handler, response: success?.content?.['application/json']?.schema }).toEqual({ handler, response: jsonSchemaOf(declared, 'output') });
          compared++;
        }
      }
    }
    // Not vacuous: the platform's admin routes alone compare 7 (the live-config body, each
    // dead-letter route's queue name, the list's query, the replay's body, both declared
    // answers); the example's routes validate a dozen inputs more.
    expect(compared).toBeGreaterThanOrEqual(7);
    expect(compared).toBeGreaterThanOrEqual(20); // @example
  });

  it('marks admin routes with the admin token and session routes with the session cookie', () => {
    expect(operationOf('AdminConfigController.update')?.security).toEqual([{ adminToken: [] }]);
    expect(operationOf('DeadLettersController.list')?.security).toEqual([{ adminToken: [] }]);
    expect(operationOf('DeadLettersController.replay')?.security).toEqual([{ adminToken: [] }]);
    expect(document.paths['/admin/queues']!.get!.security).toEqual([{ adminToken: [] }, { adminBasic: [] }]);
    // @example-begin
    expect(operationOf('ProductsController.create')?.security).toEqual([{ adminToken: [] }]);
    expect(operationOf('ProductsController.watch')?.security).toEqual([{ session: [] }]);
    expect(operationOf('ProductsController.get')?.security).toBeUndefined();
    // @example-end
  });

  it('offers the optional Idempotency-Key header on every unsafe operation but those that skip it, and on no other', () => {
    // Routes whose answer cannot be replayed (@SkipIdempotency).
    const skipping = new Set<string>([
      'AuthController.login', // @example: its answer is a session cookie, never stored
      'AuthController.logout', // @example
    ]);
    const unsafe = operations().filter(({ method, operation }) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(method) && !skipping.has(operation.operationId!));
    expect(unsafe.map(({ operation }) => operation.operationId)).toEqual(expect.arrayContaining(['AdminConfigController.update', 'DeadLettersController.replay']));
    expect(unsafe.map(({ operation }) => operation.operationId)).toEqual(expect.arrayContaining(['ProductsController.create', 'ProductsController.updateStock'])); // @example
    for (const { method, path, operation } of unsafe) {
      const header = idempotencyKeyOf(operation);
      expect({ route: `${method} ${path}`, required: header?.required, schema: header?.schema }).toEqual({
        route: `${method} ${path}`,
        required: false,
        schema: jsonSchemaOf(IdempotencyKeyHeader, 'input'),
      });
      // The retention the draft says a server must publish, and the answers the key adds.
      expect(header!.description).toContain('kept for 24 h');
      expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['400', '409', '422']));
    }
    const others = operations().filter(({ operation }) => !unsafe.some((candidate) => candidate.operation === operation));
    expect(others.filter(({ operation }) => idempotencyKeyOf(operation)).map(({ method, path }) => `${method} ${path}`)).toEqual([]);
  });

  it('serves a page that loads only this server\'s own files, under a CSP that forbids any other origin', async () => {
    const page = await fetch(`${alone.gateway.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    const html = await page.text();
    const links = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
    expect(links.length).toBeGreaterThanOrEqual(3);
    for (const link of links) {
      expect(link).toMatch(/^\/docs\//);
      expect({ link, status: (await fetch(`${alone.gateway.url}${link}`)).status }).toEqual({ link, status: 200 });
    }
    expect((await fetch(`${alone.gateway.url}/docs/assets/..%2fpackage.json`)).status).toBe(400);
  });
});
