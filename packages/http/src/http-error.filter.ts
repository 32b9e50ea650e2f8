import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';

/**
 * The error body every HTTP route answers with: `{statusCode, error, message}`, and any
 * further fields an exception carries (readiness adds `details`). A schema, not only a type,
 * so the API document describes error responses from this one declaration.
 */
export const HttpErrorBody = z.looseObject({
  statusCode: z.number().int().min(400).max(599),
  error: z.string(),
  message: z.string(),
});
export type HttpErrorBody = z.output<typeof HttpErrorBody>;

const reasonPhrase = (status: number): string =>
  (HttpStatus[status] ?? 'Error')
    .toLowerCase()
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(' ');

/** Normalises any HttpException response (string, object, array of messages) to HttpErrorBody. */
export function toErrorBody(exception: HttpException): HttpErrorBody {
  const statusCode = exception.getStatus();
  const response = exception.getResponse();
  const body = typeof response === 'object' && response !== null ? (response as Record<string, unknown>) : {};
  const raw = typeof response === 'string' ? response : body.message;
  const message = Array.isArray(raw) ? raw.join('; ') : typeof raw === 'string' ? raw : exception.message;
  const error = typeof body.error === 'string' ? body.error : reasonPhrase(statusCode);
  return { ...body, statusCode, error, message };
}

/**
 * Every HTTP error leaves as JSON `{statusCode, error, message}`, as the product contract
 * says. Unknown errors become a 500 with a generic message (details go to the log only), so
 * internals never leak to a client.
 */
@Catch()
export class HttpErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    let body: HttpErrorBody;
    if (exception instanceof HttpException) {
      body = toErrorBody(exception);
    } else if (isClientError(exception)) {
      // Fastify's own errors (bad JSON, body too large, wrong content type) carry a 4xx.
      body = { statusCode: exception.statusCode, error: reasonPhrase(exception.statusCode), message: exception.message };
    } else {
      body = { statusCode: 500, error: 'Internal Server Error', message: 'Internal server error' };
    }
    if (typeof body.retryAfterSeconds === 'number') {
      // Refused for load (nothing was done): tell the client when to retry.
      void reply.header('retry-after', String(Math.max(1, Math.ceil(body.retryAfterSeconds))));
    } else if (body.statusCode >= 500) {
      this.logger.error(exception instanceof Error ? exception : String(exception));
    }
    void reply.status(body.statusCode).send(body);
  }
}

function isClientError(error: unknown): error is Error & { statusCode: number } {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  return error instanceof Error && typeof status === 'number' && status >= 400 && status < 500;
}
