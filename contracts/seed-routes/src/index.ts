import { z } from 'zod';
import { defineEvent, defineRpc } from '@platform/contracts';

/**
 * The seeds' three routes: `GET /test` (TCP to legacy), `GET /test1` (request/response over
 * Redis to catalog) and `GET /test2` (an event every subscribed service receives).
 */
export const HelloRequest = z.object({ from: z.string().min(1).max(64) }).strict();

/** Who answered and over what, so a caller can see the hop it made. */
export const HelloReply = z.object({
  transport: z.string(),
  service: z.string(),
  instance: z.string(),
  message: z.string(),
  at: z.iso.datetime(),
});
export type HelloReply = z.output<typeof HelloReply>;

export const SeedPing = z
  .object({
    id: z.uuid(),
    sentAt: z.iso.datetime(),
  })
  .strict();
export type SeedPing = z.output<typeof SeedPing>;

/**
 * Both hellos only answer (nothing is written anywhere), so they are declared read-only: the
 * Streams transport does not remember their request ids (no claim before the handler, no
 * record with the reply), as running one twice changes nothing.
 */
export const SeedRpc = {
  legacyHello: defineRpc('legacy', 'hello', { request: HelloRequest, response: HelloReply, readOnly: true }),
  catalogHello: defineRpc('catalog', 'hello', { request: HelloRequest, response: HelloReply, readOnly: true }),
} as const;

export const SeedEvents = {
  /** Published by `GET /test2`; catalog, accounts and notifications subscribe. */
  ping: defineEvent('seed.ping', SeedPing),
} as const;
