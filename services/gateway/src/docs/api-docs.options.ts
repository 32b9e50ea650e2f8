import { createRequire } from 'node:module';
import { AdminTokenGuard } from '@platform/http';
import { idempotencyKeyParameter } from '@platform/idempotency';
import type { OpenApiOptions } from '@platform/openapi';
import { BULL_BOARD_PATH } from '../admin/bull-board.js';
import { SessionGuard } from '../auth/session.guard.js'; // @example
import { sessionCookieName } from '../auth/sessions.js'; // @example
import type { GatewayConfig } from '../config.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

/**
 * What the gateway's API document cannot read from the routes themselves: its title, what
 * each guard asks of a client, and Bull Board, which is mounted as Fastify routes of its own.
 * Paths, parameters, bodies and responses all come from the controllers (@platform/openapi).
 */
export function gatewayApiDocs(config: GatewayConfig): OpenApiOptions {
  return {
    info: {
      title: 'Platform gateway',
      version,
      description:
        'The platform\'s public HTTP API. Errors are JSON `{statusCode, error, message}`; bad input is a 400 that changes nothing. ' +
        `A route that calls another service answers 504 when it gets no reply within ${config.RPC_TIMEOUT_MS} ms.`,
    },
    securitySchemes: {
      adminToken: { type: 'http', scheme: 'bearer', description: 'The ADMIN_TOKEN: `Authorization: Bearer $ADMIN_TOKEN`.' },
      adminBasic: { type: 'http', scheme: 'basic', description: 'For a browser: any user name, the ADMIN_TOKEN as password (Bull Board only).' },
      session: { type: 'apiKey', in: 'cookie', name: sessionCookieName(config.COOKIE_SECURE), description: 'The session cookie POST /auth/login sets.' }, // @example
    },
    guards: [
      { guard: AdminTokenGuard, scheme: 'adminToken' },
      { guard: SessionGuard, scheme: 'session' }, // @example
    ],
    // Idempotency-Key on the routes registerIdempotencyKeys serves it on (one rule for both).
    headers: [idempotencyKeyParameter({ ttlSeconds: config.IDEMPOTENCY_TTL_SECONDS })],
    mounts: [
      {
        path: BULL_BOARD_PATH,
        summary: 'Bull Board, the web UI of the queues',
        description: `Every route under ${BULL_BOARD_PATH}/ that this document does not list is Bull Board's own UI and API (its files, its JSON for the UI), not a contract of this platform.`,
        security: ['adminToken', 'adminBasic'],
      },
    ],
  };
}
