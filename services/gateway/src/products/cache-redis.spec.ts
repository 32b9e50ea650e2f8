import { configProblems } from '@platform/testing';
import { loadGatewayConfig } from '../config.js';

const env = { REDIS_URL: 'redis://:pw@redis:6379', SESSION_SECRET: 'a-session-secret-of-at-least-32-chars' };

describe('the product cache Redis', () => {
  it('is the shared Redis unless CACHE_REDIS_URL names one of its own', () => {
    expect(loadGatewayConfig(env).cacheRedis).toBeUndefined();
    expect(loadGatewayConfig({ ...env, CACHE_REDIS_URL: 'rediss://:c@cache:6380/1', REDIS_TLS_CA_FILE: '/ca.pem' }).cacheRedis).toEqual({
      url: 'rediss://:c@cache:6380/1',
      tlsCaFile: '/ca.pem',
    });
  });

  it('refuses a CACHE_REDIS_URL that is not a Redis URL, without echoing it', () => {
    const problems = configProblems(() => loadGatewayConfig({ ...env, CACHE_REDIS_URL: 'http://:secret@cache' }));
    expect(problems).toEqual(['CACHE_REDIS_URL: must be a redis:// or rediss:// URL']);
  });
});
