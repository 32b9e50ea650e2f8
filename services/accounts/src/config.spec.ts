import { configProblems } from '@platform/testing';
import { loadAccountsConfig } from './config.js';

describe('accounts config', () => {
  it('starts from the documented defaults', () => {
    const config = loadAccountsConfig({ REDIS_URL: 'redis://127.0.0.1:6390' });
    expect(config.PORT).toBe(3003);
    expect(config.redis).toMatchObject({ url: 'redis://127.0.0.1:6390' });
  });

  it('refuses a bad environment, naming every bad key', () => {
    const problems = configProblems(() => loadAccountsConfig({ PORT: 'http', LOG_LEVEL: 'chatty' }));
    expect(problems.map((problem) => problem.split(':')[0]).sort()).toEqual(['LOG_LEVEL', 'PORT', 'REDIS_URL']);
  });
});
