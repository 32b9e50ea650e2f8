import { existsSync } from 'node:fs';
import { inParallel } from '@platform/testing';
import { Redis } from 'ioredis';
import { waitForIdle } from '../cpu.js';
import type { Fixture } from '../fixture-process.js';
import type { AutocannonFigures } from '../fixtures/http-load.js';
import { serviceDist } from '../paths.js';
import { ms, rate, Recorder, rotation, times } from '../results.js';
import { type Scenario, type ScenarioContext, type ScenarioOutcome, skipped } from '../scenario.js';
import { Stack, stopAll } from '../stacks.js';
import { ratio } from '../stats.js';
import { startLoad } from './http-variants.js';
import { adminHeaders, requestJson } from './platform-http.js';

const VARIANTS = [
  { id: 'on', label: 'limiter on (as shipped)' },
  { id: 'off', label: 'limiter off (bench preload)' },
] as const;

const USERS = 8;
const PASSWORD = 'correct horse battery staple';

/**
 * Registers `user` and confirms the registration with the token of its verification email,
 * read from the email queue (no notifications runs in this stack to send it). Each user from
 * an address of its own, as the login load sends them.
 */
async function registerAccount(stack: Stack, user: { email: string; password: string }): Promise<void> {
  const gateway = stack.url('gateway');
  const registered = await requestJson(`${gateway}/auth/register`, { method: 'POST', json: user, headers: { 'x-forwarded-for': addressOf(user.email) } });
  if (registered.status !== 202) throw new Error(`POST /auth/register answered ${registered.status}: ${JSON.stringify(registered.body)}`);
  const redis = new Redis(stack.redisUrl);
  try {
    const jobs = await Promise.all((await redis.lrange('bull:email:wait', 0, -1)).map((id) => redis.hget(`bull:email:${id}`, 'data')));
    const email = jobs.map((data) => JSON.parse(data ?? '{}')).find((job) => job.template === 'verify-email' && job.to === user.email);
    if (!email) throw new Error(`no verification email queued for ${user.email}`);
    const confirmed = await requestJson(`${gateway}/auth/register/confirm`, { method: 'POST', json: { token: email.data.token } });
    if (confirmed.status !== 201) throw new Error(`POST /auth/register/confirm answered ${confirmed.status}: ${JSON.stringify(confirmed.body)}`);
  } finally {
    redis.disconnect();
  }
}

/** A client address of the bench's own per email (registrations are limited per address). */
function addressOf(email: string): string {
  let sum = 0;
  for (const char of email) sum = (sum * 31 + char.charCodeAt(0)) % 250;
  return `10.1.0.${sum + 1}`;
}

/**
 * Issue 8 §6: `POST /auth/login` through the gateway with accounts' login limiter as
 * shipped, and with it replaced by a no-op (a preload; there is no switch). Two loads:
 * legitimate logins (8 users, each from its own address, right password) and a guessing
 * flood (one account, one address, wrong password).
 */
export const loginScenario: Scenario = {
  id: 'login',
  title: 'Login limiter (POST /auth/login)',
  async run(context: ScenarioContext): Promise<ScenarioOutcome> {
    const { settings } = context;
    if (!existsSync(serviceDist('accounts', 'auth/login-limiter.js'))) return skipped('accounts has no login limiter build yet');
    const stacks: Partial<Record<'on' | 'off', Stack>> = {};
    let load: Fixture | undefined;
    const recorder = new Recorder();
    const statuses: Record<string, Record<string, number>> = {};
    try {
      // The gateway takes the client address from X-Forwarded-For (as behind a proxy), so the
      // bench can be many clients.
      const gateway = { name: 'gateway' as const, env: { TRUST_PROXY: 'true' } };
      [stacks.on, stacks.off] = await Promise.all([
        Stack.start(context, 'login-on', [{ name: 'accounts' }, gateway]),
        Stack.start(context, 'login-off', [{ name: 'accounts', preloads: ['login-limiter-off'] }, gateway]),
      ]);
      const users = Array.from({ length: USERS }, (_, i) => ({ email: `bench-${i}@example.com`, password: PASSWORD }));
      // The flood's target has an account of its own: its lockout must not touch the users' logins.
      const target = { email: 'flood-target@example.com', password: PASSWORD };
      await Promise.all(
        Object.values(stacks).map(async (stack) => {
          // scrypt at its production cost: each registration is a fraction of a second of CPU.
          await inParallel([...users, target], 2, (user) => registerAccount(stack, user));
          // The legitimate load logs each user in far more often than a person would: past
          // auth.loginMaxSuccesses (20 a minute) it would measure that limit's 429s, not logins.
          const config = await requestJson(`${stack.url('gateway')}/admin/config`, {
            method: 'PUT',
            headers: adminHeaders,
            json: { 'auth.loginMaxSuccesses': 1_000_000 },
          });
          if (config.status !== 200) throw new Error(`PUT /admin/config answered ${config.status}: ${JSON.stringify(config.body)}`);
          const login = await requestJson(`${stack.url('gateway')}/auth/login`, { method: 'POST', json: users[0] });
          if (login.status !== 200) throw new Error(`POST /auth/login answered ${login.status}: ${JSON.stringify(login.body)}`);
        }),
      );
      load = await startLoad();
      const legit = {
        method: 'POST' as const,
        bodies: users.map((user) => JSON.stringify(user)),
        bodyHeaders: users.map((_, i) => ({ 'x-forwarded-for': `10.0.0.${i + 1}` })),
        // One login in flight per core: scrypt bounds the rate, and more in flight would only
        // queue them past the gateway's RPC deadline (504s).
        connections: 2,
      };
      const flood = {
        method: 'POST' as const,
        bodies: [JSON.stringify({ email: target.email, password: 'not the password' })],
        bodyHeaders: [{ 'x-forwarded-for': '10.9.9.9' }],
        connections: 16,
      };
      for (let round = 0; round < settings.rounds; round++) {
        for (const variant of rotation(VARIANTS, round)) {
          const stack = stacks[variant.id]!;
          const url = `${stack.url('gateway')}/auth/login`;
          const pids = [...stack.pids(), context.redisPid];
          for (const [kind, args] of [['legit', legit], ['flood', flood]] as const) {
            // Logins still hashing when a window ends would load the next window: wait them out.
            await waitForIdle(pids);
            const figures = await load.call<AutocannonFigures>('autocannon', { url, ...args, durationMs: settings.measureMs, cpuPids: pids });
            const key = `${variant.id}-${kind}`;
            recorder.add(key, 'rps', figures.rps, 'req/s');
            recorder.add(key, 'p50', figures.p50, 'ms');
            recorder.add(key, 'p99', figures.p99, 'ms');
            recorder.add(key, 'cpuUsPerRequest', figures.cpuUsPerRequest, 'µs');
            const counts = (statuses[key] ??= {});
            for (const [code, count] of Object.entries(figures.statusCodes)) counts[code] = (counts[code] ?? 0) + count;
          }
        }
        context.log(`login: round ${round + 1}/${settings.rounds} done`);
      }
    } finally {
      await load?.stop();
      await stopAll(Object.values(stacks));
    }
    const rps = (key: string) => recorder.median(key, 'rps');
    const describe = (key: string) =>
      Object.entries(statuses[key] ?? {})
        .map(([code, count]) => `${rate(count)}x ${code}`)
        .join(', ');
    return {
      status: 'ok',
      figures: recorder.figures(),
      extra: { statuses },
      tables: [
        {
          columns: ['load', 'limiter', 'req/s', 'on vs off', 'p50 (ms)', 'p99 (ms)', 'CPU per request (µs)', 'answers (all rounds)'],
          rows: (['legit', 'flood'] as const).flatMap((kind) =>
            VARIANTS.map((variant) => {
              const key = `${variant.id}-${kind}`;
              return [
                kind === 'legit' ? `${USERS} users logging in in turn, right password, 2 connections` : 'one account guessed from one address, 16 connections',
                variant.label,
                rate(rps(key)),
                variant.id === 'on' ? times(ratio(rps(key), rps(`off-${kind}`))) : '',
                ms(recorder.median(key, 'p50')),
                ms(recorder.median(key, 'p99')),
                rate(recorder.median(key, 'cpuUsPerRequest')),
                describe(key),
              ];
            }),
          ),
        },
      ],
      notes: [
        'Passwords are checked with scrypt at its production cost (N=2^15, r=8, p=3; the CPU per request above is mostly ' +
          'that), which bounds legitimate logins on 2 cores to a handful per second with or without the limiter; the ' +
          'limiter adds one Lua script before the check and one after a success.',
        'Before every window the bench waits until the stack is idle: logins still hashing from the previous window would ' +
          'otherwise be charged to the next one.',
        'In the flood, the limiter answers 429 from its Lua script after 5 failures (one email from one address), ' +
          'without running scrypt; without it every guess costs a scrypt.',
        'The success limit (auth.loginMaxSuccesses) is raised out of the way: the legitimate load logs each user in ' +
          'many times a minute.',
      ],
      targets: [],
    };
  },
};
