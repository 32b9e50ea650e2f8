/** Injection token of the product cache's Redis connection (REDIS, or CACHE_REDIS_URL's). */
export const CACHE_REDIS = Symbol('CACHE_REDIS');
