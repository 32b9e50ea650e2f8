import { performance } from 'node:perf_hooks';
import { BadGatewayException, GatewayTimeoutException, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { EventContract, EventPayload, RpcContract, RpcRequest, RpcResponse, ServiceName } from '@platform/contracts';
import { callId, remainingMs } from '@platform/deadlines';
import type { MetricsService } from '@platform/metrics';
import { StreamsClient } from '@platform/streams-transport';
import { firstValueFrom, timeout } from 'rxjs';
import type { RpcClientProxy as ClientProxy } from './client-factory.js';
import { type RpcOutcome, toHttpException } from './rpc-errors.js';

export interface RpcClientOptions {
  /** The calling service, for connection names and logs. */
  caller: string;
  /** One client per downstream service. */
  clients: Readonly<Record<ServiceName, ClientProxy>>;
  /** The client of every service not in `clients`. */
  fallback?: ClientProxy | undefined;
  /** The client domain events are published through. */
  events?: ClientProxy | undefined;
  /** The default deadline of a call. */
  timeoutMs: number;
  metrics?: MetricsService | undefined;
}

/**
 * The one way a service calls another: `call(contract, payload)` routes to the client of
 * the service that owns the contract, enforces a deadline, checks the reply against the
 * contract and turns every failure into the HTTP error the caller should answer with.
 */
export class RpcClient implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RpcClient.name);
  private readonly duration;

  constructor(private readonly options: RpcClientOptions) {
    this.duration = options.metrics?.histogram({
      name: 'rpc_client_duration_seconds',
      help: 'Duration of calls to other services, by target service, pattern and outcome.',
      labelNames: ['target', 'pattern', 'outcome'],
    });
    const repeated = options.metrics?.counter({
      name: 'rpc_client_repeated_total',
      help: 'Calls not sent because their request id was already recorded (a retry, a resend): answered with the first call\'s replies (replayed), left to the reply of an earlier call of this caller (duplicate), or refused while another caller\'s runs (in_progress).',
      labelNames: ['pattern', 'answer'],
    });
    if (!repeated) return;
    for (const [, client] of this.entries()) {
      if (client instanceof StreamsClient) client.onRepeat((pattern, answer) => repeated.inc({ pattern, answer }));
    }
  }

  /** Connects in the background, so the first request does not pay for it. */
  onModuleInit(): void {
    for (const [service, client] of this.entries()) {
      client.connect().catch((error: unknown) => {
        this.logger.warn(`${service}: not connected yet (${error instanceof Error ? error.message : String(error)}); will retry on use`);
      });
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled(this.entries().map(([, client]) => client.close()));
  }

  /** Whether each downstream connection is up now (connecting if needed, within `timeoutMs`). */
  async connectionStates(timeoutMs: number): Promise<Record<string, 'connected' | 'unreachable'>> {
    const states = await Promise.all(
      this.entries().map(async ([name, client]) => {
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
        });
        try {
          await Promise.race([client.connect(), deadline]);
          return [name, 'connected'] as const;
        } catch {
          return [name, 'unreachable'] as const;
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    return Object.fromEntries(states);
  }

  /**
   * Sends a request and waits for its reply, at most `timeoutMs`, and never past the deadline
   * of the request being handled (@platform/deadlines): the calls of one HTTP request share
   * its budget. Once that is spent the call is not sent at all: 504 at once, nothing ran.
   */
  async call<C extends RpcContract>(
    contract: C,
    payload: RpcRequest<C>,
    options: { timeoutMs?: number } = {},
  ): Promise<RpcResponse<C>> {
    const client = this.options.clients[contract.service] ?? this.options.fallback;
    if (!client) throw new Error(`no client is configured for ${contract.service} (${contract.pattern})`);
    const left = remainingMs();
    const timeoutMs = Math.min(options.timeoutMs ?? this.options.timeoutMs, left ?? Number.POSITIVE_INFINITY);
    const started = performance.now();
    let outcome: RpcOutcome = 'ok';
    if (timeoutMs <= 0) {
      outcome = 'expired';
      this.duration?.observe({ target: contract.service, pattern: contract.pattern, outcome }, 0);
      throw new GatewayTimeoutException(`the request's deadline passed before ${contract.service} was called (${contract.pattern}); nothing was sent`);
    }
    try {
      // The Streams transport carries the deadline to the handler, which drops expired work,
      // and, within a named operation (an Idempotency-Key), a request id that is the same when
      // the operation is retried: the handler's first reply answers the retry.
      // The Streams client bounds a call by its own deadline and answers with a promise; Nest's
      // clients answer with an Observable that only the timeout operator bounds.
      const reply: unknown =
        client instanceof StreamsClient
          ? await client.call(contract.pattern, payload, { timeoutMs, ...requestIdOf(contract) })
          : await firstValueFrom(client.send(contract.pattern, payload).pipe(timeout(timeoutMs)));
      const parsed = contract.response.safeParse(reply);
      if (!parsed.success) {
        outcome = 'server_error';
        this.logger.error(`${contract.pattern}: reply does not match the contract: ${parsed.error.message}`);
        throw new BadGatewayException(`${contract.service} answered ${contract.pattern} with an invalid reply`);
      }
      return parsed.data as RpcResponse<C>;
    } catch (error) {
      if (outcome !== 'ok') throw error;
      const mapped = toHttpException(error, { service: contract.service, pattern: contract.pattern, timeoutMs });
      outcome = mapped.outcome;
      throw mapped.exception;
    } finally {
      this.duration?.observe(
        { target: contract.service, pattern: contract.pattern, outcome },
        (performance.now() - started) / 1_000,
      );
    }
  }

  /** Publishes a domain event; resolves once the transport accepted it. */
  async emit<C extends EventContract>(event: C, payload: EventPayload<C>): Promise<void> {
    const client = this.options.events;
    if (!client) throw new Error(`no event transport is configured (publishing ${event.name})`);
    try {
      await firstValueFrom(client.emit(event.name, event.payload.parse(payload)).pipe(timeout(this.options.timeoutMs)), {
        defaultValue: undefined,
      });
    } catch (error) {
      throw toHttpException(error, { service: 'the event bus', pattern: event.name, timeoutMs: this.options.timeoutMs }).exception;
    }
  }

  /** Every distinct client once, named by the first service that uses it. */
  private entries(): Array<[string, ClientProxy]> {
    const named = new Map<ClientProxy, string>();
    for (const [service, client] of Object.entries(this.options.clients)) {
      if (client && !named.has(client)) named.set(client, service);
    }
    if (this.options.fallback && !named.has(this.options.fallback)) named.set(this.options.fallback, 'services');
    if (this.options.events && !named.has(this.options.events)) named.set(this.options.events, 'events');
    return [...named].map(([client, name]) => [name, client]);
  }
}

/**
 * The request id of a call within a named operation (see callId), and how long the callee
 * keeps its reply; nothing for a read-only request, which a retry may simply run again: a
 * random id, which nobody records.
 */
function requestIdOf(contract: RpcContract): { requestId?: string; keepReplyMs?: number } {
  if (contract.readOnly) return {};
  const call = callId(contract.pattern);
  return call ? { requestId: call.id, keepReplyMs: call.keepReplyMs } : {};
}
