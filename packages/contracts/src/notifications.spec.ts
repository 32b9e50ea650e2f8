import { EMAIL_JOB_POLICY, EmailAddress, emailJobId, emailJobOptions } from './index.js';

describe('notifications contracts', () => {
  it('compares addresses case-insensitively', () => {
    expect(EmailAddress.parse('  Ana@Example.COM ')).toBe('ana@example.com');
    expect(EmailAddress.safeParse('not-an-address').success).toBe(false);
  });

  it('gives one email one job id, without the address in it and without a colon', () => {
    const id = emailJobId('back-in-stock', 'p-1/2/ana@example.com');
    expect(id).toBe(emailJobId('back-in-stock', 'p-1/2/ana@example.com'));
    expect(id).not.toBe(emailJobId('back-in-stock', 'p-1/3/ana@example.com'));
    expect(id).toMatch(/^back-in-stock\.[0-9a-f]{40}$/);
    expect(id).not.toContain('ana');
  });

  it('retries with exponential backoff and jitter, and keeps finished jobs boundedly', () => {
    expect(emailJobOptions('x')).toEqual({
      jobId: 'x',
      attempts: EMAIL_JOB_POLICY.attempts,
      backoff: { type: 'exponential', delay: 2_000, jitter: 0.5 },
      removeOnComplete: { age: 86_400, count: 1_000 },
      removeOnFail: { age: 14 * 86_400, count: 10_000 },
    });
    expect(emailJobOptions('x', { attempts: 3, backoffDelayMs: 100 })).toMatchObject({ attempts: 3, backoff: { delay: 100 } });
  });
});
