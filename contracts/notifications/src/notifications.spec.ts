import { jobOptions } from '@platform/contracts';
import { EMAIL_JOB_POLICY, EmailAddress, EmailJobs, emailJobId, emailJobOptions, NotificationsQueues } from './index.js';

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

describe('queue contracts', () => {
  it('names each queue as its Redis keys do, with its jobs and the policy they are added with', () => {
    expect(NotificationsQueues.email.name).toBe('email');
    expect(Object.keys(NotificationsQueues.email.jobs)).toEqual([EmailJobs.send]);
    expect(Object.isFrozen(NotificationsQueues.email.policy)).toBe(true);
    expect(jobOptions(NotificationsQueues.email.policy, undefined)).not.toHaveProperty('jobId');
    expect(jobOptions(NotificationsQueues.email.policy, 'x', { attempts: 2 })).toMatchObject({ jobId: 'x', attempts: 2, backoff: { delay: 2_000 } });
  });
});
