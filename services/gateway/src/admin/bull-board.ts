import { createBullBoard } from '@bull-board/api';
import { FastifyAdapter } from '@bull-board/fastify';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AdminTokenGuard, clientAddress } from '@platform/http';
import { IndexedQueues, type QueueInspector } from '@platform/queues';
import type { FastifyInstance } from 'fastify';
import { presentedAdminToken } from './admin-authorization.js';
import { BoardQueueAdapter, boardErrorResponse, boardErrorStatus } from './board-queue-adapter.js';

/** Where Bull Board is served. */
export const BULL_BOARD_PATH = '/admin/queues';

/**
 * Bull Board (the queues' web UI) at /admin/queues, as Fastify routes of their own inside an
 * encapsulated plugin whose onRequest hook checks the admin token first: every route of the
 * board, its API and its static files alike, answers 401 without it. A browser is asked for
 * HTTP Basic credentials (user: anything, password: the admin token). Wrong tokens count
 * against the client address as on every admin route (AdminTokenGuard.access: 429 once too
 * many), and framing is forbidden for all of /admin (admin-headers.ts).
 *
 * The board shows every queue of the platform's queue index, read again on each request of
 * its API (the UI learns the queues only from there): a queue first produced to after boot,
 * by a service the gateway never heard of, shows without a restart.
 */
@Injectable()
export class BullBoard implements OnModuleInit {
  /** One board adapter per queue, kept across requests like the inspector it wraps. */
  private readonly adapters = new Map<QueueInspector, BoardQueueAdapter>();

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
    // After createBullBoard, which sets its own: BullMQ's refusals (a job not in the state an
    // action needs, a job id BullMQ refuses) answer 4xx instead of 500.
    serverAdapter.setErrorHandler(boardErrorResponse);
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    void fastify.register(
      async (board) => {
        board.addHook('onRequest', async (request, reply) => {
          const access = await this.guard.access(presentedAdminToken(request.headers.authorization), clientAddress(request));
          if (access.granted) return;
          if (access.retryAfterSeconds !== undefined) {
            return reply
              .code(429)
              .header('retry-after', String(access.retryAfterSeconds))
              .send({ statusCode: 429, error: 'Too Many Requests', message: `too many wrong admin tokens from this address: try again in ${access.retryAfterSeconds} s` });
          }
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
        // Errors of the hooks above (Redis unreachable: 503); the board's routes have their own.
        board.setErrorHandler((error: Error, _request, reply) => {
          const status = boardErrorStatus(error);
          if (status === 500) throw error;
          return reply.code(status).send({ statusCode: status, error: status === 400 ? 'Bad Request' : 'Error', message: error.message });
        });
        await board.register(serverAdapter.registerPlugin());
      },
      { prefix: BULL_BOARD_PATH },
    );
  }

  private async adaptersOfIndexedQueues(): Promise<BoardQueueAdapter[]> {
    return (await this.queues.all()).map((inspector) => {
      let adapter = this.adapters.get(inspector);
      if (!adapter) {
        // Operators retry dead letters from the board, as from the replay route.
        adapter = new BoardQueueAdapter(inspector.queue, { allowRetries: true });
        this.adapters.set(inspector, adapter);
      }
      return adapter;
    });
  }
}
