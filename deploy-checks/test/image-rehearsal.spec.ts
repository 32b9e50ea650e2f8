import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, ManagedProcess, RedisServer, waitFor } from '@platform/testing';
import { parseDockerfile, rehearse, type Stage } from '../src/dockerfile.js';
import { copyBuildContext } from '../src/dockerignore.js';
import { repoPath } from '../src/repo.js';

/**
 * The image build, rehearsed without Docker: the real Dockerfile's stages run in temp folders
 * (see src/dockerfile.ts) on the build context .dockerignore lets through.
 * - gateway (the service with the most dependencies) goes through every stage: prune, npm ci,
 *   build, prune to production dependencies; the result starts and answers /health/live.
 * - every other service goes through the prune stage only (npm ci and the build are the same
 *   commands on a smaller tree; doing them six times would take ~6 minutes here), and the
 *   runtime stage's CMD is checked against what its package builds.
 */
const dockerfile = readFileSync(repoPath('Dockerfile'), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'image-rehearsal-'));
const context = join(dir, 'context');
let contextFiles: string[] = [];
// NODE_EXTRA_CA_CERTS: where HTTPS goes through an inspecting proxy, npm without it waits out
// its retries (about 70 s) on every fetch before falling back to its cache.
const hostEnv = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  npm_config_cache: process.env.npm_config_cache,
  NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS,
};

beforeAll(() => {
  contextFiles = copyBuildContext(repoPath(''), readFileSync(repoPath('.dockerignore'), 'utf8'), context);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The runtime stage's CMD, as written. */
const dockerCmd = (JSON.parse(parseDockerfile(dockerfile).findLast((i) => i.keyword === 'CMD')!.args) as string[]).join(' ');

const services = readdirSync(repoPath('services')).filter((name) => existsSync(repoPath('services', name, 'package.json')));

describe('the build context', () => {
  it('holds the sources and lockfile, and no dependencies, build output, .env or local state', () => {
    expect(contextFiles).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', '.npmrc', 'turbo.json']));
    const unwanted = contextFiles.filter((file) =>
      /(^|\/)(node_modules|dist|\.turbo|\.git|\.tools|\.dev)\/|(^|\/)\.env(\.|$)|tsbuildinfo$/.test(file),
    );
    expect(unwanted).toEqual([]);
  });
});

describe('the Dockerfile', () => {
  const instructions = parseDockerfile(dockerfile);

  const argDefault = (name: string) => instructions.find((i) => i.keyword === 'ARG' && i.args.startsWith(`${name}=`))?.args.split('=')[1];

  it('pins the Node image of .nvmrc, the turbo version of the lockfile and the npm of packageManager', () => {
    // .nvmrc holds the exact version (scripts/ensure-node.sh installs it), so the tag is that version.
    const nvmrc = readFileSync(repoPath('.nvmrc'), 'utf8').trim();
    expect(argDefault('NODE_IMAGE')).toMatch(new RegExp(`^node:${nvmrc.replaceAll('.', '\\.')}-[a-z]+-slim$`));
    const lock = JSON.parse(readFileSync(repoPath('package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
    expect(argDefault('TURBO_VERSION')).toBe(lock.packages['node_modules/turbo']!.version);
    // The npm that wrote the lockfile runs npm ci in the image, not the one the Node image ships.
    const { packageManager } = JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { packageManager: string };
    expect(`npm@${argDefault('NPM_VERSION')}`).toBe(packageManager);
    // In the base stage, which the pruner and builder stages start from.
    const froms = instructions.flatMap((i, index) => (i.keyword === 'FROM' ? [index] : []));
    const base = instructions.slice(froms[0], froms[1]);
    expect(base[0]!.args).toMatch(/ AS base$/);
    expect(base.filter((i) => i.keyword === 'RUN').map((i) => i.args)).toContainEqual(expect.stringContaining('npm install --global "npm@${NPM_VERSION}"'));
  });

  it('runs as a numeric non-root user under an init process, with no ENV that looks like a secret', () => {
    const runtime = instructions.slice(instructions.findLastIndex((i) => i.keyword === 'FROM'));
    expect(runtime.find((i) => i.keyword === 'USER')?.args).toMatch(/^[1-9]\d{4,}:[1-9]\d{4,}$/);
    expect(runtime.find((i) => i.keyword === 'ENTRYPOINT')?.args).toMatch(/tini/);
    expect(instructions.filter((i) => i.keyword === 'ENV' && /(PASSWORD|TOKEN|SECRET|REDIS_URL)/.test(i.args))).toEqual([]);
  });
});

describe('rehearsing the image build', () => {
  let gateway: Stage;
  let redis: RedisServer | undefined;
  let running: ManagedProcess | undefined;
  afterAll(async () => {
    await running?.stop();
    await redis?.destroy();
  });

  it('builds gateway through every stage into a production-only tree', () => {
    const stages = rehearse({ dockerfile, context, buildArgs: { SERVICE: 'gateway' }, workDir: join(dir, 'gateway'), hostEnv });
    gateway = stages.get('final')!;
    expect(gateway.name).toBe('runtime');
    expect(stages.get('builder')!.ran).toEqual(expect.arrayContaining(['npm ci', 'npm prune --omit=dev']));
    const app = join(gateway.root, 'app');
    expect(existsSync(join(app, 'services', 'gateway', 'dist', 'main.js'))).toBe(true);
    // Dev dependencies are gone: no compiler, no test runner in the image.
    for (const devOnly of ['typescript', 'jest', 'turbo', 'oxlint']) expect(existsSync(join(app, 'node_modules', devOnly))).toBe(false);
    // Only the service being built.
    expect(readdirSync(join(app, 'services'))).toEqual(['gateway']);
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

  it.each(services.filter((name) => name !== 'gateway'))('prunes %s to its own workspace and dependencies, and its CMD matches its build', (service) => {
    const stages = rehearse({ dockerfile, context, buildArgs: { SERVICE: service }, workDir: join(dir, service), hostEnv, untilStage: 'pruner' });
    const out = join(stages.get('pruner')!.root, 'app', 'out');
    expect(readdirSync(join(out, 'json', 'services'))).toEqual([service]);
    expect(existsSync(join(out, 'json', 'package-lock.json'))).toBe(true);
    const manifest = JSON.parse(readFileSync(join(out, 'full', 'services', service, 'package.json'), 'utf8')) as { main?: string; scripts: Record<string, string> };
    // The image runs what `npm start` runs in the service folder (the WORKDIR).
    expect(dockerCmd).toBe(manifest.scripts.start);
    expect(manifest.main).toBe('./dist/main.js');
  }, 60_000);
});
