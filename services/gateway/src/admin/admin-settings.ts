import { defineConfigSection } from '@platform/contracts';
import { z } from 'zod';

/**
 * The `admin.*` keys of the central live configuration: how many wrong admin tokens one client
 * address (an IPv6 one by its /64) may present in a window before every admin request from it
 * answers 429 until the window ends (AdminTokenFailuresInRedis).
 */
export const AdminSettings = defineConfigSection('admin', {
  tokenMaxFailures: z.number().int().min(1).max(1_000).default(10),
  tokenFailureWindowSeconds: z.number().int().min(1).max(86_400).default(600),
});
