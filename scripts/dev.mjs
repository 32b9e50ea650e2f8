#!/usr/bin/env node
// `make dev`: an embedded Redis (unless REDIS_URL is given), every service with reload on
// save, one log stream prefixed by service. Ctrl-C stops everything, services first (they
// drain), Redis last, and leaves no process behind.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, watch } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { calleeEnv, readRegistry } from '../packages/registry/index.mjs';
import { hasBinary, say, start, state, stopAllOnSignals } from './lib/children.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Every service of the registry (services/*/package.json "platform"), callees first.
const SERVICES = readRegistry(root);
const DEV_REDIS_PORT = Number(process.env.DEV_REDIS_PORT ?? 6390);
const ADMIN_TOKEN = process.env.ADMIN_TOKEN ?? 'dev-admin-token-change-me';
// @example-begin
// Signs the gateway's session cookie; a fixed dev value keeps sessions across reloads.
const SESSION_SECRET = process.env.SESSION_SECRET ?? 'dev-session-secret-change-me-0123456789';
// @example-end

function portIsFree(port) {
  return new Promise((resolve) => {
    const server = createServer().once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function waitForRedis(port) {
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      execFileSync('redis-cli', ['-p', String(port), 'ping'], { stdio: 'pipe' });
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`redis-server did not answer on port ${port}`);
}

async function startRedis() {
  if (process.env.REDIS_URL) {
    say(`using REDIS_URL from the environment (no embedded Redis)`);
    return process.env.REDIS_URL;
  }
  if (!(await hasBinary('redis-server'))) {
    console.error(
      'make dev needs redis-server on PATH (or REDIS_URL pointing at a Redis you run).\n' +
        '  Debian/Ubuntu: sudo apt-get install redis-server\n' +
        '  Fedora:        sudo dnf install redis\n' +
        '  macOS:         brew install redis\n' +
        '  or:            REDIS_URL=redis://host:6379 make dev',
    );
    process.exit(1);
  }
  if (!(await portIsFree(DEV_REDIS_PORT))) {
    console.error(`port ${DEV_REDIS_PORT} is taken: stop what uses it, or choose another with DEV_REDIS_PORT=6391 make dev`);
    process.exit(1);
  }
  const dir = join(root, '.dev', 'redis');
  mkdirSync(dir, { recursive: true });
  start('redis', 'redis-server', [
    '--port', String(DEV_REDIS_PORT),
    '--bind', '127.0.0.1',
    '--dir', dir,
    '--appendonly', 'yes',
    '--appendfsync', 'everysec',
    '--save', '',
    // The queues share this Redis: never evict a key.
    '--maxmemory-policy', 'noeviction',
  ]);
  await waitForRedis(DEV_REDIS_PORT);
  say(`embedded Redis on port ${DEV_REDIS_PORT}, data in .dev/redis/`);
  return `redis://127.0.0.1:${DEV_REDIS_PORT}`;
}

function workspaces() {
  return ['packages', 'services'].flatMap((group) =>
    readdirSync(join(root, group))
      .map((name) => join(group, name))
      .filter((dir) => existsSync(join(root, dir, 'tsconfig.build.json'))),
  );
}

/**
 * Rebuilds a workspace when a file under its src/ changes; `node --watch` then restarts the
 * services whose loaded files changed. Written here because `tsc --watch` of TypeScript 7.0
 * did not notice changes on this setup (neither with fs events nor with polling), while
 * Node's recursive fs.watch does; `tsc -b` of one workspace takes well under a second.
 */
function rebuildOnSave() {
  const pending = new Set();
  let timer;
  let building = false;
  const flush = () => {
    if (building || pending.size === 0) return;
    building = true;
    const dirs = [...pending];
    pending.clear();
    const configs = dirs.map((dir) => join(dir, 'tsconfig.build.json'));
    execFile(join(root, 'node_modules', '.bin', 'tsc'), ['-b', ...configs], { cwd: root }, (error, stdout) => {
      building = false;
      if (error) process.stdout.write(`\u001b[31mtsc             \u001b[0m│ ${stdout || error.message}\n`);
      else say(`rebuilt ${dirs.join(', ')}`);
      flush();
    });
  };
  for (const dir of workspaces()) {
    watch(join(root, dir, 'src'), { recursive: true }, (_event, file) => {
      if (!file || !file.endsWith('.ts') || file.endsWith('.spec.ts')) return;
      pending.add(dir);
      clearTimeout(timer);
      timer = setTimeout(flush, 150);
    });
  }
}

async function waitUntilReady(services) {
  const deadline = Date.now() + 60_000;
  for (const service of services) {
    while (Date.now() < deadline && !state.stopping) {
      const ok = await fetch(`http://127.0.0.1:${service.port}/health/ready`).then((r) => r.ok, () => false);
      if (ok) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

async function main() {
  stopAllOnSignals({ last: 'redis' });

  const redisUrl = await startRedis();
  say('building every workspace once');
  execFileSync('npx', ['turbo', 'run', 'build', '--filter=./services/*...', '--output-logs=errors-only'], { cwd: root, stdio: 'inherit' });

  rebuildOnSave();
  const env = {
    ...process.env,
    REDIS_URL: redisUrl,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    ADMIN_TOKEN,
    SESSION_SECRET, // @example
    DEV_ENDPOINTS: 'true', // @example
    SHUTDOWN_TIMEOUT_MS: '5000',
  };
  for (const service of SERVICES) {
    // Ports from the registry: the service's own, its extra ports, and where its callees listen.
    const ports = Object.fromEntries(service.extraPorts.map((extra) => [extra.env, String(extra.port)]));
    const callees = calleeEnv(SERVICES, service, { host: () => '127.0.0.1', port: (_callee, extra) => extra.port });
    start(service.name, process.execPath, ['--enable-source-maps', '--watch', 'dist/main.js'], {
      cwd: join(root, 'services', service.name),
      env: { ...env, PORT: String(service.port), ...ports, ...callees },
    });
  }
  await waitUntilReady(SERVICES);
  const entry = SERVICES.find((service) => service.public) ?? SERVICES.find((service) => service.role === 'http');
  say(`every service is ready: ${SERVICES.map((service) => `${service.name} :${service.port}`).join(', ')}`);
  if (entry) say(`the API is on http://localhost:${entry.port}`);
  say(`admin token (dev only): ${ADMIN_TOKEN}`);
  say('Ctrl-C stops everything');
}

main().catch((error) => {
  console.error(error);
  process.kill(process.pid, 'SIGTERM');
});
