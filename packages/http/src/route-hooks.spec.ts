import fastifyCookie from '@fastify/cookie';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerForRoutes } from './index.js';

/** A plugin in the style of @fastify/session: a request decorator and hooks that record each run. */
function recordingPlugin(runs: string[]) {
  return (instance: FastifyInstance, _options: unknown, done: (error?: Error) => void) => {
    instance.decorateRequest('seen', null);
    instance.addHook('onRequest', (request, _reply, next) => {
      runs.push(`onRequest ${request.url}`);
      (request as unknown as { seen: string }).seen = 'yes';
      next();
    });
    instance.addHook('onSend', (request, _reply, payload, next) => {
      runs.push(`onSend ${request.url}`);
      next(null, payload);
    });
    done();
  };
}

/** What a route answers: whether the plugin's onRequest hook ran for its request. */
const seen = (request: unknown) => ({ seen: (request as { seen: unknown }).seen });

/** A plugin that adds a hook no route can have. */
function applicationHookPlugin(instance: FastifyInstance, _options: unknown, done: (error?: Error) => void) {
  instance.addHook('onReady', (next) => next());
  done();
}

describe('registerForRoutes', () => {
  let app: FastifyInstance;
  afterEach(() => app.close());

  it('runs the plugin’s hooks on the routes it selects only, and on the requests a test lets through', async () => {
    app = Fastify();
    const runs: string[] = [];
    await registerForRoutes(app, recordingPlugin(runs), {}, (route) =>
      (route.config as Record<string, unknown> | undefined)?.['scoped'] === true ? true : route.method === 'POST' ? (request) => request.headers['x-needs'] !== undefined : false,
    );
    app.get('/scoped', { config: { scoped: true } }, (request, reply) => reply.send(seen(request)));
    app.get('/plain', (request, reply) => reply.send(seen(request)));
    app.post('/sometimes', (request, reply) => reply.send(seen(request)));

    expect((await app.inject({ url: '/scoped' })).json()).toEqual({ seen: 'yes' });
    expect((await app.inject({ url: '/plain' })).json()).toEqual({ seen: null });
    expect((await app.inject({ method: 'POST', url: '/sometimes' })).json()).toEqual({ seen: null });
    expect((await app.inject({ method: 'POST', url: '/sometimes', headers: { 'x-needs': '1' }, payload: {} })).json()).toEqual({ seen: 'yes' });
    expect((await app.inject({ url: '/missing' })).statusCode).toBe(404);
    expect(runs).toEqual(['onRequest /scoped', 'onSend /scoped', 'onRequest /sometimes', 'onSend /sometimes']);
  });

  it('keeps a real plugin’s decorators on the instance: @fastify/cookie parses and sets cookies on its routes only', async () => {
    app = Fastify();
    await registerForRoutes(app, fastifyCookie, {}, (route) => route.url === '/with');
    app.get('/with', (request, reply) => reply.setCookie('answer', String(request.cookies['asked'])).send('ok'));
    app.get('/without', (request, reply) => reply.send({ cookies: request.cookies }));

    const withCookies = await app.inject({ url: '/with', headers: { cookie: 'asked=42' } });
    expect(withCookies.headers['set-cookie']).toBe('answer=42; SameSite=Lax');
    expect((await app.inject({ url: '/without', headers: { cookie: 'asked=42' } })).json()).toEqual({ cookies: null });
    expect(typeof app.parseCookie).toBe('function');
  });

  it('refuses a plugin that adds an application hook', async () => {
    app = Fastify();
    await expect(registerForRoutes(app, applicationHookPlugin, {}, () => true)).rejects.toThrow('application hook (onReady)');
  });
});
