import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** Every admin route lives under this prefix: the live config, the dead letters, Bull Board. */
export const ADMIN_PATH = '/admin';

/**
 * Headers on every answer under /admin (Bull Board's pages, its API and static files, Nest's
 * admin routes, 401s and 404s alike): no other site may frame them. A browser keeps Bull
 * Board's Basic credentials, so a page that framed it could make an operator's clicks act on
 * the queues (clickjacking). `X-Frame-Options` for older browsers, CSP `frame-ancestors` for
 * the rest. A hook on the root instance, run first, rather than per route: routes added later
 * (Bull Board's, a new admin controller) are covered without a list.
 */
export function registerAdminHeaders(app: NestFastifyApplication): void {
  app.getHttpAdapter().getInstance().addHook('onRequest', (request, reply, done) => {
    if (isAdminPath(request.url)) void reply.header('x-frame-options', 'DENY').header('content-security-policy', "frame-ancestors 'none'");
    done();
  });
}

function isAdminPath(url: string): boolean {
  const path = url.split('?', 1)[0]!;
  return path === ADMIN_PATH || path.startsWith(`${ADMIN_PATH}/`);
}
