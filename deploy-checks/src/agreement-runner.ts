// Runs a chart-and-code agreement plan (see agreement.ts): node dist/agreement-runner.js <plan.json>.
// Started inside a private network namespace, so the chart's ports are used as declared.
// Writes the outcome to plan.resultFile; every process it starts is stopped before it exits.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { ManagedProcess, RedisServer } from '@platform/testing';
import { Redis } from 'ioredis'; // @example
import type { AgreementPlan, AgreementResult, ProbeTarget, PublicApiOutcome, ServiceOutcome, ServicePlan } from './agreement.js';

/** How long a pod may stay unready before a rollout would be stuck (kubectl's default progress deadline is 600 s). */
const READY_WITHIN_MS = 60_000;

async function status(target: ProbeTarget): Promise<number> {
  try {
    const response = await fetch(`http://127.0.0.1:${target.port}${target.path}`, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

/** Polls a probe until it answers 200 (a kubelet counts 200-399 as success; our routes answer 200). */
async function until(target: ProbeTarget, withinMs: number, child: ManagedProcess): Promise<number | undefined> {
  const start = Date.now();
  while (Date.now() - start < withinMs) {
    if (child.hasExited) return undefined;
    if ((await status(target)) === 200) return Date.now() - start;
    await sleep(100);
  }
  return undefined;
}

async function exercise(plan: ServicePlan, child: ManagedProcess, outcome: ServiceOutcome, started: number): Promise<void> {
  // The kubelet restarts a container whose startup probe fails failureThreshold times in a row.
  const startupBudget = plan.startup.periodSeconds * plan.startup.failureThreshold * 1000;
  const live = await until(plan.startup, startupBudget, child);
  if (live === undefined) {
    outcome.error = `startup probe ${plan.startup.path} on port ${plan.startup.port} did not answer 200 within ${startupBudget} ms`;
    return;
  }
  outcome.startedAfterMs = Date.now() - started;
  const ready = await until(plan.readiness, READY_WITHIN_MS, child);
  if (ready === undefined) {
    outcome.error = `readiness probe ${plan.readiness.path} on port ${plan.readiness.port} did not answer 200 within ${READY_WITHIN_MS} ms`;
  } else {
    outcome.readyAfterMs = Date.now() - started;
  }
  outcome.live = await status(plan.liveness);
  outcome.ready = await status(plan.readiness);
}

// @example-begin
const ACCOUNT_EMAIL = 'agreement@example.com';
const ACCOUNT = JSON.stringify({ email: ACCOUNT_EMAIL, password: 'correct horse battery staple' });

/** The verification token a job of the `email` queue carries for the agreement's account. */
function tokenOfJob(data: string | null): string | undefined {
  const job = JSON.parse(data ?? '{}') as { template?: string; to?: string; data?: { token?: string } };
  return job.template === 'verify-email' && job.to === ACCOUNT_EMAIL ? job.data?.token : undefined;
}

/**
 * The token of the verification email to the agreement's account, where the platform holds it
 * on the public service's own Redis URL: in the dev outbox (notifications' list, without
 * SMTP_URL), or in the email job while the values' SMTP server (none here) has not taken it.
 */
async function verificationToken(plan: ServicePlan): Promise<string> {
  const url = plan.env.REDIS_URL ?? readFileSync(plan.env.REDIS_URL_FILE!, 'utf8').trim();
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    for (let attempt = 0; attempt < 100; attempt++) {
      for (const entry of await redis.lrange('notifications:outbox', 0, -1)) {
        const email = JSON.parse(entry) as { to: string; template: string; text: string };
        const token = /(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/.exec(email.text)?.[0];
        if (email.to === ACCOUNT_EMAIL && email.template === 'verify-email' && token) return token;
      }
      // SCAN, not KEYS: a service's ACL user has no @dangerous commands.
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', 'bull:email:*', 'COUNT', 1_000);
        cursor = next;
        for (const key of keys) {
          const token = (await redis.type(key)) === 'hash' ? tokenOfJob(await redis.hget(key, 'data')) : undefined;
          if (token) return token;
        }
      } while (cursor !== '0');
      await sleep(100);
    }
    throw new Error('no verification email in the dev outbox or the email queue');
  } finally {
    redis.disconnect();
  }
}

/** Registers the agreement's account as a user does: the form, then the emailed token. */
async function registerAccount(plan: ServicePlan, base: string): Promise<void> {
  const json = { 'content-type': 'application/json' };
  const registered = await fetch(`${base}/auth/register`, { method: 'POST', headers: json, body: ACCOUNT, signal: AbortSignal.timeout(10_000) });
  if (registered.status !== 202) throw new Error(`register answered ${registered.status}: ${await registered.text()}`);
  const token = await verificationToken(plan);
  const confirmed = await fetch(`${base}/auth/register/confirm`, { method: 'POST', headers: json, body: JSON.stringify({ token }), signal: AbortSignal.timeout(10_000) });
  if (confirmed.status !== 201) throw new Error(`register/confirm answered ${confirmed.status}: ${await confirmed.text()}`);
}

/** A login to the public API with these headers. */
async function login(base: string, headers: Record<string, string>): Promise<{ status: number; setCookie: string[] }> {
  const response = await fetch(`${base}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: ACCOUNT,
    signal: AbortSignal.timeout(10_000),
  });
  await response.arrayBuffer();
  return { status: response.status, setCookie: response.headers.getSetCookie() };
}
// @example-end

/**
 * The public API as clients reach it, once every service is ready: the paths its API document
 * lists (which the Ingress must route), and logins as the Ingress forwards them (TLS ended
 * there: X-Forwarded-Proto: https, the client in X-Forwarded-For) and as `kubectl
 * port-forward` delivers them (plain HTTP from loopback).
 */
async function callPublicApi(plan: ServicePlan): Promise<PublicApiOutcome> {
  const base = `http://127.0.0.1:${plan.readiness.port}`;
  const outcome: PublicApiOutcome = { documentedPaths: [] };
  try {
    const document = (await (await fetch(`${base}/docs/openapi.json`, { signal: AbortSignal.timeout(10_000) })).json()) as { paths: Record<string, unknown> };
    outcome.documentedPaths = Object.keys(document.paths);
    // @example-begin
    await registerAccount(plan, base);
    outcome.forwardedLogin = await login(base, { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.10' });
    outcome.plainLogin = await login(base, {});
    // @example-end
  } catch (error) {
    outcome.error = (error as Error).stack ?? String(error);
  }
  return outcome;
}

async function stop(plan: ServicePlan, child: ManagedProcess, outcome: ServiceOutcome): Promise<void> {
  if (child.hasExited) {
    outcome.exit = await child.exited;
    return;
  }
  const start = Date.now();
  const exited = child.stop('SIGTERM', plan.stopWithinMs + 5_000);
  if (plan.drainMs > 0) {
    // Halfway through the drain, endpoints must already see the pod as not ready.
    await sleep(Math.min(plan.drainMs / 2, 1_000));
    outcome.readyWhileDraining = await status(plan.readiness);
  }
  const exit = await exited;
  outcome.stopMs = Date.now() - start;
  outcome.exit = { code: exit.code, signal: exit.signal };
}

async function main(): Promise<void> {
  const plan = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as AgreementPlan;
  const result: AgreementResult = { redisProbes: {}, services: [] };
  let redis: RedisServer | undefined;
  const children: ManagedProcess[] = [];
  try {
    redis = await RedisServer.start({ port: plan.redis.port, args: plan.redis.args });
    // The chart's own probe scripts, against the Redis its own config made.
    for (const probe of plan.redis.probes) {
      const run = spawnSync(probe.command[0]!, probe.command.slice(1), { env: probe.env, timeout: 10_000, encoding: 'utf8' });
      result.redisProbes[probe.kind] = run.status;
    }
    const started = Date.now();
    const running = plan.services.map((service) => {
      const child = ManagedProcess.spawn(process.execPath, ['--enable-source-maps', service.entry], {
        cwd: service.cwd,
        env: service.env,
      });
      children.push(child);
      const outcome: ServiceOutcome = { deployment: service.deployment, logTail: '' };
      result.services.push(outcome);
      return { service, child, outcome };
    });
    await Promise.all(running.map(({ service, child, outcome }) => exercise(service, child, outcome, started)));
    for (const { service, outcome } of running) if (service.publicApi && !outcome.error) outcome.publicApi = await callPublicApi(service);
    await Promise.all(running.map(({ service, child, outcome }) => stop(service, child, outcome)));
    for (const { child, outcome } of running) outcome.logTail = child.output.tail(30);
  } catch (error) {
    result.error = (error as Error).stack ?? String(error);
  } finally {
    await Promise.all(children.map((child) => child.stop('SIGKILL')));
    await redis?.destroy();
    writeFileSync(plan.resultFile, JSON.stringify(result, null, 2));
  }
}

await main();
