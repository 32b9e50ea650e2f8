import { type ArgumentsHost, Catch, HttpException, Logger, type RpcExceptionFilter } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { DeadlineExceededError, OverloadedError } from '@platform/deadlines';
import { commandFailure } from '@platform/redis';
import { type Observable, throwError } from 'rxjs';
import { isRemoteError, type RemoteError } from './rpc-errors.js';
import { markOutcome } from './rpc-outcome.js';

/**
 * What a handler's failure travels back as: `{statusCode, error, message}`, so the caller
 * can answer its own client with the same status (a 404 stays a 404). Redis lost under the
 * handler is a 503 (a command never sent) or a 504 (a command's outcome unknown). Unexpected
 * errors are logged here and leave as a bare 500: their details stay in this service's log.
 */
@Catch()
export class RpcErrorFilter implements RpcExceptionFilter<unknown> {
  private readonly logger = new Logger('RpcErrorFilter');

  catch(exception: unknown, host: ArgumentsHost): Observable<never> {
    return throwError(() => this.toRemoteError(exception, host));
  }

  private toRemoteError(exception: unknown, host: ArgumentsHost): RemoteError {
    if (exception instanceof HttpException) {
      const response = exception.getResponse();
      const body = typeof response === 'object' && response !== null ? (response as Record<string, unknown>) : {};
      const message = Array.isArray(body.message) ? body.message.join('; ') : (body.message ?? response);
      return {
        statusCode: exception.getStatus(),
        error: typeof body.error === 'string' ? body.error : exception.name,
        message: String(message),
      };
    }
    if (exception instanceof RpcException && isRemoteError(exception.getError())) {
      return exception.getError() as RemoteError;
    }
    if (exception instanceof OverloadedError) {
      // Refused before anything was done: the caller answers 503 with Retry-After.
      return markOutcome(
        { statusCode: 503, error: 'Service Unavailable', message: exception.message, retryAfterSeconds: exception.retryAfterSeconds },
        'overloaded',
      );
    }
    if (exception instanceof DeadlineExceededError) {
      // Work skipped on purpose (the caller already answered 504): counted, not an error.
      return markOutcome({ statusCode: 504, error: 'Gateway Timeout', message: exception.message }, 'expired');
    }
    const pattern = host.switchToRpc().getContext<{ getPattern?: () => string }>()?.getPattern?.();
    const lostRedis = commandFailure(exception);
    if (lostRedis) {
      // Not a bug of the handler: the caller answers 503 (retry) or 504 (outcome unknown, retry
      // with the same Idempotency-Key), and the request id is not remembered with a failure.
      this.logger.warn(`${pattern ? `handling ${pattern}: ` : ''}Redis failed a command (${(exception as Error).message})`);
      return lostRedis === 'not-sent'
        ? { statusCode: 503, error: 'Service Unavailable', message: 'Redis is unreachable: the request was not completed' }
        : { statusCode: 504, error: 'Gateway Timeout', message: 'Redis did not confirm a write in time: the outcome is unknown' };
    }
    this.logger.error(exception instanceof Error ? exception : String(exception), pattern ? `handling ${pattern}` : undefined);
    return { statusCode: 500, error: 'Internal Server Error', message: 'Internal server error' };
  }
}
