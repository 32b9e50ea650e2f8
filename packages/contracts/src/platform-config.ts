import { z } from 'zod';

/**
 * The central configuration document kept in Redis and applied live by every service
 * (`GET/PUT /admin/config`). Keys are flat and dotted, `<area>.<setting>`. The whole
 * document is validated at once; a key absent from Redis takes its default here, so a
 * service starts with defaults when no document exists yet.
 */
export const PlatformConfig = z
  .object({
    'auth.loginMaxAttempts': z.number().int().min(1).max(1_000).default(5),
    'auth.loginWindowSeconds': z.number().int().min(1).max(86_400).default(60),
    'auth.resetTokenTtlSeconds': z.number().int().min(1).max(86_400).default(900),
    /** At most one reset email per account in this many seconds (0: one for every request). */
    'auth.resetEmailIntervalSeconds': z.number().int().min(0).max(86_400).default(60),
    'catalog.cacheTtlSeconds': z.number().int().min(1).max(86_400).default(60),
  })
  .strict();

export type PlatformConfig = z.output<typeof PlatformConfig>;
export type PlatformConfigKey = keyof PlatformConfig;

/** The defaults, for a service that finds no document in Redis. */
export const PLATFORM_CONFIG_DEFAULTS: PlatformConfig = Object.freeze(PlatformConfig.parse({}));
