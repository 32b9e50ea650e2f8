import 'reflect-metadata';
import { Controller, type INestMicroservice, Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientTCP, Ctx, type MicroserviceOptions, Payload, TcpContext, Transport, EventPattern } from '@nestjs/microservices';
import { defineEvent, defineRpc } from '@platform/contracts';
import { freePort } from '@platform/testing';
import { firstValueFrom } from 'rxjs';
import { z } from 'zod';
import { HandlesEvent, HandlesRequest } from './contract-handlers.js';
import { RpcErrorFilter } from './rpc-error.filter.js';
import { ContractHandlersError, findHandlerProblems, HandledContractsModule } from './handled-contracts.js';

const Shop = {
  getItem: defineRpc('catalog', 'getItem', {
    request: z.object({ id: z.uuid(), limit: z.number().int().default(10) }).strict(),
    response: z.object({ id: z.string() }),
  }),
  putItem: defineRpc('catalog', 'putItem', { request: z.object({ id: z.uuid() }).strict(), response: z.object({}) }),
} as const;
const Register = defineRpc('accounts', 'register', { request: z.object({}), response: z.object({}) });
const ItemViewed = defineEvent('item.viewed', z.object({ id: z.uuid() }).strict());

const ID = '5b1c3b6e-9a52-4b8f-8a8e-4f0c1d2e3f40';

/** Starts `controllers` as a real TCP microservice checked against `handles`; rejects as Nest's init does. */
async function start(controllers: Type[], handles: Parameters<typeof HandledContractsModule.forService>[0]['handles']): Promise<INestMicroservice> {
  @Module({ imports: [HandledContractsModule.forService({ service: 'catalog', handles })], controllers })
  class SpecModule {}
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(SpecModule, {
    transport: Transport.TCP,
    options: { host: '127.0.0.1', port: await freePort() },
    logger: false,
    abortOnError: false,
  });
  app.useGlobalFilters(new RpcErrorFilter());
  await app.init();
  return app;
}

describe('@HandlesRequest and @HandlesEvent', () => {
  const seen: unknown[] = [];

  @Controller()
  class ShopController {
    @HandlesRequest(Shop.getItem)
    get(@Payload() request: z.output<typeof Shop.getItem.request>, @Ctx() context: TcpContext) {
      seen.push(context instanceof TcpContext);
      return { id: request.id, limit: request.limit };
    }

    @HandlesRequest(Shop.putItem)
    put() {
      return {};
    }

    @HandlesEvent(ItemViewed)
    viewed(@Payload() event: z.output<typeof ItemViewed.payload>) {
      seen.push(event);
    }
  }

  it('subscribes to the contract pattern and validates the payload with its schema', async () => {
    const port = await freePort();
    @Module({ imports: [HandledContractsModule.forService({ service: 'catalog', handles: [Shop, ItemViewed] })], controllers: [ShopController] })
    class SpecModule {}
    const app = await NestFactory.createMicroservice<MicroserviceOptions>(SpecModule, {
      transport: Transport.TCP,
      options: { host: '127.0.0.1', port },
      logger: false,
    });
    app.useGlobalFilters(new RpcErrorFilter());
    await app.listen();
    const client = new ClientTCP({ host: '127.0.0.1', port });
    try {
      // Parsed by the schema (default applied); the context parameter is left alone.
      expect(await firstValueFrom(client.send(Shop.getItem.pattern, { id: ID }))).toEqual({ id: ID, limit: 10 });
      expect(seen).toEqual([true]);
      await expect(firstValueFrom(client.send(Shop.getItem.pattern, { id: 'nope', extra: 1 }))).rejects.toMatchObject({
        statusCode: 400,
        message: expect.stringMatching(/id: .*; .*extra/),
      });
      // A handler without parameters is validated all the same (Nest passes it the payload).
      await expect(firstValueFrom(client.send(Shop.putItem.pattern, {}))).rejects.toMatchObject({ statusCode: 400 });
      expect(await firstValueFrom(client.send(Shop.putItem.pattern, { id: ID }))).toEqual({});
    } finally {
      client.close();
      await app.close();
    }
  });

  it('refuses, when the class is defined, a handler that would not get the whole payload', () => {
    expect(() => {
      class PartialPayload {
        @HandlesRequest(Shop.getItem)
        get(@Payload('id') _id: string) {
          return {};
        }
      }
      return PartialPayload;
    }).toThrow('@HandlesRequest(catalog.getItem) on PartialPayload.get: take the whole payload with @Payload(), not @Payload("id")');
    expect(() => {
      class ContextOnly {
        @HandlesEvent(ItemViewed)
        viewed(@Ctx() _context: unknown) {
          return undefined;
        }
      }
      return ContextOnly;
    }).toThrow('@HandlesEvent(item.viewed) on ContextOnly.viewed: the handler has parameters but none is @Payload()');
  });
});

describe('the boot check of handled contracts', () => {
  it('lets a service start whose contracts have exactly one handler each', async () => {
    @Controller()
    class Items {
      @HandlesRequest(Shop.getItem)
      get() {
        return {};
      }

      @HandlesRequest(Shop.putItem)
      put() {
        return {};
      }
    }
    const app = await start([Items], [Shop]);
    await expect(app.close()).resolves.toBeUndefined();
  });

  it('fails the start naming every contract without a handler, with two, or not its own, and every undeclared handler', async () => {
    @Controller()
    class First {
      @HandlesEvent(ItemViewed)
      viewed() {
        return undefined;
      }

      @HandlesRequest(Register)
      register() {
        return {};
      }
    }
    @Controller()
    class Second {
      @HandlesEvent(ItemViewed)
      alsoViewed() {
        return undefined;
      }

      @EventPattern<string>('item.bare')
      bare(_event: unknown) {
        return undefined;
      }
    }

    const error = await start([First, Second], [Shop.getItem, ItemViewed]).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ContractHandlersError);
    expect((error as Error).message).toBe(
      [
        'catalog cannot start: its message handlers do not match the contracts it handles:',
        '  - First.register handles accounts.register (request), which catalog does not list among the contracts it handles',
        '  - Second.bare is declared with a bare pattern ("item.bare"); declare it from its contract with @HandlesRequest or @HandlesEvent',
        '  - catalog.getItem (request) has no handler; add a method with @HandlesRequest(<its contract>)',
        '  - item.viewed (event) has 2 handlers (First.viewed, Second.alsoViewed); keep one',
      ].join('\n'),
    );
  });

  it('refuses to serve another service’s request contract', () => {
    expect(findHandlerProblems({ service: 'catalog', handles: [Register] }, [{ where: 'A.register', handled: { kind: 'request', contract: Register } }])).toEqual([
      'accounts.register (request) belongs to accounts; catalog must not answer it',
    ]);
  });

  it('lets a service without handlers serve nothing', () => {
    expect(findHandlerProblems({ service: 'metrics-exporter', handles: [] }, [])).toEqual([]);
  });
});
