import { type CanActivate, RequestMethod, type Type } from '@nestjs/common';
import { GUARDS_METADATA, HEADERS_METADATA, HTTP_CODE_METADATA, METHOD_METADATA, PATH_METADATA, ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import { MetadataScanner } from '@nestjs/core';
import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants.js';
import { RESPONSE_SCHEMA } from '@platform/http';
import { ZodValidationPipe } from '@platform/validation';
import type { z } from 'zod';

/** One input a route validates: where it comes from, its name when it is one field, its schema. */
export interface ValidatedInput {
  in: 'body' | 'query' | 'path';
  /** `@Param('id', pipe)` names one parameter; `@Query(pipe)` takes them all (no name). */
  name?: string;
  schema: z.ZodType;
}

/** What Nest knows about one route handler, read from its decorators. */
export interface RouteDescription {
  /** `ProductsController.create`: unique, and names the code that serves the route. */
  handler: string;
  /** The controller's name without `Controller`, to group routes. */
  tag: string;
  method: string;
  /** Fastify style, as in the route table: `/products/:id`. */
  path: string;
  status: number;
  inputs: ValidatedInput[];
  /** What @Returns declares, if the handler declares it. */
  response?: z.ZodType;
  /** The Content-Type a handler sets with @Header, if it does. */
  contentType?: string;
  guards: Array<Type<CanActivate>>;
  /** The Fastify route config Nest passes on (`@RouteConfig`, and decorators built on it such as @SkipIdempotency). */
  routeConfig?: Readonly<Record<string, unknown>>;
}

const scanner = new MetadataScanner();

const VALIDATED_SOURCES: Partial<Record<RouteParamtypes, ValidatedInput['in']>> = {
  [RouteParamtypes.BODY]: 'body',
  [RouteParamtypes.QUERY]: 'query',
  [RouteParamtypes.PARAM]: 'path',
};

interface RouteArgument {
  index: number;
  data?: unknown;
  pipes?: unknown[];
}

const asArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** `['products', ':id/stock']` to `/products/:id/stock`; no segment is `/`. */
function joinPath(...parts: string[]): string {
  const path = parts
    .flatMap((part) => part.split('/'))
    .filter((segment) => segment.length > 0)
    .join('/');
  return `/${path}`;
}

/** The guard classes of a handler: the controller's first, as Nest runs them. */
function guardsOf(controller: Type, handler: object): Array<Type<CanActivate>> {
  const guards = [...asArray<unknown>(Reflect.getMetadata(GUARDS_METADATA, controller)), ...asArray<unknown>(Reflect.getMetadata(GUARDS_METADATA, handler))];
  return guards.map((guard) => (typeof guard === 'function' ? guard : (guard as object).constructor) as Type<CanActivate>);
}

/**
 * The inputs a handler validates, read from the pipes on its parameters: a ZodValidationPipe
 * carries the schema it validates with, so the document describes exactly what is enforced.
 */
function inputsOf(controller: Type, methodName: string): ValidatedInput[] {
  const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, controller, methodName) ?? {}) as Record<string, RouteArgument>;
  const inputs: ValidatedInput[] = [];
  for (const [key, argument] of Object.entries(args)) {
    const source = VALIDATED_SOURCES[Number(key.split(':')[0]) as RouteParamtypes];
    if (!source) continue;
    for (const pipe of argument.pipes ?? []) {
      if (!(pipe instanceof ZodValidationPipe)) continue;
      const schema = (pipe as ZodValidationPipe<z.ZodType>).schema;
      inputs.push(typeof argument.data === 'string' ? { in: source, name: argument.data, schema } : { in: source, schema });
    }
  }
  return inputs;
}

/** Every route a controller class declares, one per method and path. */
export function describeController(controller: Type): RouteDescription[] {
  const prefixes = asArray<string>(Reflect.getMetadata(PATH_METADATA, controller));
  const tag = controller.name.replace(/Controller$/, '');
  const routes: RouteDescription[] = [];
  for (const methodName of scanner.getAllMethodNames(controller.prototype)) {
    const handler = (controller.prototype as Record<string, object>)[methodName]!;
    const requestMethod = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
    const paths = asArray<string>(Reflect.getMetadata(PATH_METADATA, handler));
    if (requestMethod === undefined || paths.length === 0) continue;
    const method = RequestMethod[requestMethod];
    const headers = asArray<{ name: string; value: string }>(Reflect.getMetadata(HEADERS_METADATA, handler));
    const route = {
      handler: `${controller.name}.${methodName}`,
      tag,
      method,
      status: (Reflect.getMetadata(HTTP_CODE_METADATA, handler) as number | undefined) ?? (requestMethod === RequestMethod.POST ? 201 : 200),
      inputs: inputsOf(controller, methodName),
      response: Reflect.getMetadata(RESPONSE_SCHEMA, handler) as z.ZodType | undefined,
      contentType: headers.find((header) => header.name.toLowerCase() === 'content-type')?.value,
      guards: guardsOf(controller, handler),
      routeConfig: Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, handler) as Record<string, unknown> | undefined,
    };
    for (const prefix of prefixes.length > 0 ? prefixes : ['']) {
      for (const path of paths) routes.push({ ...route, path: joinPath(prefix, path) });
    }
  }
  return routes;
}
