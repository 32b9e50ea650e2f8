import { commonEnv, loadConfig, port, redisSettingsFromEnv } from '@platform/config';
import { z } from 'zod';

const NotificationsEnv = z.object({
  ...commonEnv,
  PORT: port().default(3004),
});

/** notifications' configuration, validated once at start. */
export function loadNotificationsConfig(env: NodeJS.ProcessEnv = process.env) {
  const values = loadConfig(NotificationsEnv, env);
  return { ...values, redis: redisSettingsFromEnv(values) };
}

export type NotificationsConfig = ReturnType<typeof loadNotificationsConfig>;
