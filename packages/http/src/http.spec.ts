import { type ExecutionContext, HttpException, NotFoundException, UnauthorizedException } from '@nestjs/common';
import { z } from 'zod';
import { AdminTokenGuard, RESPONSE_SCHEMA, Returns, toErrorBody } from './index.js';

const contextWith = (authorization?: string) =>
  ({ switchToHttp: () => ({ getRequest: () => ({ headers: { authorization } }) }) }) as unknown as ExecutionContext;

describe('AdminTokenGuard', () => {
  const guard = new AdminTokenGuard('a-very-long-admin-token');

  it('lets the right bearer token through', () => {
    expect(guard.canActivate(contextWith('Bearer a-very-long-admin-token'))).toBe(true);
  });

  it.each([undefined, '', 'Bearer', 'Bearer wrong', 'Basic a-very-long-admin-token', 'Bearer a-very-long-admin-token-and-more'])(
    'refuses %p with 401',
    (header) => {
      expect(() => guard.canActivate(contextWith(header))).toThrow(UnauthorizedException);
    },
  );

  it('refuses everything when no token is configured', () => {
    expect(() => new AdminTokenGuard(undefined).canActivate(contextWith('Bearer '))).toThrow(UnauthorizedException);
    expect(() => new AdminTokenGuard(undefined).canActivate(contextWith('Bearer undefined'))).toThrow(UnauthorizedException);
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
