/**
 * `--import` preload for services whose main.ts does not start OpenTelemetry itself: starts
 * it exactly as @platform/telemetry's launchService does, before the service's modules load.
 * Env: BENCH_SERVICE_NAME plus the standard OTEL_* variables.
 */
import { startTelemetry } from '@platform/telemetry';

await startTelemetry({ serviceName: process.env.BENCH_SERVICE_NAME ?? 'service' });
