import { defineQueue, type JobPolicy } from '@platform/contracts';
import { UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import { parseJob } from './parse-job.js';

const POLICY: JobPolicy = Object.freeze({
  attempts: 3,
  backoffDelayMs: 500,
  backoffJitter: 0.5,
  keepCompleted: Object.freeze({ age: 3_600, count: 100 }),
  keepFailed: Object.freeze({ age: 86_400, count: 1_000 }),
});

// A queue of this test's own: the platform's packages never import the example's.
const Greetings = defineQueue('spec-greetings', {
  jobs: {
    greet: z.object({ to: z.email(), times: z.number().int().positive().default(1) }).strict(),
    wave: z.object({ at: z.string().min(1) }),
  },
  policy: POLICY,
});

describe('parseJob', () => {
  it('answers the job name and its data as the schema outputs it (defaults applied)', () => {
    const job = parseJob(Greetings, { name: 'greet', data: { to: 'ana@example.com' } });
    expect(job).toEqual({ name: 'greet', data: { to: 'ana@example.com', times: 1 } });
    // The result narrows by name (this compiles only if it does), so a worker of several job kinds can switch on it.
    const times: number | undefined = job.name === 'greet' ? job.data.times : undefined;
    expect(times).toBe(1);
    expect(parseJob(Greetings, { name: 'wave', data: { at: 'door' } })).toEqual({ name: 'wave', data: { at: 'door' } });
  });

  it('fails invalid data for good (UnrecoverableError: no retry), naming each problem', () => {
    const invalid = { name: 'greet', data: { to: 'not-an-address', times: 0 } };
    expect(() => parseJob(Greetings, invalid)).toThrow(UnrecoverableError);
    expect(() => parseJob(Greetings, invalid)).toThrow(/^invalid spec-greetings\.greet job: to: .*; times: /);
  });

  it('fails a job name the contract does not declare for good', () => {
    const unknown = { name: 'shout', data: {} };
    expect(() => parseJob(Greetings, unknown)).toThrow(UnrecoverableError);
    expect(() => parseJob(Greetings, unknown)).toThrow('the spec-greetings queue has no job named "shout"');
  });
});
