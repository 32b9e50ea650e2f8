import 'reflect-metadata';
import { Controller, type INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Payload } from '@nestjs/microservices';
import { defineEvent, defineRpc } from '@platform/contracts';
import { StreamsClient, StreamsServer } from '@platform/streams-transport';
import { RedisServer, waitFor } from '@platform/testing';
import type { Redis } from 'ioredis';
import { lastValueFrom } from 'rxjs';
import { z } from 'zod';
import { HandlesEvent, HandlesRequest } from './contract-handlers.js';

const Password = z.string().min(8).meta({ sensitive: true });
const Login = defineRpc('accounts', 'login', { request: z.object({ email: z.string(), password: Password }).strict(), response: z.object({}) });
/** Contrived (an event should not carry a password), to see the marks reach an event's dead letters. */
const Imported = defineEvent('accounts.imported', z.object({ email: z.string(), initialPassword: Password }).strict());

@Controller()
class AccountsController {
  @HandlesRequest(Login)
  login(@Payload() _credentials: z.output<typeof Login.request>) {
    return {};
  }

  @HandlesEvent(Imported)
  imported(@Payload() _event: z.output<typeof Imported.payload>): never {
    throw new Error('the mail relay is down');
  }
}

@Module({ controllers: [AccountsController] })
class AccountsModule {}

describe('sensitive contract fields on the Streams transport', () => {
  let redis: RedisServer;
  let probe: Redis;
  let app: INestMicroservice;
  let server: StreamsServer;

  beforeAll(async () => {
    redis = await RedisServer.start();
    probe = redis.client();
    server = new StreamsServer({ redis: { url: redis.url }, service: 'accounts', claimIdleMs: 100, maxDeliveries: 1 });
    app = await NestFactory.createMicroservice(AccountsModule, { strategy: server, logger: false });
    await app.listen();
  });

  afterAll(async () => {
    await app?.close();
    probe?.disconnect();
    await redis?.destroy();
  });

  it('reach the transport as the handlers’ extras, and stay out of its dead letters', async () => {
    expect(server.getHandlerByPattern(Login.pattern)?.extras).toEqual({ sensitive: ['password'] });
    expect(server.getHandlerByPattern(Imported.name)?.extras).toEqual({ sensitive: ['initialPassword'] });

    const client = new StreamsClient({ redis: { url: redis.url }, name: 'importer' });
    try {
      await lastValueFrom(client.emit(Imported.name, { email: 'ada@example.com', initialPassword: 'hunter2hunter2' }), { defaultValue: undefined });
    } finally {
      await client.close();
    }
    // The handler fails; after maxDeliveries (1) the event is set aside, its password redacted.
    const [letter] = await waitFor('the event to be set aside', async () => {
      const letters = await probe.xrange('streams:dead:accounts', '-', '+');
      return letters.length > 0 && letters;
    });
    const fields = letter![1];
    const kept = JSON.parse(fields[fields.indexOf('fields') + 1]!) as string[];
    expect(fields[fields.indexOf('reason') + 1]).toBe('max-deliveries');
    expect(JSON.parse(kept[kept.indexOf('data') + 1]!)).toEqual({ email: 'ada@example.com', initialPassword: '[redacted]' });
  });
});
