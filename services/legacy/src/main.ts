import { launchService } from '@platform/telemetry';

// Tracing starts first; the app (Nest, Fastify, ioredis) is imported only after it.
await launchService('legacy', () => import('./bootstrap.js'));
