import { configProblems } from '@platform/testing';
import { loadCatalogConfig } from './config.js';

describe('catalog config', () => {
  it('starts from the documented defaults', () => {
    const config = loadCatalogConfig({ REDIS_URL: 'redis://127.0.0.1:6390' });
    expect(config.PORT).toBe(3002);
    expect(config.EVENT_PUBLISH_TIMEOUT_MS).toBe(2_000);
    expect(config.redis).toMatchObject({ url: 'redis://127.0.0.1:6390' });
  });

  it('refuses a bad environment, naming every bad key', () => {
    const problems = configProblems(() => loadCatalogConfig({ PORT: 'http', LOG_LEVEL: 'chatty', EVENT_PUBLISH_TIMEOUT_MS: '0' }));
    expect(problems.map((problem) => problem.split(':')[0]).sort()).toEqual(['EVENT_PUBLISH_TIMEOUT_MS', 'LOG_LEVEL', 'PORT', 'REDIS_URL']);
  });
});
