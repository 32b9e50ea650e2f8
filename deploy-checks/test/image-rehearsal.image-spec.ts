import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, ManagedProcess, RedisServer, repoRoot, waitFor } from '@platform/testing';
import { rehearse, type Stage } from '../src/dockerfile.js';
import { type BuildContext, dockerfile, hostEnv, makeBuildContext } from './build-context.js';

/** The files the patches in `dir` change (`+++ b/node_modules/...` of each patch-package diff). */
function patchedFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.patch'))
    .flatMap((name) => [...readFileSync(join(dir, name), 'utf8').matchAll(/^\+\+\+ b\/(node_modules\/\S+)$/gm)].map((match) => match[1]!));
}

/**
 * The image build, rehearsed without Docker: the real Dockerfile's stages run in temp folders
 * (see src/dockerfile.ts) on the build context .dockerignore lets through. gateway (the
 * service with the most dependencies) goes through every stage: prune, npm ci (which applies
 * patches/), build, prune to production dependencies; the patched files are in the result, and
 * it starts and answers /health/live.
 *
 * Minutes of npm ci and build, so not part of `make test`: `npm run test:image` runs it, and
 * `make image-check` runs that before the real build (which then does the same steps in a
 * container). The prune stage of every service and the static checks are dockerfile.spec.ts.
 */
describe('rehearsing the image build', () => {
  let buildContext: BuildContext;
  let gateway: Stage;
  let redis: RedisServer | undefined;
  let running: ManagedProcess | undefined;
  beforeAll(() => {
    buildContext = makeBuildContext();
  });
  afterAll(async () => {
    await running?.stop();
    await redis?.destroy();
    buildContext?.remove();
  });

  it('builds gateway through every stage into a production-only tree', () => {
    const stages = rehearse({ dockerfile, context: buildContext.context, buildArgs: { SERVICE: 'gateway' }, workDir: join(buildContext.dir, 'gateway'), hostEnv });
    gateway = stages.get('final')!;
    expect(gateway.name).toBe('runtime');
    expect(stages.get('builder')!.ran).toEqual(expect.arrayContaining(['npm ci', 'npm prune --omit=dev']));
    const app = join(gateway.root, 'app');
    expect(existsSync(join(app, 'services', 'gateway', 'dist', 'main.js'))).toBe(true);
    // Dev dependencies are gone: no compiler, no test runner in the image.
    for (const devOnly of ['typescript', 'jest', 'turbo', 'oxlint']) expect(existsSync(join(app, 'node_modules', devOnly))).toBe(false);
    // Only the service being built.
    expect(readdirSync(join(app, 'services'))).toEqual(['gateway']);
    // What patches/ changes in node_modules (npm ci applies it) reaches the image as it is on this
    // machine, where npm ci applied the same patches: byte for byte, after the prune.
    const patched = patchedFiles(join(repoRoot, 'patches'));
    expect(patched.length).toBeGreaterThan(0);
    for (const file of patched) {
      expect({ file, same: readFileSync(join(app, file), 'utf8') === readFileSync(join(repoRoot, file), 'utf8') }).toEqual({ file, same: true });
    }
  }, 300_000);

  it('starts the built gateway with its CMD, and it answers /health/live', async () => {
    redis = await RedisServer.start();
    const port = await freePort();
    const [command, ...args] = gateway.cmd!;
    expect(command).toBe('node');
    const { NODE_OPTIONS: _jestFlags, ...inherited } = process.env;
    running = ManagedProcess.spawn(process.execPath, args, {
      cwd: join(gateway.root, gateway.workdir),
      // What the process needs to start (the chart gives these too; see agreement.spec.ts).
      env: {
        PATH: inherited.PATH,
        ...gateway.env,
        HOST: '127.0.0.1',
        PORT: String(port),
        REDIS_URL: redis.url,
        ADMIN_TOKEN: 'rehearsal-admin-token-0123456789',
        SESSION_SECRET: 'rehearsal-session-secret-0123456789abcdef', // @example
      },
    });
    const status = await waitFor('the rehearsed gateway /health/live', async () => {
      if (running!.hasExited) return 'exited';
      const response = await fetch(`http://127.0.0.1:${port}/health/live`).catch(() => undefined);
      return response?.status === 200 ? response.status : undefined;
    }, { timeoutMs: 30_000 });
    expect({ status, output: status === 200 ? '' : running.output.tail() }).toEqual({ status: 200, output: '' });
  }, 60_000);
});
