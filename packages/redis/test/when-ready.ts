import type { Redis } from 'ioredis';
import { isRedisReady } from '../src/index.js';

/** Resolves once `client` can take commands: at once if it already can, else on its next 'ready'. */
export async function whenReady(client: Redis): Promise<void> {
  if (!isRedisReady(client)) await new Promise<void>((resolve) => client.once('ready', () => resolve()));
}
