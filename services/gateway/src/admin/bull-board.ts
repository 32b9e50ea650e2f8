import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AdminTokenGuard } from '@platform/http';
import type { FastifyInstance } from 'fastify';
import { isAdmin } from './admin-authorization.js';
import { AdminQueues } from './admin-queues.js';

/** Where Bull Board is served. */
export const BULL_BOARD_PATH = '/admin/queues';

/**
 * Bull Board (the queues' web UI) at /admin/queues, as Fastify routes of their own inside an
 * encapsulated plugin whose onRequest hook checks the admin token first: every route of the
 * board, its API and its static files alike, answers 401 without it. A browser is asked for
 * HTTP Basic credentials (user: anything, password: the admin token).
 */
@Injectable()
export class BullBoard implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly queues: AdminQueues,
    private readonly guard: AdminTokenGuard,
  ) {}

  onModuleInit(): void {
    const serverAdapter = new FastifyAdapter();
    serverAdapter.setBasePath(BULL_BOARD_PATH);
    createBullBoard({
      queues: this.queues.all.map((queue) => new BullMQAdapter(queue, { allowRetries: true })),
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
        await board.register(serverAdapter.registerPlugin());
      },
      { prefix: BULL_BOARD_PATH },
    );
  }
}
