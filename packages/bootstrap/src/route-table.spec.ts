import Fastify from 'fastify';
import { recordRoutes } from './route-table.js';

describe('recordRoutes', () => {
  it('lists every route registered after it, sorted, without the HEAD twins of GET routes', async () => {
    const fastify = Fastify();
    const routes = recordRoutes(fastify);
    fastify.get('/b/:id', () => 'b');
    fastify.post('/a', () => 'a');
    fastify.route({ method: ['PUT', 'DELETE'], url: '/c', handler: () => 'c' });
    // A plugin's routes too (Bull Board mounts its UI this way).
    await fastify.register(async (plugin) => {
      plugin.get('/ui/*', () => 'ui');
      plugin.head('/ui/', () => '');
    }, { prefix: '/admin' });
    await fastify.ready();
    expect(routes()).toEqual(['DELETE /c', 'GET /admin/ui/*', 'GET /b/:id', 'HEAD /admin/ui/', 'POST /a', 'PUT /c']);
    await fastify.close();
  });
});
