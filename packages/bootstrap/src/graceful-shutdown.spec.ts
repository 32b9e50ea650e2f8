import { ReadinessState } from '@platform/health';
import Fastify from 'fastify';
import { closeConnectionsWhileDraining } from './graceful-shutdown.js';

describe('closeConnectionsWhileDraining', () => {
  it('keeps connections alive while ready, and asks clients to reconnect elsewhere once draining', async () => {
    const fastify = Fastify();
    const readiness = new ReadinessState();
    closeConnectionsWhileDraining(fastify, readiness);
    fastify.get('/x', () => ({ ok: true }));
    const url = `${await fastify.listen({ port: 0, host: '127.0.0.1' })}/x`;
    try {
      const before = await fetch(url);
      expect(before.headers.get('connection')).toBe('keep-alive');
      await before.text();

      readiness.markDraining();
      const during = await fetch(url);
      expect(during.status).toBe(200);
      expect(await during.json()).toEqual({ ok: true });
      expect(during.headers.get('connection')).toBe('close');
    } finally {
      await fastify.close();
    }
  });
});
