import { z } from 'zod';
import { defineEvent, defineRpc } from './define.js';
import { sensitiveFields } from './sensitive.js';

const Password = z.string().min(8).meta({ sensitive: true });

describe('sensitive fields', () => {
  it('finds the fields marked sensitive, wherever the marked schema is used', () => {
    const Login = z.object({ email: z.string(), password: Password }).strict();
    expect(sensitiveFields(Login)).toEqual(['password']);
    // Derived schemas keep the mark: extend, optional, nullable, defaults, a check added later.
    const Extended = Login.extend({ backup: Password.optional(), pin: z.string().meta({ sensitive: true }).max(6).nullable() });
    expect(sensitiveFields(Extended)).toEqual(['password', 'backup', 'pin']);
  });

  it('spells nested, repeated and keyed fields as the transports read them', () => {
    const Payload = z.object({
      card: z.object({ number: z.string().meta({ sensitive: true }), expiry: z.string() }),
      items: z.array(z.object({ secret: Password, id: z.number() })),
      tokens: z.record(z.string(), z.string().meta({ sensitive: true })),
      either: z.discriminatedUnion('kind', [
        z.object({ kind: z.literal('a'), token: Password }),
        z.object({ kind: z.literal('b'), token: z.string(), code: Password }),
      ]),
    });
    expect(sensitiveFields(Payload)).toEqual(['card.number', 'items.secret', 'tokens.*', 'either.token', 'either.code']);
    expect(sensitiveFields(Password)).toEqual(['']);
    expect(sensitiveFields(z.object({ a: z.string() }))).toEqual([]);
  });

  it('walks a recursive schema without looping, and refuses one with secrets at every depth', () => {
    interface Tree {
      name: string;
      children: Tree[];
    }
    const Tree: z.ZodType<Tree> = z.lazy(() => z.object({ name: z.string(), children: z.array(Tree) }));
    expect(sensitiveFields(z.object({ tree: Tree, password: Password }))).toEqual(['password']);
    interface Node {
      secret: string;
      children: Node[];
    }
    const Node: z.ZodType<Node> = z.lazy(() => z.object({ secret: Password, children: z.array(Node) }));
    expect(() => sensitiveFields(Node)).toThrow('a sensitive field under "children" is inside a recursive schema');
  });

  it('refuses a marked field whose name a path cannot spell', () => {
    expect(() => sensitiveFields(z.object({ 'a.b': Password }))).toThrow('the sensitive field "a.b" cannot be named in a path');
    expect(() => sensitiveFields(z.object({ '*': Password }))).toThrow(TypeError);
    expect(sensitiveFields(z.object({ 'a.b': z.string() }))).toEqual([]);
  });

  it('puts the request’s sensitive fields on the contract', () => {
    const login = defineRpc('accounts', 'login', { request: z.object({ email: z.string(), password: Password }), response: z.object({}) });
    expect(login.sensitive).toEqual(['password']);
    expect(Object.isFrozen(login.sensitive)).toBe(true);
    expect(defineEvent('user.renamed', z.object({ name: z.string() })).sensitive).toEqual([]);
    // Shown in JSON Schema too, so the OpenAPI document says which fields are secret.
    expect(z.toJSONSchema(Password)).toMatchObject({ type: 'string', sensitive: true });
  });
});
