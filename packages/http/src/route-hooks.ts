import 'reflect-metadata';
import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants.js';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';

/** The request and reply hooks a Fastify route may have of its own. */
const ROUTE_HOOK_NAMES = [
  'onRequest',
  'preParsing',
  'preValidation',
  'preHandler',
  'preSerialization',
  'onSend',
  'onResponse',
  'onTimeout',
  'onError',
  'onRequestAbort',
] as const;

export type RouteHookName = (typeof ROUTE_HOOK_NAMES)[number];

const ROUTE_HOOKS: ReadonlySet<string> = new Set(ROUTE_HOOK_NAMES);

type AnyHook = (this: unknown, ...args: unknown[]) => unknown;

/** Appends `hook` to a route's own `name` hooks (run after the application's hooks of that name), in an onRoute hook. */
export function addRouteHook(route: RouteOptions, name: RouteHookName, hook: unknown): void {
  const hooks = route as unknown as Record<RouteHookName, unknown>;
  const current = hooks[name];
  hooks[name] = [...(current === undefined ? [] : Array.isArray(current) ? current : [current]), hook];
}

/**
 * A Nest method decorator that adds `fields` to the Fastify route config Nest passes on
 * (`@RouteConfig`), keeping what decorators below it set: `@RouteConfig(...)` itself replaces
 * it, so write it lowest. Hooks read the config in onRoute (`route.config`) or per request
 * (`request.routeOptions.config`).
 */
export function withRouteConfig(fields: Readonly<Record<string, unknown>>): MethodDecorator {
  return (_target, _key, descriptor) => {
    const handler = descriptor.value as object;
    const config = (Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, handler) ?? {}) as Record<string, unknown>;
    Reflect.defineMetadata(FASTIFY_ROUTE_CONFIG_METADATA, { ...config, ...fields }, handler);
  };
}

/**
 * Where a route-scoped plugin's hooks run: `true` on every request of the route, `false`
 * nowhere on it, or a test of each request (the hooks of a request it refuses are skipped).
 */
export type HookScope = boolean | ((request: FastifyRequest) => boolean);

/** A Fastify plugin in either style (a callback or a promise), e.g. a package's default export. */
export type AnyFastifyPlugin<Options> =
  | ((instance: FastifyInstance, options: Options, done: (error?: Error) => void) => void)
  | ((instance: FastifyInstance, options: Options) => Promise<void>);

/**
 * Registers a Fastify plugin whose request hooks belong to some routes only: its decorators go
 * on `fastify` as usual, while every hook it adds becomes a route hook (onRoute) of the routes
 * `scope` selects, and no other route runs it. Call it before the routes are registered
 * (bootstrapService's `configure`: Nest registers its routes at listen).
 *
 * Fastify scopes hooks by encapsulation only, and Nest registers every controller's route on
 * the root instance, so a plugin such as @fastify/session (a hook on every request, which
 * builds a signed session for each anonymous one) could not otherwise be kept to the routes
 * that use it. The plugin is run against a view of `fastify` whose addHook records the hook
 * instead of adding it; everything else it calls (decorate, decorateRequest, ...) reaches
 * `fastify` itself. A plugin that adds an application hook (onReady, onRoute, ...) is refused,
 * as those cannot be scoped to routes.
 */
export async function registerForRoutes<Options>(
  fastify: FastifyInstance,
  plugin: AnyFastifyPlugin<Options>,
  options: Options,
  scope: (route: RouteOptions) => HookScope,
): Promise<void> {
  const hooks: Array<{ name: RouteHookName; hook: AnyHook }> = [];
  const view: FastifyInstance = Object.create(fastify, {
    addHook: {
      value(name: string, hook: AnyHook) {
        if (!ROUTE_HOOKS.has(name)) throw new Error(`registerForRoutes: the plugin adds an application hook (${name}), which cannot be kept to some routes`);
        hooks.push({ name: name as RouteHookName, hook });
        return view;
      },
    },
    // Decorators must land on the instance itself (Fastify's decorate writes to `this`).
    decorate: { value: (...args: Parameters<FastifyInstance['decorate']>) => (fastify.decorate(...args), view) },
    decorateRequest: { value: (...args: Parameters<FastifyInstance['decorateRequest']>) => (fastify.decorateRequest(...args), view) },
    decorateReply: { value: (...args: Parameters<FastifyInstance['decorateReply']>) => (fastify.decorateReply(...args), view) },
  });
  await new Promise<void>((resolve, reject) => {
    const settled = (error?: Error) => (error ? reject(error) : resolve());
    const result = (plugin as (instance: FastifyInstance, options: Options, done: (error?: Error) => void) => unknown)(view, options, settled);
    if (result instanceof Promise) result.then(() => resolve(), reject);
  });
  fastify.addHook('onRoute', (route) => {
    const where = scope(route);
    if (where === false) return;
    for (const { name, hook } of hooks) addRouteHook(route, name, where === true ? hook : onlyWhen(hook, where));
  });
}

/** `hook`, skipped (its `done` called at once, the payload passed on) for a request `when` refuses. */
function onlyWhen(hook: AnyHook, when: (request: FastifyRequest) => boolean): AnyHook {
  return function scopedHook(this: unknown, request: unknown, reply: unknown, ...rest: unknown[]) {
    if (when(request as FastifyRequest)) return hook.call(this, request, reply, ...rest);
    // (request, reply, done) or, for onSend and preSerialization, (request, reply, payload, done).
    const done = rest.at(-1) as (error: null, payload?: unknown) => void;
    if (rest.length === 2) done(null, rest[0]);
    else done(null);
    return undefined;
  };
}
