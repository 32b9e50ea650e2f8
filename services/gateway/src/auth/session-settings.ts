import { defineConfigSection } from '@platform/contracts';
import { z } from 'zod';

/**
 * The `sessions.*` keys of the central live configuration (AccountSessions):
 * - `maxPerAccount`: how many sessions an account may hold at once; the login that makes one
 *   more ends the oldest. Applies from the next login of each account (a lower cap ends the
 *   surplus then, not at once).
 */
export const SessionSettings = defineConfigSection('sessions', {
  maxPerAccount: z.number().int().min(1).max(10_000).default(10),
});
