import { configProblems } from '@platform/testing';
import { loadLegacyConfig } from './config.js';

describe('legacy config', () => {
  it('starts from the documented defaults', () => {
    const config = loadLegacyConfig({ REDIS_URL: 'redis://127.0.0.1:6390' });
    expect(config.PORT).toBe(3001);
    expect(config.TCP_PORT).toBe(4000);
    expect(config.redis).toMatchObject({ url: 'redis://127.0.0.1:6390' });
  });

  it('refuses a bad environment, naming every bad key', () => {
    const problems = configProblems(() => loadLegacyConfig({ PORT: 'http', LOG_LEVEL: 'chatty' }));
    expect(problems.map((problem) => problem.split(':')[0]).sort()).toEqual(['LOG_LEVEL', 'PORT', 'REDIS_URL']);
  });
});
