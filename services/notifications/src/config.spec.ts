import { configProblems } from '@platform/testing';
import { loadNotificationsConfig } from './config.js';

describe('notifications config', () => {
  it('starts from the documented defaults: the dev outbox, 5 attempts from 2 s', () => {
    const config = loadNotificationsConfig({ REDIS_URL: 'redis://127.0.0.1:6390' });
    expect(config.PORT).toBe(3004);
    expect(config.redis).toMatchObject({ url: 'redis://127.0.0.1:6390' });
    expect(config.SMTP_URL).toBeUndefined();
    expect(config).toMatchObject({ EMAIL_ATTEMPTS: 5, EMAIL_BACKOFF_MS: 2_000, OUTBOX_MAX_EMAILS: 100 });
  });

  it('takes an smtp:// or smtps:// URL', () => {
    expect(loadNotificationsConfig({ REDIS_URL: 'redis://h', SMTP_URL: 'smtps://user:pw@mail.example.com:465' }).SMTP_URL).toBe(
      'smtps://user:pw@mail.example.com:465',
    );
  });

  it('refuses a bad environment, naming every bad key without echoing the SMTP password', () => {
    const problems = configProblems(() =>
      loadNotificationsConfig({ PORT: 'http', LOG_LEVEL: 'chatty', SMTP_URL: 'http://user:s3cret@mail', EMAIL_ATTEMPTS: '0', OUTBOX_MAX_EMAILS: 'many' }),
    );
    expect(problems.map((problem) => problem.split(':')[0]).sort()).toEqual(['EMAIL_ATTEMPTS', 'LOG_LEVEL', 'OUTBOX_MAX_EMAILS', 'PORT', 'REDIS_URL', 'SMTP_URL']);
    expect(problems.join('\n')).not.toContain('s3cret');
  });
});
