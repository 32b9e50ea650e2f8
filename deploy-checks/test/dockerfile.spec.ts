import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDockerfile, rehearse } from '../src/dockerfile.js';
import { repoPath } from '../src/repo.js';
import { type BuildContext, dockerfile, hostEnv, makeBuildContext } from './build-context.js';

/**
 * The Dockerfile and what it is built from, without Docker: the build context .dockerignore
 * lets through, the versions it pins, the runtime stage's user and CMD, and its prune stage
 * (see src/dockerfile.ts) for every service, in seconds. What takes minutes, gateway through
 * every stage (npm ci, build, prune to production dependencies) and started, is in
 * image-rehearsal.image-spec.ts, which `make image-check` runs before it builds the real image.
 */
let buildContext: BuildContext;
beforeAll(() => {
  buildContext = makeBuildContext();
});
afterAll(() => buildContext?.remove());

/** The runtime stage's CMD, as written. */
const dockerCmd = (JSON.parse(parseDockerfile(dockerfile).findLast((i) => i.keyword === 'CMD')!.args) as string[]).join(' ');

const services = readdirSync(repoPath('services')).filter((name) => existsSync(repoPath('services', name, 'package.json')));

describe('the build context', () => {
  it('holds the sources and lockfile, and no dependencies, build output, .env or local state', () => {
    expect(buildContext.files).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', '.npmrc', 'turbo.json']));
    const unwanted = buildContext.files.filter((file) =>
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

describe('the prune stage, rehearsed', () => {
  it.each(services)('prunes %s to its own workspace and dependencies, and its CMD matches its build', (service) => {
    const stages = rehearse({
      dockerfile,
      context: buildContext.context,
      buildArgs: { SERVICE: service },
      workDir: join(buildContext.dir, service),
      hostEnv,
      untilStage: 'pruner',
    });
    const out = join(stages.get('pruner')!.root, 'app', 'out');
    expect(readdirSync(join(out, 'json', 'services'))).toEqual([service]);
    expect(existsSync(join(out, 'json', 'package-lock.json'))).toBe(true);
    const manifest = JSON.parse(readFileSync(join(out, 'full', 'services', service, 'package.json'), 'utf8')) as { main?: string; scripts: Record<string, string> };
    // The image runs what `npm start` runs in the service folder (the WORKDIR).
    expect(dockerCmd).toBe(manifest.scripts.start);
    expect(manifest.main).toBe('./dist/main.js');
  }, 60_000);
});
