import Fastify from 'fastify';
import { instrumentHttpServer, MetricsService } from './index.js';

describe('metrics', () => {
  it('returns the same metric when asked twice by name', () => {
    const metrics = new MetricsService('spec');
    const first = metrics.counter({ name: 'things_total', help: 'things', labelNames: ['kind'] });
    expect(metrics.counter({ name: 'things_total', help: 'things', labelNames: ['kind'] })).toBe(first);
  });

  it('runs the beforeScrape hooks before rendering, so a metric they register is in that scrape', async () => {
    const metrics = new MetricsService('spec');
    let scrapes = 0;
    metrics.beforeScrape(async () => {
      scrapes += 1;
      metrics.counter({ name: 'discovered_total', help: 'Registered by a hook.' }).inc(scrapes);
    });
    expect(await metrics.scrape()).toContain('discovered_total{service="spec"} 1');
    expect(await metrics.scrape()).toContain('discovered_total{service="spec"} 3');
  });

  it('labels HTTP durations by route template and leaves probes out', async () => {
    const metrics = new MetricsService('spec');
    const app = Fastify();
    instrumentHttpServer(app, metrics, new Set(['/health/live']));
    app.get('/products/:id', async () => ({ ok: true }));
    app.get('/health/live', async () => ({ ok: true }));
    // A real socket: light-my-request's inject needs require(esm), which jest lacks on Node 20.
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    for (const path of ['/products/42', '/products/43', '/health/live', '/missing/7']) await fetch(`${base}${path}`);
    const text = await metrics.registry.metrics();
    expect(text).toContain('http_server_request_duration_seconds_count{service="spec",method="GET",route="/products/:id",status_code="200"} 2');
    expect(text).toContain('route="unmatched",status_code="404"} 1');
    expect(text).not.toMatch(/\/products\/4[23]|\/missing\/7|health/);
    expect(text).toContain('process_resident_memory_bytes');
    await app.close();
  });
});
