import 'reflect-metadata';
import { Body, type CanActivate, Controller, Get, Header, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { Returns } from '@platform/http';
import { ZodValidationPipe } from '@platform/validation';
import { Validator } from '@seriousme/openapi-schema-validator';
import { z } from 'zod';
import { buildOpenApiDocument, type OpenApiOptions } from './openapi-document.js';
import { describeController } from './route-metadata.js';

class TokenGuard implements CanActivate {
  canActivate() {
    return true;
  }
}
class UnknownGuard implements CanActivate {
  canActivate() {
    return true;
  }
}

const ThingId = z.uuid();
const NewThing = z.object({ name: z.string().min(1), size: z.number().int().default(1) }).strict();
const Thing = NewThing.extend({ id: ThingId });
const ListQuery = z.object({ limit: z.coerce.number().int().min(1).default(10), after: z.string() });
const Note = z.object({ text: z.string() }).optional();

@Controller('things')
class ThingsController {
  @Post()
  @UseGuards(TokenGuard)
  @HttpCode(202)
  @Returns(Thing)
  create(@Body(new ZodValidationPipe(NewThing)) body: z.output<typeof NewThing>): z.output<typeof Thing> {
    return { ...body, id: '00000000-0000-0000-0000-000000000000' };
  }

  @Get()
  list(@Query(new ZodValidationPipe(ListQuery)) query: z.output<typeof ListQuery>) {
    return query;
  }

  @Get(':id')
  get(@Param('id', new ZodValidationPipe(ThingId)) id: string) {
    return id;
  }

  @Post(':id/notes/:note')
  @HttpCode(204)
  note(@Param('id', new ZodValidationPipe(ThingId)) _id: string, @Body(new ZodValidationPipe(Note)) _body: unknown): void {}

  @Post('import')
  @RouteConfig({ plainHeaders: true })
  import(): void {}

  @Get('export')
  @Header('Content-Type', 'text/csv')
  export() {
    return 'name,size';
  }

  /** Not a route: no HTTP method decorator. */
  helper() {
    return 1;
  }
}

const options: OpenApiOptions = {
  info: { title: 'things', version: '1.0.0' },
  securitySchemes: { token: { type: 'http', scheme: 'bearer' }, basic: { type: 'http', scheme: 'basic' } },
  guards: [{ guard: TokenGuard, scheme: 'token' }],
  mounts: [{ path: '/ui', summary: 'a web UI', security: ['token', 'basic'] }],
};

function input(schema: z.ZodType) {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input' });
  return rest;
}

describe('buildOpenApiDocument', () => {
  const document = buildOpenApiDocument(describeController(ThingsController), options);

  it('is valid OpenAPI 3.1', async () => {
    const result = await new Validator().validate(document as unknown as Record<string, unknown>);
    expect(result.errors).toBeUndefined();
    expect(document.openapi).toMatch(/^3\.1\./);
  });

  it('lists every route handler, with Fastify params as OpenAPI templates, and nothing else', () => {
    expect(Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method} ${path}`)).sort()).toEqual([
      'get /things',
      'get /things/export',
      'get /things/{id}',
      'get /ui',
      'post /things',
      'post /things/import',
      'post /things/{id}/notes/{note}',
    ]);
  });

  it('takes the body, its status, its response and its security from the decorators', () => {
    const create = document.paths['/things']!.post!;
    expect(create.operationId).toBe('ThingsController.create');
    expect(create.requestBody).toEqual({ required: true, content: { 'application/json': { schema: input(NewThing) } } });
    expect(Object.keys(create.responses)).toEqual(['202', '400', '401']);
    const { $schema: _dialect, ...thing } = z.toJSONSchema(Thing, { io: 'output' });
    expect(create.responses['202']!.content).toEqual({ 'application/json': { schema: thing } });
    expect(create.responses['400']!.content!['application/json']!.schema).toEqual({ $ref: '#/components/schemas/HttpErrorBody' });
    expect(create.security).toEqual([{ token: [] }]);
    expect(document.paths['/things']!.get!.security).toBeUndefined();
  });

  it('spreads a whole-query schema into one parameter per field, required unless optional or defaulted', () => {
    expect(document.paths['/things']!.get!.parameters).toEqual([
      { name: 'limit', in: 'query', required: false, schema: input(ListQuery.shape.limit) },
      { name: 'after', in: 'query', required: true, schema: input(ListQuery.shape.after) },
    ]);
  });

  it('documents every path parameter, with its schema when it is validated', () => {
    const note = document.paths['/things/{id}/notes/{note}']!.post!;
    expect(note.parameters).toEqual([
      { name: 'id', in: 'path', required: true, schema: input(ThingId) },
      { name: 'note', in: 'path', required: true, schema: { type: 'string' } },
    ]);
    // An optional body schema makes the body optional; a 204 has no content.
    expect(note.requestBody?.required).toBe(false);
    expect(note.responses['204']).toEqual({ description: 'No Content' });
  });

  it('takes a content type set with @Header', () => {
    expect(document.paths['/things/export']!.get!.responses['200']!.content).toEqual({ 'text/csv': {} });
  });

  it('lists a mount as one entry any of whose schemes lets a request in', () => {
    expect(document.paths['/ui']!.get).toMatchObject({ 'x-platform-mount': true, security: [{ token: [] }, { basic: [] }] });
  });

  it('adds a header a platform piece reads to the operations it applies to, optional, with the answers it causes', () => {
    const Key = z.string().min(1).max(8);
    const withHeader = buildOpenApiDocument(describeController(ThingsController), {
      ...options,
      headers: [
        {
          name: 'Idempotency-Key',
          description: 'Makes a retry safe.',
          schema: Key,
          appliesTo: (route) => route.method === 'POST' && route.routeConfig?.plainHeaders !== true,
          responses: { '400': 'Or the key is not one.', '409': 'A request with the key is in progress.' },
        },
      ],
    });
    const header = { name: 'Idempotency-Key', in: 'header', required: false, description: 'Makes a retry safe.', schema: input(Key) };
    const create = withHeader.paths['/things']!.post!;
    expect(create.parameters).toEqual([header]);
    expect(create.responses['400']!.description).toBe('The input does not match its schema; the message names every problem. Or the key is not one.');
    expect(create.responses['409']).toEqual({ description: 'A request with the key is in progress.', content: { 'application/json': { schema: { $ref: '#/components/schemas/HttpErrorBody' } } } });
    expect(withHeader.paths['/things/{id}/notes/{note}']!.post!.parameters).toContainEqual(header);
    // The route config (@RouteConfig) reaches appliesTo; GET routes were left out by the rule.
    expect(withHeader.paths['/things/import']!.post!.parameters).toBeUndefined();
    expect(withHeader.paths['/things']!.get!.parameters).not.toContainEqual(header);
  });

  it('refuses a guard it has no security scheme for, rather than document an open route', () => {
    @Controller('locked')
    class LockedController {
      @Get()
      @UseGuards(UnknownGuard)
      read() {
        return 'secret';
      }
    }
    expect(() => buildOpenApiDocument(describeController(LockedController), options)).toThrow(/LockedController.read is guarded by UnknownGuard/);
  });

  it('refuses a whole-query schema that is not an object', () => {
    @Controller('odd')
    class OddController {
      @Get()
      read(@Query(new ZodValidationPipe(z.string())) query: string) {
        return query;
      }
    }
    expect(() => buildOpenApiDocument(describeController(OddController), options)).toThrow(/OddController.read: a whole-query schema must be a z.object/);
  });
});
