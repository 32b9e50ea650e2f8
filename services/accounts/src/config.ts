import { commonEnv, loadConfig, port, positiveInt, redisSettingsFromEnv } from '@platform/config';
import { z } from 'zod';

const AccountsEnv = z.object({
  ...commonEnv,
  PORT: port().default(3003),
  /** Password hashes run at once by this replica (default: its cores). */
  PASSWORD_HASH_CONCURRENCY: positiveInt().max(64).optional(),
  /** How long an operation that hashes waits for a slot before it is refused (503, Retry-After). */
  PASSWORD_HASH_MAX_WAIT_MS: positiveInt().max(10_000).default(300),
});

/** accounts's configuration, validated once at start. */
export function loadAccountsConfig(env: NodeJS.ProcessEnv = process.env) {
  const values = loadConfig(AccountsEnv, env);
  return { ...values, redis: redisSettingsFromEnv(values) };
}

export type AccountsConfig = ReturnType<typeof loadAccountsConfig>;
