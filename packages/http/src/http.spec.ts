import { type ExecutionContext, HttpException, NotFoundException, UnauthorizedException } from '@nestjs/common';
import { z } from 'zod';
import { AdminTokenBlockedException, type AdminTokenFailures, AdminTokenGuard, RESPONSE_SCHEMA, Returns, toErrorBody } from './index.js';

const contextWith = (authorization?: string, ip = '203.0.113.7') =>
  ({ switchToHttp: () => ({ getRequest: () => ({ headers: { authorization }, ip }) }) }) as unknown as ExecutionContext;

/** AdminTokenFailures in memory: `limit` wrong tokens per address, then blocked for 60 s. */
function failuresInMemory(limit: number): AdminTokenFailures & { counted: Map<string, number> } {
  const counted = new Map<string, number>();
  return {
    counted,
    async check(address, wrong) {
      const count = counted.get(address) ?? 0;
      if (count >= limit) return 60;
      if (wrong) counted.set(address, count + 1);
      return 0;
    },
  };
}

describe('AdminTokenGuard', () => {
  const guard = new AdminTokenGuard('a-very-long-admin-token');

  it('lets the right bearer token through', async () => {
    await expect(guard.canActivate(contextWith('Bearer a-very-long-admin-token'))).resolves.toBe(true);
  });

  it.each([undefined, '', 'Bearer', 'Bearer wrong', 'Basic a-very-long-admin-token', 'Bearer a-very-long-admin-token-and-more'])(
    'refuses %p with 401',
    async (header) => {
      await expect(guard.canActivate(contextWith(header))).rejects.toThrow(UnauthorizedException);
    },
  );

  it('refuses everything when no token is configured', async () => {
    await expect(new AdminTokenGuard(undefined).canActivate(contextWith('Bearer '))).rejects.toThrow(UnauthorizedException);
    await expect(new AdminTokenGuard(undefined).canActivate(contextWith('Bearer undefined'))).rejects.toThrow(UnauthorizedException);
  });

  it('charges wrong tokens to the client address, then refuses every token from it with 429', async () => {
    const failures = failuresInMemory(2);
    const limited = new AdminTokenGuard('a-very-long-admin-token', failures);
    await expect(limited.canActivate(contextWith('Bearer a-very-long-admin-token', '::ffff:203.0.113.7'))).resolves.toBe(true);
    await expect(limited.canActivate(contextWith(undefined, '203.0.113.7'))).rejects.toThrow(UnauthorizedException);
    expect(failures.counted.size).toBe(0);
    for (let i = 0; i < 2; i++) await expect(limited.canActivate(contextWith('Bearer wrong', '203.0.113.7'))).rejects.toThrow(UnauthorizedException);
    expect(failures.counted.get('203.0.113.7')).toBe(2);
    const blocked = limited.canActivate(contextWith('Bearer a-very-long-admin-token', '203.0.113.7'));
    await expect(blocked).rejects.toThrow(AdminTokenBlockedException);
    await expect(blocked).rejects.toMatchObject({ retryAfterSeconds: 60 });
    await expect(limited.canActivate(contextWith('Bearer a-very-long-admin-token', '203.0.113.8'))).resolves.toBe(true);
  });
});

describe('toErrorBody', () => {
  it('normalises Nest exceptions to {statusCode, error, message}', () => {
    expect(toErrorBody(new NotFoundException('product 7 does not exist'))).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'product 7 does not exist',
    });
    expect(toErrorBody(new HttpException('slow down', 429))).toEqual({ statusCode: 429, error: 'Too Many Requests', message: 'slow down' });
  });
});

describe('Returns', () => {
  const Greeting = z.object({ text: z.string() });

  it('records the schema on the handler, where the API document reads it', () => {
    class Greeter {
      @Returns(Greeting)
      async greet(): Promise<{ text: string }> {
        return { text: 'hello' };
      }

      // The point of the decorator: a handler that answers something else does not build
      // (`npm run typecheck` fails if this line stops being an error).
      // @ts-expect-error the return type is not Greeting's output
      @Returns(Greeting)
      count(): { count: number } {
        return { count: 1 };
      }
    }
    expect(Reflect.getMetadata(RESPONSE_SCHEMA, Greeter.prototype.greet)).toBe(Greeting);
  });
});
