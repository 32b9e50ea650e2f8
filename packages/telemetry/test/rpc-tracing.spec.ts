import { Controller, type INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientTCP, Ctx, EventPattern, MessagePattern, Payload, type TcpContext, Transport } from '@nestjs/microservices';
import { context, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api';
import type { InMemorySpanExporter } from '@opentelemetry/sdk-trace-node';
import { freePort, waitFor } from '@platform/testing';
import { firstValueFrom, NEVER, timeout } from 'rxjs';
import { traceRpcClient } from '../src/rpc-client-tracing.js';
import { traceRpcServer } from '../src/rpc-server-tracing.js';
import { CountingSampler, spanNamed, startInMemoryTracing } from './support/in-memory-tracing.js';

/** Which handlers of `event.fanout` ran. */
const fanout: string[] = [];

@Controller()
class ProbeController {
  @MessagePattern('metadata.echo')
  echo(@Ctx() context: TcpContext) {
    return context.getMetadata() ?? {};
  }

  /** The trace context the handler runs in. */
  @MessagePattern('context.echo')
  activeContext() {
    const active = trace.getSpanContext(context.active());
    return active ? { traceId: active.traceId, spanId: active.spanId, traceFlags: active.traceFlags } : null;
  }

  @MessagePattern('never.replies')
  neverReplies(@Payload() _data: unknown) {
    return NEVER;
  }

  @EventPattern('event.fails')
  fails(@Payload() _data: unknown) {
    throw new Error('handler broke');
  }

  @EventPattern('event.fanout')
  first(@Payload() _data: unknown) {
    fanout.push('first');
  }
}

/** A second handler of one event: Nest chains them, and both must still run. */
@Controller()
class SecondListener {
  @EventPattern('event.fanout')
  second(@Payload() _data: unknown) {
    fanout.push('second');
  }
}

@Module({ controllers: [ProbeController, SecondListener] })
class ProbeModule {}

describe('Nest transport tracing, client and server in one process', () => {
  let tracing: ReturnType<typeof startInMemoryTracing>;
  let exporter: InMemorySpanExporter;
  const sampler = new CountingSampler();
  let microservice: INestMicroservice;
  let client: ClientTCP;

  beforeAll(async () => {
    tracing = startInMemoryTracing(sampler);
    exporter = tracing.exporter;
    const port = await freePort();
    microservice = await NestFactory.createMicroservice(ProbeModule, {
      transport: Transport.TCP,
      options: { host: '127.0.0.1', port },
      logger: false,
    });
    // Traced before Nest registers the handlers (the e2e fixtures trace after, as a hybrid
    // app does after connectMicroservice): each handler is wrapped as it is added.
    traceRpcServer(microservice);
    await microservice.listen();

    client = new ClientTCP({ host: '127.0.0.1', port });
    // A hook someone set before tracing (a tenant header, say) keeps working.
    client.setOnDispatchHook((packet) => {
      packet.metadata = { ...packet.metadata, tenant: 'acme' };
    });
    traceRpcClient(client);
    await client.connect();
  });

  afterAll(async () => {
    await client?.close();
    await microservice?.close();
    await tracing.stop();
  });

  beforeEach(() => {
    exporter.reset();
    fanout.length = 0;
    sampler.asked.length = 0;
  });

  it('sends the client span as W3C traceparent in the packet metadata, next to existing metadata', async () => {
    const metadata = await firstValueFrom(client.send<Record<string, string>>('metadata.echo', {}));

    const { traceId, spanId } = spanNamed(exporter, 'metadata.echo', SpanKind.CLIENT).spanContext();
    expect(metadata).toEqual({ tenant: 'acme', traceparent: `00-${traceId}-${spanId}-01` });
    const serverSpan = spanNamed(exporter, 'metadata.echo', SpanKind.SERVER);
    expect(serverSpan.parentSpanContext?.spanId).toBe(spanId);
    expect(serverSpan.attributes).toMatchObject({ 'rpc.method': 'metadata.echo', 'nestjs.transport': 'tcp' });
  });

  it('fails the client span of a call the caller gave up on', async () => {
    await expect(firstValueFrom(client.send('never.replies', {}).pipe(timeout(200)))).rejects.toThrow('Timeout has occurred');

    const clientSpan = spanNamed(exporter, 'never.replies');
    expect(clientSpan.status).toEqual({ code: SpanStatusCode.ERROR, message: 'no reply before the caller unsubscribed' });
  });

  it('publishes an event as a PRODUCER span and fails the CONSUMER span of a handler that throws', async () => {
    await trace.getTracer('test').startActiveSpan('caller', { kind: SpanKind.SERVER }, async (caller) => {
      await firstValueFrom(client.emit('event.fails', {}), { defaultValue: undefined });
      caller.end();
    });

    const producer = spanNamed(exporter, 'send event.fails');
    expect(producer.kind).toBe(SpanKind.PRODUCER);
    expect(producer.parentSpanContext?.spanId).toBe(spanNamed(exporter, 'caller').spanContext().spanId);
    const consumer = await waitFor('the consumer span', () =>
      exporter.getFinishedSpans().find((span) => span.name === 'process event.fails'),
    );
    expect(consumer.kind).toBe(SpanKind.CONSUMER);
    expect(consumer.parentSpanContext?.spanId).toBe(producer.spanContext().spanId);
    // The span records the reply Nest's exception filter made of it; the stack is in the log.
    expect(consumer.status).toEqual({ code: SpanStatusCode.ERROR, message: 'Internal server error' });
    expect(consumer.attributes).toMatchObject({ 'messaging.operation.type': 'process', 'messaging.destination.name': 'event.fails' });
  });

  it('keeps every handler of one event running, in one CONSUMER span', async () => {
    await firstValueFrom(client.emit('event.fanout', {}), { defaultValue: undefined });

    const consumer = await waitFor('the consumer span', () =>
      exporter.getFinishedSpans().find((span) => span.name === 'process event.fanout'),
    );
    expect(fanout.sort()).toEqual(['first', 'second']);
    expect(consumer.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('starts no span in a trace the caller did not sample, and hands the caller its context on', async () => {
    // What a request the gateway did not sample carries: its trace id, the `00` flags.
    const unsampled = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: TraceFlags.NONE };
    const inUnsampledTrace = trace.setSpanContext(context.active(), unsampled);

    const handledIn = await context.with(inUnsampledTrace, () => firstValueFrom(client.send('context.echo', {})));
    await context.with(inUnsampledTrace, () => firstValueFrom(client.emit('event.fanout', {}), { defaultValue: undefined }));

    // The handler continues the caller's trace, unsampled, so whatever it calls follows the decision.
    expect(handledIn).toEqual({ ...unsampled, traceFlags: TraceFlags.NONE });
    // Neither side made a span only to find it would not be recorded: the sampler was never asked.
    await waitFor('both handlers of the event', () => fanout.length === 2 || undefined);
    expect(sampler.asked).toEqual([]);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});
