import { launchService } from '@platform/telemetry';

// Tracing starts first; the app (Nest, Fastify, ioredis, BullMQ) is imported only after it.
await launchService('notifications', () => import('./bootstrap.js'));
