import { Logger } from '@nestjs/common';
import {
  type CustomTransportStrategy,
  type MessageHandler,
  Server,
  type WritePacket,
} from '@nestjs/microservices';
import { runWithDeadline } from '@platform/deadlines';
import { closeRedis } from '@platform/redis';
import type { Redis } from 'ioredis';
import { isObservable, lastValueFrom, type Observable, throwError } from 'rxjs';
import { type Connection, openConnection, type StreamsStatus } from './connections.js';
import { DeadLetters } from './dead-letters.js';
import { decodeEvent, decodeRequest, encodeReply, type EventEnvelope, replyElement, replyEntry, type RequestEnvelope } from './envelope.js';
import { GroupReader, type GroupStream } from './group-reader.js';
import { InFlight } from './in-flight.js';
import { type StreamKeys, streamKeys } from './keys.js';
import { type ResolvedServerOptions, resolveServerOptions, type StreamsServerOptions } from './options.js';
import { Reclaimer } from './reclaimer.js';
import { execResults, type StreamEntry } from './redis-replies.js';
import { type RedisCommand, ReplyWriter } from './reply-writer.js';
import { type Admission, forgetRunning, type RepeatAnswer, RequestMemory, repeatAnswerOf, saysNothingWasDone, stillInProgress } from './request-memory.js';
import { StreamsContext } from './streams-context.js';
import { withinTime } from './timers.js';
import { incomingContext, runInContext } from './trace.js';

/** The transport id of this strategy, for `@MessagePattern(pattern, REDIS_STREAMS_TRANSPORT)`. */
export const REDIS_STREAMS_TRANSPORT = Symbol.for('@platform/streams-transport');

/** A previous version's inbox stream keeps about this many replies; its client reads them as they come. */
export const INBOX_MAX_LENGTH = 10_000;
/** The longest listen() waits for Redis to create the consumer groups. */
const LISTEN_WAIT_MS = 5_000;

/** A reply list nobody reads any more (its client died) disappears this long after the last reply. */
export const INBOX_TTL_MS = 5 * 60_000;
/** INBOX_TTL_MS as PEXPIRE's argument, written once rather than for every reply. */
const INBOX_TTL_ARGUMENT = String(INBOX_TTL_MS);

interface Route {
  kind: 'request' | 'event';
  pattern: string;
  handler: MessageHandler;
  /** Payload paths that never reach a dead letter (the handlers' `sensitive` extras). */
  sensitive: readonly string[];
  /** Whether repeats of a request are answered from memory (all but `readOnly` handlers). */
  remembered: boolean;
}

/**
 * What a handler may declare for this transport, as Nest pattern extras:
 * `@MessagePattern('accounts.login', { sensitive: ['password'] })`. @platform/transport's
 * `@HandlesRequest` / `@HandlesEvent` pass the fields their contract marks sensitive.
 */
export interface StreamsHandlerExtras {
  /**
   * Payload fields replaced by "[redacted]" when the message is set aside as a dead letter:
   * field names joined by dots, `*` for every field of an object, arrays looked through
   * (`password`, `card.number`, `items.secret`).
   */
  sensitive?: readonly string[];
  /**
   * The handler changes nothing (a lookup): running it twice is harmless, so the server does
   * not remember its request ids (one Redis command less per request). @platform/transport
   * passes the contract's `readOnly`.
   */
  readOnly?: boolean;
}

type Listener = (...args: unknown[]) => void;

/**
 * The server strategy: `NestFactory.createMicroservice(AppModule, { strategy: new StreamsServer(options) })`.
 * Each `@MessagePattern` reads the request stream of its pattern and each `@EventPattern` the
 * event stream of its pattern, all in one consumer group named after the service, so every
 * message is handled by one replica of the service. An entry is acknowledged only once it was
 * answered or handled, set aside as malformed, or dropped as expired.
 */
export class StreamsServer extends Server<Record<string, Listener>, StreamsStatus> implements CustomTransportStrategy {
  override transportId = REDIS_STREAMS_TRANSPORT;
  /** Event handler failures are awaited and reported here (and retried), not left to Nest. */
  override readonly propagatesEventHandlerErrors = true;
  protected override readonly logger = new Logger(StreamsServer.name);

  private readonly options: ResolvedServerOptions;
  private readonly keys: StreamKeys;
  private readonly replyPrefixes: readonly string[];
  private readonly inFlight: InFlight;
  private readonly routes = new Map<string, Route>();
  private readonly pendingListeners: Array<[string, Listener]> = [];
  private readonly expiredListeners: Array<(pattern: string) => void> = [];
  private readonly repeatListeners: Array<(pattern: string, answer: RepeatAnswer) => void> = [];
  private reader: Connection | undefined;
  private writer: Connection | undefined;
  private replies: ReplyWriter | undefined;
  private groupReader: GroupReader | undefined;
  private reclaimer: Reclaimer | undefined;
  private deadLetters: DeadLetters | undefined;
  private memory: RequestMemory | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: StreamsServerOptions) {
    super();
    this.options = resolveServerOptions(options);
    this.keys = streamKeys(this.options.keyPrefix);
    this.replyPrefixes = [this.keys.repliesPrefix, this.keys.inboxPrefix];
    this.inFlight = new InFlight(this.options.maxInFlight);
  }

  /**
   * Calls `listener` with the pattern of each request dropped unhandled because its deadline
   * had passed before a handler took it (the platform counts them in its metrics).
   */
  onExpired(listener: (pattern: string) => void): void {
    this.expiredListeners.push(listener);
  }

  /**
   * Calls `listener` for each repeat of a request id this service had already seen (an ioredis
   * resend, a caller's retry under the same id): answered from memory, not handled again.
   */
  onRepeat(listener: (pattern: string, answer: RepeatAnswer) => void): void {
    this.repeatListeners.push(listener);
  }

  /** Starts consuming; resolves once the consumer groups exist, or after 5 s while Redis is down. */
  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      await this.start();
      callback();
    } catch (error) {
      callback(error);
    }
  }

  /** Stops reading, lets running handlers finish (up to drainTimeoutMs), then disconnects. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  /** Registers a listener for events of both Redis connections (e.g. 'error', 'ready'). */
  on(event: string, callback: Listener): void {
    if (this.reader && this.writer) {
      this.reader.redis.on(event, callback);
      this.writer.redis.on(event, callback);
    } else {
      this.pendingListeners.push([event, callback]);
    }
  }

  /** `[reader, writer]`: the blocking connection and the one for acks, replies and claims. */
  unwrap<T>(): T {
    if (!this.reader || !this.writer) throw new Error('Not listening yet: call listen() first.');
    return [this.reader.redis, this.writer.redis] as T;
  }

  private async start(): Promise<void> {
    const { redis, service, consumer } = this.options;
    for (const [pattern, handler] of this.messageHandlers) {
      const kind = handler.isEventHandler ? 'event' : 'request';
      const key = kind === 'event' ? this.keys.event(pattern) : this.keys.request(pattern);
      this.routes.set(key, { kind, pattern, handler, sensitive: sensitiveFieldsOf(handler), remembered: !isReadOnly(handler) });
    }
    if (this.routes.size === 0) {
      this.logger.warn(`${service} has no @MessagePattern or @EventPattern handlers; nothing to consume`);
      return;
    }
    const purpose = `${service}:${consumer}:streams`;
    this.reader = openConnection(redis, 'blocking', `${purpose}-reader`, this.logger);
    // Role `blocking` too: acks and replies wait for Redis to come back instead of failing.
    // The claims of one read leave in one socket write too (GroupReader corks it meanwhile).
    this.writer = openConnection(redis, 'blocking', `${purpose}-writer`, this.logger);
    for (const [event, callback] of this.pendingListeners.splice(0)) this.on(event, callback);
    this.reportStatus(this.reader.redis);

    const writer = this.writer.redis;
    this.replies = new ReplyWriter(writer);
    this.memory = new RequestMemory(writer, this.keys, this.options.claimIdleMs);
    const deadLetters = new DeadLetters(
      writer,
      service,
      this.keys.deadLetter(service),
      { maxLength: this.options.deadLetterMaxLength, retentionMs: this.options.deadLetterRetentionMs },
      this.logger,
    );
    this.deadLetters = deadLetters;
    const streams: GroupStream[] = [...this.routes].map(([key, route]) => ({
      key,
      // A new group on a request stream takes what is queued (expired requests are dropped);
      // on an event stream it starts where eventsFrom says.
      startId: route.kind === 'request' || this.options.eventsFrom === 'all' ? '0' : '$',
    }));
    const reclaimer = new Reclaimer({
      writer,
      group: service,
      consumer,
      streams: streams.map((stream) => stream.key),
      claimIdleMs: this.options.claimIdleMs,
      batchSize: this.options.batchSize,
      inFlight: this.inFlight,
      onClaimed: (stream, entry, deliveries) => this.accept(stream, entry, deliveries),
      housekeeping: () => deadLetters.trimExpired(),
      logger: this.logger,
    });
    this.reclaimer = reclaimer;
    this.groupReader = new GroupReader({
      reader: this.reader.redis,
      readerName: this.reader.name,
      writer,
      group: service,
      consumer,
      streams,
      blockMs: this.options.blockMs,
      batchSize: this.options.batchSize,
      inFlight: this.inFlight,
      onEntry: (stream, entry) => this.accept(stream, entry, 1),
      takeOver: { intervalMs: reclaimer.intervalMs, run: () => reclaimer.takeOver() },
      logger: this.logger,
    });
    this.groupReader.start();
    this.reclaimer.start();
    const patterns = [...this.routes.values()].map((route) => route.pattern).join(', ');
    // Waiting for the groups means a message sent once listen() resolved is not missed by a
    // brand-new group. But a service must still boot (and report itself not ready) while
    // Redis is down, so the wait is bounded; the loop creates the groups when Redis is back.
    if (await withinTime(this.groupReader.ready.then(() => true), LISTEN_WAIT_MS)) {
      this.logger.log(`${service}/${consumer} consuming ${streams.length} streams: ${patterns}`);
    } else {
      this.logger.warn(`${service}/${consumer}: Redis is not reachable yet; consuming ${patterns} starts once it is`);
    }
  }

  private async shutdown(): Promise<void> {
    this.reclaimer?.stopClaiming();
    await this.groupReader?.stop();
    const left = await this.inFlight.drain(this.options.drainTimeoutMs);
    if (left > 0) {
      this.logger.warn(
        `${left} handlers still running after ${this.options.drainTimeoutMs} ms; ` +
          'their entries stay pending and another replica takes them over',
      );
    }
    this.reclaimer?.stop();
    await Promise.all([this.reader, this.writer].map((connection) => connection && closeRedis(connection.redis)));
    this.setStatus('disconnected');
  }

  private reportStatus(redis: Redis): void {
    redis.on('ready', () => this.setStatus('connected'));
    redis.on('reconnecting', () => this.setStatus('reconnecting'));
  }

  private setStatus(status: StreamsStatus): void {
    // oxlint-disable-next-line no-underscore-dangle -- Nest's name for the status subject
    this._status$.next(status);
  }

  /** Takes an entry read or claimed for this replica; ignores one it is already handling. */
  private accept(stream: string, entry: StreamEntry, deliveries: number): void {
    const route = this.routes.get(stream);
    if (!route || this.inFlight.has(stream, entry.id)) return;
    this.inFlight.run(stream, entry.id, () =>
      this.process(stream, route, entry, deliveries).catch((error: unknown) => {
        // Left unacknowledged: the entry stays pending and is retried after claimIdleMs.
        this.logger.error(`${stream} ${entry.id}: ${describe(error)}`);
      }),
    );
  }

  private async process(stream: string, route: Route, entry: StreamEntry, deliveries: number): Promise<void> {
    const { maxEntryBytes, maxDeliveries } = this.options;
    const deadLetters = this.deadLetters!;
    const origin = { sensitive: route.sensitive, deleteOriginal: route.kind === 'request' };
    if (entry.fields === null) {
      // Trimmed while pending: nothing left to handle.
      await this.ack(stream, entry.id);
      return;
    }
    // Retrying an entry that keeps failing (or crashing its replica) would block the group forever.
    const poisoned = deliveries > maxDeliveries;
    const giveUp = () => deadLetters.moveAside(stream, entry, 'max-deliveries', `delivered ${deliveries} times without success`, origin);
    if (route.kind === 'request') {
      const request = decodeRequest(entry.fields, maxEntryBytes, this.replyPrefixes);
      if (!request.ok) return deadLetters.moveAside(stream, entry, request.reason, request.detail, origin);
      if (request.value.deadline <= Date.now()) {
        // The caller has already given up: handling it now would only produce side effects nobody awaits.
        this.logger.debug(`${stream} ${entry.id}: expired ${Date.now() - request.value.deadline} ms ago; dropped`);
        // Its id is forgotten too, so a retry under it runs instead of waiting for this entry.
        const { id, replyTo, memory } = request.value;
        await this.ackAndDelete(stream, entry.id, memory === 'recorded' ? forgetRunning(this.keys.handled(route.pattern, id), entry.id, replyTo) : undefined);
        for (const listener of this.expiredListeners) listener(route.pattern);
        return;
      }
      if (poisoned) return giveUp();
      await this.answer(stream, route, entry.id, request.value);
    } else {
      const event = decodeEvent(entry.fields, maxEntryBytes);
      if (!event.ok) return deadLetters.moveAside(stream, entry, event.reason, event.detail, origin);
      if (poisoned) return giveUp();
      await this.deliver(stream, route, entry, deliveries, event.value);
    }
  }

  /**
   * Answers a request: from memory when its id was seen before (see RequestMemory), else by
   * running the handler and writing each reply to the caller's reply list, the last one with the
   * XACK and the memory of the replies.
   */
  private async answer(stream: string, route: Route, entryId: string, request: RequestEnvelope): Promise<void> {
    // Only a caller of the previous version leaves the id to the server to record; a request
    // whose caller recorded it, or that nobody needs to remember, runs at once.
    const recordsHere = route.remembered && request.memory === undefined;
    const admission: Admission = recordsHere ? await this.memory!.admit(route.pattern, entryId, request) : { kind: 'run' };
    if (admission.kind !== 'run') return this.answerRepeat(stream, route, entryId, request, admission);
    const context = new StreamsContext([route.pattern, request.headers, stream, entryId]);
    let finish!: () => void;
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const sent: string[] = [];
    const respond = async (packet: WritePacket): Promise<void> => {
      const last = packet.isDisposed === true || packet.err !== undefined;
      try {
        const reply = encodeReply(request.id, packet, this.options.maxEntryBytes);
        sent.push(reply);
        const commands = this.replyCommands(request, [reply]);
        // Reply, ack and delete in one atomic call: an answered request is never redelivered,
        // and its payload (which may hold a password) does not linger until trimming. A request
        // stream has a single consumer group (the service that owns the pattern), so nobody
        // else needs the entry.
        if (last) {
          commands.push(['XACK', stream, this.options.service, entryId], ['XDEL', stream, entryId]);
          if (route.remembered && request.memory !== 'off') {
            const nothingDone = packet.err !== undefined && saysNothingWasDone(packet.err);
            commands.push(this.memory!.settle(route.pattern, request, nothingDone ? undefined : sent));
          } else if (request.memory === 'recorded') {
            // A read-only handler's caller did not know it: its record goes, nothing is kept.
            commands.push(forgetRunning(this.keys.handled(route.pattern, request.id), entryId, request.replyTo));
          }
        }
        await this.replies!.write(commands);
      } finally {
        if (last) finish();
      }
    };
    const produce = async (): Promise<Observable<unknown>> => {
      try {
        return this.transformToObservable(await route.handler(request.data, context));
      } catch (error) {
        // Nest's exception layer turns handler errors into error streams; this is only for
        // failures outside it, which must still answer the caller.
        this.logger.error(`${route.pattern}: ${describe(error)}`);
        return throwError(() => ({ status: 'error', message: 'Internal server error' }));
      }
    };
    // The handler, and every call it makes, runs under its caller's deadline (@platform/deadlines):
    // it can check it before an irreversible step, and its own calls get only what is left.
    // The handler's own calls get request ids derived from this one, so a run repeated after a
    // take-over sends the same requests, which their services answer from memory.
    const operation = { key: `${route.pattern}\n${request.id}`, keepRepliesMs: request.keepReplyMs };
    const started: unknown = runWithDeadline(
      request.deadline,
      () => runInContext(incomingContext(request.headers), () => this.handleRequest(context, produce, respond)),
      operation,
    );
    // A processing hook (instrumentation) may fail before any reply; the caller still gets one.
    Promise.resolve(started).catch((error: unknown) => {
      this.logger.error(`${route.pattern}: ${describe(error)}`);
      respond({ err: { status: 'error', message: 'Internal server error' } }).catch(() => undefined);
    });
    await finished;
  }

  /** Answers a repeated request without its handler: the first replies, nothing, or 409. */
  private async answerRepeat(stream: string, route: Route, entryId: string, request: RequestEnvelope, admission: Exclude<Admission, { kind: 'run' }>): Promise<void> {
    const answer = repeatAnswerOf(admission);
    for (const listener of this.repeatListeners) listener(route.pattern, answer);
    // A copy of a call being handled under another entry: that entry's replies reach the same
    // reply list under the same id, so this one goes without a reply.
    if (admission.kind === 'duplicate') return this.ackAndDelete(stream, entryId);
    const replies =
      admission.kind === 'replay'
        ? admission.replies
        : [encodeReply(request.id, { err: stillInProgress(route.pattern, request.id), isDisposed: true }, this.options.maxEntryBytes)];
    const commands = this.replyCommands(request, replies);
    commands.push(['XACK', stream, this.options.service, entryId], ['XDEL', stream, entryId]);
    await this.replies!.write(commands);
  }

  /** The commands that append `replies` (packet JSON) to the caller's reply list and keep it alive. */
  private replyCommands(request: RequestEnvelope, replies: string[]): RedisCommand[] {
    const { id, replyTo } = request;
    if (replyTo.startsWith(this.keys.inboxPrefix)) {
      // A caller of the previous version reads an inbox stream.
      return [
        ...replies.map((reply): RedisCommand => ['XADD', replyTo, 'MAXLEN', '~', String(INBOX_MAX_LENGTH), '*', ...replyEntry(id, reply)]),
        ['PEXPIRE', replyTo, INBOX_TTL_ARGUMENT],
      ];
    }
    const push: RedisCommand = ['RPUSH', replyTo];
    for (const reply of replies) push.push(replyElement(id, reply));
    return [push, ['PEXPIRE', replyTo, INBOX_TTL_ARGUMENT]];
  }

  /** Runs the event handlers; acknowledges on success, leaves the entry pending (to be retried) on failure. */
  private async deliver(stream: string, route: Route, entry: StreamEntry, deliveries: number, event: EventEnvelope): Promise<void> {
    const entryId = entry.id;
    const context = new StreamsContext([route.pattern, event.headers, stream, entryId]);
    try {
      await runInContext(incomingContext(event.headers), () => this.runEventHandler(route.handler, event.data, context));
    } catch (error) {
      // The handler refused the payload itself (a 4xx: it fails validation): another delivery
      // would be refused the same way, so it is set aside now instead of retried.
      if (isClientError(error)) {
        return this.deadLetters!.moveAside(stream, entry, 'rejected', describe(error), { sensitive: route.sensitive, deleteOriginal: false });
      }
      const next =
        deliveries < this.options.maxDeliveries
          ? `retried after ${this.options.claimIdleMs} ms`
          : 'it goes to the dead-letter stream next';
      this.logger.error(
        `${route.pattern} ${entryId}: handler failed (delivery ${deliveries} of ${this.options.maxDeliveries}): ${describe(error)}; ${next}`,
      );
      return;
    }
    await this.ack(stream, entryId);
  }

  /** Resolves when the handler (and any stream it returned) finished; rejects when it failed. */
  private runEventHandler(handler: MessageHandler, data: unknown, context: StreamsContext): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const started: unknown = this.runWithProcessingHooks(context, async (runEndHook) => {
        try {
          const result: unknown = await handler(data, context);
          if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
          resolve();
        } catch (error) {
          reject(error);
        } finally {
          runEndHook();
        }
      });
      // A processing hook (instrumentation) may itself fail; that must not escape as unhandled.
      Promise.resolve(started).catch(reject);
    });
  }

  private async ack(stream: string, entryId: string): Promise<void> {
    await this.writer!.redis.call('XACK', stream, this.options.service, entryId);
  }

  /** For requests only: event streams are shared by every subscribing group and keep entries. */
  private async ackAndDelete(stream: string, entryId: string, also?: RedisCommand): Promise<void> {
    const transaction = this.writer!.redis.multi().call('XACK', stream, this.options.service, entryId).call('XDEL', stream, entryId);
    if (also) transaction.call(...also);
    execResults(await transaction.exec());
  }
}

/**
 * The `sensitive` extras of a pattern's handlers (an event pattern may have several, chained
 * through `next`): all of them, so a field any handler marks is redacted.
 */
function sensitiveFieldsOf(handler: MessageHandler): string[] {
  const fields = new Set<string>();
  for (let current: MessageHandler | undefined = handler; current; current = current.next) {
    const declared = (current.extras as StreamsHandlerExtras | undefined)?.sensitive;
    if (declared === undefined) continue;
    if (!Array.isArray(declared) || !declared.every((field) => typeof field === 'string')) {
      throw new TypeError(`the sensitive extras of a handler must be a list of field paths, got ${JSON.stringify(declared)}`);
    }
    for (const field of declared) fields.add(field);
  }
  return [...fields];
}

/** Whether any of a pattern's handlers declares itself read-only (see StreamsHandlerExtras). */
function isReadOnly(handler: MessageHandler): boolean {
  return (handler.extras as StreamsHandlerExtras | undefined)?.readOnly === true;
}

/** The error a request gets while another caller's request under its id is being handled. */
/** A Nest HttpException (or its RPC form) with a 4xx status. */
function isClientError(error: unknown): boolean {
  const candidate = error as { getStatus?: () => number; statusCode?: unknown; status?: unknown } | null;
  const status =
    typeof candidate?.getStatus === 'function' ? candidate.getStatus() : typeof candidate?.statusCode === 'number' ? candidate.statusCode : candidate?.status;
  return typeof status === 'number' && status >= 400 && status < 500;
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null) {
    try {
      return JSON.stringify(error);
    } catch {
      return String(error);
    }
  }
  return String(error);
}
