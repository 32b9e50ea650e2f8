import { randomBytes, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Logger } from '@nestjs/common';
import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { InvalidMessageException } from '@nestjs/microservices/errors/invalid-message.exception.js';
import { closeRedis, commandFailure, isRedisReady } from '@platform/redis';
import type { Redis } from 'ioredis';
import { EmptyError, Observable, throwError } from 'rxjs';
import { type Connection, openConnection, type StreamsStatus } from './connections.js';
import { decodeReply, encodeEvent, encodeRequest, replyElement } from './envelope.js';
import { StreamsTransportError } from './errors.js';
import { type StreamKeys, streamKeys } from './keys.js';
import { ReplyReader } from './reply-reader.js';
import { type Admission, enqueueRemembered, type RepeatAnswer, repeatAnswerOf, stillInProgress } from './request-memory.js';
import { type ResolvedClientOptions, resolveClientOptions, type StreamsClientOptions, trimArguments } from './options.js';
import { withinTime } from './timers.js';
import { outgoingHeaders } from './trace.js';

/** Per-call options of StreamsClient.send. */
export interface SendOptions {
  /** The deadline of this call, instead of the client's requestTimeoutMs. */
  timeoutMs?: number;
  /**
   * The request's id, when the caller chooses it (at most 128 characters): a retry under the
   * same id is answered with the first call's reply instead of being handled again (random
   * by default). `callId` of @platform/deadlines derives one per call of an operation.
   */
  requestId?: string;
  /** How long after the deadline the server keeps the reply for such a retry (default 0). */
  keepReplyMs?: number;
  /**
   * The handler writes nothing (a contract's `readOnly`): even a chosen id is not recorded,
   * and a repeat simply runs again. A random id is never recorded: it cannot come again.
   */
  readOnly?: boolean;
}

type Listener = (...args: unknown[]) => void;

/** The longest request id a server accepts (see envelope.ts). */
const MAX_REQUEST_ID_LENGTH = 128;

interface Connections {
  command: Connection;
  replyReader: Connection;
  repliesKey: string;
  replies: ReplyReader;
  /** Settles with the first connection attempt; later calls only look at the current state. */
  firstAttempt: Promise<void>;
}

/** One call's settings: its deadline, its request id and how long its reply is kept. */
interface CallOptions {
  timeoutMs: number;
  id: string;
  keepReplyMs: number;
  /** Whether the caller chose the id (see SendOptions.requestId). */
  chosenId: boolean;
  readOnly: boolean;
}

interface PendingCall {
  pattern: string;
  callback: (packet: WritePacket) => void;
  timer: NodeJS.Timeout;
  /**
   * Whether Redis answered the command that stored the request. Until it does, the call hangs
   * on the command connection: should that close, no answer comes (nothing is resent, see open()).
   */
  stored: boolean;
}

/**
 * The client proxy: `ClientsModule.register([{ name: CATALOG, customClass: StreamsClient, options }])`
 * or `new StreamsClient(options)`. `send` appends to the pattern's request stream with a
 * deadline and this instance's reply list as the reply address, and matches replies by id; `emit`
 * appends to the pattern's event stream and resolves once Redis has stored the event.
 * While Redis is unreachable both fail at once with UNAVAILABLE instead of waiting.
 */
export class StreamsClient extends ClientProxy<Record<string, Listener>, StreamsStatus> {
  private readonly logger = new Logger(StreamsClient.name);
  private readonly options: ResolvedClientOptions;
  private readonly keys: StreamKeys;
  private readonly calls = new Map<string, PendingCall>();
  private readonly listeners: Array<[string, Listener]> = [];
  private readonly repeatListeners: Array<(pattern: string, answer: RepeatAnswer) => void> = [];
  private connections: Connections | undefined;

  constructor(options: StreamsClientOptions) {
    super();
    this.options = resolveClientOptions(options);
    this.keys = streamKeys(this.options.keyPrefix);
  }

  /** Opens the connections; rejects with UNAVAILABLE when Redis cannot be reached now. */
  async connect(): Promise<void> {
    this.connections ??= this.open();
    const { command, firstAttempt } = this.connections;
    if (isRedisReady(command.redis)) return;
    await firstAttempt;
    if (!isRedisReady(command.redis)) throw unavailable('cannot connect');
  }

  /** Fails the calls still waiting (CLOSED), removes the reply list and disconnects; connect() starts afresh. */
  async close(): Promise<void> {
    const connections = this.connections;
    this.connections = undefined;
    for (const id of this.calls.keys()) {
      this.settle(id, { err: new StreamsTransportError('CLOSED', 'the client was closed before the reply arrived') });
    }
    if (!connections) return;
    await connections.replies.stop();
    const command = connections.command.redis;
    if (isRedisReady(command)) await withinTime(command.del(connections.repliesKey).catch(() => 0), 1_000);
    await closeRedis(command);
    this.setStatus('disconnected');
  }

  /** Registers a listener for events of both Redis connections (e.g. 'error', 'ready'). */
  override on(event: string, callback: Listener): void {
    this.listeners.push([event, callback]);
    if (this.connections) {
      this.connections.command.redis.on(event, callback);
      this.connections.replyReader.redis.on(event, callback);
    }
  }

  /**
   * Calls `listener` for each request not sent because its id was remembered: answered with
   * the first call's replies, left to the reply of this client's earlier call under the id,
   * or refused (409) while another caller's call under it runs. For metrics.
   */
  onRepeat(listener: (pattern: string, answer: RepeatAnswer) => void): void {
    this.repeatListeners.push(listener);
  }

  /** `[command, replyReader]`: the connection that sends and the one that reads replies. */
  unwrap<T>(): T {
    if (!this.connections) throw new Error('Not connected: call connect() first.');
    return [this.connections.command.redis, this.connections.replyReader.redis] as T;
  }

  /** Sends a request; the reply (or a handler's error object) arrives on the returned stream. */
  override send<TResult = unknown, TInput = unknown>(pattern: unknown, data: TInput, options: SendOptions = {}): Observable<TResult> {
    const invalid = invalidCall(pattern, data, options);
    if (invalid) return throwError(() => invalid);
    const call = this.callOptions(options);
    return new Observable<TResult>((observer) => {
      const sendNow = () => this.request(this.createPacket(pattern, data), this.createObserver(observer), call);
      // Connected (the usual case): sent at once, without a promise or operator chain per call.
      if (this.connections && isRedisReady(this.connections.command.redis)) return sendNow();
      let cancel: (() => void) | undefined;
      let unsubscribed = false;
      this.connect().then(
        () => {
          if (!unsubscribed) cancel = sendNow();
        },
        (error: unknown) => observer.error(error),
      );
      return () => {
        unsubscribed = true;
        cancel?.();
      };
    });
  }

  /**
   * `send` for a caller that wants the first reply as a promise: the same request, without
   * the Observable, subscriber and operator chain `firstValueFrom(send(...))` builds per call
   * (measured on the gateway's `/test1`: see bench/analysis.md). Rejects as `send` errors, with
   * rxjs' EmptyError when the handler completed without a value, as firstValueFrom does.
   * The call's own deadline (`timeoutMs`, else the client's) bounds it; no other timer is needed.
   */
  async call<TResult = unknown>(pattern: string, data: unknown, options: SendOptions = {}): Promise<TResult> {
    const invalid = invalidCall(pattern, data, options);
    if (invalid) throw invalid;
    const call = this.callOptions(options);
    if (!this.connections || !isRedisReady(this.connections.command.redis)) await this.connect();
    // The callback runs once: settle() forgets the call before handing over an error or a last
    // reply, and a first reply that is not the last forgets it here.
    return new Promise<TResult>((resolve, reject) => {
      this.request(
        this.createPacket(pattern, data),
        ({ err, response, isDisposed }) => {
          if (err !== undefined && err !== null) return reject(err);
          if (response === undefined && isDisposed) return reject(new EmptyError());
          // The first reply is the answer; a streaming handler's later ones are not awaited.
          if (!isDisposed) this.forget(call.id);
          resolve(response as TResult);
        },
        call,
      );
    });
  }

  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    return this.request(packet, callback, this.callOptions({}));
  }

  /** A call's settings: what `options` chose, else the client's timeout, a random id, no reply kept. */
  private callOptions(options: SendOptions): CallOptions {
    return {
      timeoutMs: options.timeoutMs ?? this.options.requestTimeoutMs,
      id: options.requestId ?? randomUUID(),
      chosenId: options.requestId !== undefined,
      keepReplyMs: options.keepReplyMs ?? 0,
      readOnly: options.readOnly === true,
    };
  }

  protected async dispatchEvent<T = unknown>(packet: ReadPacket): Promise<T> {
    const pattern = this.normalizePattern(packet.pattern);
    const command = this.readyCommand(`event ${pattern}`);
    const fields = encodeEvent(
      { headers: outgoingHeaders(packet.metadata), data: packet.data },
      this.options.maxEntryBytes,
      `event ${pattern}`,
    );
    try {
      await command.call('XADD', this.keys.event(pattern), ...trimArguments(this.options.trim), '*', ...fields);
    } catch (error) {
      // As for requests (see request()): once written, the event may be in the stream, and
      // "not stored" would invite a retry that publishes it twice.
      if (commandFailure(error) === 'unknown') throw unknownOutcome(`event ${pattern}`, 'stored', error);
      throw unavailable(`event ${pattern} was not stored`, error);
    }
    return undefined as T;
  }

  private request(packet: ReadPacket, callback: (packet: WritePacket) => void, { timeoutMs, id, keepReplyMs, chosenId, readOnly }: CallOptions): () => void {
    const pattern = this.normalizePattern(packet.pattern);
    const deadline = Date.now() + timeoutMs;
    // Only an id the caller chose can come again (its retry); a random one never does, as
    // the command connection resends nothing (see open()).
    const remembered = chosenId && !readOnly;
    let command: Redis;
    let fields: string[];
    try {
      // Replies are matched by id: a second call under an id this client still waits on could
      // only steal the first one's reply.
      if (this.calls.has(id)) throw new StreamsTransportError('IN_PROGRESS', `request ${pattern} was not sent: a call with the id ${id} is still waiting for its reply`);
      command = this.readyCommand(`request ${pattern}`);
      fields = encodeRequest(
        {
          id,
          replyTo: this.connections!.repliesKey,
          deadline,
          keepReplyMs,
          memory: remembered ? 'recorded' : 'off',
          headers: outgoingHeaders(packet.metadata),
          data: packet.data,
        },
        this.options.maxEntryBytes,
        `request ${pattern}`,
      );
    } catch (error) {
      callback({ err: error });
      return () => undefined;
    }
    const timer = setTimeout(() => {
      this.settle(id, { err: new StreamsTransportError('TIMEOUT', `no reply to ${pattern} within ${timeoutMs} ms (request ${id})`) });
    }, timeoutMs);
    this.calls.set(id, { pattern, callback, timer, stored: false });
    const stream = this.keys.request(pattern);
    const entry = [...trimArguments(this.options.trim), '*', ...fields];
    const failed = (error: unknown) => {
      // Only a command ioredis never wrote certainly stored nothing; after any other failure
      // Redis may hold the request, and a 503 "nothing was sent" would be a lie.
      this.settle(id, { err: commandFailure(error) === 'not-sent' ? unavailable(`request ${pattern} was not sent`, error) : unknownOutcome(`request ${pattern} (${id})`, 'handled', error) });
    };
    if (!remembered) {
      command.call('XADD', stream, ...entry).then(() => this.markStored(id), failed);
    } else {
      const replyTo = this.connections!.repliesKey;
      const { claimIdleMs } = this.options;
      enqueueRemembered(command, { stream, memoryKey: this.keys.handled(pattern, id), replyTo, deadline, claimIdleMs, entry }).then(
        (enqueued) => {
          this.markStored(id);
          if (!enqueued.appended) this.answerRepeat(pattern, id, enqueued.admission);
        },
        failed,
      );
    }
    // Unsubscribing (e.g. the caller's own timeout) forgets the call; a late reply is ignored.
    return () => this.forget(id);
  }

  /** Answers a call whose id was remembered, without the request being sent (see enqueueRemembered). */
  private answerRepeat(pattern: string, id: string, admission: Exclude<Admission, { kind: 'run' }>): void {
    const answer = repeatAnswerOf(admission);
    for (const listener of this.repeatListeners) listener(pattern, answer);
    switch (admission.kind) {
      case 'replay':
        for (const json of admission.replies) {
          const reply = decodeReply(replyElement(id, json), this.options.maxEntryBytes);
          this.settle(id, reply.ok ? reply.value.packet : { err: new Error(`the remembered reply to ${pattern} (${id}) is unreadable: ${reply.detail}`) });
        }
        return;
      case 'duplicate':
        // This client's earlier call under the id (given up on, e.g. after its timeout) is
        // still queued or running: its reply reaches this client's list under the same id.
        return;
      case 'in-progress':
        this.settle(id, { err: stillInProgress(pattern, id), isDisposed: true });
    }
  }

  /** Hands a reply (or a transport failure) to its call; the last one also forgets the call. */
  private settle(id: string, packet: WritePacket): void {
    const call = this.calls.get(id);
    if (!call) return;
    if (packet.isDisposed || packet.err !== undefined) this.forget(id);
    try {
      call.callback(packet);
    } catch (error) {
      this.logger.error(`a reply callback threw: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private markStored(id: string): void {
    const call = this.calls.get(id);
    if (call) call.stored = true;
  }

  /**
   * The command connection closed: the calls whose request Redis has not confirmed fail now
   * (UNKNOWN_OUTCOME: Redis may have stored it), not at the command timeout. ioredis neither
   * resends their commands here nor rejects them; it drops them on reconnect.
   */
  private failUnconfirmed(): void {
    for (const [id, call] of this.calls) {
      if (!call.stored) this.settle(id, { err: unknownOutcome(`request ${call.pattern} (${id})`, 'handled', new Error('the connection closed before Redis answered')) });
    }
  }

  private forget(id: string): void {
    const call = this.calls.get(id);
    if (!call) return;
    clearTimeout(call.timer);
    this.calls.delete(id);
  }

  private setStatus(status: StreamsStatus): void {
    // oxlint-disable-next-line no-underscore-dangle -- Nest's name for the status subject
    this._status$.next(status);
  }

  private readyCommand(what: string): Redis {
    const command = this.connections?.command.redis;
    if (!command) throw new StreamsTransportError('CLOSED', `${what} was not sent: the client is closed`);
    if (!isRedisReady(command)) throw unavailable(`${what} was not sent`);
    return command;
  }

  private open(): Connections {
    const { redis, name } = this.options;
    const purpose = `${name}:streams-client`;
    // Role `command`: a send while Redis is down fails in milliseconds, not at the timeout.
    // Under load many sends (and emits) are issued in one turn of the event loop: every caller
    // woken by one pop of replies, every HTTP request a gateway read in one poll. They leave in
    // one write (batchWrites: the socket corked until the loop's check phase), not by ioredis'
    // auto-pipelining (see the README's "Fewer writes").
    // Nothing is resent after a reconnect: an XADD Redis may have executed would be appended
    // twice, and a random request id is not remembered (see request()). The call fails with
    // UNKNOWN_OUTCOME instead, which a caller retries under a chosen id.
    const command = openConnection(redis, 'command', purpose, this.logger, { batchWrites: true, resendUnanswered: false });
    const replyReader = openConnection(redis, 'blocking', `${purpose}-replies`, this.logger);
    const repliesKey = this.keys.replies(`${name}:${hostname()}-${process.pid}:${randomBytes(6).toString('hex')}`);
    const replies = new ReplyReader({
      reader: replyReader.redis,
      key: repliesKey,
      maxEntryBytes: this.options.maxEntryBytes,
      onReply: (id, packet) => this.settle(id, packet),
      logger: this.logger,
    });
    for (const [event, callback] of this.listeners) {
      command.redis.on(event, callback);
      replyReader.redis.on(event, callback);
    }
    command.redis.on('close', () => this.failUnconfirmed());
    command.redis.on('ready', () => this.setStatus('connected'));
    command.redis.on('reconnecting', () => this.setStatus('reconnecting'));
    replies.start();
    return { command, replyReader, repliesKey, replies, firstAttempt: firstAttempt(command.redis) };
  }
}

/** Why a call cannot be sent as asked, if it cannot: checked before anything is sent. */
function invalidCall(pattern: unknown, data: unknown, options: SendOptions): Error | undefined {
  if (pattern === null || pattern === undefined || data === null || data === undefined) return new InvalidMessageException();
  if (options.requestId !== undefined && !(options.requestId.length > 0 && options.requestId.length <= MAX_REQUEST_ID_LENGTH)) {
    return new TypeError(`a request id must be 1 to ${MAX_REQUEST_ID_LENGTH} characters long`);
  }
  return undefined;
}

/** `what` (a request, an event) was written to Redis, which never confirmed it: it may have been `outcome`. */
function unknownOutcome(what: string, outcome: 'handled' | 'stored', cause: unknown): StreamsTransportError {
  const reason = cause instanceof Error ? ` (${cause.message})` : '';
  return new StreamsTransportError('UNKNOWN_OUTCOME', `${what} was handed to Redis, which did not confirm it${reason}: it may have been ${outcome}`, { cause });
}

function unavailable(what: string, cause?: unknown): StreamsTransportError {
  const reason = cause instanceof Error ? ` (${cause.message})` : '';
  return new StreamsTransportError('UNAVAILABLE', `${what}: Redis is unavailable${reason}`, { cause });
}

/** Resolves on the first 'ready', or on the first failure (connect() then reports UNAVAILABLE). */
function firstAttempt(redis: Redis): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      redis.off('ready', done);
      redis.off('error', done);
      redis.off('end', done);
      resolve();
    };
    redis.on('ready', done);
    redis.on('error', done);
    redis.on('end', done);
  });
}
