import { commonEnv, loadConfig, port, redisSettingsFromEnv } from '@platform/config';
import { z } from 'zod';

const AccountsEnv = z.object({
  ...commonEnv,
  PORT: port().default(3003),
});

/** accounts's configuration, validated once at start. */
export function loadAccountsConfig(env: NodeJS.ProcessEnv = process.env) {
  const values = loadConfig(AccountsEnv, env);
  return { ...values, redis: redisSettingsFromEnv(values) };
}

export type AccountsConfig = ReturnType<typeof loadAccountsConfig>;
