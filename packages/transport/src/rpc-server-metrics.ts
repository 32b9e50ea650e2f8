import { performance } from 'node:perf_hooks';
import type { MetricsService } from '@platform/metrics';
import { StreamsServer } from '@platform/streams-transport';
import { isHandlerRegistry, type MessageHandler, type TraceableMicroservice, wrapMessageHandlers } from '@platform/telemetry';
import { isObservable, tap } from 'rxjs';
import { type HandledOutcome, handledOutcome } from './rpc-outcome.js';

/**
 * Records every handled message in `rpc_server_duration_seconds` by pattern and outcome, and
 * the work skipped because its caller's deadline had passed in `rpc_server_expired_total`:
 * `stage="queued"` when the Streams transport dropped it before any handler took it,
 * `stage="handler"` when the handler stopped before an irreversible step (`throwIfExpired`,
 * outcome `expired`); and the repeats of requests already seen, which the Streams transport
 * answers without their handler, in `rpc_server_repeated_total`.
 *
 * It wraps the transport's message handlers rather than being a Nest interceptor: one with
 * an interceptor runs every message through two deferred Observables, two async resources
 * and an execution context: about a tenth of catalog's CPU per `/test1` request, measured
 * side by side (bench/analysis.md). A message's outcome is read off the error reply the filter
 * made (see handledOutcome), so it is the same whatever the transport.
 */
export class RpcServerMetrics {
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

  /**
   * Measures every message the microservice's handlers take, those registered already and
   * those registered later. Each message is measured once, from the handler's call (guards,
   * pipes and the exception filter included) until its reply completes or fails; an event
   * with several handlers is one message. A Streams transport also reports the requests it
   * answers without a handler: dropped for their expired deadline, or repeats of an id it saw.
   */
  instrument(microservice: TraceableMicroservice): void {
    const server = microservice.getTransportServer();
    if (!isHandlerRegistry(server)) throw new Error('RpcServerMetrics: not a Nest transport server (needs @nestjs/microservices 12 or later)');
    wrapMessageHandlers(server, (handler, pattern) => this.measured(handler, pattern));
    if (server instanceof StreamsServer) {
      server.onExpired((pattern) => this.expired.inc({ pattern, stage: 'queued' }));
      server.onRepeat((pattern, answer) => this.repeated.inc({ pattern, answer }));
    }
  }

  private measured(handler: MessageHandler, pattern: string): MessageHandler {
    const kind = handler.isEventHandler ? 'event' : 'request';
    return async (data, rpcContext) => {
      const started = performance.now();
      const observe = (outcome: HandledOutcome) => {
        this.duration.observe({ pattern, kind, outcome }, (performance.now() - started) / 1_000);
        if (outcome === 'expired') this.expired.inc({ pattern, stage: 'handler' });
      };
      let result: unknown;
      try {
        result = await handler(data, rpcContext);
      } catch (error) {
        observe(handledOutcome(error));
        throw error;
      }
      if (!isObservable(result)) {
        observe('ok');
        return result;
      }
      return result.pipe(tap({ complete: () => observe('ok'), error: (error: unknown) => observe(handledOutcome(error)) }));
    };
  }
}
