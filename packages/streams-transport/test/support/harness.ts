import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NestFactory } from '@nestjs/core';
import type { INestMicroservice, LogLevel, Type } from '@nestjs/common';
import { ManagedProcess, repoRoot, waitFor } from '@platform/testing';
import { lastValueFrom, type Observable } from 'rxjs';
import { StreamsServer, type StreamsServerOptions } from '../../src/index.js';
import { WorkModule, type WorkSettings } from '../fixtures/work.controller.js';

const packageDir = fileURLToPath(new URL('../../', import.meta.url));
const fixturesDir = join(packageDir, 'test/fixtures');
const replicaEntry = join(fixturesDir, 'dist/test/fixtures/replica.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Compiles the replica fixture and the package sources it runs, unless the build is current. */
export function buildReplicaFixture(): void {
  const sources = Math.max(newestMtime(join(packageDir, 'src')), newestMtime(fixturesDir));
  if (existsSync(replicaEntry) && statSync(replicaEntry).mtimeMs >= sources) return;
  try {
    execFileSync(join(repoRoot, 'node_modules/.bin/tsc'), ['-p', join(fixturesDir, 'tsconfig.json')], { stdio: 'pipe' });
  } catch (error) {
    // tsc reports type errors on stdout.
    const { stdout } = error as { stdout?: Buffer };
    throw new Error(`compiling the replica fixture failed:\n${stdout?.toString() ?? String(error)}`, { cause: error });
  }
}

export interface ReplicaEnv {
  REDIS_URL: string;
  SERVICE?: string;
  REPLICA?: string;
  TRANSPORT?: 'streams' | 'redis';
  DELAY_MS?: string;
  CLAIM_IDLE_MS?: string;
  MAX_IN_FLIGHT?: string;
  MAX_ENTRY_BYTES?: string;
  MAX_DELIVERIES?: string;
}

/** Starts a replica process (see test/fixtures/replica.ts) without waiting for it. */
export function spawnReplica(env: ReplicaEnv): ManagedProcess {
  buildReplicaFixture();
  const { NODE_OPTIONS: _jestFlags, ...inherited } = process.env;
  return ManagedProcess.spawn(process.execPath, ['--enable-source-maps', replicaEntry], {
    cwd: packageDir,
    env: { ...inherited, NO_COLOR: '1', ...env },
  });
}

/** Starts a replica process (see test/fixtures/replica.ts) and waits until it consumes. */
export async function startReplica(env: ReplicaEnv): Promise<ManagedProcess> {
  const replica = spawnReplica(env);
  await untilConsuming(replica, env.REPLICA ?? '');
  return replica;
}

/** Waits until a spawned replica says it is ready (it consumes); fails with its output if it exits first. */
export async function untilConsuming(replica: ManagedProcess, name: string): Promise<void> {
  await waitFor(
    `replica ${name}`,
    () => {
      if (replica.hasExited) throw new Error(`replica exited:\n${replica.output.tail()}`);
      return replica.output.text().includes(' ready\n') || undefined;
    },
    { timeoutMs: 20_000 },
  ).catch((error: Error) => {
    throw new Error(`${error.message}\n${replica.output.tail()}`);
  });
}

/** An in-process microservice on the streams transport, serving the fixture handlers. */
export async function startServer(
  settings: WorkSettings,
  options: Partial<StreamsServerOptions> = {},
  extraControllers: Type[] = [],
): Promise<INestMicroservice> {
  const module = WorkModule.forRoot(settings);
  module.controllers = [...(module.controllers ?? []), ...extraControllers];
  const app = await NestFactory.createMicroservice(module, {
    strategy: new StreamsServer({ redis: { url: settings.redisUrl }, service: settings.service, consumer: settings.replica, ...options }),
    logger: quietLogger,
  });
  await app.listen();
  return app;
}

/** Nest logs only errors and warnings in tests, so a failing test's output shows what matters. */
export const quietLogger: LogLevel[] = ['error', 'warn'];

/** The outcome of one call: its value, or the error it failed with. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** Subscribes and records the outcome instead of throwing. */
export async function outcome<T>(call: Observable<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await lastValueFrom(call) };
  } catch (error) {
    return { ok: false, error };
  }
}
