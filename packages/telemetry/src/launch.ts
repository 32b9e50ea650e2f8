import { startTelemetry, type Telemetry } from './start-telemetry.js';

/** What a service's `bootstrap.ts` exports: starts the app with the running telemetry. */
export interface ServiceEntry {
  bootstrap(telemetry: Telemetry): Promise<unknown>;
}

/**
 * The whole of a service's main.ts: `launchService('catalog', () => import('./bootstrap.js'))`.
 * Tracing must start before Nest, Fastify and ioredis load, so the app's module graph is
 * imported only once the SDK runs. A failed start prints why (every bad config key, or the
 * stack) and exits 1.
 */
export async function launchService(serviceName: string, loadEntry: () => Promise<ServiceEntry>): Promise<void> {
  try {
    const telemetry = await startTelemetry({ serviceName });
    const { bootstrap } = await loadEntry();
    await bootstrap(telemetry);
  } catch (error) {
    // A ConfigError's message already lists every bad key; its stack would only add noise.
    const text = error instanceof Error ? (error.name === 'ConfigError' ? error.message : (error.stack ?? error.message)) : String(error);
    process.stderr.write(`${serviceName} failed to start: ${text}\n`);
    process.exit(1);
  }
}
