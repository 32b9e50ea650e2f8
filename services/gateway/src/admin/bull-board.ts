import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AdminTokenGuard } from '@platform/http';
import { IndexedQueues, type QueueInspector } from '@platform/queues';
import type { FastifyInstance } from 'fastify';
import { isAdmin } from './admin-authorization.js';

/** Where Bull Board is served. */
export const BULL_BOARD_PATH = '/admin/queues';

/**
 * Bull Board (the queues' web UI) at /admin/queues, as Fastify routes of their own inside an
 * encapsulated plugin whose onRequest hook checks the admin token first: every route of the
 * board, its API and its static files alike, answers 401 without it. A browser is asked for
 * HTTP Basic credentials (user: anything, password: the admin token).
 *
 * The board shows every queue of the platform's queue index, read again on each request of
 * its API (the UI learns the queues only from there): a queue first produced to after boot,
 * by a service the gateway never heard of, shows without a restart.
 */
@Injectable()
export class BullBoard implements OnModuleInit {
  /** One board adapter per queue, kept across requests like the inspector it wraps. */
  private readonly adapters = new Map<QueueInspector, BullMQAdapter>();

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly queues: IndexedQueues,
    private readonly guard: AdminTokenGuard,
  ) {}

  onModuleInit(): void {
    const serverAdapter = new FastifyAdapter();
    serverAdapter.setBasePath(BULL_BOARD_PATH);
    const { replaceQueues } = createBullBoard({
      queues: [],
      serverAdapter,
      options: { uiConfig: { boardTitle: 'Platform queues' } },
    });
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    void fastify.register(
      async (board) => {
        board.addHook('onRequest', async (request, reply) => {
          if (isAdmin(this.guard, request.headers.authorization)) return;
          return reply
            .code(401)
            .header('www-authenticate', 'Basic realm="admin", charset="UTF-8"')
            .send({ statusCode: 401, error: 'Unauthorized', message: 'a valid admin token is required (Authorization: Bearer <ADMIN_TOKEN>)' });
        });
        // After the token check: a refused request does not read Redis.
        board.addHook('onRequest', async (request) => {
          if (request.url.startsWith(`${BULL_BOARD_PATH}/api/`)) replaceQueues(await this.adaptersOfIndexedQueues());
        });
        // Bull Board's API takes JSON objects; anything else (a bare string, an array) made
        // its handlers throw and answer 500. Bad input must get a 400 and change nothing.
        board.addHook('preValidation', async (request, reply) => {
          const body: unknown = request.body;
          if (body === undefined || body === null || (typeof body === 'object' && !Array.isArray(body))) return;
          return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: 'the body must be a JSON object' });
        });
        board.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) => {
          // A JSON.parse inside the board's handlers (e.g. of a job's data) is the client's input.
          const status = error instanceof SyntaxError ? 400 : (error.statusCode ?? 500);
          if (status >= 500) throw error;
          return reply.code(status).send({ statusCode: status, error: status === 400 ? 'Bad Request' : 'Error', message: error.message });
        });
        await board.register(serverAdapter.registerPlugin());
      },
      { prefix: BULL_BOARD_PATH },
    );
  }

  private async adaptersOfIndexedQueues(): Promise<BullMQAdapter[]> {
    return (await this.queues.all()).map((inspector) => {
      let adapter = this.adapters.get(inspector);
      if (!adapter) {
        // Operators retry dead letters from the board, as from the replay route.
        adapter = new BullMQAdapter(inspector.queue, { allowRetries: true });
        this.adapters.set(inspector, adapter);
      }
      return adapter;
    });
  }
}
