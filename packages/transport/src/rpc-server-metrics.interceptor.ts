import { performance } from 'node:perf_hooks';
import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { DeadlineExceededError, OverloadedError } from '@platform/deadlines';
import type { MetricsService } from '@platform/metrics';
import type { MicroserviceOptions } from '@nestjs/microservices';
import { type RepeatAnswer, StreamsServer } from '@platform/streams-transport';
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
 * watchStreamsRequests), `stage="handler"` when the handler stopped before an irreversible
 * step (`throwIfExpired`, outcome `expired`); and the repeats of requests already seen, answered
 * without their handler, in `rpc_server_repeated_total` (see watchStreamsRequests).
 */
@Injectable()
export class RpcServerMetricsInterceptor implements NestInterceptor {
  private readonly duration;
  private readonly expired;
  private readonly repeated;

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
    this.repeated = metrics.counter({
      name: 'rpc_server_repeated_total',
      help: 'Requests whose id was already seen (a resend, a retry), answered without running the handler: with the first replies (replayed), not at all as a copy of one being handled (duplicate), or refused while another caller\'s runs (in_progress).',
      labelNames: ['pattern', 'answer'],
    });
  }

  /** Counts a request skipped for its expired deadline. */
  countExpired(pattern: string, stage: 'queued' | 'handler'): void {
    this.expired.inc({ pattern, stage });
  }

  /** Counts a repeated request answered without its handler. */
  countRepeated(pattern: string, answer: RepeatAnswer): void {
    this.repeated.inc({ pattern, answer });
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

/**
 * Counts, in `metrics`, the requests a Streams transport answers without a handler: dropped
 * for their expired deadline, or repeats of a request id it had seen.
 */
export function watchStreamsRequests(transport: MicroserviceOptions, metrics: RpcServerMetricsInterceptor): void {
  const strategy: unknown = 'strategy' in transport ? transport.strategy : undefined;
  if (!(strategy instanceof StreamsServer)) return;
  strategy.onExpired((pattern) => metrics.countExpired(pattern, 'queued'));
  strategy.onRepeat((pattern, answer) => metrics.countRepeated(pattern, answer));
}
