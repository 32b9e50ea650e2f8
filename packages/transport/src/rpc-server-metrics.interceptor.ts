import { performance } from 'node:perf_hooks';
import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { DeadlineExceededError, OverloadedError } from '@platform/deadlines';
import type { MetricsService } from '@platform/metrics';
import type { MicroserviceOptions } from '@nestjs/microservices';
import { StreamsServer } from '@platform/streams-transport';
import { type Observable, tap } from 'rxjs';
import { isRemoteError } from './rpc-errors.js';

// Nest's own metadata keys (@nestjs/microservices constants), read from the handler itself so
// the labels are the declared pattern whatever the transport's context object offers.
const PATTERN_METADATA = 'microservices:pattern';
const PATTERN_HANDLER_METADATA = 'microservices:handler_type';
const EVENT_HANDLER = 2;

const labelsByHandler = new WeakMap<object, { pattern: string; kind: 'request' | 'event' }>();

function handlerLabels(handler: object): { pattern: string; kind: 'request' | 'event' } {
  let labels = labelsByHandler.get(handler);
  if (!labels) {
    const patterns = (Reflect.getMetadata(PATTERN_METADATA, handler) as unknown[] | undefined) ?? [];
    const first = patterns[0];
    labels = {
      pattern: typeof first === 'string' ? first : JSON.stringify(first ?? 'unknown'),
      kind: Reflect.getMetadata(PATTERN_HANDLER_METADATA, handler) === EVENT_HANDLER ? 'event' : 'request',
    };
    labelsByHandler.set(handler, labels);
  }
  return labels;
}

/**
 * Records every handled message in `rpc_server_duration_seconds` by pattern and outcome, and
 * the work skipped because its caller's deadline had passed in `rpc_server_expired_total`:
 * `stage="queued"` when the transport dropped it before any handler took it (see
 * watchExpiredRequests), `stage="handler"` when the handler stopped before an irreversible
 * step (`throwIfExpired`, outcome `expired`).
 */
@Injectable()
export class RpcServerMetricsInterceptor implements NestInterceptor {
  private readonly duration;
  private readonly expired;

  constructor(metrics: MetricsService) {
    this.duration = metrics.histogram({
      name: 'rpc_server_duration_seconds',
      help: 'Duration of handling requests and events from other services, by pattern and outcome.',
      labelNames: ['pattern', 'kind', 'outcome'],
    });
    this.expired = metrics.counter({
      name: 'rpc_server_expired_total',
      help: 'Requests not handled (queued) or stopped (handler) because their caller\'s deadline had passed, by pattern.',
      labelNames: ['pattern', 'stage'],
    });
  }

  /** Counts a request skipped for its expired deadline. */
  countExpired(pattern: string, stage: 'queued' | 'handler'): void {
    this.expired.inc({ pattern, stage });
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const { pattern, kind } = handlerLabels(context.getHandler());
    const started = performance.now();
    const observe = (outcome: string) =>
      this.duration.observe({ pattern, kind, outcome }, (performance.now() - started) / 1_000);
    return next.handle().pipe(
      tap({
        complete: () => observe('ok'),
        error: (error: unknown) => {
          if (error instanceof DeadlineExceededError) {
            observe('expired');
            this.countExpired(pattern, 'handler');
            return;
          }
          if (error instanceof OverloadedError) return observe('overloaded');
          const status = isRemoteError(error) ? error.statusCode : (error as { status?: number })?.status;
          observe(typeof status === 'number' && status < 500 ? 'client_error' : 'server_error');
        },
      }),
    );
  }
}

/** Counts, in `metrics`, the requests a Streams transport drops unhandled for their expired deadline. */
export function watchExpiredRequests(transport: MicroserviceOptions, metrics: RpcServerMetricsInterceptor): void {
  const strategy: unknown = 'strategy' in transport ? transport.strategy : undefined;
  if (strategy instanceof StreamsServer) strategy.onExpired((pattern) => metrics.countExpired(pattern, 'queued'));
}
